package lambdahost_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microshop/microshop/local/lambdahost"
)

// oneFault injects fault into the first invocation only.
func oneFault(fault string, latency time.Duration) func(string) (string, time.Duration) {
	var once sync.Once
	return func(string) (string, time.Duration) {
		f := ""
		once.Do(func() { f = fault })
		return f, latency
	}
}

// TestInjectedFaults runs the chaos fixture's "log" mode (its side effect: a line in the
// logs) under each invocation fault, then once more without: the fault's outcome and
// whether the side effect happened are as documented, and the next invocation runs.
func TestInjectedFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault      string
		wantType   string // the FunctionError's type; "" for success
		sideEffect bool
		crashed    bool
		timeout    bool
	}{
		{fault: lambdahost.FaultCrashBefore, wantType: "Runtime.ExitError", crashed: true},
		{fault: lambdahost.FaultCrashAfter, wantType: "Runtime.ExitError", sideEffect: true, crashed: true},
		{fault: lambdahost.FaultTimeout, wantType: "Sandbox.Timedout", sideEffect: true, timeout: true},
		{fault: lambdahost.FaultError, wantType: "FaultInjected"},
		{fault: lambdahost.FaultLatency, sideEffect: true},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			t.Parallel()
			s := spec("chaos", "chaos")
			s.Timeout = 2 * time.Second
			m, logs := newManager(t, lambdahost.ManagerOptions{Faults: oneFault(tt.fault, 200*time.Millisecond)}, s)
			began := time.Now()
			res := invoke(t, m, "chaos", `{"mode":"log"}`)
			took := time.Since(began)
			gotType := ""
			if res.Error != nil {
				gotType = res.Error.Type
				if res.Error.Crashed != tt.crashed || res.Error.Timeout != tt.timeout {
					t.Errorf("error %+v: want crashed %v, timeout %v", res.Error, tt.crashed, tt.timeout)
				}
			}
			if gotType != tt.wantType {
				t.Errorf("error type %q, want %q (%s)", gotType, tt.wantType, res.Payload)
			}
			// The side effect, if any, is in the logs once the invocation has ended; the
			// next, fault-free invocation writes it again, so its absence is proved to be
			// seeable.
			if got := strings.Contains(logs.String(), "short line"); got != tt.sideEffect {
				t.Errorf("side effect happened: %v, want %v", got, tt.sideEffect)
			}
			if tt.fault == lambdahost.FaultLatency && took < 200*time.Millisecond {
				t.Errorf("took %v, want at least the injected 200ms", took)
			}
			if tt.fault == lambdahost.FaultTimeout && took < s.Timeout {
				t.Errorf("took %v, want the function's timeout %v", took, s.Timeout)
			}
			if next := invoke(t, m, "chaos", `{"mode":"log"}`); next.Error != nil {
				t.Fatalf("next invocation: %v", next.Error)
			}
			waitFor(t, func() bool { return strings.Count(logs.String(), "short line") == 1+boolInt(tt.sideEffect) })
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestInjectedThrottle: a throttle fault refuses the invocation with ErrThrottled and
// starts no process.
func TestInjectedThrottle(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t, lambdahost.ManagerOptions{Faults: oneFault(lambdahost.FaultThrottle, 0)}, spec("echo", "echo"))
	if _, err := m.Invoke(t.Context(), "echo", []byte(`{}`)); !errors.Is(err, lambdahost.ErrThrottled) {
		t.Fatalf("err = %v, want ErrThrottled", err)
	}
	if s := stats(t, m, "echo"); s.Spawns != 0 {
		t.Errorf("%d processes started for a throttled invocation, want 0", s.Spawns)
	}
	if res := invoke(t, m, "echo", `{"a":1}`); res.Error != nil || string(res.Payload) != `{"a":1}` {
		t.Errorf("next invocation: %s %v, want the echo", res.Payload, res.Error)
	}
}
