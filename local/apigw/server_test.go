package apigw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/lambdahost"
)

func TestFailures(t *testing.T) {
	errorDoc := []byte(`{"errorMessage":"boom","errorType":"errorString"}`)
	tests := []struct {
		name       string
		reply      func(context.Context, string, []byte) (*lambdahost.Result, error)
		timeout    time.Duration
		wantStatus int
		wantBody   string
	}{
		{
			name: "function error",
			reply: func(context.Context, string, []byte) (*lambdahost.Result, error) {
				return &lambdahost.Result{Payload: errorDoc, Error: &lambdahost.FunctionError{Type: "errorString", Message: "boom", Kind: "Unhandled"}}, nil
			},
			wantStatus: 500, wantBody: internalError,
		},
		{
			name: "function crash",
			reply: func(context.Context, string, []byte) (*lambdahost.Result, error) {
				return &lambdahost.Result{Error: &lambdahost.FunctionError{Type: "Runtime.ExitError", Message: "exit status 2", Crashed: true}}, nil
			},
			wantStatus: 500, wantBody: internalError,
		},
		{
			name: "function timeout",
			reply: func(context.Context, string, []byte) (*lambdahost.Result, error) {
				return &lambdahost.Result{Error: &lambdahost.FunctionError{Type: "Sandbox.Timedout", Message: "Task timed out after 3.00 seconds", Timeout: true}}, nil
			},
			wantStatus: 500, wantBody: internalError,
		},
		{
			name: "invocation never ran",
			reply: func(context.Context, string, []byte) (*lambdahost.Result, error) {
				return nil, errors.New("unknown function")
			},
			wantStatus: 500, wantBody: internalError,
		},
		{
			name: "invoker returns neither result nor error",
			reply: func(context.Context, string, []byte) (*lambdahost.Result, error) {
				return nil, nil
			},
			wantStatus: 500, wantBody: internalError,
		},
		{
			name:    "integration timeout, invoker ignores the context",
			timeout: 50 * time.Millisecond,
			reply: func(context.Context, string, []byte) (*lambdahost.Result, error) {
				time.Sleep(time.Second)
				return &lambdahost.Result{Payload: []byte(`"late"`)}, nil
			},
			wantStatus: 503, wantBody: `{"message":"Service Unavailable"}`,
		},
		{
			name:    "integration timeout, invoker gives up with the context",
			timeout: 50 * time.Millisecond,
			reply: func(ctx context.Context, _ string, _ []byte) (*lambdahost.Result, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			},
			wantStatus: 503, wantBody: `{"message":"Service Unavailable"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, functions := testAPI("GET /x")
			api.Routes[0].IntegrationTimeout = tt.timeout
			inv := &fakeInvoker{reply: tt.reply}
			began := time.Now()
			resp := do(t, apigw.New(api, functions, inv, fixedOptions()), httptest.NewRequest("GET", "/x", nil))
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := readAll(t, resp.Body); got != tt.wantBody {
				t.Errorf("body = %s, want %s", got, tt.wantBody)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("content-type = %q, want application/json", got)
			}
			if tt.timeout > 0 {
				if d := time.Since(began); d > tt.timeout+time.Second {
					t.Errorf("answered after %v, want about the integration timeout %v", d, tt.timeout)
				}
			}
		})
	}
}

func TestIntegrationTimeoutPassesDeadline(t *testing.T) {
	api, functions := testAPI("GET /default", "GET /short")
	api.Routes[1].IntegrationTimeout = 2 * time.Second
	var mu sync.Mutex
	deadlines := map[string]time.Duration{}
	inv := &fakeInvoker{reply: func(ctx context.Context, name string, _ []byte) (*lambdahost.Result, error) {
		d, ok := ctx.Deadline()
		if !ok {
			return nil, errors.New("no deadline")
		}
		mu.Lock()
		deadlines[name] = time.Until(d).Round(time.Second)
		mu.Unlock()
		return &lambdahost.Result{Payload: []byte(`"ok"`)}, nil
	}}
	srv := apigw.New(api, functions, inv, fixedOptions())
	do(t, srv, httptest.NewRequest("GET", "/default", nil))
	do(t, srv, httptest.NewRequest("GET", "/short", nil))
	want := map[string]time.Duration{"fn:GET /default": 30 * time.Second, "fn:GET /short": 2 * time.Second}
	for name, d := range want {
		if deadlines[name] != d {
			t.Errorf("%s: invocation deadline in %v, want %v", name, deadlines[name], d)
		}
	}
}

func TestClientGoneDoesNotCancelInvocation(t *testing.T) {
	api, functions := testAPI("GET /x")
	inv := &fakeInvoker{reply: func(ctx context.Context, _ string, _ []byte) (*lambdahost.Result, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return &lambdahost.Result{Payload: []byte(`"ok"`)}, nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/x", nil).WithContext(ctx)
	if resp := do(t, apigw.New(api, functions, inv, fixedOptions()), r); resp.StatusCode != 200 {
		t.Errorf("status = %d, want 200", resp.StatusCode)
	}
}

func TestRequestTooLarge(t *testing.T) {
	const limit = 10 << 20
	tests := []struct {
		name       string
		body       io.Reader
		length     int64 // -1: unknown (chunked)
		wantStatus int
	}{
		{"at the limit", bytes.NewReader(make([]byte, limit)), limit, 200},
		{"declared over the limit", bytes.NewReader(make([]byte, limit+1)), limit + 1, 413},
		{"chunked over the limit", io.LimitReader(zeros{}, limit+1), -1, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, functions := testAPI("POST /upload")
			inv := &fakeInvoker{}
			r := httptest.NewRequest("POST", "/upload", tt.body)
			r.ContentLength = tt.length
			r.Header.Set("Content-Type", "application/octet-stream")
			resp := do(t, apigw.New(api, functions, inv, fixedOptions()), r)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == 413 {
				if got, want := readAll(t, resp.Body), `{"message":"Request Entity Too Large"}`; got != want {
					t.Errorf("body = %s, want %s", got, want)
				}
				if n := inv.count(); n != 0 {
					t.Errorf("function invoked %d times", n)
				}
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestLogLine(t *testing.T) {
	api, functions := testAPI("GET /products/{id}", "GET /boom")
	inv := &fakeInvoker{reply: func(_ context.Context, name string, _ []byte) (*lambdahost.Result, error) {
		if name == "fn:GET /boom" {
			return &lambdahost.Result{Error: &lambdahost.FunctionError{Type: "Runtime.ExitError", Message: "exit status 2", Crashed: true}}, nil
		}
		return &lambdahost.Result{Payload: []byte(`{"statusCode":200}`), InitDuration: 85 * time.Millisecond}, nil
	}}
	var log bytes.Buffer
	opts := fixedOptions()
	opts.Log = &log
	srv := apigw.New(api, functions, inv, opts)
	do(t, srv, httptest.NewRequest("GET", "/products/abc", nil))
	do(t, srv, httptest.NewRequest("GET", "/boom", nil))
	do(t, srv, httptest.NewRequest("DELETE", "/nothing", nil))

	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	want := []*regexp.Regexp{
		regexp.MustCompile(`^GET /products/abc 200 \d+\.\dms GET /products/\{id\} -> fn:GET /products/\{id\} \(cold start, init 85\.0ms\)$`),
		regexp.MustCompile(`^GET /boom 500 \d+\.\dms GET /boom -> fn:GET /boom: function failed: Runtime\.ExitError: exit status 2$`),
		regexp.MustCompile(`^DELETE /nothing 404 \d+\.\dms: no route$`),
	}
	if len(lines) != len(want) {
		t.Fatalf("log has %d lines, want %d:\n%s", len(lines), len(want), log.String())
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) {
			t.Errorf("log line %d = %q, want %s", i, lines[i], re)
		}
	}
}

func TestUnenforcedAuthorizationIsLogged(t *testing.T) {
	api, functions := testAPI("GET /orders", "GET /public")
	api.Routes[0].AuthorizationType = "JWT"
	var log bytes.Buffer
	opts := fixedOptions()
	opts.Log = &log
	apigw.New(api, functions, &fakeInvoker{}, opts)
	if !strings.Contains(log.String(), `authorization is not enforced locally yet for "GET /orders" (JWT)`) {
		t.Errorf("log = %q, want a note about the unenforced JWT route", log.String())
	}
}

// TestOverHTTP serves a real listener: HEAD drops the body, x-forwarded-port is the
// listener's port, and concurrent requests are safe.
func TestOverHTTP(t *testing.T) {
	api, functions := testAPI("ANY /items/{id}")
	inv := &fakeInvoker{reply: func(_ context.Context, _ string, payload []byte) (*lambdahost.Result, error) {
		ev := struct {
			Headers map[string]string `json:"headers"`
		}{}
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		body := fmt.Sprintf(`{"statusCode":200,"headers":{"x-port":%q},"body":"hello"}`, ev.Headers["x-forwarded-port"])
		return &lambdahost.Result{Payload: []byte(body)}, nil
	}}
	ts := httptest.NewServer(apigw.New(api, functions, inv, apigw.Options{}))
	defer ts.Close()
	port := ts.Listener.Addr().String()[strings.LastIndex(ts.Listener.Addr().String(), ":")+1:]

	resp, err := http.Head(ts.URL + "/items/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Port") != port || resp.Header.Get("Apigw-Requestid") == "" {
		t.Errorf("HEAD: status %d, x-port %q (want %s), apigw-requestid %q", resp.StatusCode, resp.Header.Get("X-Port"), port, resp.Header.Get("Apigw-Requestid"))
	}

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			resp, err := http.Get(fmt.Sprintf("%s/items/%d", ts.URL, i))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(body) != "hello" {
				errs <- fmt.Errorf("GET /items/%d: %d %q", i, resp.StatusCode, body)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
