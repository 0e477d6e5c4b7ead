package apigw_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/template"
)

// authorizerFn is the function name the Lambda authorizer of these tests runs as.
const authorizerFn = "authorizer"

// authorizerReply answers the authorizer's invocations with payload, or fails with
// message when it is set.
type authorizerReply struct {
	payload string
	message string
}

// Bodies API Gateway answers refused requests with.
const (
	unauthorized = `{"message":"Unauthorized"}`
	forbidden    = `{"message":"Forbidden"}`
)

// lambdaAuthAPI is testAPI's "GET /items/{id}" and "GET /other" guarded by the Lambda
// authorizer cfg (its LogicalID, APIID, Type and Function are filled in), with opts
// naming it among Options.Authorizers.
func lambdaAuthAPI(cfg template.Authorizer, opts apigw.Options) (*template.HTTPAPI, map[string]string, apigw.Options) {
	api, functions := testAPI("GET /items/{id}", "GET /other")
	for _, r := range api.Routes {
		r.AuthorizationType, r.AuthorizerID = "CUSTOM", "Auth"
	}
	cfg.LogicalID, cfg.APIID, cfg.Type, cfg.Function = "Auth", api.ID, "REQUEST", "AuthFn"
	functions["AuthFn"] = authorizerFn
	opts.Authorizers = []*template.Authorizer{&cfg}
	return api, functions, opts
}

// authorizerInvoker answers the authorizer's invocations with reply and the routes' with
// 200 "ok".
func authorizerInvoker(reply authorizerReply) *fakeInvoker {
	return &fakeInvoker{reply: func(_ context.Context, name string, _ []byte) (*lambdahost.Result, error) {
		switch {
		case name != authorizerFn:
			return &lambdahost.Result{Payload: []byte(`{"statusCode":200,"body":"ok"}`)}, nil
		case reply.message != "":
			return &lambdahost.Result{
				Payload: []byte(`{"errorMessage":"` + reply.message + `","errorType":"errorString"}`),
				Error:   &lambdahost.FunctionError{Type: "errorString", Message: reply.message},
			}, nil
		}
		return &lambdahost.Result{Payload: []byte(reply.payload)}, nil
	}}
}

// lambdaAuthServer serves lambdaAuthAPI with an authorizerInvoker.
func lambdaAuthServer(t *testing.T, cfg template.Authorizer, reply authorizerReply, opts apigw.Options) (*apigw.Server, *fakeInvoker) {
	t.Helper()
	api, functions, opts := lambdaAuthAPI(cfg, opts)
	inv := authorizerInvoker(reply)
	return apigw.New(api, functions, inv, opts), inv
}

// calls returns the payloads sent to the function name, in order.
func (f *fakeInvoker) callsTo(name string) [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]byte
	for _, c := range f.calls {
		if c.name == name {
			out = append(out, c.payload)
		}
	}
	return out
}

// authRequest is GET path with the Authorization header (when not empty).
func authRequest(path, token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = "203.0.113.9:50000"
	if token != "" {
		r.Header.Set("Authorization", token)
	}
	return r
}

// simple is a 2.0 authorizer with simple responses reading the Authorization header.
var simple = template.Authorizer{
	PayloadFormatVersion: "2.0", EnableSimpleResponses: true,
	IdentitySource: []string{"$request.header.Authorization"},
}

