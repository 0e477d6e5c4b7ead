package apigw_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/template"
)

// TestEventFidelity replays each payload aws-lambda-go captured from real API Gateway
// (events/testdata/apigw-v2-request-*.json, read from the module cache) as an HTTP request
// and checks that our event has the same non-empty keys at every level and the same values
// wherever the request determines them.
func TestEventFidelity(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(moduleDir(t, "github.com/aws/aws-lambda-go"), "events", "testdata", "apigw-v2-request-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no apigw-v2-request fixtures found (%v)", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var want events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			payload := replay(t, want)
			got := decodeEvent(t, payload)

			// Keys we knowingly do not produce, and why.
			skip := map[string]string{
				"requestContext.authentication": "sent only for mutual TLS, which the local runtime does not terminate",
			}
			if want.RouteKey == "$default" && len(want.PathParameters) > 0 {
				skip["pathParameters"] = "synthetic fixture: API Gateway sends no path parameters for the $default route"
			}
			// API Gateway sends header names in lower case; the fixtures written by hand do not.
			wantHeaders := map[string]string{}
			for k, v := range want.Headers {
				wantHeaders[strings.ToLower(k)] = v
			}
			realCapture := maps.Equal(wantHeaders, want.Headers)

			wantKeys, gotKeys := keySet(t, raw, false), keySet(t, payload, false)
			// A real capture also shows which keys API Gateway leaves out rather than sending
			// empty or null: compare every key there.
			if realCapture {
				wantKeys, gotKeys = keySet(t, raw, true), keySet(t, payload, true)
			}
			for _, set := range []map[string]bool{wantKeys, gotKeys} {
				for k := range set {
					for s := range skip {
						if k == s || strings.HasPrefix(k, s+".") {
							delete(set, k)
						}
					}
				}
			}
			if diff := cmp.Diff(wantKeys, gotKeys); diff != "" {
				t.Errorf("keys (-fixture +ours):\n%s", diff)
			}

			// Headers: everything the fixture has; a real capture must match exactly.
			for k, v := range wantHeaders {
				if got.Headers[k] != v {
					t.Errorf("headers[%q] = %q, want %q", k, got.Headers[k], v)
				}
			}
			if realCapture {
				if diff := cmp.Diff(wantHeaders, got.Headers); diff != "" {
					t.Errorf("headers of a real capture (-fixture +ours):\n%s", diff)
				}
			}

			type values struct {
				RouteKey, RawPath, RawQueryString string
				Cookies                           []string
				QueryStringParameters             map[string]string
				PathParameters                    map[string]string
				StageVariables                    map[string]string
				Method, Path, Protocol, SourceIP  string
				UserAgent                         string
				Body                              string
				IsBase64Encoded                   bool
				Stage, ContextRouteKey, AccountID string
				APIID, DomainName, DomainPrefix   string
				RequestID                         string
				TimeEpoch                         int64
				Authorizer                        *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
			}
			pick := func(e events.APIGatewayV2HTTPRequest) values {
				rc := e.RequestContext
				v := values{
					e.RouteKey, e.RawPath, e.RawQueryString, e.Cookies, e.QueryStringParameters,
					e.PathParameters, e.StageVariables,
					rc.HTTP.Method, rc.HTTP.Path, rc.HTTP.Protocol, rc.HTTP.SourceIP, rc.HTTP.UserAgent,
					e.Body, e.IsBase64Encoded,
					rc.Stage, rc.RouteKey, rc.AccountID, rc.APIID, rc.DomainName, rc.DomainPrefix,
					rc.RequestID, rc.TimeEpoch, rc.Authorizer,
				}
				if _, ok := skip["pathParameters"]; ok {
					v.PathParameters = nil
				}
				return v
			}
			if diff := cmp.Diff(pick(want), pick(got)); diff != "" {
				t.Errorf("event values (-fixture +ours):\n%s", diff)
			}
			// Synthetic fixtures write time without the space real captures have.
			if _, err := time.Parse("02/Jan/2006:15:04:05 -0700", want.RequestContext.Time); err == nil {
				if got.RequestContext.Time != want.RequestContext.Time {
					t.Errorf("time = %q, want %q", got.RequestContext.Time, want.RequestContext.Time)
				}
			}
		})
	}
}

