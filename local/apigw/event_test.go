package apigw_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/template"
)

var traceIDPattern = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)

func TestEventGetWithQueryCookiesAndHeaders(t *testing.T) {
	api, functions := testAPI("GET /products/{id}")
	inv := &fakeInvoker{}
	srv := apigw.New(api, functions, inv, fixedOptions())

	r := httptest.NewRequest("GET", "http://localhost:3000/products/p%2D1?b=2&a=1&a=x%20y&plus=a+b&flag&empty=", nil)
	r.RemoteAddr = "192.0.2.7:51234"
	r.Header.Set("User-Agent", "curl/8.7.1")
	r.Header.Add("X-Multi", "one")
	r.Header.Add("X-Multi", "two")
	r.Header.Add("Cookie", "session=abc; theme=dark")
	r.Header.Add("Cookie", "lang=en")
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	r.Header.Set("Connection", "keep-alive")
	do(t, srv, r)

	payload := inv.last(t).payload
	got := decodeEvent(t, payload)
	traceID := got.Headers["x-amzn-trace-id"]
	if !traceIDPattern.MatchString(traceID) {
		t.Errorf("x-amzn-trace-id = %q, want %s", traceID, traceIDPattern)
	}
	want := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "GET /products/{id}",
		RawPath:        "/products/p-1",
		RawQueryString: "b=2&a=1&a=x%20y&plus=a+b&flag&empty=",
		Cookies:        []string{"session=abc", "theme=dark", "lang=en"},
		Headers: map[string]string{
			"host":              "localhost:3000",
			"content-length":    "0",
			"user-agent":        "curl/8.7.1",
			"x-multi":           "one,two",
			"x-forwarded-for":   "203.0.113.9, 192.0.2.7",
			"x-forwarded-port":  "3000",
			"x-forwarded-proto": "http",
			"x-amzn-trace-id":   traceID,
		},
		QueryStringParameters: map[string]string{"a": "1,x y", "b": "2", "plus": "a b", "flag": "", "empty": ""},
		PathParameters:        map[string]string{"id": "p-1"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     "GET /products/{id}",
			AccountID:    "111122223333",
			Stage:        "$default",
			RequestID:    "LV7fzho-PHcEJPw=",
			APIID:        "abcde12345",
			DomainName:   "localhost:3000",
			DomainPrefix: "localhost",
			Time:         "21/Apr/2020:15:08:21 +0000",
			TimeEpoch:    1587481701067,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    "GET",
				Path:      "/products/p-1",
				Protocol:  "HTTP/1.1",
				SourceIP:  "192.0.2.7",
				UserAgent: "curl/8.7.1",
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}

	// Keys API Gateway leaves out when empty must be absent, not null.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"body", "stageVariables"} {
		if _, ok := raw[key]; ok {
			t.Errorf("event has %q, want it omitted", key)
		}
	}
	var rc map[string]json.RawMessage
	if err := json.Unmarshal(raw["requestContext"], &rc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"authentication", "authorizer"} {
		if _, ok := rc[key]; ok {
			t.Errorf("requestContext has %q, want it omitted", key)
		}
	}
}

func TestEventOmitsEmptyFields(t *testing.T) {
	api, functions := testAPI("GET /")
	inv := &fakeInvoker{}
	do(t, apigw.New(api, functions, inv, fixedOptions()), httptest.NewRequest("GET", "/", nil))
	var raw map[string]any
	if err := json.Unmarshal(inv.last(t).payload, &raw); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	want := []string{"version", "routeKey", "rawPath", "rawQueryString", "headers", "requestContext", "isBase64Encoded"}
	if diff := cmp.Diff(want, keys, sortStrings); diff != "" {
		t.Errorf("event keys (-want +got):\n%s", diff)
	}
}

