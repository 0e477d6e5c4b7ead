package lambdahost_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/lambdahost"
)

func TestInvokeReturnsResponse(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t, lambdahost.ManagerOptions{}, spec("echo", "echo"))

	first := invoke(t, m, "echo", `{"hello":"world"}`)
	if first.Error != nil {
		t.Fatalf("first invocation failed: %v", first.Error)
	}
	if got, want := string(first.Payload), `{"hello":"world"}`; got != want {
		t.Errorf("payload = %s, want %s", got, want)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(first.RequestID) {
		t.Errorf("RequestID = %q, want a UUID", first.RequestID)
	}
	if first.InitDuration <= 0 {
		t.Errorf("cold start InitDuration = %v, want > 0", first.InitDuration)
	}
	if first.Duration <= 0 {
		t.Errorf("Duration = %v, want > 0", first.Duration)
	}

	second := invoke(t, m, "echo", ``)
	if got, want := string(second.Payload), `{}`; got != want {
		t.Errorf("empty event: payload = %s, want %s", got, want)
	}
	if second.InitDuration != 0 {
		t.Errorf("warm InitDuration = %v, want 0", second.InitDuration)
	}
	if second.RequestID == first.RequestID {
		t.Errorf("two invocations share request ID %s", first.RequestID)
	}
	waitFor(t, func() bool { return stats(t, m, "echo").Idle == 1 }) // back in /next
	s := stats(t, m, "echo")
	if s.Spawns != 1 || s.ColdStarts != 1 || s.Invocations != 2 || s.Live != 1 {
		t.Errorf("stats = %+v, want 1 spawn, 1 cold start, 2 invocations, 1 live idle process", s)
	}
	if s.InitMin <= 0 || s.InitMin != s.InitMax || s.InitMean() != s.InitLast {
		t.Errorf("init stats = min %v max %v mean %v last %v, want one positive sample", s.InitMin, s.InitMax, s.InitMean(), s.InitLast)
	}
}

func TestUnknownFunction(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t, lambdahost.ManagerOptions{})
	_, err := m.Invoke(context.Background(), "nope", nil)
	if !errors.Is(err, lambdahost.ErrUnknownFunction) {
		t.Errorf("Invoke of an unregistered function: err = %v, want ErrUnknownFunction", err)
	}
}

func TestRegisterRejectsMissingBinary(t *testing.T) {
	t.Parallel()
	m := lambdahost.NewManager(lambdahost.ManagerOptions{})
	defer m.Close()
	if err := m.Register(lambdahost.FunctionSpec{Name: "x", Binary: "/does/not/exist"}); err == nil {
		t.Error("Register with a missing binary succeeded")
	}
}

type envResponse struct {
	Env        map[string]string `json:"env"`
	Dir        string            `json:"dir"`
	RequestID  string            `json:"requestId"`
	ARN        string            `json:"arn"`
	DeadlineMS int64             `json:"deadlineMs"`
	TraceID    string            `json:"traceId"`
	Client     struct {
		Env map[string]string `json:"env"`
	} `json:"client"`
	Identity struct {
		ID string `json:"cognitoIdentityId"`
	} `json:"identity"`
}