// replay sends the request a fixture describes through a Server configured like the fixture's
// API and returns the payload the function received.
func replay(t *testing.T, ev events.APIGatewayV2HTTPRequest) []byte {
	t.Helper()
	rc := ev.RequestContext
	route := &template.Route{
		LogicalID: "Route", Key: ev.RouteKey, Function: "Fn",
		PayloadFormatVersion: "2.0", AuthorizationType: "NONE",
	}
	if ev.RouteKey != "$default" {
		route.Method, route.Path, _ = strings.Cut(ev.RouteKey, " ")
	}
	opts := apigw.Options{
		Stage:          rc.Stage,
		StageVariables: ev.StageVariables,
		AccountID:      rc.AccountID,
		Now:            func() time.Time { return time.UnixMilli(rc.TimeEpoch) },
		RequestID:      func() string { return rc.RequestID },
	}
	if a := rc.Authorizer; a != nil {
		switch {
		case a.JWT != nil:
			route.AuthorizationType = "JWT"
		case a.IAM != nil:
			route.AuthorizationType = "AWS_IAM"
		default:
			route.AuthorizationType = "CUSTOM"
		}
		opts.Authorizer = replayAuthorizer{a}
	}
	api := &template.HTTPAPI{LogicalID: "Api", ID: rc.APIID, Routes: []*template.Route{route}}
	inv := &fakeInvoker{}
	srv := apigw.New(api, map[string]string{"Fn": "fn"}, inv, opts)

	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			t.Fatal(err)
		}
	}
	host := rc.DomainName
	target := "https://" + host + rc.HTTP.Path
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	r := httptest.NewRequest(rc.HTTP.Method, target, bytes.NewReader(body))
	r.RemoteAddr = rc.HTTP.SourceIP + ":49152"
	for k, v := range ev.Headers {
		switch strings.ToLower(k) {
		case "host", "content-length", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto":
			continue // API Gateway's own; the server must produce them
		}
		r.Header.Set(k, v)
	}
	if rc.HTTP.UserAgent != "" {
		r.Header.Set("User-Agent", rc.HTTP.UserAgent)
	}
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	// The synthetic fixtures carry a JSON body as text but no Content-Type; a real client
	// would have sent one, and without it API Gateway base64-encodes the body.
	if len(body) > 0 && !ev.IsBase64Encoded && r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "application/json")
	}
	resp := do(t, srv, r)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("replay: status %d: %s", resp.StatusCode, readAll(t, resp.Body))
	}
	return inv.last(t).payload
}

type replayAuthorizer struct {
	desc *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
}

func (a replayAuthorizer) Authorize(context.Context, *template.Route, *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error) {
	return a.desc, nil
}

// keySet lists the paths of the values in a JSON document ("requestContext.http.method"):
// the non-empty ones, or all of them (null, "", [] and {} included) when all is true.
// headers is data, not shape: only its presence counts (captures differ in header names).
func keySet(t *testing.T, doc []byte, all bool) map[string]bool {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case nil:
			if !all {
				return
			}
		case string:
			if v == "" && !all {
				return
			}
		case []any:
			if len(v) == 0 && !all {
				return
			}
		case map[string]any:
			if len(v) == 0 && !all {
				return
			}
			if prefix != "headers" {
				for _, k := range slices.Sorted(maps.Keys(v)) {
					walk(strings.TrimPrefix(prefix+"."+k, "."), v[k])
				}
			}
		}
		if prefix != "" {
			set[prefix] = true
		}
	}
	walk("", v)
	return set
}

// moduleDir finds a dependency's directory in the module cache.
func moduleDir(t *testing.T, module string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", module, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		t.Fatalf("go list -m %s: module not downloaded", module)
	}
	return dir
}