func TestEventPostJSON(t *testing.T) {
	api, functions := testAPI("POST /products")
	inv := &fakeInvoker{}
	body := `{"name":"Lamp <b>","price":1999,"tag":"lambda-λ"}`
	r := httptest.NewRequest("POST", "/products", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	do(t, apigw.New(api, functions, inv, fixedOptions()), r)

	payload := inv.last(t).payload
	ev := decodeEvent(t, payload)
	if ev.Body != body || ev.IsBase64Encoded {
		t.Errorf("body, isBase64Encoded = %q, %v; want %q, false", ev.Body, ev.IsBase64Encoded, body)
	}
	if got, want := ev.Headers["content-length"], "50"; got != want {
		t.Errorf("content-length = %q, want %q", got, want)
	}
	if got := ev.Headers["content-type"]; got != "application/json; charset=utf-8" {
		t.Errorf("content-type = %q", got)
	}
	if !bytes.Contains(payload, []byte(`<b>`)) {
		t.Errorf("body is HTML-escaped in the event: %s", payload)
	}
}

func TestEventPostBinary(t *testing.T) {
	api, functions := testAPI("POST /images")
	inv := &fakeInvoker{}
	body := []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff}
	r := httptest.NewRequest("POST", "/images", bytes.NewReader(body))
	r.Header.Set("Content-Type", "image/png")
	do(t, apigw.New(api, functions, inv, fixedOptions()), r)

	ev := decodeEvent(t, inv.last(t).payload)
	if !ev.IsBase64Encoded {
		t.Fatal("isBase64Encoded = false, want true")
	}
	got, err := base64.StdEncoding.DecodeString(ev.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("decoded body = %x, want %x", got, body)
	}
}

func TestEventBodyEncoding(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		encoding    string
		body        string
		wantBase64  bool
	}{
		{"text/plain", "text/plain", "", "hello", false},
		{"text/html with charset", "text/html; charset=utf-8", "", "<p>hi</p>", false},
		{"text/csv", "text/csv", "", "a,b\n1,2", false},
		{"application/json", "application/json", "", `{"a":1}`, false},
		{"upper-case json", "Application/JSON", "", `{"a":1}`, false},
		{"application/xml", "application/xml", "", "<a/>", false},
		{"application/javascript", "application/javascript", "", "let a", false},
		{"missing content type", "", "", `{"a":1}`, true},
		{"form urlencoded", "application/x-www-form-urlencoded", "", "a=1&b=2", true},
		{"multipart", "multipart/form-data; boundary=x", "", "--x--", true},
		{"problem+json", "application/problem+json", "", `{"a":1}`, true},
		{"octet-stream", "application/octet-stream", "", "raw", true},
		{"text with invalid UTF-8", "text/plain", "", "caf\xe9", true},
		{"gzip-encoded json", "application/json", "gzip", "\x1f\x8b\x08", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, functions := testAPI("POST /upload")
			inv := &fakeInvoker{}
			r := httptest.NewRequest("POST", "/upload", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			if tt.encoding != "" {
				r.Header.Set("Content-Encoding", tt.encoding)
			}
			do(t, apigw.New(api, functions, inv, fixedOptions()), r)
			ev := decodeEvent(t, inv.last(t).payload)
			if ev.IsBase64Encoded != tt.wantBase64 {
				t.Fatalf("isBase64Encoded = %v, want %v", ev.IsBase64Encoded, tt.wantBase64)
			}
			got := ev.Body
			if ev.IsBase64Encoded {
				b, err := base64.StdEncoding.DecodeString(ev.Body)
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			if got != tt.body {
				t.Errorf("body = %q, want %q", got, tt.body)
			}
		})
	}
}