func TestEnvironment(t *testing.T) {
	t.Parallel()
	fn := spec("catalog-get-product", "env")
	fn.Environment = map[string]string{
		"TABLE_NAME":    "products",
		"AWS_REGION":    "template-cannot-set-this",
		"OVERRIDDEN":    "by-template",
		"FROM_TEMPLATE": "yes",
	}
	fn.MemoryMB = 256
	fn.Timeout = 7 * time.Second
	m, _ := newManager(t, lambdahost.ManagerOptions{
		Region: "eu-west-1",
		Env: map[string]string{
			"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:4566",
			"OVERRIDDEN":                "by-manager",
		},
	}, fn)

	before := time.Now()
	got := decode[envResponse](t, succeed(t, m, "catalog-get-product", `{}`))

	want := map[string]string{
		"TABLE_NAME":                      "products",
		"FROM_TEMPLATE":                   "yes",
		"OVERRIDDEN":                      "by-manager",
		"AWS_ENDPOINT_URL_DYNAMODB":       "http://127.0.0.1:4566",
		"AWS_LAMBDA_FUNCTION_NAME":        "catalog-get-product",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/catalog-get-product",
		"AWS_REGION":                      "eu-west-1",
		"AWS_DEFAULT_REGION":              "eu-west-1",
		"AWS_EXECUTION_ENV":               "AWS_Lambda_provided.al2023",
		"_HANDLER":                        "bootstrap",
		"TZ":                              ":UTC",
		"AWS_ACCESS_KEY_ID":               "local",
		"AWS_SECRET_ACCESS_KEY":           "local",
		"AWS_SESSION_TOKEN":               "local",
	}
	for k, v := range want {
		if got.Env[k] != v {
			t.Errorf("%s = %q, want %q", k, got.Env[k], v)
		}
	}
	for _, k := range []string{"PATH", "HOME", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"} {
		if got.Env[k] == "" {
			t.Errorf("%s is not set", k)
		}
	}
	if got.Env["LAMBDA_TASK_ROOT"] != got.Dir {
		t.Errorf("working directory %s, want LAMBDA_TASK_ROOT %s", got.Dir, got.Env["LAMBDA_TASK_ROOT"])
	}
	if _, ok := got.Env[parentOnly]; ok {
		t.Errorf("%s leaked from the parent environment", parentOnly)
	}
	if !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(got.Env["AWS_LAMBDA_RUNTIME_API"]) {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q, want 127.0.0.1:<port>", got.Env["AWS_LAMBDA_RUNTIME_API"])
	}
	if !regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`).MatchString(got.Env["AWS_LAMBDA_LOG_STREAM_NAME"]) {
		t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME = %q", got.Env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	if want := "arn:aws:lambda:eu-west-1:000000000000:function:catalog-get-product"; got.ARN != want {
		t.Errorf("invoked function ARN = %q, want %q", got.ARN, want)
	}
	if got.RequestID == "" {
		t.Error("no request ID in the Lambda context")
	}
	deadline := time.UnixMilli(got.DeadlineMS)
	if deadline.Before(before.Add(6*time.Second)) || deadline.After(time.Now().Add(7*time.Second)) {
		t.Errorf("deadline %v is not about 7s after the invocation started at %v", deadline, before)
	}
	if !regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$`).MatchString(got.TraceID) {
		t.Errorf("trace ID = %q", got.TraceID)
	}
}

