package lambdaapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/internal/syncbuf"
	"github.com/microshop/microshop/local/lambdaapi"
	"github.com/microshop/microshop/local/lambdahost"
)

const prefix = "/2015-03-31/functions/"

func quietOptions() lambdaapi.Options {
	return lambdaapi.Options{Log: &syncbuf.Buffer{}, AsyncRetryDelays: []time.Duration{time.Millisecond, time.Millisecond}}
}

func TestInvokeNames(t *testing.T) {
	tests := []struct {
		name, path string
	}{
		{"name", prefix + "orders/invocations"},
		{"name with $LATEST", prefix + "orders:$LATEST/invocations"},
		{"Qualifier parameter", prefix + "orders/invocations?Qualifier=%24LATEST"},
		{"ARN", prefix + "arn:aws:lambda:us-east-1:000000000000:function:orders/invocations"},
		{"ARN, encoded", prefix + url.PathEscape("arn:aws:lambda:us-east-1:000000000000:function:orders") + "/invocations"},
		{"qualified ARN", prefix + "arn:aws:lambda:us-east-1:000000000000:function:orders:$LATEST/invocations"},
		{"partial ARN", prefix + "000000000000:function:orders/invocations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := newFake(nil)
			h := lambdaapi.New(inv, known, quietOptions())
			got := do(t, h, "POST", tt.path, nil, `{"a":1}`)
			if got.status != 200 || got.body != `{"a":1}` {
				t.Fatalf("got %d %s, want 200 with the echoed payload", got.status, got.body)
			}
			want := map[string]string{
				"Content-Type":           "application/json",
				"X-Amz-Executed-Version": "$LATEST",
				"X-Amzn-Requestid":       "req-fn-orders",
				"X-Amz-Function-Error":   "",
				"X-Amz-Log-Result":       "",
			}
			gotHeaders := map[string]string{}
			for k := range want {
				gotHeaders[k] = got.header.Get(k)
			}
			if diff := cmp.Diff(want, gotHeaders); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}
			if calls := inv.snapshot(); len(calls) != 1 || calls[0].name != "fn-orders" || calls[0].payload != `{"a":1}` {
				t.Errorf("invocations = %+v, want one of fn-orders with the payload", calls)
			}
		})
	}
}

