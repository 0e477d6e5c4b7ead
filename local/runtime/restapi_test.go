package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/internal/syncbuf"
	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// echoed is what the test app's echo function answers (local/testdata/ownstacks/restapi).
type echoed struct {
	Resource       string              `json:"resource"`
	Path           string              `json:"path"`
	Method         string              `json:"method"`
	Stage          string              `json:"stage"`
	ContextPath    string              `json:"contextPath"`
	PathParameters map[string]string   `json:"pathParameters"`
	Query          map[string]string   `json:"query"`
	MultiQuery     map[string][]string `json:"multiQuery"`
	Tags           []string            `json:"tags"`
	SourceIP       string              `json:"sourceIp"`
	Authorizer     map[string]any      `json:"authorizer"`
	Body           string              `json:"body"`
}

// A REST API app written as the CDK writes it, served by the real runtime and called over
// HTTP: resources, {id} and {proxy+}, ANY, multi-value headers and query strings, the stage
// prefix or none, a binary body round trip, a TOKEN Lambda authorizer allowing and denying,
// and a Cognito authorizer taking an ID token from the local user pool.
func TestRestAPIApp(t *testing.T) {
	ctx := context.Background()
	rt := startRuntime(t, runtime.Config{
		Template: filepath.Join("..", "testdata", "ownstacks", "restapi", "RestApiStack.template.json"),
		APIAddr:  "127.0.0.1:0", KeyDir: t.TempDir(), AutoConfirm: true,
	})
	apis := rt.RestAPIURLs()
	if len(apis) != 1 || apis[0].Stage != "prod" || apis[0].Name != "shop-rest" {
		t.Fatalf("RestAPIURLs = %+v, want shop-rest with stage prod", apis)
	}
	base := apis[0].URL

	call := func(method, path string, body []byte, header map[string][]string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range header {
			req.Header[k] = vs
		}
		return send(t, req)
	}
	echo := func(method, path string, header map[string][]string) echoed {
		t.Helper()
		resp, b := call(method, path, nil, header)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		var e echoed
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
		return e
	}

	t.Run("routes and stage prefix", func(t *testing.T) {
		tests := []struct {
			method, path string
			want         echoed
		}{
			{"GET", "/items?tag=a&tag=b", echoed{Resource: "/items", Path: "/items", Method: "GET", Stage: "prod", ContextPath: "/items",
				Query: map[string]string{"tag": "b"}, MultiQuery: map[string][]string{"tag": {"a", "b"}}, Tags: []string{"one", "two"}, SourceIP: "127.0.0.1"}},
			{"GET", "/prod/items/42", echoed{Resource: "/items/{id}", Path: "/items/42", Method: "GET", Stage: "prod", ContextPath: "/prod/items/42",
				PathParameters: map[string]string{"id": "42"}, Tags: []string{"one", "two"}, SourceIP: "127.0.0.1"}},
			{"DELETE", "/prod/carts/7/lines", echoed{Resource: "/{proxy+}", Path: "/carts/7/lines", Method: "DELETE", Stage: "prod", ContextPath: "/prod/carts/7/lines",
				PathParameters: map[string]string{"proxy": "carts/7/lines"}, Tags: []string{"one", "two"}, SourceIP: "127.0.0.1"}},
		}
		for _, tt := range tests {
			got := echo(tt.method, tt.path, map[string][]string{"X-Tag": {"one", "two"}})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s %s (-want +got):\n%s", tt.method, tt.path, diff)
			}
		}
		resp, _ := call("GET", "/items", nil, nil)
		if got := resp.Header.Values("Set-Cookie"); !cmp.Equal(got, []string{"a=1", "b=2"}) {
			t.Errorf("Set-Cookie = %q, want the function's multiValueHeaders", got)
		}
		// "/" has no method ({proxy+} needs a segment). "/prod/" would not either, but a path
		// that matches nothing under its stage prefix is tried as a whole, as sam local serves
		// it: {proxy+} takes "prod/".
		if resp, b := call("GET", "/", nil, nil); resp.StatusCode != http.StatusForbidden || string(b) != `{"message":"Missing Authentication Token"}` {
			t.Errorf("GET / (no method): %d %s, want 403 Missing Authentication Token", resp.StatusCode, b)
		}
		if got := echo("GET", "/prod/", nil); got.Resource != "/{proxy+}" || got.PathParameters["proxy"] != "prod/" {
			t.Errorf("GET /prod/ = %+v, want {proxy+} with proxy \"prod/\"", got)
		}
	})

	t.Run("CORS preflight", func(t *testing.T) {
		resp, b := call("OPTIONS", "/prod/items", nil, map[string][]string{"Origin": {"https://shop.example"}, "Access-Control-Request-Method": {"POST"}})
		if resp.StatusCode != http.StatusNoContent || len(b) != 0 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
			resp.Header.Get("Access-Control-Allow-Methods") != "OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD" {
			t.Errorf("OPTIONS /prod/items: %d %q %v, want the MOCK integration's 204 and CORS headers", resp.StatusCode, b, resp.Header)
		}
	})

	t.Run("binary body", func(t *testing.T) {
		png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0xff}
		resp, b := call("POST", "/prod/upload", png, map[string][]string{"Content-Type": {"image/png"}, "Accept": {"image/png"}})
		if resp.StatusCode != http.StatusOK || !bytes.Equal(b, png) {
			t.Errorf("binary round trip: %d %q, want 200 %q", resp.StatusCode, b, png)
		}
	})

	t.Run("lambda authorizer", func(t *testing.T) {
		for _, tt := range []struct {
			token  string
			status int
		}{{"", 401}, {"Bearer nope", 401}, {"Bearer deny", 403}} {
			h := map[string][]string{}
			if tt.token != "" {
				h["Authorization"] = []string{tt.token}
			}
			if resp, b := call("GET", "/admin", nil, h); resp.StatusCode != tt.status {
				t.Errorf("GET /admin with %q: %d %s, want %d", tt.token, resp.StatusCode, b, tt.status)
			}
		}
		got := echo("POST", "/prod/admin", map[string][]string{"Authorization": {"Bearer allow"}})
		delete(got.Authorizer, "integrationLatency")
		if diff := cmp.Diff(map[string]any{"principalId": "admin", "role": "admin", "level": "3"}, got.Authorizer); diff != "" {
			t.Errorf("authorizer context (-want +got):\n%s", diff)
		}
	})

	t.Run("cognito authorizer", func(t *testing.T) {
		if resp, _ := call("GET", "/me", nil, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /me without a token: %d, want 401", resp.StatusCode)
		}
		pool := rt.Model().UserPools[0]
		client := aws.String(pool.Clients[0].ID)
		cognito := sdk.Cognito(rt.EdgeURL())
		const email, pw = "ana@example.com", "Correct-Horse-9"
		if _, err := cognito.SignUp(ctx, &idp.SignUpInput{ClientId: client, Username: aws.String(email), Password: aws.String(pw),
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}}}); err != nil {
			t.Fatalf("SignUp: %v", err)
		}
		out, err := cognito.InitiateAuth(ctx, &idp.InitiateAuthInput{ClientId: client, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": pw}})
		if err != nil {
			t.Fatalf("InitiateAuth: %v", err)
		}
		got := echo("GET", "/me", map[string][]string{"Authorization": {*out.AuthenticationResult.IdToken}})
		claims, _ := got.Authorizer["claims"].(map[string]any)
		if claims["email"] != email || claims["iss"] != pool.IssuerURL || claims["token_use"] != "id" {
			t.Errorf("claims = %v, want the ID token's (email %s, iss %s)", claims, email, pool.IssuerURL)
		}
		// The access token carries no scope the method asks for: a REST API wants the ID token.
		if resp, _ := call("GET", "/me", nil, map[string][]string{"Authorization": {*out.AuthenticationResult.AccessToken}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /me with the access token: %d, want 401", resp.StatusCode)
		}
	})
}