// The payload format 2.0 authorizer event, decoded into aws-lambda-go's type as an
// authorizer function would, field by field: the route event's request fields, the route
// ARN, the route key, and the identity source values in their configured order.
func TestLambdaAuthorizerEventV2(t *testing.T) {
	cfg := simple
	cfg.IdentitySource = []string{"$request.header.Authorization", "$request.querystring.key", "$context.routeKey", "$stageVariables.tier"}
	opts := fixedOptions()
	opts.Stage = "dev"
	opts.StageVariables = map[string]string{"tier": "gold"}
	srv, inv := lambdaAuthServer(t, cfg, authorizerReply{payload: `{"isAuthorized":true}`}, opts)

	r := authRequest("http://abc.example/dev/items/42?key=k1&b=x+y", "tok")
	r.Header.Set("Cookie", "c1=v1; c2=v2")
	r.Header.Set("User-Agent", "agent/1")
	r.Header.Set("X-Amzn-Trace-Id", "Root=1-5e9f0a1d-0123456789abcdef01234567")
	resp := do(t, srv, r)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d %s, want 200", resp.StatusCode, readAll(t, resp.Body))
	}
	calls := inv.callsTo(authorizerFn)
	if len(calls) != 1 {
		t.Fatalf("authorizer invoked %d times, want 1", len(calls))
	}
	var got events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(calls[0], &got); err != nil {
		t.Fatal(err)
	}
	want := events.APIGatewayV2CustomAuthorizerV2Request{
		Version:        "2.0",
		Type:           "REQUEST",
		RouteArn:       "arn:aws:execute-api:eu-west-1:111122223333:abcde12345/dev/GET/items/42",
		IdentitySource: []string{"tok", "k1", "GET /items/{id}", "gold"},
		RouteKey:       "GET /items/{id}",
		RawPath:        "/dev/items/42",
		RawQueryString: "key=k1&b=x+y",
		Cookies:        []string{"c1=v1", "c2=v2"},
		Headers: map[string]string{
			"authorization": "tok", "user-agent": "agent/1", "host": "abc.example", "content-length": "0",
			"x-amzn-trace-id": "Root=1-5e9f0a1d-0123456789abcdef01234567", "x-forwarded-for": "203.0.113.9",
			"x-forwarded-port": "80", "x-forwarded-proto": "http",
		},
		QueryStringParameters: map[string]string{"key": "k1", "b": "x y"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "GET /items/{id}", AccountID: "111122223333", Stage: "dev", RequestID: "LV7fzho-PHcEJPw=",
			APIID: "abcde12345", DomainName: "abc.example", DomainPrefix: "abc",
			Time: "21/Apr/2020:15:08:21 +0000", TimeEpoch: 1587481701067,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: "GET", Path: "/dev/items/42", Protocol: "HTTP/1.1", SourceIP: "203.0.113.9", UserAgent: "agent/1",
			},
		},
		PathParameters: map[string]string{"id": "42"},
		StageVariables: map[string]string{"tier": "gold"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("authorizer event (-want +got):\n%s", diff)
	}
	// Like the route's event, it has no requestContext.authentication (mutual TLS only).
	var raw struct {
		RequestContext map[string]json.RawMessage `json:"requestContext"`
	}
	if err := json.Unmarshal(calls[0], &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw.RequestContext["authentication"]; ok {
		t.Errorf("requestContext.authentication sent: %s", calls[0])
	}
}