func TestInvokeWithOptionsPassesContext(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t, lambdahost.ManagerOptions{}, spec("env", "env"))
	res, err := m.InvokeWithOptions(context.Background(), "env", []byte(`{}`), lambdahost.InvokeOptions{
		TraceID:         "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
		ClientContext:   `{"env":{"app":"shop"}}`,
		CognitoIdentity: `{"cognitoIdentityId":"id-1"}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := decode[envResponse](t, res.Payload)
	if got.TraceID != "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1" {
		t.Errorf("trace ID = %q", got.TraceID)
	}
	if got.Client.Env["app"] != "shop" {
		t.Errorf("client context env = %v", got.Client.Env)
	}
	if got.Identity.ID != "id-1" {
		t.Errorf("cognito identity = %q", got.Identity.ID)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	fn := spec("sleep", "sleep")
	fn.ReservedConcurrency = 4
	m, _ := newManager(t, lambdahost.ManagerOptions{}, fn)

	const n = 50
	var wg sync.WaitGroup
	payloads := make([][]byte, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			res, err := m.Invoke(context.Background(), "sleep", []byte(`{"ms":20}`))
			switch {
			case err != nil:
				errs[i] = err
			case res.Error != nil:
				errs[i] = res.Error
			default:
				payloads[i] = res.Payload
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("invocation %d: %v", i, err)
		}
	}
	distinct := map[int]bool{}
	for _, p := range payloads {
		if p != nil {
			distinct[decode[pidResponse](t, p).PID] = true
		}
	}
	s := stats(t, m, "sleep")
	if len(distinct) > 4 || s.PeakLive > 4 || s.Spawns > 4 {
		t.Errorf("%d processes served, peak %d live, %d spawned; want at most 4", len(distinct), s.PeakLive, s.Spawns)
	}
	if s.Invocations != n || s.Queued != 0 {
		t.Errorf("stats = %+v, want %d invocations and none queued", s, n)
	}
}

func TestQueueIsFIFO(t *testing.T) {
	t.Parallel()
	fn := spec("sleep", "sleep")
	fn.ReservedConcurrency = 1
	m, _ := newManager(t, lambdahost.ManagerOptions{}, fn)
	if err := m.Warm(context.Background(), "sleep", 1); err != nil {
		t.Fatal(err)
	}

	var (
		mu    sync.Mutex
		order []int
		wg    sync.WaitGroup
	)
	for i := range 4 {
		wg.Go(func() {
			succeed(t, m, "sleep", `{"ms":100}`)
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
		})
		// Wait until invocation i is running (i == 0) or queued before sending the next.
		waitFor(t, func() bool {
			s := stats(t, m, "sleep")
			return s.Busy == 1 && s.Queued == i
		})
	}
	wg.Wait()
	if diff := cmp.Diff([]int{0, 1, 2, 3}, order); diff != "" {
		t.Errorf("completion order (-want +got):\n%s", diff)
	}
	if s := stats(t, m, "sleep"); s.Spawns != 1 {
		t.Errorf("%d processes spawned, want 1", s.Spawns)
	}
}

func TestCancelWhileQueued(t *testing.T) {
	t.Parallel()
	fn := spec("sleep", "sleep")
	fn.ReservedConcurrency = 1
	m, _ := newManager(t, lambdahost.ManagerOptions{}, fn)

	busy := make(chan *lambdahost.Result)
	go func() {
		res, _ := m.Invoke(context.Background(), "sleep", []byte(`{"ms":500}`))
		busy <- res
	}()
	waitFor(t, func() bool { return stats(t, m, "sleep").Busy == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := m.Invoke(ctx, "sleep", []byte(`{"ms":0}`))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("queued Invoke whose ctx expired: err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Errorf("cancelled Invoke returned after %v, want soon after its ctx expired", d)
	}
	if s := stats(t, m, "sleep"); s.Queued != 0 {
		t.Errorf("%d invocations still queued after cancel", s.Queued)
	}
	if res := <-busy; res == nil || res.Error != nil {
		t.Errorf("the running invocation failed: %+v", res)
	}
	if s := stats(t, m, "sleep"); s.Invocations != 1 {
		t.Errorf("%d invocations ran, want only the one that was not cancelled", s.Invocations)
	}
}

func TestCancelWhileRunning(t *testing.T) {
	t.Parallel()
	fn := spec("sleep", "sleep")
	fn.ReservedConcurrency = 1
	m, _ := newManager(t, lambdahost.ManagerOptions{}, fn)
	if err := m.Warm(context.Background(), "sleep", 1); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := m.Invoke(ctx, "sleep", []byte(`{"ms":300}`))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Invoke whose ctx expired while running: err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("Invoke returned after %v, want soon after its ctx expired", d)
	}
	// The abandoned invocation runs to its end; the process then serves the next one.
	succeed(t, m, "sleep", `{"ms":0}`)
	if s := stats(t, m, "sleep"); s.Spawns != 1 || s.Invocations != 2 {
		t.Errorf("stats = %+v, want one process serving both invocations", s)
	}
}

func TestTimeoutKillsAndReplacesProcess(t *testing.T) {
	t.Parallel()
	fn := spec("sleep", "sleep")
	fn.Timeout = 300 * time.Millisecond
	m, logs := newManager(t, lambdahost.ManagerOptions{}, fn)
	if err := m.Warm(context.Background(), "sleep", 1); err != nil {
		t.Fatal(err)
	}
	oldPIDs := stats(t, m, "sleep").PIDs

	// The function sleeps far longer than any wait below, so only the kill can end it.
	start := time.Now()
	res := invoke(t, m, "sleep", `{"ms":600000}`)
	elapsed := time.Since(start)
	if res.Error == nil {
		t.Fatalf("sleeping past the timeout succeeded: %s", res.Payload)
	}
	fe := res.Error
	if fe.Type != "Sandbox.Timedout" || !fe.Timeout || fe.Kind != "Unhandled" || !strings.HasSuffix(fe.Message, "Task timed out after 0.30 seconds") {
		t.Errorf("error = %+v, want Sandbox.Timedout after 0.30 seconds", fe)
	}
	if !strings.Contains(string(res.Payload), `"errorType":"Sandbox.Timedout"`) {
		t.Errorf("payload = %s, want an error document", res.Payload)
	}
	if elapsed < 300*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("timed out after %v, want about 300ms", elapsed)
	}
	// Lambda stops the sandbox at the timeout: the process must be gone at once, not when
	// its handler would have returned.
	waitGoneWithin(t, time.Second, oldPIDs...)

	payload := succeed(t, m, "sleep", `{"ms":0}`)
	if pid := decode[pidResponse](t, payload).PID; pid == oldPIDs[0] {
		t.Errorf("the timed-out process %d served again", pid)
	}
	if s := stats(t, m, "sleep"); s.Timeouts != 1 || s.Spawns != 2 {
		t.Errorf("stats = %+v, want 1 timeout and 2 spawns", s)
	}
	if !strings.Contains(logs.String(), "[sleep] RequestId: "+res.RequestID+" Error: Task timed out after 0.30 seconds") {
		t.Errorf("logs lack the timeout:\n%s", logs)
	}
}

func TestCrashIsReportedAndProcessReplaced(t *testing.T) {
	t.Parallel()
	m, logs := newManager(t, lambdahost.ManagerOptions{}, spec("chaos", "chaos"))
	first := decode[pidResponse](t, succeed(t, m, "chaos", `{}`)).PID

	res := invoke(t, m, "chaos", `{"mode":"exit"}`)
	want := &lambdahost.FunctionError{
		Type:    "Runtime.ExitError",
		Message: "RequestId: " + res.RequestID + " Error: Runtime exited with error: exit status 3",
		Kind:    "Unhandled",
		Crashed: true,
	}
	if diff := cmp.Diff(want, res.Error); diff != "" {
		t.Errorf("crash error (-want +got):\n%s", diff)
	}
	waitGone(t, first)

	second := decode[pidResponse](t, succeed(t, m, "chaos", `{}`)).PID
	if second == first {
		t.Errorf("the crashed process %d served again", first)
	}
	if s := stats(t, m, "chaos"); s.Crashes != 1 || s.Spawns != 2 {
		t.Errorf("stats = %+v, want 1 crash and 2 spawns", s)
	}
	if !strings.Contains(logs.String(), "[chaos] "+want.Message) {
		t.Errorf("logs lack the crash:\n%s", logs)
	}
}

// A process lost while invocations wait for it (crashed, or killed at its timeout) is
// replaced by the pool itself: no later Invoke comes to trigger a spawn, so the queued
// invocation completes only if losing the process re-scales the pool.
func TestLostProcessIsReplacedForQueuedWork(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		lose    func(t *testing.T, pid int) // ends the busy process, or waits for its timeout
		lost    func(*lambdahost.FunctionError) bool
		stats   func(lambdahost.Stats) bool
	}{
		{"crash", 0, func(t *testing.T, pid int) {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}, func(fe *lambdahost.FunctionError) bool { return fe != nil && fe.Crashed },
			func(s lambdahost.Stats) bool { return s.Crashes == 1 }},
		{"timeout", 2 * time.Second, func(*testing.T, int) {},
			func(fe *lambdahost.FunctionError) bool { return fe != nil && fe.Timeout },
			func(s lambdahost.Stats) bool { return s.Timeouts == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fn := spec("sleep", "sleep")
			fn.ReservedConcurrency = 1
			fn.Timeout = tt.timeout
			m, logs := newManager(t, lambdahost.ManagerOptions{}, fn)
			if err := m.Warm(context.Background(), "sleep", 1); err != nil {
				t.Fatal(err)
			}
			victim := stats(t, m, "sleep").PIDs[0]

			running := make(chan *lambdahost.Result, 1)
			go func() {
				res, _ := m.Invoke(context.Background(), "sleep", []byte(`{"ms":600000}`))
				running <- res
			}()
			waitFor(t, func() bool { return stats(t, m, "sleep").Busy == 1 })
			queued := make(chan *lambdahost.Result, 1)
			go func() {
				res, _ := m.Invoke(context.Background(), "sleep", []byte(`{"ms":0}`))
				queued <- res
			}()
			waitFor(t, func() bool { return stats(t, m, "sleep").Queued == 1 })
			if s := stats(t, m, "sleep"); s.Spawns != 1 || s.Live != 1 || s.Busy != 1 {
				t.Fatalf("stats before losing the process = %+v, want one busy process and one queued invocation", s)
			}

			tt.lose(t, victim)
			if res := <-running; res == nil || !tt.lost(res.Error) {
				t.Errorf("the lost process's invocation = %+v, want it failed by the %s", res, tt.name)
			}
			var res *lambdahost.Result
			select {
			case res = <-queued:
			case <-time.After(5 * time.Second):
				t.Fatalf("the queued invocation did not run within 5s: no replacement; stats %+v\nlogs:\n%s", stats(t, m, "sleep"), logs)
			}
			if res == nil || res.Error != nil {
				t.Fatalf("queued invocation = %+v, want success on a replacement process", res)
			}
			if pid := decode[pidResponse](t, res.Payload).PID; pid == victim {
				t.Errorf("the queued invocation ran on the lost process %d", pid)
			}
			if s := stats(t, m, "sleep"); !tt.stats(s) || s.Spawns != 2 || s.Invocations != 2 {
				t.Errorf("stats = %+v, want one %s, 2 spawns, 2 invocations", s, tt.name)
			}
		})
	}
}

func TestPanicIsReportedAndProcessReplaced(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t, lambdahost.ManagerOptions{}, spec("chaos", "chaos"))
	first := decode[pidResponse](t, succeed(t, m, "chaos", `{}`)).PID

	res := invoke(t, m, "chaos", `{"mode":"panic"}`)
	if res.Error == nil || res.Error.Type != "string" || res.Error.Message != "kaboom" || res.Error.Crashed {
		t.Errorf("panic error = %+v, want the runtime's report: type string, message kaboom", res.Error)
	}
	if !strings.Contains(string(res.Payload), `"stackTrace"`) {
		t.Errorf("payload = %s, want the runtime's error document with its stack trace", res.Payload)
	}
	waitGone(t, first) // aws-lambda-go exits after reporting a panic
	second := decode[pidResponse](t, succeed(t, m, "chaos", `{}`)).PID
	if second == first {
		t.Errorf("the panicked process %d served again", first)
	}
}

func TestFunctionErrorIsSurfaced(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t, lambdahost.ManagerOptions{}, spec("fail", "fail"))
	res := invoke(t, m, "fail", `{}`)
	want := &lambdahost.FunctionError{Type: "ValidationError", Message: "invalid sku", Kind: "Unhandled"}
	if diff := cmp.Diff(want, res.Error); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if got, wantDoc := string(res.Payload), `{"errorMessage":"invalid sku","errorType":"ValidationError"}`; got != wantDoc {
		t.Errorf("payload = %s, want %s", got, wantDoc)
	}
	// A returned error does not cost the process.
	invoke(t, m, "fail", `{}`)
	if s := stats(t, m, "fail"); s.Spawns != 1 || s.Crashes != 0 {
		t.Errorf("stats = %+v, want the same process to serve both", s)
	}
}

func TestInitErrorOnExit(t *testing.T) {
	t.Parallel()
	m, logs := newManager(t, lambdahost.ManagerOptions{}, spec("initfail", "initfail"))

	res := invoke(t, m, "initfail", `{}`)
	want := &lambdahost.FunctionError{
		Type:    "Runtime.InitError",
		Message: "RequestId: " + res.RequestID + " Error: Runtime exited with error: exit status 1",
		Kind:    "Unhandled",
		Init:    true,
	}
	if diff := cmp.Diff(want, res.Error); diff != "" {
		t.Errorf("init error (-want +got):\n%s", diff)
	}
	if !strings.Contains(logs.String(), "init: CONFIG is not set") {
		t.Errorf("logs lack the function's own message:\n%s", logs)
	}

	// While failures back off (100 ms after the first), invocations fail at once instead
	// of starting another doomed process.
	failed := time.Now()
	again := invoke(t, m, "initfail", `{}`)
	if again.Error == nil || again.Error.Type != "Runtime.InitError" || !again.Error.Init {
		t.Errorf("second invocation error = %+v, want Runtime.InitError", again.Error)
	}
	if s := stats(t, m, "initfail"); time.Since(failed) < 100*time.Millisecond && s.Spawns != 1 {
		t.Errorf("%d processes started within the back-off, want 1", s.Spawns)
	}
	if s := stats(t, m, "initfail"); s.Live != 0 || s.ColdStarts != 0 {
		t.Errorf("stats = %+v, want no live process", s)
	}
}

func TestInitErrorPosted(t *testing.T) {
	t.Parallel()
	fn := spec("initfail", "initfail")
	fn.Environment = map[string]string{"INIT_MODE": "post"}
	m, _ := newManager(t, lambdahost.ManagerOptions{}, fn)

	res := invoke(t, m, "initfail", `{}`)
	want := &lambdahost.FunctionError{Type: "ConfigError", Message: "CONFIG is not set", Kind: "Unhandled", Init: true}
	if diff := cmp.Diff(want, res.Error); diff != "" {
		t.Errorf("init error (-want +got):\n%s", diff)
	}
	if got, wantDoc := string(res.Payload), `{"errorMessage":"CONFIG is not set","errorType":"ConfigError"}`; got != wantDoc {
		t.Errorf("payload = %s, want %s", got, wantDoc)
	}
	// The process hangs after posting; the Manager must have killed it.
	if s := stats(t, m, "initfail"); s.Live != 0 {
		t.Errorf("%d processes live after init error", s.Live)
	}
}

func TestInitBackoffEnds(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t, lambdahost.ManagerOptions{}, spec("initfail", "initfail"))
	invoke(t, m, "initfail", `{}`)
	time.Sleep(150 * time.Millisecond) // past the first back-off (100ms)
	invoke(t, m, "initfail", `{}`)
	if s := stats(t, m, "initfail"); s.Spawns != 2 || s.InitFailures != 2 {
		t.Errorf("stats = %+v, want a second attempt after the back-off", s)
	}
}

func TestWarm(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t, lambdahost.ManagerOptions{}, spec("echo", "echo"))
	if err := m.Warm(context.Background(), "echo", 3); err != nil {
		t.Fatal(err)
	}
	s := stats(t, m, "echo")
	if s.Live != 3 || s.Idle != 3 || s.ColdStarts != 3 || len(s.PIDs) != 3 {
		t.Errorf("after Warm(3): %+v, want 3 ready processes", s)
	}
	if res := invoke(t, m, "echo", `{}`); res.InitDuration != 0 {
		t.Errorf("invocation on a warmed process reports InitDuration %v", res.InitDuration)
	}

	f := spec("initfail", "initfail")
	if err := m.Register(f); err != nil {
		t.Fatal(err)
	}
	var fe *lambdahost.FunctionError
	if err := m.Warm(context.Background(), "initfail", 1); !errors.As(err, &fe) || !fe.Init {
		t.Errorf("Warm of a function that cannot start: err = %v, want its init error", err)
	}
}

func TestPayloadLimits(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t, lambdahost.ManagerOptions{}, spec("big", "big"), spec("echo", "echo"))

	_, err := m.Invoke(context.Background(), "echo", make([]byte, lambdahost.MaxRequestBytes+1))
	if !errors.Is(err, lambdahost.ErrRequestTooLarge) {
		t.Errorf("oversized event: err = %v, want ErrRequestTooLarge", err)
	}

	// The JSON string's quotes make the response 2 bytes longer than "bytes".
	ok := invoke(t, m, "big", `{"bytes":6291554}`)
	if ok.Error != nil || len(ok.Payload) != lambdahost.MaxResponseBytes {
		t.Errorf("response at the limit: error %v, %d bytes", ok.Error, len(ok.Payload))
	}
	res := invoke(t, m, "big", `{"bytes":6291555}`)
	if res.Error == nil || res.Error.Type != "Function.ResponseSizeTooLarge" {
		t.Errorf("oversized response: error = %+v, want Function.ResponseSizeTooLarge", res.Error)
	}
	if len(res.Payload) > 1024 {
		t.Errorf("oversized response: payload is %d bytes, want the error document", len(res.Payload))
	}
	// The runtime exits when its response is refused; the next invocation gets a new one.
	succeed(t, m, "big", `{"bytes":1}`)
}

func TestRuntimeAPIRejectsUnknownRequestID(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t, lambdahost.ManagerOptions{}, spec("env", "env"))
	got := decode[envResponse](t, succeed(t, m, "env", `{}`))
	base := "http://" + got.Env["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/"

	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodPost, "invocation/not-a-request/response", http.StatusBadRequest},
		{http.MethodPost, "invocation/" + got.RequestID + "/response", http.StatusBadRequest}, // already answered
		{http.MethodPost, "invocation/not-a-request/error", http.StatusBadRequest},
		{http.MethodPost, "init/error", http.StatusForbidden}, // after init
		{http.MethodGet, "invocation/not-a-request/response", http.StatusMethodNotAllowed},
		{http.MethodGet, "nowhere", http.StatusNotFound},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(`{}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
		}
	}
	succeed(t, m, "env", `{}`)
}