func TestInvokeErrors(t *testing.T) {
	failing := func(err error) func(int, string, []byte) (*lambdahost.Result, error) {
		return func(int, string, []byte) (*lambdahost.Result, error) { return nil, err }
	}
	tests := []struct {
		name       string
		reply      func(int, string, []byte) (*lambdahost.Result, error)
		method     string
		path       string
		header     map[string]string
		body       string
		wantStatus int
		wantCode   string
		wantType   string
	}{
		{"unknown function", nil, "POST", prefix + "nope/invocations", nil, "{}", 404, "ResourceNotFoundException", "User"},
		{"unknown to the invoker", failing(fmt.Errorf("%w: orders", lambdahost.ErrUnknownFunction)), "POST", prefix + "orders/invocations", nil, "{}", 404, "ResourceNotFoundException", "User"},
		{"ARN of another region", nil, "POST", prefix + "arn:aws:lambda:eu-west-1:000000000000:function:orders/invocations", nil, "{}", 404, "ResourceNotFoundException", "User"},
		{"ARN of another account", nil, "POST", prefix + "arn:aws:lambda:us-east-1:111111111111:function:orders/invocations", nil, "{}", 404, "ResourceNotFoundException", "User"},
		{"partial ARN of another account", nil, "POST", prefix + "111111111111:function:orders/invocations", nil, "{}", 404, "ResourceNotFoundException", "User"},
		{"version qualifier", nil, "POST", prefix + "orders:1/invocations", nil, "{}", 404, "ResourceNotFoundException", "User"},
		{"alias parameter", nil, "POST", prefix + "orders/invocations?Qualifier=live", nil, "{}", 404, "ResourceNotFoundException", "User"},
		{"qualifiers disagree", nil, "POST", prefix + "orders:$LATEST/invocations?Qualifier=live", nil, "{}", 400, "InvalidParameterValueException", "User"},
		{"bad name", nil, "POST", prefix + "or%20ders/invocations", nil, "{}", 400, "ValidationException", "User"},
		{"bad ARN", nil, "POST", prefix + "arn:aws:sqs:us-east-1:000000000000:q/invocations", nil, "{}", 400, "ValidationException", "User"},
		{"bad invocation type", nil, "POST", prefix + "orders/invocations", map[string]string{"X-Amz-Invocation-Type": "Async"}, "{}", 400, "ValidationException", "User"},
		{"bad log type", nil, "POST", prefix + "orders/invocations", map[string]string{"X-Amz-Log-Type": "All"}, "{}", 400, "ValidationException", "User"},
		{"payload not JSON", nil, "POST", prefix + "orders/invocations", nil, "{oops", 400, "InvalidRequestContentException", "User"},
		{"payload over 6 MB", nil, "POST", prefix + "orders/invocations", nil, `"` + strings.Repeat("x", lambdaapi.MaxSyncPayload) + `"`, 413, "RequestTooLargeException", "User"},
		{"Event payload over 1 MB", nil, "POST", prefix + "orders/invocations", map[string]string{"X-Amz-Invocation-Type": "Event"}, `"` + strings.Repeat("x", lambdaapi.MaxAsyncPayload) + `"`, 413, "RequestTooLargeException", "User"},
		{"bad client context", nil, "POST", prefix + "orders/invocations", map[string]string{"X-Amz-Client-Context": "%%%"}, "{}", 400, "InvalidParameterValueException", "User"},
		{"other operation", nil, "GET", prefix + "orders", nil, "", 400, "UnknownOperationException", "User"},
		{"GET invocations", nil, "GET", prefix + "orders/invocations", nil, "", 400, "UnknownOperationException", "User"},
		{"invoker failure", failing(lambdahost.ErrClosed), "POST", prefix + "orders/invocations", nil, "{}", 500, "ServiceException", "Service"},
		{"throttled", failing(lambdahost.ErrThrottled), "POST", prefix + "orders/invocations", nil, "{}", 429, "TooManyRequestsException", "User"},
		{"invoker says too large", failing(lambdahost.ErrRequestTooLarge), "POST", prefix + "orders/invocations", nil, "{}", 413, "RequestTooLargeException", "User"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := newFake(tt.reply)
			h := lambdaapi.New(inv, known, quietOptions())
			got := do(t, h, tt.method, tt.path, tt.header, tt.body)
			if got.status != tt.wantStatus || got.header.Get("X-Amzn-ErrorType") != tt.wantCode {
				t.Fatalf("got %d %s %s, want %d %s", got.status, got.header.Get("X-Amzn-ErrorType"), got.body, tt.wantStatus, tt.wantCode)
			}
			if typ, msg := errorBody(t, got.body); typ != tt.wantType || msg == "" {
				t.Errorf("error body Type %q Message %q, want Type %q and a message", typ, msg, tt.wantType)
			}
			if got.header.Get("x-amzn-RequestId") == "" || got.header.Get("Content-Type") != "application/json" {
				t.Errorf("headers %v lack x-amzn-RequestId or Content-Type application/json", got.header)
			}
		})
	}
}

func TestNotFoundMessage(t *testing.T) {
	h := lambdaapi.New(newFake(nil), known, lambdaapi.Options{Log: &syncbuf.Buffer{}, Region: "eu-west-1", AccountID: "123456789012"})
	tests := []struct{ path, want string }{
		{prefix + "nope/invocations", "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:nope"},
		{prefix + "orders:live/invocations", "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:orders:live"},
	}
	for _, tt := range tests {
		got := do(t, h, "POST", tt.path, nil, "{}")
		if _, msg := errorBody(t, got.body); msg != tt.want {
			t.Errorf("POST %s: message %q, want %q", tt.path, msg, tt.want)
		}
	}
}

func TestInvokeEmptyPayload(t *testing.T) {
	inv := newFake(nil)
	got := do(t, lambdaapi.New(inv, known, quietOptions()), "POST", prefix+"orders/invocations", nil, "")
	if got.status != 200 {
		t.Fatalf("status = %d %s, want 200", got.status, got.body)
	}
	// The Invoker turns an empty payload into {} (as *lambdahost.Manager does).
	if calls := inv.snapshot(); len(calls) != 1 || calls[0].payload != "" {
		t.Errorf("invocations = %+v, want one with an empty payload", calls)
	}
}