// The payload format 1.0 authorizer event (events.APIGatewayV2CustomAuthorizerV1Request):
// the REST API shape, with methodArn and the identity source values joined with ",".
func TestLambdaAuthorizerEventV1(t *testing.T) {
	cfg := template.Authorizer{PayloadFormatVersion: "1.0", IdentitySource: []string{"$request.header.Authorization", "$request.querystring.key"}}
	srv, inv := lambdaAuthServer(t, cfg, authorizerReply{payload: `{"principalId":"u1","policyDocument":{"Version":"2012-10-17",
		"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}}`}, fixedOptions())
	r := authRequest("http://abc.example/items/42?key=k1", "tok")
	if resp := do(t, srv, r); resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d %s, want 200", resp.StatusCode, readAll(t, resp.Body))
	}
	calls := inv.callsTo(authorizerFn)
	if len(calls) != 1 {
		t.Fatalf("authorizer invoked %d times, want 1", len(calls))
	}
	var got events.APIGatewayV2CustomAuthorizerV1Request
	if err := json.Unmarshal(calls[0], &got); err != nil {
		t.Fatal(err)
	}
	if h := got.Headers["x-amzn-trace-id"]; !strings.HasPrefix(h, "Root=1-") {
		t.Errorf("headers[x-amzn-trace-id] = %q, want a trace ID", h)
	}
	delete(got.Headers, "x-amzn-trace-id")
	want := events.APIGatewayV2CustomAuthorizerV1Request{
		Version: "1.0", Type: "REQUEST",
		MethodArn:      "arn:aws:execute-api:eu-west-1:111122223333:abcde12345/$default/GET/items/42",
		IdentitySource: "tok,k1", AuthorizationToken: "tok,k1",
		Resource: "/items/{id}", Path: "/items/42", HTTPMethod: "GET",
		Headers: map[string]string{
			"authorization": "tok", "host": "abc.example", "x-forwarded-for": "203.0.113.9",
			"x-forwarded-port": "80", "x-forwarded-proto": "http",
		},
		QueryStringParameters: map[string]string{"key": "k1"},
		PathParameters:        map[string]string{"id": "42"},
		RequestContext: events.APIGatewayV2CustomAuthorizerV1RequestTypeRequestContext{
			Path: "/items/42", AccountID: "111122223333", ResourceID: "GET /items/{id}", Stage: "$default",
			RequestID: "LV7fzho-PHcEJPw=", ResourcePath: "/items/{id}", HTTPMethod: "GET", APIID: "abcde12345",
			Identity: events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: "203.0.113.9"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("authorizer event (-want +got):\n%s", diff)
	}
}

