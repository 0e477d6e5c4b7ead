package apigw_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/template"
)

// restAPI builds a REST API with stage "prod" from "METHOD /path" keys; each method's
// function is "fn:<key>".
func restAPI(keys ...string) (*template.RestAPI, map[string]string) {
	api := &template.RestAPI{LogicalID: "Api", ID: "abcde12345",
		Stages: []*template.RestStage{{Name: "prod", Variables: map[string]string{"env": "test"}}}}
	functions := map[string]string{}
	for i, key := range keys {
		method, path, _ := strings.Cut(key, " ")
		fn := "Fn" + string(rune('A'+i))
		api.Methods = append(api.Methods, &template.RestMethod{
			LogicalID: "Method" + fn, HTTPMethod: method, Path: path, ResourceID: "res" + string(rune('a'+i)),
			IntegrationType: "AWS_PROXY", Function: fn, AuthorizationType: "NONE",
		})
		functions[fn] = "fn:" + key
	}
	return api, functions
}

func restEvent(t *testing.T, payload []byte) events.APIGatewayProxyRequest {
	t.Helper()
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("decode event: %v\n%s", err, payload)
	}
	return ev
}

// Routes are chosen as on a REST API (literal, then {param}, then {proxy+}; exact method,
// then ANY); a path no method matches is 403 Missing Authentication Token; paths are served
// with and without the stage prefix.
func TestRestRouting(t *testing.T) {
	api, fns := restAPI("GET /items", "GET /items/{id}", "POST /items/new", "ANY /{proxy+}", "GET /", "DELETE /items/{id}")
	tests := []struct {
		method, target                 string
		wantStatus                     int
		wantFn, wantResource, wantPath string
		wantCtxPath                    string
		wantParams                     map[string]string
	}{
		{"GET", "/items", 200, "fn:GET /items", "/items", "/items", "/items", nil},
		{"GET", "/prod/items", 200, "fn:GET /items", "/items", "/items", "/prod/items", nil},
		{"GET", "/items/new", 200, "fn:GET /items/{id}", "/items/{id}", "/items/new", "/items/new", map[string]string{"id": "new"}},
		{"POST", "/prod/items/new", 200, "fn:POST /items/new", "/items/new", "/items/new", "/prod/items/new", nil},
		{"PUT", "/items/7", 200, "fn:ANY /{proxy+}", "/{proxy+}", "/items/7", "/items/7", map[string]string{"proxy": "items/7"}},
		{"GET", "/a/b/c", 200, "fn:ANY /{proxy+}", "/{proxy+}", "/a/b/c", "/a/b/c", map[string]string{"proxy": "a/b/c"}},
		{"GET", "/", 200, "fn:GET /", "/", "/", "/", nil},
		{"GET", "/prod", 200, "fn:GET /", "/", "/", "/prod/", nil},
		// "prod" is not a stage prefix when nothing matches under it: served as the path.
		{"POST", "/prod", 200, "fn:ANY /{proxy+}", "/{proxy+}", "/prod", "/prod", map[string]string{"proxy": "prod"}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			inv := &fakeInvoker{}
			srv := apigw.NewRest(api, fns, inv, apigw.RestOptions{})
			if err := srv.Err(); err != nil {
				t.Fatal(err)
			}
			resp := do(t, srv, httptest.NewRequest(tt.method, tt.target, nil))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, readAll(t, resp.Body))
			}
			call := inv.last(t)
			ev := restEvent(t, call.payload)
			type got struct {
				Fn, Resource, Path, CtxPath, Stage, ResourcePath string
				Params, StageVariables                           map[string]string
			}
			want := got{tt.wantFn, tt.wantResource, tt.wantPath, tt.wantCtxPath, "prod", tt.wantResource, tt.wantParams, map[string]string{"env": "test"}}
			g := got{call.name, ev.Resource, ev.Path, ev.RequestContext.Path, ev.RequestContext.Stage, ev.RequestContext.ResourcePath, ev.PathParameters, ev.StageVariables}
			if diff := cmp.Diff(want, g); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	t.Run("no method", func(t *testing.T) {
		api, fns := restAPI("GET /items")
		inv := &fakeInvoker{}
		srv := apigw.NewRest(api, fns, inv, apigw.RestOptions{})
		for _, target := range []string{"/nothing", "/prod/nothing", "/items/1"} {
			resp := do(t, srv, httptest.NewRequest("GET", target, nil))
			if body := readAll(t, resp.Body); resp.StatusCode != 403 || body != `{"message":"Missing Authentication Token"}` {
				t.Errorf("GET %s: %d %s, want 403 Missing Authentication Token", target, resp.StatusCode, body)
			}
		}
		if resp := do(t, srv, httptest.NewRequest("POST", "/items", nil)); resp.StatusCode != 403 {
			t.Errorf("POST /items (only GET exists): %d, want 403", resp.StatusCode)
		}
		if n := inv.count(); n != 0 {
			t.Errorf("%d invocations, want none", n)
		}
		// The same server reaches the function for the defined method.
		if resp := do(t, srv, httptest.NewRequest("GET", "/items", nil)); resp.StatusCode != 200 || inv.count() != 1 {
			t.Errorf("GET /items: %d, %d invocations; want 200 and one", resp.StatusCode, inv.count())
		}
	})
}