func TestFunctionError(t *testing.T) {
	inv := newFake(func(int, string, []byte) (*lambdahost.Result, error) { return functionError("req-1"), nil })
	got := do(t, lambdaapi.New(inv, known, quietOptions()), "POST", prefix+"orders/invocations", nil, "{}")
	if got.status != 200 || got.header.Get("X-Amz-Function-Error") != "Unhandled" || got.header.Get("x-amzn-RequestId") != "req-1" {
		t.Fatalf("got %d %v, want 200 with X-Amz-Function-Error Unhandled", got.status, got.header)
	}
	if got.body != `{"errorMessage":"boom","errorType":"errorString"}` {
		t.Errorf("body = %s, want the error document", got.body)
	}
}

func TestLogTail(t *testing.T) {
	log := bytes.Repeat([]byte("0123456789"), 500) // 5000 bytes
	tail := func(id string) []byte {
		if id != "req-fn-orders" {
			return nil
		}
		return log
	}
	tests := []struct {
		name    string
		tail    func(string) []byte
		header  map[string]string
		want    string
		present bool
	}{
		{"Tail: last 4 KB", tail, map[string]string{"X-Amz-Log-Type": "Tail"}, base64.StdEncoding.EncodeToString(log[len(log)-4096:]), true},
		{"Tail without a log source", nil, map[string]string{"X-Amz-Log-Type": "Tail"}, "", true},
		{"None", tail, map[string]string{"X-Amz-Log-Type": "None"}, "", false},
		{"not asked", tail, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := quietOptions()
			opts.LogTail = tt.tail
			got := do(t, lambdaapi.New(newFake(nil), known, opts), "POST", prefix+"orders/invocations", tt.header, "{}")
			v, ok := got.header["X-Amz-Log-Result"]
			if ok != tt.present || (ok && v[0] != tt.want) {
				t.Errorf("X-Amz-Log-Result = %q (present %v), want %q (present %v)", v, ok, tt.want, tt.present)
			}
		})
	}
}

func TestClientContextAndTrace(t *testing.T) {
	inv := newFake(nil)
	cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))
	trace := "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
	got := do(t, lambdaapi.New(inv, known, quietOptions()), "POST", prefix+"orders/invocations",
		map[string]string{"X-Amz-Client-Context": cc, "X-Amzn-Trace-Id": trace}, "{}")
	if got.status != 200 {
		t.Fatalf("status %d %s", got.status, got.body)
	}
	want := lambdahost.InvokeOptions{TraceID: trace, ClientContext: `{"custom":{"k":"v"}}`}
	if calls := inv.snapshot(); len(calls) != 1 || calls[0].opts != want {
		t.Errorf("invocations = %+v, want options %+v", calls, want)
	}
}

func TestDryRun(t *testing.T) {
	inv := newFake(nil)
	h := lambdaapi.New(inv, known, quietOptions())
	got := do(t, h, "POST", prefix+"orders/invocations", map[string]string{"X-Amz-Invocation-Type": "DryRun"}, "{}")
	if got.status != 204 || got.body != "" {
		t.Errorf("got %d %q, want 204 and no body", got.status, got.body)
	}
	if got := do(t, h, "POST", prefix+"nope/invocations", map[string]string{"X-Amz-Invocation-Type": "DryRun"}, "{}"); got.status != 404 {
		t.Errorf("DryRun of an unknown function: %d, want 404", got.status)
	}
	if n := len(inv.snapshot()); n != 0 {
		t.Errorf("DryRun invoked the function %d times", n)
	}
}

// TestEventRetries runs Event invocations whose attempts fail in different ways, and checks
// the number of attempts, the waits between them and what is reported.
func TestEventRetries(t *testing.T) {
	failUntil := func(ok int) func(int, string, []byte) (*lambdahost.Result, error) {
		return func(n int, _ string, p []byte) (*lambdahost.Result, error) {
			if n < ok {
				return functionError(fmt.Sprint("req-", n)), nil
			}
			return &lambdahost.Result{RequestID: fmt.Sprint("req-", n), Payload: p}, nil
		}
	}
	tests := []struct {
		name         string
		reply        func(int, string, []byte) (*lambdahost.Result, error)
		wantCalls    int
		wantFailure  bool
		wantAttempts int
		wantLog      string
	}{
		{"succeeds", failUntil(1), 1, false, 0, ""},
		{"succeeds on the last retry", failUntil(3), 3, false, 0, "attempt 3 of 3 succeeded"},
		{"always fails", failUntil(99), 3, true, 3, "FAILED after 3 attempt(s): function error (request req-3) errorString: boom"},
		{"cannot start, then runs", func(n int, _ string, p []byte) (*lambdahost.Result, error) {
			if n == 1 {
				return nil, context.DeadlineExceeded
			}
			return &lambdahost.Result{RequestID: "r", Payload: p}, nil
		}, 2, false, 0, "not invoked: context deadline exceeded; retrying in 20ms"},
		{"function gone", func(int, string, []byte) (*lambdahost.Result, error) {
			return nil, lambdahost.ErrUnknownFunction
		}, 1, true, 1, "FAILED after 1 attempt(s): not invoked: lambda: unknown function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := newFake(tt.reply)
			log := &syncbuf.Buffer{}
			failures := make(chan lambdaapi.AsyncFailure, 1)
			delays := []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}
			h := lambdaapi.New(inv, known, lambdaapi.Options{
				Log:              log,
				AsyncRetryDelays: delays,
				AsyncFailed:      func(f lambdaapi.AsyncFailure) { failures <- f },
			})
			got := do(t, h, "POST", prefix+"orders/invocations", map[string]string{"X-Amz-Invocation-Type": "Event"}, `{"n":1}`)
			if got.status != 202 || got.body != "" || got.header.Get("x-amzn-RequestId") == "" {
				t.Fatalf("got %d %q %v, want 202, no body, a request ID", got.status, got.body, got.header)
			}
			inv.waitCalls(t, tt.wantCalls)
			h.Close() // waits for the background work
			calls := inv.snapshot()
			if len(calls) != tt.wantCalls {
				t.Fatalf("%d invocations, want %d", len(calls), tt.wantCalls)
			}
			for i := 1; i < len(calls); i++ {
				if gap := calls[i].at.Sub(calls[i-1].at); gap < delays[i-1] {
					t.Errorf("attempt %d came %v after the previous one, want at least %v", i+1, gap, delays[i-1])
				}
				if calls[i].payload != `{"n":1}` {
					t.Errorf("attempt %d payload %q", i+1, calls[i].payload)
				}
			}
			select {
			case f := <-failures:
				if !tt.wantFailure || f.Attempts != tt.wantAttempts || string(f.Payload) != `{"n":1}` || f.Function != "fn-orders" || f.RequestID != got.header.Get("x-amzn-RequestId") {
					t.Errorf("AsyncFailed(%+v), want failure %v after %d attempts", f, tt.wantFailure, tt.wantAttempts)
				}
			default:
				if tt.wantFailure {
					t.Error("AsyncFailed not called")
				}
			}
			if !strings.Contains(log.String(), tt.wantLog) {
				t.Errorf("log %q lacks %q", log.String(), tt.wantLog)
			}
		})
	}
}

// A function's EventInvokeConfig MaximumRetryAttempts caps Lambda's retries.
func TestEventRetriesPerFunction(t *testing.T) {
	for _, retries := range []int{0, 1, 2, 5} {
		t.Run(fmt.Sprint(retries), func(t *testing.T) {
			inv := newFake(func(n int, _ string, _ []byte) (*lambdahost.Result, error) {
				return functionError(fmt.Sprint("req-", n)), nil
			})
			failures := make(chan lambdaapi.AsyncFailure, 1)
			h := lambdaapi.New(inv, known, lambdaapi.Options{
				Log: &syncbuf.Buffer{}, AsyncRetryDelays: []time.Duration{time.Millisecond, time.Millisecond},
				AsyncRetries: func(string) int { return retries },
				AsyncFailed:  func(f lambdaapi.AsyncFailure) { failures <- f },
			})
			do(t, h, "POST", prefix+"orders/invocations", map[string]string{"X-Amz-Invocation-Type": "Event"}, `{}`)
			f := <-failures
			h.Close()
			want := min(retries, 2) + 1 // never more than the delays allow
			if f.Attempts != want || len(inv.snapshot()) != want {
				t.Errorf("attempts = %d (calls %d), want %d", f.Attempts, len(inv.snapshot()), want)
			}
		})
	}
}

// TestEventReturnsAtOnce: the 202 does not wait for the function.
func TestEventReturnsAtOnce(t *testing.T) {
	release := make(chan struct{})
	inv := newFake(func(_ int, _ string, p []byte) (*lambdahost.Result, error) {
		<-release
		return &lambdahost.Result{Payload: p}, nil
	})
	h := lambdaapi.New(inv, known, quietOptions())
	defer h.Close()
	defer close(release)
	done := make(chan response, 1)
	go func() {
		done <- do(t, h, "POST", prefix+"orders/invocations", map[string]string{"X-Amz-Invocation-Type": "Event"}, "{}")
	}()
	select {
	case got := <-done:
		if got.status != 202 {
			t.Errorf("status %d, want 202", got.status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the Event request waited for the function")
	}
}

// TestCloseDropsLoudly: shutting down during a retry wait reports the event.
func TestCloseDropsLoudly(t *testing.T) {
	inv := newFake(func(int, string, []byte) (*lambdahost.Result, error) { return functionError("r"), nil })
	log := &syncbuf.Buffer{}
	var failed []lambdaapi.AsyncFailure
	h := lambdaapi.New(inv, known, lambdaapi.Options{
		Log: log, AsyncRetryDelays: []time.Duration{time.Hour, time.Hour},
		AsyncFailed: func(f lambdaapi.AsyncFailure) { failed = append(failed, f) },
	})
	do(t, h, "POST", prefix+"orders/invocations", map[string]string{"X-Amz-Invocation-Type": "Event"}, `{"id":7}`)
	inv.waitCalls(t, 1)
	start := time.Now()
	h.Close()
	if time.Since(start) > 5*time.Second {
		t.Error("Close waited for the retry")
	}
	if len(failed) != 1 || !strings.Contains(log.String(), `DROPPED, the local runtime shut down before attempt 2 of 3; payload {"id":7}`) {
		t.Errorf("failures %+v, log %q: want the event reported as dropped", failed, log.String())
	}
	if got := do(t, h, "POST", prefix+"orders/invocations", map[string]string{"X-Amz-Invocation-Type": "Event"}, "{}"); got.status != 500 {
		t.Errorf("Event after Close: %d, want 500", got.status)
	}
}

func TestNilResolveUsesInvoker(t *testing.T) {
	inv := newFake(func(_ int, name string, p []byte) (*lambdahost.Result, error) {
		if name != "direct" {
			return nil, fmt.Errorf("%w: %s", lambdahost.ErrUnknownFunction, name)
		}
		return &lambdahost.Result{Payload: p}, nil
	})
	h := lambdaapi.New(inv, nil, quietOptions())
	tests := []struct {
		path string
		want int
	}{
		{prefix + "direct/invocations", 200},
		{prefix + "other/invocations", 404},
	}
	for _, tt := range tests {
		if got := do(t, h, "POST", tt.path, nil, "{}"); got.status != tt.want {
			t.Errorf("POST %s: %d, want %d", tt.path, got.status, tt.want)
		}
	}
}

// blockingInvoker runs until its context ends, like a queued invocation on a busy function.
type blockingInvoker struct{ started chan struct{} }

func (b blockingInvoker) Invoke(ctx context.Context, _ string, _ []byte) (*lambdahost.Result, error) {
	b.started <- struct{}{}
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestCloseDuringAttempt(t *testing.T) {
	inv := blockingInvoker{started: make(chan struct{}, 1)}
	log := &syncbuf.Buffer{}
	failed := 0
	h := lambdaapi.New(inv, known, lambdaapi.Options{Log: log, AsyncFailed: func(lambdaapi.AsyncFailure) { failed++ }})
	do(t, h, "POST", prefix+"cart/invocations", map[string]string{"X-Amz-Invocation-Type": "Event"}, `{"id":8}`)
	<-inv.started
	h.Close()
	if failed != 1 || !strings.Contains(log.String(), `DROPPED, the local runtime shut down during attempt 1 of 3; payload {"id":8}`) {
		t.Errorf("failures %d, log %q: want the event reported as dropped", failed, log.String())
	}
}