// What the authorizer answers decides the response: simple responses and IAM policies
// (matched against the route ARN), 403 for a "no", 401 for the "Unauthorized" error, 500
// for any other failure or an answer of the wrong shape; the route is invoked only when
// allowed, and sees the context as requestContext.authorizer.lambda.
func TestLambdaAuthorizerAnswers(t *testing.T) {
	const arn = "arn:aws:execute-api:eu-west-1:111122223333:abcde12345/$default/GET/items/42"
	policy := func(stmts string) string {
		return `{"principalId":"user-1","policyDocument":{"Version":"2012-10-17","Statement":[` + stmts + `]},"context":{"user":"alice","level":3}}`
	}
	iam := simple
	iam.EnableSimpleResponses = false
	v1 := iam
	v1.PayloadFormatVersion = "1.0"
	tests := []struct {
		name       string
		cfg        template.Authorizer
		reply      authorizerReply
		wantStatus int
		wantBody   string
		wantLambda map[string]any // the route's requestContext.authorizer.lambda when it is invoked (status 200)
	}{
		{"simple, authorized, context kept as JSON", simple,
			authorizerReply{payload: `{"isAuthorized":true,"context":{"user":"alice","level":3,"admin":true,"tags":["a","b"],"m":{"k":"v"}}}`},
			200, "ok", map[string]any{"user": "alice", "level": float64(3), "admin": true, "tags": []any{"a", "b"}, "m": map[string]any{"k": "v"}}},
		// An empty lambda object is left out by aws-lambda-go's omitempty, as any function reads it.
		{"simple, authorized, no context", simple, authorizerReply{payload: `{"isAuthorized":true}`}, 200, "ok", nil},
		{"simple, not authorized", simple, authorizerReply{payload: `{"isAuthorized":false,"context":{"user":"alice"}}`}, 403, forbidden, nil},
		{"simple, isAuthorized missing", simple, authorizerReply{payload: `{"context":{}}`}, 500, internalError, nil},
		{"simple, isAuthorized not a boolean", simple, authorizerReply{payload: `{"isAuthorized":"true"}`}, 500, internalError, nil},
		{"simple, not JSON", simple, authorizerReply{payload: `allow`}, 500, internalError, nil},
		{"policy, Allow for the route ARN", iam,
			authorizerReply{payload: policy(`{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + arn + `"}`)},
			200, "ok", map[string]any{"principalId": "user-1", "user": "alice", "level": float64(3)}},
		{"policy, Allow by wildcard, Action and Resource as lists", iam,
			authorizerReply{payload: policy(`{"Action":["execute-api:*"],"Effect":"Allow","Resource":["arn:aws:execute-api:eu-west-1:111122223333:abcde12345/*/GET/items/*"]}`)},
			200, "ok", map[string]any{"principalId": "user-1", "user": "alice", "level": float64(3)}},
		{"policy, Allow for another route only", iam,
			authorizerReply{payload: policy(`{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:eu-west-1:111122223333:abcde12345/$default/GET/other"}`)},
			403, forbidden, nil},
		{"policy, explicit Deny beats Allow", iam,
			authorizerReply{payload: policy(`{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"` + arn + `"}`)},
			403, forbidden, nil},
		{"policy, no principalId", iam,
			authorizerReply{payload: `{"policyDocument":{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}}`},
			500, internalError, nil},
		{"policy expected, simple answer", iam, authorizerReply{payload: `{"isAuthorized":true}`}, 500, internalError, nil},
		{"payload 1.0, policy Allow", v1,
			authorizerReply{payload: policy(`{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + arn + `"}`)},
			200, "ok", map[string]any{"principalId": "user-1", "user": "alice", "level": float64(3)}},
		{"function fails", simple, authorizerReply{message: "token store down"}, 500, internalError, nil},
		{"function fails with Unauthorized", simple, authorizerReply{message: "Unauthorized"}, 401, unauthorized, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, inv := lambdaAuthServer(t, tt.cfg, tt.reply, fixedOptions())
			resp := do(t, srv, authRequest("/items/42", "tok"))
			if body := readAll(t, resp.Body); resp.StatusCode != tt.wantStatus || body != tt.wantBody {
				t.Errorf("response = %d %s, want %d %s", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if n := len(inv.callsTo(authorizerFn)); n != 1 {
				t.Errorf("authorizer invoked %d times, want 1", n)
			}
			routeCalls := inv.callsTo("fn:GET /items/{id}")
			if tt.wantStatus != http.StatusOK {
				if len(routeCalls) != 0 {
					t.Errorf("the route was invoked %d times, want none", len(routeCalls))
				}
				return
			}
			if len(routeCalls) != 1 {
				t.Fatalf("the route was invoked %d times, want 1", len(routeCalls))
			}
			ev := decodeEvent(t, routeCalls[0])
			if ev.RequestContext.Authorizer == nil {
				t.Fatalf("the route's event has no requestContext.authorizer: %s", routeCalls[0])
			}
			if diff := cmp.Diff(tt.wantLambda, ev.RequestContext.Authorizer.Lambda); diff != "" {
				t.Errorf("requestContext.authorizer.lambda (-want +got):\n%s", diff)
			}
		})
	}
}

// A route with payload format 1.0 gets the authorizer's context as requestContext.authorizer.
func TestLambdaAuthorizerContextPayloadV1Route(t *testing.T) {
	api, functions := testAPI("GET /items/{id}")
	api.Routes[0].PayloadFormatVersion = "1.0"
	api.Routes[0].AuthorizationType, api.Routes[0].AuthorizerID = "CUSTOM", "Auth"
	functions["AuthFn"] = authorizerFn
	cfg := simple
	cfg.LogicalID, cfg.APIID, cfg.Type, cfg.Function = "Auth", api.ID, "REQUEST", "AuthFn"
	opts := fixedOptions()
	opts.Authorizers = []*template.Authorizer{&cfg}
	inv := &fakeInvoker{reply: func(_ context.Context, name string, _ []byte) (*lambdahost.Result, error) {
		if name == authorizerFn {
			return &lambdahost.Result{Payload: []byte(`{"isAuthorized":true,"context":{"user":"alice"}}`)}, nil
		}
		return &lambdahost.Result{Payload: []byte(`{"statusCode":200,"body":"ok"}`)}, nil
	}}
	if resp := do(t, apigw.New(api, functions, inv, opts), authRequest("/items/42", "tok")); resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(inv.last(t).payload, &ev); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"user": "alice"}, ev.RequestContext.Authorizer); diff != "" {
		t.Errorf("requestContext.authorizer (-want +got):\n%s", diff)
	}
	// The request had no trace ID: the authorizer's event and the route's carry the same one.
	var auth events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(inv.callsTo(authorizerFn)[0], &auth); err != nil {
		t.Fatal(err)
	}
	if got, want := ev.Headers["x-amzn-trace-id"], auth.Headers["x-amzn-trace-id"]; got == "" || got != want {
		t.Errorf("the route's x-amzn-trace-id = %q, the authorizer's %q: want one trace ID", got, want)
	}
}

// A missing or empty identity source is 401 without calling the authorizer; the complete
// request, sent after it through the same invoker, does call it (so a call would have been
// seen).
func TestLambdaAuthorizerIdentitySources(t *testing.T) {
	cfg := simple
	cfg.IdentitySource = []string{"$request.header.Authorization", "$request.querystring.key", "$stageVariables.tier"}
	gold := map[string]string{"tier": "gold"}
	tests := []struct {
		name, path, token string
		vars              map[string]string
	}{
		{"header missing", "/items/1?key=k", "", gold},
		{"header empty", "/items/1?key=k", " ", gold},
		{"query string parameter missing", "/items/1", "tok", gold},
		{"query string parameter empty", "/items/1?key=", "tok", gold},
		{"query string names are case-sensitive", "/items/1?KEY=k", "tok", gold},
		{"stage variable missing", "/items/1?key=k", "tok", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := authorizerInvoker(authorizerReply{payload: `{"isAuthorized":true}`})
			serve := func(vars map[string]string, path, token string) (int, string) {
				opts := fixedOptions()
				opts.StageVariables = vars
				api, functions, opts := lambdaAuthAPI(cfg, opts)
				resp := do(t, apigw.New(api, functions, inv, opts), authRequest(path, token))
				return resp.StatusCode, readAll(t, resp.Body)
			}
			if status, body := serve(tt.vars, tt.path, tt.token); status != http.StatusUnauthorized || body != unauthorized {
				t.Errorf("response = %d %s, want 401 %s", status, body, unauthorized)
			}
			if n := len(inv.callsTo(authorizerFn)); n != 0 {
				t.Errorf("authorizer invoked %d times, want none", n)
			}
			if status, body := serve(gold, "/items/1?key=k", "tok"); status != http.StatusOK {
				t.Fatalf("the complete request = %d %s, want 200", status, body)
			}
			if n := len(inv.callsTo(authorizerFn)); n != 1 {
				t.Errorf("after the complete request the authorizer was invoked %d times, want 1", n)
			}
		})
	}
}

// Answers are cached for AuthorizerResultTtlInSeconds by the identity source values: the
// same token within the TTL is not sent again, another token is, and so is the same one
// once the TTL has passed. A cached policy is matched against each request's route ARN.
func TestLambdaAuthorizerCache(t *testing.T) {
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	opts := fixedOptions()
	opts.Now = func() time.Time { return now }
	cfg := simple
	cfg.EnableSimpleResponses = false
	cfg.TTL = 300 * time.Second
	only42 := `{"principalId":"u","policyDocument":{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow",
		"Resource":"arn:aws:execute-api:eu-west-1:111122223333:abcde12345/$default/GET/items/42"}]}}`
	srv, inv := lambdaAuthServer(t, cfg, authorizerReply{payload: only42}, opts)

	steps := []struct {
		name       string
		advance    time.Duration
		path       string
		token      string
		wantStatus int
		wantCalls  int // authorizer invocations so far
	}{
		{"first request: a miss", 0, "/items/42", "tok-a", 200, 1},
		{"same token: a hit", time.Minute, "/items/42", "tok-a", 200, 1},
		{"another token: a miss", 0, "/items/42", "tok-b", 200, 2},
		{"cached policy, another route ARN: refused without a call", 0, "/items/43", "tok-a", 403, 2},
		{"just before the TTL: a hit", 4*time.Minute - time.Nanosecond, "/items/42", "tok-a", 200, 2},
		{"TTL over: a miss", time.Nanosecond, "/items/42", "tok-a", 200, 3},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		resp := do(t, srv, authRequest(st.path, st.token))
		if resp.StatusCode != st.wantStatus {
			t.Errorf("%s: status = %d, want %d", st.name, resp.StatusCode, st.wantStatus)
		}
		if n := len(inv.callsTo(authorizerFn)); n != st.wantCalls {
			t.Errorf("%s: authorizer invoked %d times in all, want %d", st.name, n, st.wantCalls)
		}
	}
}

// With AuthorizerResultTtlInSeconds 0 every request calls the authorizer.
func TestLambdaAuthorizerNoCache(t *testing.T) {
	srv, inv := lambdaAuthServer(t, simple, authorizerReply{payload: `{"isAuthorized":true}`}, fixedOptions())
	for range 3 {
		if resp := do(t, srv, authRequest("/items/42", "tok")); resp.StatusCode != http.StatusOK {
			t.Fatalf("status = %d, want 200", resp.StatusCode)
		}
	}
	if n := len(inv.callsTo(authorizerFn)); n != 3 {
		t.Errorf("authorizer invoked %d times, want 3", n)
	}
}

// Configurations API Gateway would refuse are reported by Err, and their routes answer
// 500 without calling anything.
func TestLambdaAuthorizerConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*template.Authorizer)
	}{
		{"no function", func(a *template.Authorizer) { a.Function = "" }},
		{"function not run locally", func(a *template.Authorizer) { a.Function = "Elsewhere" }},
		{"payload format version missing", func(a *template.Authorizer) { a.PayloadFormatVersion = "" }},
		{"payload format version unknown", func(a *template.Authorizer) { a.PayloadFormatVersion = "3.0" }},
		{"simple responses with payload 1.0", func(a *template.Authorizer) { a.PayloadFormatVersion = "1.0" }},
		{"caching without identity sources", func(a *template.Authorizer) { a.IdentitySource, a.TTL = nil, time.Minute }},
		{"TTL over an hour", func(a *template.Authorizer) { a.TTL = 3601 * time.Second }},
		{"identity source of another kind", func(a *template.Authorizer) { a.IdentitySource = []string{"$request.body.token"} }},
		{"unknown context variable", func(a *template.Authorizer) { a.IdentitySource = []string{"$context.nope"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, functions := testAPI("GET /items/{id}")
			api.Routes[0].AuthorizationType, api.Routes[0].AuthorizerID = "CUSTOM", "Auth"
			functions["AuthFn"] = authorizerFn
			cfg := simple
			cfg.LogicalID, cfg.APIID, cfg.Type, cfg.Function = "Auth", api.ID, "REQUEST", "AuthFn"
			tt.modify(&cfg)
			inv := &fakeInvoker{}
			srv := apigw.New(api, functions, inv, apigw.Options{Authorizers: []*template.Authorizer{&cfg}})
			if srv.Err() == nil {
				t.Error("Err() = nil, want the authorizer's configuration error")
			}
			if resp := do(t, srv, authRequest("/items/1", "tok")); resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("status = %d, want 500", resp.StatusCode)
			}
			if n := inv.count(); n != 0 {
				t.Errorf("%d invocations, want none", n)
			}
		})
	}
}

// A CUSTOM route whose authorizer is not among Options.Authorizers is never served open.
func TestLambdaAuthorizerUnknown(t *testing.T) {
	api, functions := testAPI("GET /items/{id}")
	api.Routes[0].AuthorizationType, api.Routes[0].AuthorizerID = "CUSTOM", "Gone"
	inv := &fakeInvoker{}
	srv := apigw.New(api, functions, inv, apigw.Options{Authorizers: []*template.Authorizer{}})
	if srv.Err() == nil {
		t.Error("Err() = nil, want the route's missing authorizer")
	}
	if resp := do(t, srv, authRequest("/items/1", "tok")); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", resp.StatusCode)
	}
	if n := inv.count(); n != 0 {
		t.Errorf("%d invocations, want none", n)
	}
}