// Repeated headers and query parameters reach the function in multiValueHeaders and
// multiValueQueryStringParameters, the single-value maps keep the last value; the
// function's multiValueHeaders reach the client.
func TestRestMultiValue(t *testing.T) {
	api, fns := restAPI("GET /q")
	inv := &fakeInvoker{reply: replyPayload(`{"statusCode":201,"headers":{"X-One":"1","Set-Cookie":"ignored"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"],"X-Many":["x","y"]},"body":"made"}`)}
	srv := apigw.NewRest(api, fns, inv, apigw.RestOptions{})
	r := httptest.NewRequest("GET", "/q?tag=a&tag=b%20c&one=1&empty=", nil)
	r.Header.Add("X-Tag", "first")
	r.Header.Add("X-Tag", "second")
	resp := do(t, srv, r)
	if body := readAll(t, resp.Body); resp.StatusCode != 201 || body != "made" {
		t.Fatalf("%d %q, want 201 made", resp.StatusCode, body)
	}
	ev := restEvent(t, inv.last(t).payload)
	type got struct {
		Query   map[string]string
		MVQuery map[string][]string
		Tag     string
		MVTag   []string
	}
	want := got{
		Query:   map[string]string{"tag": "b c", "one": "1", "empty": ""},
		MVQuery: map[string][]string{"tag": {"a", "b c"}, "one": {"1"}, "empty": {""}},
		Tag:     "second",
		MVTag:   []string{"first", "second"},
	}
	if diff := cmp.Diff(want, got{ev.QueryStringParameters, ev.MultiValueQueryStringParameters, ev.Headers["X-Tag"], ev.MultiValueHeaders["X-Tag"]}); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
	header := map[string][]string{"Set-Cookie": resp.Header.Values("Set-Cookie"), "X-Many": resp.Header.Values("X-Many"), "X-One": resp.Header.Values("X-One"),
		"Content-Type": resp.Header.Values("Content-Type")}
	wantHeader := map[string][]string{"Set-Cookie": {"a=1", "b=2"}, "X-Many": {"x", "y"}, "X-One": {"1"}, "Content-Type": {"application/json"}}
	if diff := cmp.Diff(wantHeader, header); diff != "" {
		t.Errorf("response headers (-want +got):\n%s", diff)
	}
	// Without a query, both maps are null, as API Gateway sends them.
	do(t, srv, httptest.NewRequest("GET", "/q", nil))
	if p := string(inv.last(t).payload); !strings.Contains(p, `"queryStringParameters":null`) || !strings.Contains(p, `"multiValueQueryStringParameters":null`) || !strings.Contains(p, `"pathParameters":null`) {
		t.Errorf("event without a query: want null query and path parameters:\n%s", p)
	}
}