func TestLogsArePrefixedWholeLines(t *testing.T) {
	t.Parallel()
	m, logs := newManager(t, lambdahost.ManagerOptions{}, spec("chaos", "chaos"))
	succeed(t, m, "chaos", `{"mode":"log"}`)
	m.Close()

	lines := strings.Split(strings.TrimSuffix(logs.String(), "\n"), "\n")
	for _, want := range []string{"[chaos] short line", "[chaos] to stderr", "[chaos] " + strings.Repeat("x", 100000), "[chaos] first half, second half"} {
		found := false
		for _, l := range lines {
			found = found || l == want
		}
		if !found {
			t.Errorf("no log line %.60q", want)
		}
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "[chaos] ") {
			t.Errorf("log line without prefix: %.80q", l)
		}
	}
}

func TestReports(t *testing.T) {
	t.Parallel()
	m, logs := newManager(t, lambdahost.ManagerOptions{Reports: true}, spec("echo", "echo"))
	res := invoke(t, m, "echo", `{}`)
	out := logs.String()
	for _, re := range []string{
		`\[echo\] START RequestId: ` + res.RequestID + ` Version: \$LATEST\n`,
		`\[echo\] END RequestId: ` + res.RequestID + `\n`,
		`\[echo\] REPORT RequestId: ` + res.RequestID + `\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: [1-9]\d* MB\tInit Duration: [\d.]+ ms\n`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("logs do not match %s:\n%s", re, out)
		}
	}
}

