package apigw_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/lambdahost"
)

// FuzzRequest sends arbitrary requests through the local HTTP API and answers them with an
// arbitrary function payload: nothing panics, the function gets a payload format 2.0 event
// whose body is the request's body byte for byte, and a response that is not a valid
// function result is a 500 rather than a crash.
func FuzzRequest(f *testing.F) {
	f.Add("GET", "/products/p1?limit=2&a=b&a=c", "Authorization", "Bearer x", []byte(nil), []byte(`{"statusCode":200,"body":"ok"}`))
	f.Add("POST", "/orders", "Content-Type", "application/json", []byte(`{"a":1}`), []byte(`{"statusCode":201,"headers":{"x":"y"},"cookies":["a=b"],"body":"e30=","isBase64Encoded":true}`))
	f.Add("PUT", "/files/a/b/c%2Fd?x=%ZZ", "Cookie", "a=b; c=d", []byte{0xff, 0x00}, []byte(`"just a string"`))
	f.Add("DELETE", "/stage/../x", "X-Forwarded-For", "1.2.3.4", []byte("x"), []byte(`{"statusCode":"200"}`))
	f.Fuzz(func(t *testing.T, method, target, hName, hValue string, body, reply []byte) {
		u, err := url.ParseRequestURI(target)
		if err != nil || !validMethod(method) {
			return
		}
		r := &http.Request{Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: http.NoBody, Host: "api.localhost", RemoteAddr: "127.0.0.1:5000"}
		if len(body) > 0 {
			r.Body, r.ContentLength = readCloser{bytes.NewReader(body)}, int64(len(body))
		}
		if hName != "" {
			r.Header[hName] = []string{hValue}
		}
		inv := &fakeInvoker{reply: func(context.Context, string, []byte) (*lambdahost.Result, error) {
			return &lambdahost.Result{Payload: reply}, nil
		}}
		api, functions := testAPI("GET /products/{id}", "POST /orders", "ANY /files/{proxy+}", "$default")
		srv := apigw.New(api, functions, inv, fixedOptions())
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code < 100 || w.Code > 599 {
			t.Fatalf("status %d", w.Code)
		}
		if inv.count() == 0 {
			return
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(inv.last(t).payload, &ev); err != nil {
			t.Fatalf("the function got an event it cannot decode: %v\n%s", err, inv.last(t).payload)
		}
		if ev.Version != "2.0" || ev.RawPath == "" || ev.RequestContext.HTTP.Method != method {
			t.Fatalf("event version %q, rawPath %q, method %q for %s %s", ev.Version, ev.RawPath, ev.RequestContext.HTTP.Method, method, target)
		}
		got := []byte(ev.Body)
		if ev.IsBase64Encoded {
			if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
				t.Fatalf("base64 body: %v", err)
			}
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("the function got body %q, the client sent %q", got, body)
		}
	})
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// validMethod reports whether m is an HTTP token, as net/http's server requires of a method.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range []byte(m) {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte(`()<>@,;:\"/[]?={}`), c) >= 0 {
			return false
		}
	}
	return true
}