// The same app as a SAM template, expanded by SAM's translator: its APIs exist only as
// OpenAPI Bodies (ServerlessRestApi, MyApi with a default TOKEN authorizer and a NONE
// method, ServerlessHttpApi, SecureHttpApi with a JWT authorizer for the user pool), and
// each is served on its own listener.
func TestOpenAPIBodyApp(t *testing.T) {
	ctx := context.Background()
	rt := startRuntime(t, runtime.Config{
		Template: filepath.Join("..", "testdata", "ownstacks", "restapi", "OpenApiStack.template.json"),
		APIAddr:  "127.0.0.1:0", KeyDir: t.TempDir(), AutoConfirm: true,
	})
	rest := map[string]runtime.RestAPIURL{}
	for _, a := range rt.RestAPIURLs() {
		rest[a.Stage] = a
	}
	httpAPIs := map[string]string{}
	for i, api := range rt.Model().APIs {
		httpAPIs[api.LogicalID] = rt.APIURLs()[i]
	}
	if len(httpAPIs) != 2 || httpAPIs["ServerlessHttpApi"] == "" || httpAPIs["SecureHttpApi"] == "" || len(rest) != 2 || rest["Prod"].URL == "" || rest["dev"].URL == "" {
		t.Fatalf("HTTP APIs %v, REST APIs %+v: want ServerlessHttpApi, SecureHttpApi, ServerlessRestApi (Prod) and MyApi (dev)", httpAPIs, rt.RestAPIURLs())
	}
	get := func(method, url string, header map[string]string, body []byte) (int, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, b := send(t, req)
		return resp.StatusCode, b
	}
	echoOf := func(status int, b []byte) echoed {
		t.Helper()
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, b)
		}
		var e echoed
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return e
	}

	for _, tt := range []struct{ path, stage, ctxPath string }{
		{"/hello", "Prod", "/hello"}, {"/Prod/hello", "Prod", "/Prod/hello"}, {"/Stage/hello", "Stage", "/Stage/hello"},
	} {
		e := echoOf(get("GET", rest["Prod"].URL+tt.path, nil, nil))
		if e.Resource != "/hello" || e.Stage != tt.stage || e.ContextPath != tt.ctxPath {
			t.Errorf("ServerlessRestApi GET %s = resource %q stage %q path %q, want /hello %s %s", tt.path, e.Resource, e.Stage, e.ContextPath, tt.stage, tt.ctxPath)
		}
	}

	// SAM's Cors: OPTIONS methods with MOCK integrations. MyApi's also get its
	// DefaultAuthorizer (SAM's AddDefaultAuthorizerToCorsPreflight), so preflight needs the
	// token there, as on AWS.
	req, err := http.NewRequestWithContext(ctx, "OPTIONS", rest["Prod"].URL+"/hello", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "{}\n" || resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" || resp.Header.Get("Access-Control-Allow-Methods") != "GET,OPTIONS" {
			t.Errorf("OPTIONS /hello: %d %q %v, want SAM's CORS mock response", resp.StatusCode, b, resp.Header)
		}
	}
	my := rest["dev"].URL
	if status, b := get("OPTIONS", my+"/open", nil, nil); status != http.StatusUnauthorized {
		t.Errorf("MyApi OPTIONS /open without a token: %d %s, want 401 (the default authorizer covers preflight)", status, b)
	}
	if status, _ := get("OPTIONS", my+"/open", map[string]string{"Authorization": "Bearer allow"}, nil); status != 200 {
		t.Errorf("MyApi OPTIONS /open with a token: %d, want 200", status)
	}
	if status, b := get("GET", my+"/secure/x", nil, nil); status != http.StatusUnauthorized {
		t.Errorf("MyApi /secure/x without a token: %d %s, want 401 (DefaultAuthorizer)", status, b)
	}
	e := echoOf(get("PUT", my+"/dev/secure/a/b", map[string]string{"Authorization": "Bearer allow"}, nil))
	if e.Resource != "/secure/{proxy+}" || e.PathParameters["proxy"] != "a/b" || e.Authorizer["principalId"] != "admin" {
		t.Errorf("MyApi PUT /dev/secure/a/b = %+v", e)
	}
	if e := echoOf(get("POST", my+"/open", nil, []byte("hi"))); e.Resource != "/open" || e.Body != "hi" {
		t.Errorf("MyApi POST /open (Authorizer NONE) = %+v", e)
	}
	png := []byte{0x89, 'P', 'N', 'G', 0, 0xff}
	if status, b := get("POST", my+"/secure/img", map[string]string{"Authorization": "Bearer allow", "Content-Type": "image/png", "Accept": "image/png"}, png); status != 200 || !bytes.Equal(b, png) {
		t.Errorf("binary round trip through MyApi's binary media types: %d %q", status, b)
	}

	// The HTTP API's route sends payload 2.0 (SAM's default), which the 1.0-typed echo
	// decodes in part: the path parameters and stage are there.
	if e := echoOf(get("GET", httpAPIs["ServerlessHttpApi"]+"/h/7", nil, nil)); e.PathParameters["id"] != "7" || e.Stage != "$default" {
		t.Errorf("ServerlessHttpApi GET /h/7 = %+v", e)
	}

	// SecureHttpApi's Body names a JWT authorizer for the user pool: the runtime's JWT
	// authorizer enforces it with the pool's local tokens.
	secure := httpAPIs["SecureHttpApi"]
	if status, b := get("GET", secure+"/me", nil, nil); status != http.StatusUnauthorized {
		t.Errorf("SecureHttpApi GET /me without a token: %d %s, want 401", status, b)
	}
	pool := rt.Model().UserPools[0]
	client := aws.String(pool.Clients[0].ID)
	cognito := sdk.Cognito(rt.EdgeURL())
	const email, pw = "ana@example.com", "Correct-Horse-9"
	if _, err := cognito.SignUp(ctx, &idp.SignUpInput{ClientId: client, Username: aws.String(email), Password: aws.String(pw),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}}}); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	out, err := cognito.InitiateAuth(ctx, &idp.InitiateAuthInput{ClientId: client, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": pw}})
	if err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	e = echoOf(get("GET", secure+"/me", map[string]string{"Authorization": "Bearer " + *out.AuthenticationResult.AccessToken}, nil))
	jwt, _ := e.Authorizer["jwt"].(map[string]any)
	claims, _ := jwt["claims"].(map[string]any)
	if claims["client_id"] != *client || claims["iss"] != pool.IssuerURL {
		t.Errorf("SecureHttpApi GET /me: authorizer %v, want the access token's claims", e.Authorizer)
	}
}

// What the runtime cannot read is said at start, and the API still listens: an OpenAPI
// definition in S3 and a REST API without methods (which answers 403 as on AWS).
func TestRestAPIWarnings(t *testing.T) {
	log := &syncbuf.Buffer{}
	rt := startRuntime(t, runtime.Config{
		Template: filepath.Join("testdata", "RestWarnings.template.json"),
		APIAddr:  "127.0.0.1:0", KeyDir: t.TempDir(), Log: log,
	})
	for _, want := range []string{
		"devcloud: warning: FromS3: BodyS3Location (an OpenAPI definition in S3, SAM's DefinitionUri) is not read locally",
		"devcloud: warning: REST API FromS3 has no methods",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	apis := rt.RestAPIURLs()
	if len(apis) != 1 || apis[0].Stage != "v1" {
		t.Fatalf("RestAPIURLs = %+v, want from-s3 with stage v1", apis)
	}
	resp, err := http.Get(apis[0].URL + "/v1/anything")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /v1/anything: %d, want 403", resp.StatusCode)
	}
}