func TestRegisterReplacesProcesses(t *testing.T) {
	t.Parallel()
	m, _ := newManager(t, lambdahost.ManagerOptions{}, spec("fn", "echo"))
	if err := m.Warm(context.Background(), "fn", 2); err != nil {
		t.Fatal(err)
	}
	old := stats(t, m, "fn").PIDs
	if err := m.Register(spec("fn", "env")); err != nil {
		t.Fatal(err)
	}
	waitGone(t, old...)
	got := decode[envResponse](t, succeed(t, m, "fn", `{"not":"echoed"}`))
	if got.Env["AWS_LAMBDA_FUNCTION_NAME"] != "fn" {
		t.Errorf("the new binary did not serve: %+v", got)
	}
}

func TestCloseStopsEveryProcess(t *testing.T) {
	t.Parallel()
	m, logs := newManager(t, lambdahost.ManagerOptions{}, spec("chaos", "chaos"), spec("sleep", "sleep"), spec("echo", "echo"))
	if err := m.Warm(context.Background(), "echo", 3); err != nil {
		t.Fatal(err)
	}
	spawned := decode[pidResponse](t, succeed(t, m, "chaos", `{"mode":"spawn"}`))
	if !alive(spawned.ChildPID) {
		t.Fatalf("the function's child %d is not running", spawned.ChildPID)
	}

	running := make(chan error, 1)
	go func() {
		_, err := m.Invoke(context.Background(), "sleep", []byte(`{"ms":10000}`))
		running <- err
	}()
	waitFor(t, func() bool { return stats(t, m, "sleep").Busy == 1 })

	var pids []int
	for _, name := range []string{"chaos", "sleep", "echo"} {
		pids = append(pids, stats(t, m, name).PIDs...)
	}
	if len(pids) != 5 {
		t.Fatalf("%d live processes, want 5", len(pids))
	}
	pids = append(pids, spawned.ChildPID)

	start := time.Now()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("process %d alive after Close", pid)
		}
	}
	if err := <-running; !errors.Is(err, lambdahost.ErrClosed) {
		t.Errorf("invocation running at Close: err = %v, want ErrClosed", err)
	}
	if _, err := m.Invoke(context.Background(), "echo", nil); !errors.Is(err, lambdahost.ErrClosed) {
		t.Errorf("Invoke after Close: err = %v, want ErrClosed", err)
	}
	if !strings.Contains(logs.String(), "[sleep] SIGTERM received") {
		t.Errorf("the process that asked for SIGTERM did not get it:\n%s", logs)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestGOMAXPROCSFollowsLambdaCPUAllocation(t *testing.T) {
	tests := []struct {
		memoryMB int
		env      map[string]string
		want     string
	}{
		{128, nil, "1"},
		{1769, nil, "1"},
		{1770, nil, "2"},
		{10240, nil, "6"},
		{512, map[string]string{"GOMAXPROCS": "4"}, "4"}, // the template decides when it says
	}
	for _, tt := range tests {
		s := spec("env", "env")
		s.MemoryMB, s.Environment = tt.memoryMB, tt.env
		m, _ := newManager(t, lambdahost.ManagerOptions{}, s)
		var got struct {
			Env map[string]string `json:"env"`
		}
		if err := json.Unmarshal(invoke(t, m, "env", `{}`).Payload, &got); err != nil {
			t.Fatal(err)
		}
		if got.Env["GOMAXPROCS"] != tt.want {
			t.Errorf("%d MB, env %v: GOMAXPROCS = %q, want %q", tt.memoryMB, tt.env, got.Env["GOMAXPROCS"], tt.want)
		}
	}
}

// An invocation's log tail is what Lambda returns for X-Amz-Log-Type Tail: the function's own
// lines between START and END/REPORT, cut to the last 4 KB.
func TestLogTail(t *testing.T) {
	m, _ := newManager(t, lambdahost.ManagerOptions{}, spec("chaos", "chaos"))
	res := invoke(t, m, "chaos", `{"mode":"log"}`)
	tail := string(res.LogTail())
	if len(tail) > 4096 {
		t.Errorf("tail is %d bytes, want at most 4096", len(tail))
	}
	for _, want := range []string{"first half, second half\n", "END RequestId: " + res.RequestID + "\n", "REPORT RequestId: " + res.RequestID} {
		if !strings.Contains(tail, want) {
			t.Errorf("tail lacks %q:\n%s", want, tail[max(0, len(tail)-300):])
		}
	}
	short := invoke(t, m, "chaos", `{"mode":"none"}`)
	if got := string(short.LogTail()); !strings.HasPrefix(got, "START RequestId: "+short.RequestID) || strings.Contains(got, "second half") {
		t.Errorf("a quiet invocation's tail = %q, want only its own START/END/REPORT", got)
	}
}

// A function whose reserved concurrency is 0 is throttled: Lambda runs none of its
// invocations.
func TestThrottledFunctionNeverRuns(t *testing.T) {
	s := spec("echo", "echo")
	s.Throttled = true
	m, _ := newManager(t, lambdahost.ManagerOptions{}, s)
	_, err := m.Invoke(context.Background(), "echo", []byte(`{}`))
	if !errors.Is(err, lambdahost.ErrThrottled) {
		t.Fatalf("err = %v, want ErrThrottled", err)
	}
	if st, _ := m.Stats("echo"); st.Spawns != 0 {
		t.Errorf("a throttled function started %d processes", st.Spawns)
	}
}
