package runtime_test

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/internal/syncbuf"
	"github.com/microshop/microshop/local/runtime"
)

func startSite(t *testing.T) (*runtime.Runtime, *syncbuf.Buffer) {
	t.Helper()
	log := &syncbuf.Buffer{}
	rt := startRuntime(t, runtime.Config{
		Template: filepath.Join("testdata", "site", "Site.template.json"),
		APIAddr:  "127.0.0.1:0", SiteAddr: "127.0.0.1:0", KeyDir: t.TempDir(), Log: log,
	})
	return rt, log
}

func get(t *testing.T, url string, header map[string]string, method string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// The runtime finds the site in the template's bucket deployment (its sources resolved
// through the cloud assembly's asset manifest), serves it as the distribution would, and
// answers config.json with the deployment's markers resolved against the local stack.
func TestSiteIsServedFromTheBucketDeployment(t *testing.T) {
	rt, log := startSite(t)
	if !strings.HasPrefix(rt.SiteURL(), "http://127.0.0.1:") {
		t.Fatalf("SiteURL = %q", rt.SiteURL())
	}
	for _, path := range []string{"/", "/products/42"} {
		resp, body := get(t, rt.SiteURL()+path, nil, http.MethodGet)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<title>Test shop</title>") {
			t.Errorf("GET %s: %d %q, want index.html", path, resp.StatusCode, body)
		}
	}
	if resp, _ := get(t, rt.SiteURL()+"/img/logo.svg", nil, http.MethodGet); resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("logo.svg Content-Type = %q", resp.Header.Get("Content-Type"))
	}
	// The distribution's response headers, with the CSP's AWS endpoints made local.
	resp, _ := get(t, rt.SiteURL()+"/", nil, http.MethodGet)
	gotHeaders := map[string]string{}
	for _, k := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Permissions-Policy"} {
		gotHeaders[k] = resp.Header.Get(k)
	}
	wantHeaders := map[string]string{
		"Content-Security-Policy": "default-src 'self'; connect-src 'self' " + rt.APIURL() + " " + rt.EdgeURL() + "; frame-ancestors 'none'",
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Permissions-Policy":      "camera=()",
	}
	if diff := cmp.Diff(wantHeaders, gotHeaders); diff != "" {
		t.Errorf("response headers (-want +got):\n%s", diff)
	}

	resp, body := get(t, rt.SiteURL()+"/config.json", nil, http.MethodGet)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("config.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("config.json is not JSON: %v\n%s", err, body)
	}
	pool := rt.Model().UserPools[0]
	want := map[string]string{
		"apiUrl":           rt.APIURL(),
		"region":           "us-east-1",
		"userPoolId":       pool.ID,
		"userPoolClientId": pool.Clients[0].ID,
		"cognitoEndpoint":  rt.EdgeURL() + "/",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config.json (-want +got):\n%s", diff)
	}
	if !strings.Contains(log.String(), "not running CustomCDKBucketDeployment") {
		t.Errorf("the deployment's python handler was not reported as skipped:\n%s", log.String())
	}
}

// The API's CORS configuration allows "https://" + the distribution's domain; locally that
// is the site's own origin, and no other: a preflight from the site is answered by the
// gateway (the route's JWT authorizer would refuse it without a token), one from elsewhere
// gets no CORS headers, and so does the actual response.
func TestSiteOriginIsTheAllowedCORSOrigin(t *testing.T) {
	rt, _ := startSite(t)
	other := "http://127.0.0.1:1"
	preflight := func(origin string) (*http.Response, string) {
		return get(t, rt.APIURL()+"/cart", map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type",
		}, http.MethodOptions)
	}

	resp, _ := preflight(rt.SiteURL())
	got := []string{resp.Status, resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Methods"),
		resp.Header.Get("Access-Control-Allow-Headers"), resp.Header.Get("Access-Control-Max-Age")}
	want := []string{"204 No Content", rt.SiteURL(), "GET,POST,PUT,DELETE", "authorization,content-type", "600"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("preflight from the site (-want +got):\n%s", diff)
	}
	if resp, _ := preflight(other); resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from %s: %s, Access-Control-Allow-Origin %q; want 204 without it", other, resp.Status, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	// Without the preflight headers the same OPTIONS reaches the route and its authorizer.
	if resp, _ := get(t, rt.APIURL()+"/cart", map[string]string{"Origin": rt.SiteURL()}, http.MethodOptions); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("plain OPTIONS: %s, want 401 from the authorizer", resp.Status)
	}

	for origin, wantAllow := range map[string]string{rt.SiteURL(): rt.SiteURL(), other: ""} {
		resp, _ := get(t, rt.APIURL()+"/public", map[string]string{"Origin": origin}, http.MethodGet)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != wantAllow {
			t.Errorf("GET /public from %s: %s, Access-Control-Allow-Origin %q, want 200 and %q", origin, resp.Status, resp.Header.Get("Access-Control-Allow-Origin"), wantAllow)
		}
	}
}

// The browser signs in against the edge port: Cognito's API answers the preflight and the
// call itself with CORS headers.
func TestSiteCanCallCognitoOnTheEdge(t *testing.T) {
	rt, _ := startSite(t)
	resp, _ := get(t, rt.EdgeURL()+"/", map[string]string{
		"Origin": rt.SiteURL(), "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-amz-target",
	}, http.MethodOptions)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Headers") != "content-type,x-amz-target" {
		t.Fatalf("preflight: %s %v", resp.Status, resp.Header)
	}
	pool := rt.Model().UserPools[0]
	req, err := http.NewRequest(http.MethodPost, rt.EdgeURL()+"/", strings.NewReader(
		`{"ClientId":"`+pool.Clients[0].ID+`","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"nobody@example.com","PASSWORD":"Wrong-Password-1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", rt.SiteURL())
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "NotAuthorizedException") || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("InitiateAuth from the page: %s %s, Access-Control-Allow-Origin %q", resp.Status, body, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}