// A body whose Content-Type is a binary media type reaches the function base64-encoded, and
// a base64 response is decoded when the client accepts a binary media type: bytes survive
// the round trip. Text bodies stay text.
func TestRestBinaryBody(t *testing.T) {
	api, fns := restAPI("POST /echo")
	api.BinaryMediaTypes = []string{"image~1png", "application/octet-stream"}
	echo := func(_ context.Context, _ string, payload []byte) (*lambdahost.Result, error) {
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		out, _ := json.Marshal(events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": ev.Headers["Content-Type"]}, Body: ev.Body, IsBase64Encoded: ev.IsBase64Encoded})
		return &lambdahost.Result{Payload: out}, nil
	}
	inv := &fakeInvoker{reply: echo}
	srv := apigw.NewRest(api, fns, inv, apigw.RestOptions{})
	png := []byte{0x89, 'P', 'N', 'G', 0, 0xff, 0xfe, '\r', '\n'}

	r := httptest.NewRequest("POST", "/echo", bytes.NewReader(png))
	r.Header.Set("Content-Type", "image/png")
	r.Header.Set("Accept", "image/png")
	resp := do(t, srv, r)
	if got := readAll(t, resp.Body); got != string(png) {
		t.Errorf("round trip = %q, want %q", got, png)
	}
	ev := restEvent(t, inv.last(t).payload)
	if !ev.IsBase64Encoded || ev.Body != base64.StdEncoding.EncodeToString(png) {
		t.Errorf("event body %q (base64 %v), want the PNG base64-encoded", ev.Body, ev.IsBase64Encoded)
	}

	r = httptest.NewRequest("POST", "/echo", strings.NewReader(`{"a":1}`))
	r.Header.Set("Content-Type", "application/json")
	resp = do(t, srv, r)
	if got := readAll(t, resp.Body); got != `{"a":1}` {
		t.Errorf("text round trip = %q", got)
	}
	if ev := restEvent(t, inv.last(t).payload); ev.IsBase64Encoded || ev.Body != `{"a":1}` {
		t.Errorf("JSON body %q (base64 %v), want it as text", ev.Body, ev.IsBase64Encoded)
	}
}

// Function failures and malformed proxy responses are 502 {"message": "Internal server
// error"}, as REST APIs answer.
func TestRestBadResponses(t *testing.T) {
	for _, tt := range []struct {
		name  string
		reply func(context.Context, string, []byte) (*lambdahost.Result, error)
	}{
		{"not JSON", replyPayload(`hello`)},
		{"no statusCode", replyPayload(`{"body":"x"}`)},
		{"plain JSON value", replyPayload(`"hello"`)},
		{"body not a string", replyPayload(`{"statusCode":200,"body":{"a":1}}`)},
		{"statusCode a string", replyPayload(`{"statusCode":"200x"}`)},
		{"function error", func(context.Context, string, []byte) (*lambdahost.Result, error) {
			return &lambdahost.Result{Payload: []byte(`{"errorMessage":"boom"}`), Error: &lambdahost.FunctionError{Type: "Error", Message: "boom"}}, nil
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api, fns := restAPI("GET /x")
			srv := apigw.NewRest(api, fns, &fakeInvoker{reply: tt.reply}, apigw.RestOptions{})
			resp := do(t, srv, httptest.NewRequest("GET", "/x", nil))
			if body := readAll(t, resp.Body); resp.StatusCode != 502 || body != `{"message": "Internal server error"}` {
				t.Errorf("%d %s, want 502 Internal server error", resp.StatusCode, body)
			}
		})
	}
	t.Run("well-formed", func(t *testing.T) {
		api, fns := restAPI("GET /x")
		srv := apigw.NewRest(api, fns, &fakeInvoker{reply: replyPayload(`{"statusCode":418,"body":"teapot"}`)}, apigw.RestOptions{})
		resp := do(t, srv, httptest.NewRequest("GET", "/x", nil))
		if body := readAll(t, resp.Body); resp.StatusCode != 418 || body != "teapot" {
			t.Errorf("%d %s, want 418 teapot", resp.StatusCode, body)
		}
	})
}

// authFn is a Lambda authorizer: it allows the token "allow-<resource>" for that resource
// ARN pattern, denies "deny", fails "Unauthorized" for "bad", and counts its calls.
type authFn struct {
	mu    sync.Mutex
	calls []json.RawMessage
}

func (a *authFn) reply(_ context.Context, name string, payload []byte) (*lambdahost.Result, error) {
	if name != "authorizer" {
		var ev events.APIGatewayProxyRequest
		_ = json.Unmarshal(payload, &ev)
		out, _ := json.Marshal(map[string]any{"statusCode": 200, "body": "ok", "headers": map[string]string{"X-Principal": ev.RequestContext.Authorizer["principalId"].(string)}})
		return &lambdahost.Result{Payload: out}, nil
	}
	a.mu.Lock()
	a.calls = append(a.calls, append(json.RawMessage(nil), payload...))
	a.mu.Unlock()
	var in struct {
		AuthorizationToken string            `json:"authorizationToken"`
		Headers            map[string]string `json:"headers"`
		MethodArn          string            `json:"methodArn"`
	}
	_ = json.Unmarshal(payload, &in)
	tok := in.AuthorizationToken
	if tok == "" {
		tok = in.Headers["X-Key"]
	}
	if tok == "bad" {
		return &lambdahost.Result{Payload: []byte(`{"errorMessage":"Unauthorized"}`), Error: &lambdahost.FunctionError{Type: "errorString", Message: "Unauthorized"}}, nil
	}
	effect, resource := "Allow", in.MethodArn
	switch {
	case tok == "deny":
		effect = "Deny"
	case strings.HasPrefix(tok, "allow-"):
		// The policy names one resource, "*" standing for the rest of the ARN's prefix.
		resource = strings.SplitN(in.MethodArn, "/", 2)[0] + "/" + strings.TrimPrefix(tok, "allow-")
	}
	out, _ := json.Marshal(map[string]any{
		"principalId": "user-" + tok,
		"policyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Action": "execute-api:Invoke", "Effect": effect, "Resource": []string{resource}},
		}},
		"context": map[string]any{"tier": "gold", "n": 7, "ok": true},
	})
	return &lambdahost.Result{Payload: out}, nil
}

