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
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/lambdahost"
)

// FuzzRestRequest sends arbitrary requests through a local REST API and answers them with
// an arbitrary function payload: nothing panics, the function gets a payload format 1.0
// event whose body is the request's (byte for byte when base64-encoded or valid UTF-8;
// API Gateway too passes a non-binary body as text), and the status is the function's or
// one of API Gateway's (403 no method, 413, 502).
func FuzzRestRequest(f *testing.F) {
	f.Add("GET", "/prod/items/1?a=b&a=c", "Content-Type", "application/json", []byte(nil), []byte(`{"statusCode":200,"body":"ok"}`))
	f.Add("POST", "/upload", "Content-Type", "image/png", []byte{0x89, 0xff, 0}, []byte(`{"statusCode":201,"multiValueHeaders":{"x":["1","2"]},"body":"e30=","isBase64Encoded":true}`))
	f.Add("PUT", "/a/b/c%2Fd?x=%ZZ", "Accept", "image/png", []byte("x"), []byte(`"just a string"`))
	f.Add("DELETE", "/prod", "X-Forwarded-For", "1.2.3.4", []byte("x"), []byte(`{"statusCode":"200"}`))
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
		api, functions := restAPI("GET /items/{id}", "POST /upload", "ANY /{proxy+}")
		api.BinaryMediaTypes = []string{"image/png"}
		srv := apigw.NewRest(api, functions, inv, apigw.RestOptions{})
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code < 100 || w.Code > 599 {
			t.Fatalf("status %d", w.Code)
		}
		if inv.count() == 0 {
			if w.Code != http.StatusForbidden && w.Code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d without an invocation", w.Code)
			}
			return
		}
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(inv.last(t).payload, &ev); err != nil {
			t.Fatalf("the function got an event it cannot decode: %v\n%s", err, inv.last(t).payload)
		}
		if ev.HTTPMethod != method || ev.Resource == "" || ev.RequestContext.Stage != "prod" {
			t.Fatalf("event method %q resource %q stage %q for %s %s", ev.HTTPMethod, ev.Resource, ev.RequestContext.Stage, method, target)
		}
		got := []byte(ev.Body)
		if ev.IsBase64Encoded {
			if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
				t.Fatalf("base64 body: %v", err)
			}
		}
		if (ev.IsBase64Encoded || utf8.Valid(body)) && !bytes.Equal(got, body) {
			t.Fatalf("the function got body %q, the client sent %q", got, body)
		}
	})
}
