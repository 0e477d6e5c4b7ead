package apigw_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/template"
)

// fakeInvoker records every invocation and answers with reply (default: a 200 with body "ok").
type fakeInvoker struct {
	reply func(ctx context.Context, name string, payload []byte) (*lambdahost.Result, error)

	mu    sync.Mutex
	calls []invocation
}

type invocation struct {
	name    string
	payload []byte
}

func (f *fakeInvoker) Invoke(ctx context.Context, name string, payload []byte) (*lambdahost.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, invocation{name, append([]byte(nil), payload...)})
	f.mu.Unlock()
	if f.reply != nil {
		return f.reply(ctx, name, payload)
	}
	return &lambdahost.Result{Payload: []byte(`{"statusCode":200,"body":"ok"}`)}, nil
}

// last returns the last invocation, failing the test when there was none.
func (f *fakeInvoker) last(t *testing.T) invocation {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("function not invoked")
	}
	return f.calls[len(f.calls)-1]
}

func (f *fakeInvoker) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// replyPayload answers every invocation with payload.
func replyPayload(payload string) func(context.Context, string, []byte) (*lambdahost.Result, error) {
	return func(context.Context, string, []byte) (*lambdahost.Result, error) {
		return &lambdahost.Result{Payload: []byte(payload)}, nil
	}
}

// testAPI builds an HTTP API from route keys; each route's function is named after its key
// ("GET /products/{id}" -> "fn:GET /products/{id}") so tests can see which route won.
func testAPI(keys ...string) (*template.HTTPAPI, map[string]string) {
	api := &template.HTTPAPI{LogicalID: "HttpApi", ID: "abcde12345", Name: "shop"}
	functions := map[string]string{}
	for i, key := range keys {
		r := &template.Route{
			LogicalID:            "Route" + string(rune('A'+i)),
			Key:                  key,
			Function:             "Fn" + string(rune('A'+i)),
			PayloadFormatVersion: "2.0",
			AuthorizationType:    "NONE",
		}
		if key != "$default" {
			r.Method, r.Path, _ = strings.Cut(key, " ")
		}
		api.Routes = append(api.Routes, r)
		functions[r.Function] = "fn:" + key
	}
	return api, functions
}

// fixedOptions makes events deterministic.
func fixedOptions() apigw.Options {
	return apigw.Options{
		Region:    "eu-west-1",
		AccountID: "111122223333",
		Now:       func() time.Time { return time.Date(2020, time.April, 21, 15, 8, 21, 67e6, time.UTC) },
		RequestID: func() string { return "LV7fzho-PHcEJPw=" },
	}
}

// do serves one request and returns the recorded response.
func do(t *testing.T, h http.Handler, r *http.Request) *http.Response {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decodeEvent decodes a captured payload into aws-lambda-go's type, as a function would.
func decodeEvent(t *testing.T, payload []byte) events.APIGatewayV2HTTPRequest {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("decode event: %v\n%s", err, payload)
	}
	return ev
}

// sortStrings compares string slices as sets.
var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })
