package lambdahost_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/microshop/microshop/local/lambdahost"
)

// Observe hears about every invocation that ran, with its request and trace ids, event and
// result, and about every one refused as throttled.
func TestObserveSeesEveryInvocation(t *testing.T) {
	var mu sync.Mutex
	var seen []lambdahost.Observation
	opts := lambdahost.ManagerOptions{Observe: func(o lambdahost.Observation) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, o)
	}}
	throttled := spec("throttled", "echo")
	throttled.Throttled = true
	m, _ := newManager(t, opts, spec("echo", "echo"), throttled)

	res := invoke(t, m, "echo", `{"n":1}`)
	if _, err := m.Invoke(context.Background(), "throttled", []byte(`{"n":2}`)); !errors.Is(err, lambdahost.ErrThrottled) {
		t.Fatalf("err = %v, want ErrThrottled", err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("observed %d invocations, want 2: %+v", len(seen), seen)
	}
	ran, refused := seen[0], seen[1]
	if ran.Function != "echo" || ran.RequestID != res.RequestID || ran.TraceID == "" || string(ran.Payload) != `{"n":1}` ||
		ran.Result != res || ran.Err != nil || ran.Start.IsZero() {
		t.Errorf("observed %+v for the invocation that ran (result %+v)", ran, res)
	}
	if refused.Function != "throttled" || !errors.Is(refused.Err, lambdahost.ErrThrottled) || refused.Result != nil {
		t.Errorf("observed %+v for the throttled invocation", refused)
	}
}
