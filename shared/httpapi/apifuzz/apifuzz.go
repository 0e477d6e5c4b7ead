// Package apifuzz drives a service's whole HTTP API with fuzzed requests (go test -fuzz) and
// checks the promises every Microshop API makes about client input:
//
//   - no client input gets a 5xx;
//   - every 4xx is JSON of the shape {"error":{"code","message"},"requestId"} carrying the
//     request's id, and a 2xx body (if any) is JSON;
//   - a refused request (4xx) leaves the service's stored state as it was (no partial write).
//
// Requests go through httpapi.Lambda, the same API Gateway adapter the Lambda functions run,
// with the claims the JWT authorizer would pass for one of four callers (Caller). The fuzzer
// picks the route from the service's spec, the value of every path parameter, the query
// string, one extra header, the body and the caller.
package apifuzz

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/spec"
)

// Caller is who sends a fuzzed request.
type Caller uint8

// The callers; a fuzzed byte picks one modulo their number.
const (
	Anonymous Caller = iota // no authorizer claims
	Alice                   // customer "alice"
	Bob                     // customer "bob"
	Admin                   // "root", in the admin group
	callers
)

// claims are the JWT authorizer claims each caller's requests carry.
func (c Caller) claims() map[string]string {
	switch c % callers {
	case Alice:
		return map[string]string{"sub": "alice", "token_use": "access", "cognito:groups": "[users]"}
	case Bob:
		return map[string]string{"sub": "bob", "token_use": "access", "cognito:groups": "[users]"}
	case Admin:
		return map[string]string{"sub": "root", "token_use": "access", "cognito:groups": "[admin users]"}
	}
	return nil
}

// RequestID is the API Gateway request id every fuzzed request carries; error bodies must
// echo it.
const RequestID = "fuzz-request"

// API is a service's HTTP API under test.
type API struct {
	// Handler serves every route (the service's api.NewServer).
	Handler http.Handler
	// Routes are the service's routes (its spec's Routes).
	Routes []spec.Route
	// State returns everything the service has stored, in a form cmp can compare; a refused
	// request must leave it unchanged. Records that a refusal may legitimately write (none
	// today) must be left out.
	State func(t *testing.T) any
}

// Input is one fuzzed request. Route indexes API.Routes modulo len+1; the extra value means
// "no route": Param is then sent as the raw path with method GET.
type Input struct {
	Route       uint8
	Param       string // every path parameter's value (API Gateway passes it decoded)
	Query       string // the raw query string
	HeaderName  string // one extra header, e.g. "Idempotency-Key" or "If-Match"
	HeaderValue string
	Body        []byte
	Caller      Caller
}

// Seed adds inputs to f's corpus: per route and caller, one plain request and one whose path
// parameters are longer than DynamoDB's 2048-byte partition key limit; and the given ones.
func Seed(f *testing.F, api API, extra ...Input) {
	f.Helper()
	var in []Input
	for i := range api.Routes {
		for c := range callers {
			in = append(in, Input{Route: uint8(i), Param: "p1", Body: []byte(`{}`), Caller: c,
				HeaderName: "Idempotency-Key", HeaderValue: "fuzz-key-1"},
				Input{Route: uint8(i), Param: strings.Repeat("x", 3000), Body: []byte(`{"quantity":1,"onHand":1}`), Caller: c,
					HeaderName: "Idempotency-Key", HeaderValue: "fuzz-key-2"})
		}
	}
	for _, s := range append(in, extra...) {
		f.Add(s.Route, s.Param, s.Query, s.HeaderName, s.HeaderValue, s.Body, uint8(s.Caller))
	}
}

// Fuzz runs the fuzz target over api (seed it first with Seed).
func Fuzz(f *testing.F, api API) {
	f.Fuzz(func(t *testing.T, route uint8, param, query, hName, hValue string, body []byte, caller uint8) {
		Check(t, api, Input{Route: route, Param: param, Query: query, HeaderName: hName,
			HeaderValue: hValue, Body: body, Caller: Caller(caller)})
	})
}

// Check sends one request and fails t if the answer breaks a promise (see the package doc).
func Check(t *testing.T, api API, in Input) {
	t.Helper()
	ev := event(api.Routes, in)
	var before any
	if api.State != nil {
		before = api.State(t)
	}
	resp, err := httpapi.Lambda(api.Handler)(context.Background(), ev)
	if err != nil {
		t.Fatalf("%s %q: the adapter failed (API Gateway answers 500): %v", ev.RequestContext.HTTP.Method, ev.RawPath, err)
	}
	where := ev.RequestContext.HTTP.Method + " " + ev.RawPath + "?" + ev.RawQueryString
	if resp.StatusCode >= 500 {
		t.Fatalf("%s: status %d for client input; body %s", where, resp.StatusCode, resp.Body)
	}
	if resp.StatusCode < 400 {
		if resp.Body != "" && !json.Valid([]byte(resp.Body)) {
			t.Fatalf("%s: status %d with a body that is not JSON: %q", where, resp.StatusCode, resp.Body)
		}
		return
	}
	checkErrorBody(t, where, resp)
	if api.State != nil {
		if diff := cmp.Diff(before, api.State(t)); diff != "" {
			t.Fatalf("%s: refused with %d but the stored state changed (-before +after):\n%s", where, resp.StatusCode, diff)
		}
	}
}

// errorBody is the one error shape; decoding it strictly rejects any other field.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

func checkErrorBody(t *testing.T, where string, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: status %d with Content-Type %q, want application/json", where, resp.StatusCode, ct)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(resp.Body)))
	dec.DisallowUnknownFields()
	var b errorBody
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("%s: status %d with a body not of the error shape (%v): %s", where, resp.StatusCode, err, resp.Body)
	}
	if b.Error.Code == "" || b.Error.Message == "" || b.RequestID != RequestID {
		t.Fatalf("%s: status %d with an incomplete error body (want code, message and requestId %q): %s",
			where, resp.StatusCode, RequestID, resp.Body)
	}
}

// event builds the API Gateway event for in, as the HTTP API would after its authorizer.
func event(routes []spec.Route, in Input) events.APIGatewayV2HTTPRequest {
	method, path := http.MethodGet, "/"+in.Param
	routeKey := "$default"
	if i := int(in.Route) % (len(routes) + 1); i < len(routes) {
		method, routeKey = routes[i].Method, routes[i].Key()
		path = fillParams(routes[i].Path, in.Param)
	}
	headers := map[string]string{"content-type": "application/json"}
	if in.HeaderName != "" {
		headers[strings.ToLower(in.HeaderName)] = in.HeaderValue
	}
	rc := events.APIGatewayV2HTTPRequestContext{
		RouteKey: routeKey, RequestID: RequestID, Stage: "$default",
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path},
	}
	if c := in.Caller.claims(); c != nil {
		rc.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: c},
		}
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: path, RawQueryString: in.Query,
		Headers: headers, Body: string(in.Body), RequestContext: rc,
	}
	if !utf8.Valid(in.Body) { // API Gateway base64-encodes a body that is not text
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(in.Body), true
	}
	return ev
}

// fillParams replaces every {name} (or {name+}) segment of an API Gateway path with value.
func fillParams(path, value string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = value
		}
	}
	return strings.Join(segs, "/")
}