func TestEventHostAndForwarding(t *testing.T) {
	tests := []struct {
		name           string
		url            string
		host           string
		wantDomain     string
		wantPrefix     string
		wantPort       string
		wantProto      string
		wantHostHeader string
	}{
		{"localhost with port", "http://localhost:3000/", "", "localhost:3000", "localhost", "3000", "http", "localhost:3000"},
		{"IP literal", "http://127.0.0.1:3000/", "", "127.0.0.1:3000", "127.0.0.1", "3000", "http", "127.0.0.1:3000"},
		{"execute-api name over TLS", "https://abcde12345.execute-api.eu-west-1.amazonaws.com/", "", "abcde12345.execute-api.eu-west-1.amazonaws.com", "abcde12345", "443", "https", "abcde12345.execute-api.eu-west-1.amazonaws.com"},
		{"no Host", "http://x/", "-", "abcde12345.execute-api.eu-west-1.amazonaws.com", "abcde12345", "80", "http", "abcde12345.execute-api.eu-west-1.amazonaws.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, functions := testAPI("GET /")
			inv := &fakeInvoker{}
			r := httptest.NewRequest("GET", tt.url, nil)
			if tt.host == "-" {
				r.Host = ""
			}
			do(t, apigw.New(api, functions, inv, fixedOptions()), r)
			ev := decodeEvent(t, inv.last(t).payload)
			got := []string{ev.RequestContext.DomainName, ev.RequestContext.DomainPrefix, ev.Headers["x-forwarded-port"], ev.Headers["x-forwarded-proto"], ev.Headers["host"]}
			want := []string{tt.wantDomain, tt.wantPrefix, tt.wantPort, tt.wantProto, tt.wantHostHeader}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("domainName, domainPrefix, x-forwarded-port, x-forwarded-proto, host (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventKeepsClientTraceID(t *testing.T) {
	api, functions := testAPI("GET /")
	inv := &fakeInvoker{}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Amzn-Trace-Id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c")
	do(t, apigw.New(api, functions, inv, fixedOptions()), r)
	if got := decodeEvent(t, inv.last(t).payload).Headers["x-amzn-trace-id"]; got != "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c" {
		t.Errorf("x-amzn-trace-id = %q", got)
	}
}

func TestEventDefaults(t *testing.T) {
	api, functions := testAPI("GET /")
	inv := &fakeInvoker{}
	do(t, apigw.New(api, functions, inv, apigw.Options{}), httptest.NewRequest("GET", "/", nil))
	ev := decodeEvent(t, inv.last(t).payload)
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`).MatchString(ev.RequestContext.RequestID) {
		t.Errorf("requestId = %q, want an API Gateway-like id", ev.RequestContext.RequestID)
	}
	got := []string{ev.RequestContext.Stage, ev.RequestContext.AccountID}
	if diff := cmp.Diff([]string{"$default", "123456789012"}, got); diff != "" {
		t.Errorf("stage, accountId (-want +got):\n%s", diff)
	}
	if !regexp.MustCompile(`^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$`).MatchString(ev.RequestContext.Time) {
		t.Errorf("time = %q", ev.RequestContext.Time)
	}
}

func TestEventStageVariables(t *testing.T) {
	api, functions := testAPI("GET /")
	inv := &fakeInvoker{}
	opts := fixedOptions()
	opts.StageVariables = map[string]string{"tableSuffix": "dev"}
	do(t, apigw.New(api, functions, inv, opts), httptest.NewRequest("GET", "/", nil))
	if diff := cmp.Diff(opts.StageVariables, decodeEvent(t, inv.last(t).payload).StageVariables); diff != "" {
		t.Errorf("stageVariables (-want +got):\n%s", diff)
	}
}

// fakeAuthorizer records the route it was asked about and answers with desc or err.
type fakeAuthorizer struct {
	desc  *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	err   error
	asked []string
}

func (a *fakeAuthorizer) Authorize(_ context.Context, route *template.Route, _ *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error) {
	a.asked = append(a.asked, route.Key)
	return a.desc, a.err
}

func TestAuthorizerSeam(t *testing.T) {
	jwt := &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{"sub": "user-1"},
			Scopes: []string{"orders"},
		},
	}
	tests := []struct {
		name       string
		authorizer apigw.Authorizer
		wantStatus int
		wantBody   string
		wantAuth   *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	}{
		{"no authorizer serves as NONE", nil, 200, "ok", nil},
		{"allowed", &fakeAuthorizer{desc: jwt}, 200, "ok", jwt},
		{"unauthorized", &fakeAuthorizer{err: apigw.ErrUnauthorized}, 401, `{"message":"Unauthorized"}`, nil},
		{"forbidden, wrapped", &fakeAuthorizer{err: fmt.Errorf("scope orders missing: %w", apigw.ErrForbidden)}, 403, `{"message":"Forbidden"}`, nil},
		{"authorizer failure", &fakeAuthorizer{err: context.DeadlineExceeded}, 500, `{"message":"Internal Server Error"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, functions := testAPI("GET /orders", "GET /public")
			api.Routes[0].AuthorizationType = "JWT"
			inv := &fakeInvoker{}
			opts := fixedOptions()
			opts.Authorizer = tt.authorizer
			srv := apigw.New(api, functions, inv, opts)
			resp := do(t, srv, httptest.NewRequest("GET", "/orders", nil))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := readAll(t, resp.Body); got != tt.wantBody {
				t.Errorf("body = %s, want %s", got, tt.wantBody)
			}
			if tt.wantStatus == 200 {
				ev := decodeEvent(t, inv.last(t).payload)
				if diff := cmp.Diff(tt.wantAuth, ev.RequestContext.Authorizer); diff != "" {
					t.Errorf("requestContext.authorizer (-want +got):\n%s", diff)
				}
			} else if n := inv.count(); n != 0 {
				t.Errorf("function invoked %d times after a refusal", n)
			}
			// A NONE route never asks the authorizer.
			do(t, srv, httptest.NewRequest("GET", "/public", nil))
			if fa, ok := tt.authorizer.(*fakeAuthorizer); ok {
				if diff := cmp.Diff([]string{"GET /orders"}, fa.asked); diff != "" {
					t.Errorf("authorizer asked about (-want +got):\n%s", diff)
				}
			}
		})
	}
}
