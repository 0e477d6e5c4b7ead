package apigw_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/apigw"
)

const internalError = `{"message":"Internal Server Error"}`

func TestResponseMapping(t *testing.T) {
	tests := []struct {
		name        string
		payload     string
		wantStatus  int
		wantHeaders http.Header // must be present with exactly these values
		wantAbsent  []string    // headers that must not be present
		wantBody    string
	}{
		{
			name:        "structured",
			payload:     `{"statusCode":201,"headers":{"content-type":"application/json","x-request":"r1"},"body":"{\"id\":\"p1\"}"}`,
			wantStatus:  201,
			wantHeaders: http.Header{"Content-Type": {"application/json"}, "X-Request": {"r1"}},
			wantBody:    `{"id":"p1"}`,
		},
		{
			name:        "structured without content-type",
			payload:     `{"statusCode":200,"body":"hello"}`,
			wantStatus:  200,
			wantHeaders: http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Length": {"5"}},
			wantBody:    "hello",
		},
		{
			name:        "structured as aws-lambda-go marshals it",
			payload:     `{"statusCode":404,"headers":null,"multiValueHeaders":null,"body":"{\"message\":\"no such product\"}","cookies":null}`,
			wantStatus:  404,
			wantHeaders: http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
			wantBody:    `{"message":"no such product"}`,
		},
		{
			name:        "structured cookies become Set-Cookie headers",
			payload:     `{"statusCode":200,"cookies":["a=1; Path=/","b=2; HttpOnly"],"body":""}`,
			wantStatus:  200,
			wantHeaders: http.Header{"Set-Cookie": {"a=1; Path=/", "b=2; HttpOnly"}},
			wantBody:    "",
		},
		{
			name:        "structured base64 body",
			payload:     `{"statusCode":200,"headers":{"Content-Type":"image/png"},"body":"iVBORw0KGgo=","isBase64Encoded":true}`,
			wantStatus:  200,
			wantHeaders: http.Header{"Content-Type": {"image/png"}},
			wantBody:    "\x89PNG\r\n\x1a\n",
		},
		{
			name:        "structured multiValueHeaders are ignored, as in payload 2.0",
			payload:     `{"statusCode":200,"headers":{"x-one":"1"},"multiValueHeaders":{"x-many":["a","b"]},"body":"x"}`,
			wantStatus:  200,
			wantHeaders: http.Header{"X-One": {"1"}},
			wantAbsent:  []string{"X-Many"},
			wantBody:    "x",
		},
		{
			name:        "structured header values that are numbers or booleans",
			payload:     `{"statusCode":200,"headers":{"x-count":3,"x-flag":true,"x-none":null},"body":"x"}`,
			wantStatus:  200,
			wantHeaders: http.Header{"X-Count": {"3"}, "X-Flag": {"true"}},
			wantAbsent:  []string{"X-None"},
			wantBody:    "x",
		},
		{
			name:        "structured function cannot set content-length or connection",
			payload:     `{"statusCode":200,"headers":{"content-length":"999","connection":"close"},"body":"abc"}`,
			wantStatus:  200,
			wantHeaders: http.Header{"Content-Length": {"3"}},
			wantAbsent:  []string{"Connection"},
			wantBody:    "abc",
		},
		{
			name:       "structured without body",
			payload:    `{"statusCode":204}`,
			wantStatus: 204,
			wantBody:   "",
		},
		{
			name:       "structured redirect",
			payload:    `{"statusCode":302,"headers":{"location":"/products"}}`,
			wantStatus: 302,
			wantHeaders: http.Header{
				"Location": {"/products"},
			},
			wantBody: "",
		},
		{
			name:        "inferred object",
			payload:     `{"id":"p1","price":1999}`,
			wantStatus:  200,
			wantHeaders: http.Header{"Content-Type": {"application/json"}},
			wantBody:    `{"id":"p1","price":1999}`,
		},
		{
			name:        "inferred array",
			payload:     `[{"id":"p1"},{"id":"p2"}]`,
			wantStatus:  200,
			wantHeaders: http.Header{"Content-Type": {"application/json"}},
			wantBody:    `[{"id":"p1"},{"id":"p2"}]`,
		},
		{
			name:        "inferred string is sent unquoted",
			payload:     `"Hello from Lambda!"`,
			wantStatus:  200,
			wantHeaders: http.Header{"Content-Type": {"application/json"}},
			wantBody:    "Hello from Lambda!",
		},
		{
			name:        "inferred number",
			payload:     `42`,
			wantStatus:  200,
			wantHeaders: http.Header{"Content-Type": {"application/json"}},
			wantBody:    "42",
		},
		{
			name:        "inferred boolean",
			payload:     `true`,
			wantStatus:  200,
			wantHeaders: http.Header{"Content-Type": {"application/json"}},
			wantBody:    "true",
		},
		{
			name:       "inferred null",
			payload:    `null`,
			wantStatus: 200,
			wantBody:   "null",
		},
		{
			name:       "inferred object with body but no statusCode",
			payload:    `{"body":"x","headers":{"a":"b"}}`,
			wantStatus: 200,
			wantAbsent: []string{"A"},
			wantBody:   `{"body":"x","headers":{"a":"b"}}`,
		},
		{name: "invalid: not JSON", payload: `Hello`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: empty", payload: ``, wantStatus: 500, wantBody: internalError},
		{name: "invalid: a broken object", payload: `{"statusCode":200,"body":"x"`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: statusCode is a string", payload: `{"statusCode":"200","body":"x"}`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: statusCode is null", payload: `{"statusCode":null,"body":"x"}`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: statusCode is not an integer", payload: `{"statusCode":200.5}`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: statusCode out of range", payload: `{"statusCode":700}`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: statusCode zero", payload: `{"statusCode":0,"body":"x"}`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: body is an object", payload: `{"statusCode":200,"body":{"a":1}}`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: bad base64", payload: `{"statusCode":200,"body":"%%%","isBase64Encoded":true}`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: isBase64Encoded is a string", payload: `{"statusCode":200,"body":"x","isBase64Encoded":"yes"}`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: headers is an array", payload: `{"statusCode":200,"headers":["a"]}`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: header value is an object", payload: `{"statusCode":200,"headers":{"a":{"b":1}}}`, wantStatus: 500, wantBody: internalError},
		{name: "invalid: cookies are not strings", payload: `{"statusCode":200,"cookies":[1,2]}`, wantStatus: 500, wantBody: internalError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, functions := testAPI("GET /x")
			inv := &fakeInvoker{reply: replyPayload(tt.payload)}
			resp := do(t, apigw.New(api, functions, inv, fixedOptions()), httptest.NewRequest("GET", "/x", nil))
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			for k, want := range tt.wantHeaders {
				if diff := cmp.Diff(want, resp.Header.Values(k)); diff != "" {
					t.Errorf("header %s (-want +got):\n%s", k, diff)
				}
			}
			for _, k := range tt.wantAbsent {
				if v := resp.Header.Values(k); v != nil {
					t.Errorf("header %s = %q, want none", k, v)
				}
			}
			if got := readAll(t, resp.Body); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			if resp.Header.Get("Apigw-Requestid") == "" {
				t.Error("no apigw-requestid header")
			}
		})
	}
}

func TestMultiValueHeadersWarnedOnce(t *testing.T) {
	api, functions := testAPI("GET /x")
	inv := &fakeInvoker{reply: replyPayload(`{"statusCode":200,"multiValueHeaders":{"x-a":["1"]}}`)}
	var log bytes.Buffer
	opts := fixedOptions()
	opts.Log = &log
	srv := apigw.New(api, functions, inv, opts)
	for range 3 {
		do(t, srv, httptest.NewRequest("GET", "/x", nil))
	}
	if n := strings.Count(log.String(), "multiValueHeaders"); n != 1 {
		t.Errorf("multiValueHeaders warnings = %d, want 1; log:\n%s", n, log.String())
	}
}