func (a *authFn) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.calls)
}

// A TOKEN authorizer's policy decides (Allow, explicit Deny, no matching statement,
// "Unauthorized", no token); its context reaches requestContext.authorizer as strings with
// principalId; its answer is cached by token for the TTL and the cached policy is checked
// against each request's method ARN.
func TestRestTokenAuthorizer(t *testing.T) {
	api, fns := restAPI("GET /a", "GET /b")
	api.Authorizers = []*template.RestAuthorizer{{LogicalID: "Auth", Type: "TOKEN", Function: "AuthFn",
		IdentitySource: "method.request.header.Authorization", TTL: 300 * time.Second}}
	for _, m := range api.Methods {
		m.AuthorizationType, m.AuthorizerID = "CUSTOM", "Auth"
	}
	fns["AuthFn"] = "authorizer"
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var clockMu sync.Mutex
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	auth := &authFn{}
	inv := &fakeInvoker{reply: auth.reply}
	srv := apigw.NewRest(api, fns, inv, apigw.RestOptions{Region: "eu-west-1", AccountID: "111122223333", Now: clock})
	if err := srv.Err(); err != nil {
		t.Fatal(err)
	}
	get := func(path, token string) (int, string) {
		r := httptest.NewRequest("GET", path, nil)
		if token != "" {
			r.Header.Set("Authorization", token)
		}
		resp := do(t, srv, r)
		return resp.StatusCode, readAll(t, resp.Body)
	}
	type result struct {
		Status int
		Body   string
	}
	for _, tt := range []struct {
		path, token string
		want        result
	}{
		{"/a", "", result{401, `{"message":"Unauthorized"}`}},
		{"/a", "bad", result{401, `{"message":"Unauthorized"}`}},
		{"/a", "deny", result{403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`}},
		{"/a", "yes", result{200, "ok"}},
		{"/prod/b", "allow-prod/GET/b", result{200, "ok"}},
		// Cached for "allow-prod/GET/b": the same policy does not cover /a.
		{"/a", "allow-prod/GET/b", result{403, `{"Message":"User is not authorized to access this resource"}`}},
	} {
		status, body := get(tt.path, tt.token)
		if diff := cmp.Diff(tt.want, result{status, body}); diff != "" {
			t.Errorf("GET %s with %q (-want +got):\n%s", tt.path, tt.token, diff)
		}
	}
	if n := auth.count(); n != 4 {
		t.Errorf("authorizer called %d times, want 4 (no token: none; the repeated token: cached)", n)
	}
	var first events.APIGatewayCustomAuthorizerRequest
	_ = json.Unmarshal(auth.calls[0], &first)
	wantReq := events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "bad",
		MethodArn: "arn:aws:execute-api:eu-west-1:111122223333:abcde12345/prod/GET/a"}
	if diff := cmp.Diff(wantReq, first); diff != "" {
		t.Errorf("authorizer event (-want +got):\n%s", diff)
	}

	// The function sees the principal and the context, values as strings.
	get("/a", "yes")
	var ev events.APIGatewayProxyRequest
	for i := len(inv.calls) - 1; i >= 0; i-- {
		if inv.calls[i].name != "authorizer" {
			ev = restEvent(t, inv.calls[i].payload)
			break
		}
	}
	authz := ev.RequestContext.Authorizer
	delete(authz, "integrationLatency")
	if diff := cmp.Diff(map[string]any{"principalId": "user-yes", "tier": "gold", "n": "7", "ok": "true"}, authz); diff != "" {
		t.Errorf("requestContext.authorizer (-want +got):\n%s", diff)
	}

	// After the TTL the authorizer runs again.
	before := auth.count()
	get("/a", "yes")
	if auth.count() != before {
		t.Errorf("authorizer called within the TTL")
	}
	clockMu.Lock()
	now = now.Add(301 * time.Second)
	clockMu.Unlock()
	get("/a", "yes")
	if auth.count() != before+1 {
		t.Errorf("authorizer calls %d after the TTL, want %d", auth.count(), before+1)
	}
}

// A REQUEST authorizer gets the request's headers and query; a missing identity source is
// 401 without calling it.
func TestRestRequestAuthorizer(t *testing.T) {
	api, fns := restAPI("GET /a")
	api.Authorizers = []*template.RestAuthorizer{{LogicalID: "Auth", Type: "REQUEST", Function: "AuthFn",
		IdentitySource: "method.request.header.X-Key", TTL: 0}}
	api.Methods[0].AuthorizationType, api.Methods[0].AuthorizerID = "CUSTOM", "Auth"
	fns["AuthFn"] = "authorizer"
	auth := &authFn{}
	srv := apigw.NewRest(api, fns, &fakeInvoker{reply: auth.reply}, apigw.RestOptions{})
	for _, tt := range []struct {
		key    string
		status int
	}{{"yes", 200}, {"deny", 403}, {"bad", 401}, {"yes", 200}} {
		r := httptest.NewRequest("GET", "/a?x=1", nil)
		r.Header.Set("X-Key", tt.key)
		if resp := do(t, srv, r); resp.StatusCode != tt.status {
			t.Errorf("X-Key %q: %d, want %d", tt.key, resp.StatusCode, tt.status)
		}
	}
	if n := auth.count(); n != 4 {
		t.Errorf("authorizer called %d times, want 4 (TTL 0: no caching)", n)
	}
	var req events.APIGatewayCustomAuthorizerRequestTypeRequest
	_ = json.Unmarshal(auth.calls[0], &req)
	if req.Type != "REQUEST" || req.Headers["X-Key"] != "yes" || req.QueryStringParameters["x"] != "1" || req.Path != "/a" || req.Resource != "/a" {
		t.Errorf("REQUEST authorizer event = %+v", req)
	}

	api.Authorizers[0].TTL = time.Minute
	srv = apigw.NewRest(api, fns, &fakeInvoker{reply: auth.reply}, apigw.RestOptions{})
	before := auth.count()
	if resp := do(t, srv, httptest.NewRequest("GET", "/a", nil)); resp.StatusCode != 401 {
		t.Errorf("no X-Key with caching on: %d, want 401", resp.StatusCode)
	}
	if auth.count() != before {
		t.Errorf("authorizer called without its identity source")
	}
}

// fakeVerifier is a token verifier with fixed tokens.
type fakeVerifier map[string]map[string]any

func (f fakeVerifier) Verify(token string) (map[string]any, error) {
	if c, ok := f[token]; ok {
		return c, nil
	}
	return nil, errors.New("bad signature")
}

// A Cognito authorizer takes ID tokens of its pools (access tokens with a scope when the
// method has AuthorizationScopes) and passes the claims as requestContext.authorizer.claims.
func TestRestCognitoAuthorizer(t *testing.T) {
	const pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
	api, fns := restAPI("GET /me", "GET /scoped")
	api.Authorizers = []*template.RestAuthorizer{{LogicalID: "Cog", Type: "COGNITO_USER_POOLS", ProviderIssuers: []string{pool}}}
	for _, m := range api.Methods {
		m.AuthorizationType, m.AuthorizerID = "COGNITO_USER_POOLS", "Cog"
	}
	api.Methods[1].AuthorizationScopes = []string{"shop/read"}
	v := fakeVerifier{
		"id":       {"iss": pool, "token_use": "id", "sub": "u1", "email": "mia@example.com", "exp": float64(1787996002)},
		"access":   {"iss": pool, "token_use": "access", "sub": "u1", "scope": "shop/read openid"},
		"noscope":  {"iss": pool, "token_use": "access", "sub": "u1", "scope": "openid"},
		"otherIss": {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_zzz", "token_use": "id"},
	}
	inv := &fakeInvoker{}
	srv := apigw.NewRest(api, fns, inv, apigw.RestOptions{Tokens: v})
	for _, tt := range []struct {
		path, token string
		status      int
	}{
		{"/me", "", 401}, {"/me", "forged", 401}, {"/me", "otherIss", 401}, {"/me", "access", 401},
		{"/me", "id", 200}, {"/me", "Bearer id", 200},
		{"/scoped", "id", 401}, {"/scoped", "noscope", 401}, {"/scoped", "access", 200},
	} {
		r := httptest.NewRequest("GET", tt.path, nil)
		if tt.token != "" {
			r.Header.Set("Authorization", tt.token)
		}
		if resp := do(t, srv, r); resp.StatusCode != tt.status {
			t.Errorf("GET %s with %q: %d, want %d", tt.path, tt.token, resp.StatusCode, tt.status)
		}
	}
	if n := inv.count(); n != 3 {
		t.Errorf("%d invocations, want 3 (the accepted requests only)", n)
	}
	do(t, srv, func() *http.Request {
		r := httptest.NewRequest("GET", "/me", nil)
		r.Header.Set("Authorization", "id")
		return r
	}())
	ev := restEvent(t, inv.last(t).payload)
	want := map[string]any{"claims": map[string]any{"iss": pool, "token_use": "id", "sub": "u1", "email": "mia@example.com", "exp": "1787996002"}}
	if diff := cmp.Diff(want, ev.RequestContext.Authorizer); diff != "" {
		t.Errorf("authorizer (-want +got):\n%s", diff)
	}
}

// An HTTP API route with payload format 1.0 sends the REST API event shape (lower-case
// header names, multi-value maps, the route as resource) and reads a 1.0 response, decoding
// a base64 body whatever its type.
func TestHTTPAPIPayloadV1(t *testing.T) {
	api, fns := testAPI("GET /v1/{id}")
	api.Routes[0].PayloadFormatVersion = "1.0"
	inv := &fakeInvoker{reply: replyPayload(`{"statusCode":202,"multiValueHeaders":{"X-A":["1","2"]},"body":"aGk=","isBase64Encoded":true}`)}
	srv := apigw.New(api, fns, inv, fixedOptions())
	if err := srv.Err(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/v1/42?a=1&a=2", nil)
	r.Header.Add("X-Tag", "x")
	r.Header.Add("X-Tag", "y")
	resp := do(t, srv, r)
	if body := readAll(t, resp.Body); resp.StatusCode != 202 || body != "hi" || !cmp.Equal(resp.Header.Values("X-A"), []string{"1", "2"}) {
		t.Errorf("response %d %q %q, want 202 hi [1 2]", resp.StatusCode, body, resp.Header.Values("X-A"))
	}
	ev := restEvent(t, inv.last(t).payload)
	type got struct {
		Resource, Path, Method, ResourceID, Stage, RequestID string
		Params                                               map[string]string
		MVQuery                                              map[string][]string
		MVTag                                                []string
		Time                                                 string
	}
	want := got{"/v1/{id}", "/v1/42", "GET", "GET /v1/{id}", "$default", "LV7fzho-PHcEJPw=",
		map[string]string{"id": "42"}, map[string][]string{"a": {"1", "2"}}, []string{"x", "y"}, "21/Apr/2020:15:08:21 +0000"}
	rc := ev.RequestContext
	if diff := cmp.Diff(want, got{ev.Resource, ev.Path, ev.HTTPMethod, rc.ResourceID, rc.Stage, rc.RequestID,
		ev.PathParameters, ev.MultiValueQueryStringParameters, ev.MultiValueHeaders["x-tag"], rc.RequestTime}); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
	// An invalid 1.0 response is the HTTP API's 500, not the REST API's 502.
	inv.reply = replyPayload(`{"body":"no status"}`)
	if resp := do(t, srv, httptest.NewRequest("GET", "/v1/1", nil)); resp.StatusCode != 500 {
		t.Errorf("malformed 1.0 response: %d, want 500", resp.StatusCode)
	}
}
