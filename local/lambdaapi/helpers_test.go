package lambdaapi_test

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

	"github.com/microshop/microshop/local/lambdaapi"
	"github.com/microshop/microshop/local/lambdahost"
)

// call is one invocation the fake saw.
type call struct {
	name    string
	payload string
	opts    lambdahost.InvokeOptions
	at      time.Time
}

// fakeInvoker records invocations and answers with reply (default: echo the payload).
// It implements InvokeWithOptions like *lambdahost.Manager.
type fakeInvoker struct {
	// reply answers the n-th invocation (from 1).
	reply func(n int, name string, payload []byte) (*lambdahost.Result, error)

	mu    sync.Mutex
	calls []call
	seen  chan struct{} // one value per invocation
}

func newFake(reply func(n int, name string, payload []byte) (*lambdahost.Result, error)) *fakeInvoker {
	return &fakeInvoker{reply: reply, seen: make(chan struct{}, 100)}
}

func (f *fakeInvoker) Invoke(ctx context.Context, name string, payload []byte) (*lambdahost.Result, error) {
	return f.InvokeWithOptions(ctx, name, payload, lambdahost.InvokeOptions{})
}

func (f *fakeInvoker) InvokeWithOptions(_ context.Context, name string, payload []byte, opts lambdahost.InvokeOptions) (*lambdahost.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, call{name, string(payload), opts, time.Now()})
	n := len(f.calls)
	f.mu.Unlock()
	defer func() { f.seen <- struct{}{} }()
	if f.reply != nil {
		return f.reply(n, name, payload)
	}
	return &lambdahost.Result{RequestID: "req-" + name, Payload: append([]byte(nil), payload...)}, nil
}

func (f *fakeInvoker) snapshot() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// waitCalls waits until the fake has seen n invocations.
func (f *fakeInvoker) waitCalls(t *testing.T, n int) []call {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for len(f.snapshot()) < n {
		select {
		case <-f.seen:
		case <-deadline:
			t.Fatalf("saw %d invocations, want %d", len(f.snapshot()), n)
		}
	}
	return f.snapshot()
}

// functionError is a Result for a failed invocation.
func functionError(id string) *lambdahost.Result {
	return &lambdahost.Result{
		RequestID: id,
		Payload:   []byte(`{"errorMessage":"boom","errorType":"errorString"}`),
		Error:     &lambdahost.FunctionError{Type: "errorString", Message: "boom", Kind: "Unhandled"},
	}
}

// known resolves the functions "orders" and "cart" to the Invoker's names.
func known(name string) (string, bool) {
	switch name {
	case "orders", "cart":
		return "fn-" + name, true
	}
	return "", false
}

// serve starts h on a real port.
func serve(t *testing.T, h *lambdaapi.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		h.Close()
	})
	return srv.URL
}

// response is what a test reads back.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request to h directly.
func do(t *testing.T, h http.Handler, method, path string, header map[string]string, body string) response {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return response{w.Code, w.Result().Header, string(b)}
}

// errorBody decodes Lambda's error document.
func errorBody(t *testing.T, body string) (typ, msg string) {
	t.Helper()
	var e struct{ Type, Message string }
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e.Type, e.Message
}
