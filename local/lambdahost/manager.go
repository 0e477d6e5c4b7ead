package lambdahost

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Errors returned by the Manager. Invoke returns them (wrapped) for invocations that never
// ran; test with errors.Is.
var (
	ErrUnknownFunction = errors.New("lambda: unknown function")
	ErrClosed          = errors.New("lambda: manager closed")
	// ErrRequestTooLarge is Lambda's RequestEntityTooLargeException: the event is larger
	// than MaxRequestBytes.
	ErrRequestTooLarge = errors.New("lambda: request payload too large")
	// ErrThrottled is Lambda's TooManyRequestsException for a function whose reserved
	// concurrency is 0.
	ErrThrottled = errors.New("lambda: rate exceeded")
)

const (
	// MaxRequestBytes is Lambda's limit on a synchronous invocation's event.
	MaxRequestBytes = 6 * 1024 * 1024
	// MaxResponseBytes is Lambda's limit on a synchronous invocation's response, as its
	// Function.ResponseSizeTooLarge message states it.
	MaxResponseBytes = 6291556

	// KindUnhandled is FunctionError.Kind for every failure a provided runtime reports.
	KindUnhandled = "Unhandled"

	defaultTimeout        = 3 * time.Second
	defaultMemoryMB       = 128
	defaultMaxConcurrency = 10
	defaultRegion         = "us-east-1"
	defaultAccountID      = "000000000000"
)

// ManagerOptions configure a Manager. The zero value is usable.
type ManagerOptions struct {
	// Logs receives every function's stdout and stderr line by line, each line prefixed with
	// "[<function name>] ", and the runtime's own messages about the function (crashes,
	// timeouts). Lines from concurrent processes never interleave. Nil means os.Stderr.
	Logs io.Writer
	// Region is AWS_REGION and AWS_DEFAULT_REGION of every function; default us-east-1.
	Region string
	// Env is added to every function's environment after the template's variables, so it
	// can override them: local endpoints (AWS_ENDPOINT_URL_DYNAMODB, ...) and credentials
	// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; dummies when absent).
	// AWS_LAMBDA_RUNTIME_API cannot be overridden.
	Env map[string]string
	// MaxConcurrency is the number of processes a function may run at once when its
	// ReservedConcurrency is 0; default 10.
	MaxConcurrency int
	// Reports writes Lambda's START, END and REPORT lines (with duration, init duration and
	// peak memory) to Logs around every invocation.
	Reports bool
	// Faults, when set, is asked once per invocation (in the order Invoke is called) which
	// fault to inject into it (local/faults decides): one of the Fault constants, or "" for
	// none; latency is the delay of FaultLatency.
	Faults func(function string) (fault string, latency time.Duration)

	// Record, when set, receives every line written to Logs about a function, with the
	// log stream of the process it concerns (one per process, as Lambda has one per
	// execution environment).
	Record LogRecorder
	// Observe, when set, is told about every invocation once it ends, and about every one
	// refused as throttled (Err wraps ErrThrottled), on the invoking goroutine: it must be
	// cheap. It is how the local console records invocations (local/record).
	Observe func(Observation)
}

// Observation is one invocation as ManagerOptions.Observe sees it.
type Observation struct {
	Function  string
	RequestID string
	// TraceID is the invocation's Lambda-Runtime-Trace-Id (the function's SDK sends it on
	// as X-Amzn-Trace-Id).
	TraceID string
	// Start is when Invoke was called.
	Start   time.Time
	Payload []byte
	// Result is the outcome; nil when Err is set.
	Result *Result
	Err    error
}

// Faults the Manager injects when ManagerOptions.Faults asks (the kinds of local/faults).
const (
	// FaultCrashBefore kills the process when it receives the invocation: the handler never
	// runs; the invocation fails with Runtime.ExitError.
	FaultCrashBefore = "crash-before"
	// FaultCrashAfter kills the process once the handler returned, before its response is
	// accepted: the side effect happened, the invocation fails with Runtime.ExitError.
	FaultCrashAfter = "crash-after"
	// FaultTimeout holds the handler's response until the function's timeout: the
	// invocation fails with Sandbox.Timedout and the process is killed.
	FaultTimeout = "timeout"
	// FaultError fails the invocation with a FaultInjected function error; no process runs it.
	FaultError = "error"
	// FaultLatency delays the invocation before it is queued.
	FaultLatency = "latency"
	// FaultThrottle refuses the invocation with ErrThrottled.
	FaultThrottle = "throttle"
)

// FunctionSpec is what the Manager needs to run a function.
type FunctionSpec struct {
	// Name is the function's name: the key for Invoke and the log prefix.
	Name string
	// ARN is Lambda-Runtime-Invoked-Function-Arn; default
	// arn:aws:lambda:<region>:000000000000:function:<Name>.
	ARN string
	// Binary is the path of the function's executable, built for the host.
	Binary string
	// Handler is _HANDLER; default "bootstrap".
	Handler string
	// Environment is the function's environment from the template. Variables Lambda
	// reserves (AWS_REGION, AWS_LAMBDA_*, credentials, ...) are ignored, as Lambda rejects
	// them.
	Environment map[string]string
	// Timeout per invocation; default 3s.
	Timeout time.Duration
	// MemoryMB is AWS_LAMBDA_FUNCTION_MEMORY_SIZE; default 128. It is not enforced.
	MemoryMB int
	// Throttled is a function whose reserved concurrency is 0: Lambda refuses every
	// invocation with TooManyRequestsException, and Invoke returns ErrThrottled.
	Throttled bool
	// ReservedConcurrency caps the function's processes; 0 means
	// ManagerOptions.MaxConcurrency.
	ReservedConcurrency int
	// Background marks a function no caller waits on: one invoked only by event source
	// mappings (a queue's or a stream's poller). On Linux its processes run in the
	// SCHED_BATCH class: they get their fair share of the CPU but do not preempt another
	// task when they wake, so on a laptop's few cores a burst of asynchronous work does not
	// cut into the requests a caller is waiting for. On AWS every function has CPUs of its
	// own; this keeps a local run closer to that.
	Background bool
}

// InvokeOptions carry the optional parts of an invocation.
type InvokeOptions struct {
	// TraceID is Lambda-Runtime-Trace-Id; a new X-Ray style ID when empty.
	TraceID string
	// ClientContext is Lambda-Runtime-Client-Context (JSON), sent when non-empty.
	ClientContext string
	// CognitoIdentity is Lambda-Runtime-Cognito-Identity (JSON), sent when non-empty.
	CognitoIdentity string
}

// Stats are a function's counters since it was registered, and its pool right now.
type Stats struct {
	// Invocations is the number of invocations handed to a process.
	Invocations int64
	// Spawns counts processes started; ColdStarts those that reached their first
	// /runtime/invocation/next.
	Spawns     int64
	ColdStarts int64
	// InitFailures, Crashes and Timeouts count processes lost to each cause. A crash is any
	// exit the Manager did not ask for after the process was ready.
	InitFailures int64
	Crashes      int64
	Timeouts     int64
	// InitTotal, InitMin, InitMax and InitLast summarise cold starts: the time from
	// starting a process to its first /runtime/invocation/next.
	InitTotal, InitMin, InitMax, InitLast time.Duration
	// Live is the number of processes in the pool. Idle ones wait for work, Busy ones run
	// an invocation; the rest are starting or have just answered and not polled again yet.
	// Queued is the number of invocations waiting for a process.
	Live, Idle, Busy, Queued int
	// PeakLive is the largest Live seen.
	PeakLive int
	// PIDs are the live processes' ids (process group ids too).
	PIDs []int
}

// InitMean is the mean cold start time.
func (s Stats) InitMean() time.Duration {
	if s.ColdStarts == 0 {
		return 0
	}
	return s.InitTotal / time.Duration(s.ColdStarts)
}

// Manager runs registered functions as local processes speaking the Lambda Runtime API.
// It implements Invoker. Its methods are safe for concurrent use.
type Manager struct {
	opts   ManagerOptions
	logs   *logSink
	region string
	// baseEnv is what a function inherits from this process: PATH and HOME only.
	baseEnv map[string]string

	mu     sync.RWMutex
	funcs  map[string]*function
	closed bool

	// procs counts processes not yet reaped; Close waits for it.
	procs sync.WaitGroup
}

var _ Invoker = (*Manager)(nil)

// NewManager returns a Manager with no functions. Close it to stop every process.
func NewManager(opts ManagerOptions) *Manager {
	w := opts.Logs
	if w == nil {
		w = os.Stderr
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = defaultMaxConcurrency
	}
	region := opts.Region
	if region == "" {
		region = defaultRegion
	}
	base := make(map[string]string, 2)
	for _, k := range []string{"PATH", "HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			base[k] = v
		}
	}
	return &Manager{
		opts:    opts,
		logs:    &logSink{w: w, rec: opts.Record},
		region:  region,
		baseEnv: base,
		funcs:   make(map[string]*function),
	}
}

// Register adds a function, or replaces the spec of one registered under the same name (a
// rebuilt binary, say): its idle and starting processes stop at once, busy ones after their
// current invocation, and later invocations run the new spec. No process starts until the
// function is invoked or warmed.
func (m *Manager) Register(spec FunctionSpec) error {
	if spec.Name == "" {
		return errors.New("lambda: register: function name is empty")
	}
	bin, err := filepath.Abs(spec.Binary)
	if err != nil {
		return fmt.Errorf("lambda: register %s: %w", spec.Name, err)
	}
	spec.Binary = bin
	spec.Environment = maps.Clone(spec.Environment)
	st, err := os.Stat(spec.Binary)
	if err != nil {
		return fmt.Errorf("lambda: register %s: %w", spec.Name, err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("lambda: register %s: %s is not an executable file", spec.Name, spec.Binary)
	}
	if spec.ARN == "" {
		spec.ARN = "arn:aws:lambda:" + m.region + ":" + defaultAccountID + ":function:" + spec.Name
	}
	if spec.Handler == "" {
		spec.Handler = "bootstrap"
	}
	if spec.Timeout <= 0 {
		spec.Timeout = defaultTimeout
	}
	if spec.MemoryMB <= 0 {
		spec.MemoryMB = defaultMemoryMB
	}
	limit := spec.ReservedConcurrency
	if limit <= 0 {
		limit = m.opts.MaxConcurrency
	}

	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	f := m.funcs[spec.Name]
	if f == nil {
		f = &function{m: m, name: spec.Name, spec: spec, limit: limit, procs: make(map[*process]struct{})}
		m.funcs[spec.Name] = f
		m.mu.Unlock()
		return nil
	}
	m.mu.Unlock()

	f.mu.Lock()
	defer f.mu.Unlock()
	f.spec, f.limit = spec, limit
	f.gen++
	f.initFailures, f.backoffUntil, f.lastInit = 0, time.Time{}, nil
	for p := range f.procs {
		if p.state == stateIdle || p.state == stateStarting {
			f.retireLocked(p, true)
		}
	}
	f.scaleLocked()
	return nil
}

// Invoke runs one invocation of the function named name. See Invoker.
//
// The invocation goes to an idle process, else to a new process while the function is under
// its concurrency limit, else it waits (first come, first served) for a process to become
// free; it never fails because the pool is busy. When ctx is done Invoke returns ctx.Err():
// a queued invocation is dropped, a running one goes on until it ends or times out (as in
// Lambda when API Gateway stops waiting) and its outcome is discarded.
//
// payload must not be modified until the invocation ends; an empty payload is sent as {}.
func (m *Manager) Invoke(ctx context.Context, name string, payload []byte) (*Result, error) {
	return m.InvokeWithOptions(ctx, name, payload, InvokeOptions{})
}

// InvokeWithOptions is Invoke with a trace ID, client context or Cognito identity.
func (m *Manager) InvokeWithOptions(ctx context.Context, name string, payload []byte, opts InvokeOptions) (*Result, error) {
	f := m.function(name)
	if f == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownFunction, name)
	}
	if len(payload) > MaxRequestBytes {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrRequestTooLarge, len(payload), MaxRequestBytes)
	}
	if len(payload) == 0 {
		payload = emptyEvent
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	began := time.Now()
	inv := &invocation{id: newRequestID(), payload: payload, opts: opts, done: make(chan struct{})}
	if m.opts.Faults != nil {
		fault, latency := m.opts.Faults(name)
		switch fault {
		case FaultThrottle:
			err := fmt.Errorf("%w: %s (injected fault)", ErrThrottled, name)
			m.observe(name, inv, began, nil, err)
			return nil, err
		case FaultError:
			msg := "RequestId: " + inv.id + " Error: injected fault"
			fe := &FunctionError{Type: "FaultInjected", Message: msg, Kind: KindUnhandled}
			res := &Result{RequestID: inv.id, Payload: errorDocument(fe.Type, msg), Error: fe}
			m.observe(name, inv, began, res, nil)
			return res, nil
		case FaultLatency:
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			}
		case FaultCrashBefore, FaultCrashAfter, FaultTimeout:
			inv.fault = fault
		}
	}
	inv.traceID = opts.TraceID
	if inv.traceID == "" {
		inv.traceID = newTraceID()
	}

	f.mu.Lock()
	if f.spec.Throttled {
		f.mu.Unlock()
		err := fmt.Errorf("%w: %s has a reserved concurrency of 0", ErrThrottled, name)
		m.observe(name, inv, began, nil, err)
		return nil, err
	}
	if f.closed {
		f.mu.Unlock()
		return nil, ErrClosed
	}
	if n := len(f.idle); n > 0 {
		// Most recently used first: the fewest processes stay hot.
		p := f.idle[n-1]
		f.idle = f.idle[:n-1]
		f.assignLocked(p, inv, time.Now())
		f.mu.Unlock()
		m.reportStart(f, inv)
		p.assign <- inv
	} else {
		inv.state = invQueued
		inv.elem = f.queue.PushBack(inv)
		f.scaleLocked()
		f.mu.Unlock()
	}

	select {
	case <-inv.done:
	case <-ctx.Done():
		f.mu.Lock()
		if inv.state == invQueued {
			f.queue.Remove(inv.elem)
			inv.state = invDone
		}
		f.mu.Unlock()
		return nil, ctx.Err()
	}
	if inv.err != nil {
		return nil, inv.err
	}
	// The process's tail stays attached to this invocation until its next one, so lines
	// still in the pipes when the response arrived land here.
	inv.res.inv = inv
	m.reportEnd(f, inv)
	m.observe(name, inv, began, inv.res, nil)
	return inv.res, nil
}

func (m *Manager) observe(name string, inv *invocation, began time.Time, res *Result, err error) {
	if m.opts.Observe != nil {
		m.opts.Observe(Observation{Function: name, RequestID: inv.id, TraceID: inv.traceID, Start: began, Payload: inv.payload, Result: res, Err: err})
	}
}

var emptyEvent = []byte("{}")

// Warm starts processes until the function has n live ones (at most its concurrency limit)
// and waits until every starting process is ready for an invocation. It returns the
// *FunctionError of a process that failed to initialise, or ctx.Err().
func (m *Manager) Warm(ctx context.Context, name string, n int) error {
	f := m.function(name)
	if f == nil {
		return fmt.Errorf("%w: %s", ErrUnknownFunction, name)
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return ErrClosed
	}
	if f.lastInit != nil && len(f.procs) == 0 && time.Now().Before(f.backoffUntil) {
		fe := f.lastInit.functionError("")
		f.mu.Unlock()
		return fe
	}
	n = min(n, f.limit)
	for len(f.procs) < n {
		f.spawnLocked(false)
	}
	var starting []*process
	for p := range f.procs {
		if p.state == stateStarting {
			starting = append(starting, p)
		}
	}
	f.mu.Unlock()

	for _, p := range starting {
		select {
		case <-p.ready:
			continue
		case <-p.dead:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case <-p.ready: // ready, then stopped: it did initialise
			continue
		default:
		}
		f.mu.Lock()
		failure, closed := p.initFailure, f.closed
		f.mu.Unlock()
		switch {
		case failure != nil:
			return failure.functionError("")
		case closed:
			return ErrClosed
		default:
			return fmt.Errorf("lambda: warm %s: process %d stopped before it was ready", name, p.pid)
		}
	}
	return nil
}

// Stats returns the function's counters and pool state; false if name is not registered.
func (m *Manager) Stats(name string) (Stats, bool) {
	f := m.function(name)
	if f == nil {
		return Stats{}, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.Live, s.Idle, s.Queued = len(f.procs), len(f.idle), f.queue.Len()
	s.PIDs = make([]int, 0, len(f.procs))
	for p := range f.procs {
		if p.state == stateBusy {
			s.Busy++
		}
		if p.pid > 0 {
			s.PIDs = append(s.PIDs, p.pid)
		}
	}
	return s, true
}

// Close stops every process (SIGKILL to its process group; SIGTERM first, with 500 ms of
// grace, to processes that registered an extension as aws-lambda-go's WithEnableSIGTERM
// does) and waits until all have exited. Invocations still queued or running return
// ErrClosed. Close is idempotent.
func (m *Manager) Close() error {
	m.mu.Lock()
	m.closed = true
	funcs := make([]*function, 0, len(m.funcs))
	for _, f := range m.funcs {
		funcs = append(funcs, f)
	}
	m.mu.Unlock()

	for _, f := range funcs {
		f.mu.Lock()
		f.closed = true
		for e := f.queue.Front(); e != nil; e = f.queue.Front() {
			inv := f.queue.Remove(e).(*invocation)
			f.completeLocked(inv, nil, ErrClosed)
		}
		for p := range f.procs {
			if inv := p.current; inv != nil {
				f.completeLocked(inv, nil, ErrClosed)
			}
			f.retireLocked(p, true)
		}
		f.mu.Unlock()
	}
	m.procs.Wait()
	return nil
}

func (m *Manager) function(name string) *function {
	m.mu.RLock()
	f := m.funcs[name]
	m.mu.RUnlock()
	return f
}

func (m *Manager) reportStart(f *function, inv *invocation) {
	if m.opts.Reports {
		m.logs.printf(f.name, inv.stream(), "START RequestId: %s Version: $LATEST", inv.id)
	}
}

func (m *Manager) reportEnd(f *function, inv *invocation) {
	if !m.opts.Reports || inv.res == nil {
		return
	}
	m.logs.printf(f.name, inv.stream(), "END RequestId: %s", inv.id)
	m.logs.printf(f.name, inv.stream(), "%s", reportLine(inv))
}

// stream is the log stream of the process that ran inv, "" when none did.
func (inv *invocation) stream() string {
	if inv.proc == nil {
		return ""
	}
	return inv.proc.stream
}

// reportLine is Lambda's REPORT line for a finished invocation.
func reportLine(inv *invocation) string {
	r := inv.res
	line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		inv.id, ms(r.Duration), billed(r.Duration), inv.memoryMB, r.MaxMemoryMB)
	if r.InitDuration > 0 {
		line += fmt.Sprintf("\tInit Duration: %.2f ms", ms(r.InitDuration))
	}
	if r.Error != nil {
		line += "\tStatus: error\tError Type: " + r.Error.Type
	}
	return line
}

// logTailOf is what Lambda returns as an invocation's log tail: START, the function's own
// lines, END and REPORT, cut to the last tailSize bytes.
func logTailOf(inv *invocation) []byte {
	b := fmt.Appendf(nil, "START RequestId: %s Version: $LATEST\n", inv.id)
	if inv.logs != nil {
		if p := inv.proc; p != nil {
			inv.logs.settle(p.logFiles)
		}
		b = append(b, inv.logs.bytes()...)
	}
	b = fmt.Appendf(b, "END RequestId: %s\n%s\n", inv.id, reportLine(inv))
	if over := len(b) - tailSize; over > 0 {
		b = b[over:]
	}
	return b
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func billed(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// function is one registered function and its pool. Every field below mu is guarded by it,
// and so are the state fields of its processes and invocations.
type function struct {
	m    *Manager
	name string

	mu   sync.Mutex
	spec FunctionSpec
	// gen counts Register calls for this name; processes of an older gen are retired.
	gen   int
	limit int
	// procs holds every live process; idle the ready ones without work, most recent last.
	procs map[*process]struct{}
	idle  []*process
	// starting counts processes not yet at their first /next; returning those that have
	// answered an invocation and will poll /next again. Both are capacity on its way, so a
	// queued invocation does not spawn a process while one of them can take it.
	starting, returning int
	// queue holds *invocation waiting for a process, oldest first.
	queue  list.List
	closed bool

	// Consecutive init failures back off further spawns; lastInit answers invocations
	// meanwhile.
	initFailures int
	backoffUntil time.Time
	lastInit     *initFailure

	stats Stats
}

type invState uint8

const (
	invNew invState = iota
	invQueued
	invRunning
	invDone
)

// invocation is one Invoke call in flight.
type invocation struct {
	id      string
	payload []byte
	opts    InvokeOptions
	traceID string
	fault   string        // FaultCrashBefore, FaultCrashAfter, FaultTimeout or ""
	done    chan struct{} // closed when res/err are set

	// Guarded by function.mu.
	state        invState
	elem         *list.Element // in function.queue while invQueued
	proc         *process
	start        time.Time
	deadline     time.Time
	initDuration time.Duration
	memoryMB     int
	res          *Result
	err          error
	logs         *logTail // what the process wrote while running it
}

// assignLocked hands inv to p, which is ready and out of the idle list, and starts the
// timeout clock.
func (f *function) assignLocked(p *process, inv *invocation, now time.Time) {
	p.state = stateBusy
	p.current = inv
	inv.logs = &logTail{}
	p.tail.Store(inv.logs)
	inv.state = invRunning
	inv.elem = nil
	inv.proc = p
	inv.start = now
	inv.deadline = now.Add(p.spec.Timeout)
	inv.memoryMB = p.spec.MemoryMB
	if p.reportInit {
		inv.initDuration = p.initDuration
		p.reportInit = false
	}
	if p.timer == nil {
		p.timer = time.AfterFunc(p.spec.Timeout, p.onTimeout)
	} else {
		p.timer.Reset(p.spec.Timeout)
	}
	f.stats.Invocations++
}

// completeLocked records the outcome of inv and wakes its Invoke. It reports false if inv
// already had an outcome.
func (f *function) completeLocked(inv *invocation, res *Result, err error) bool {
	if inv.state == invDone {
		return false
	}
	inv.state = invDone
	inv.res, inv.err = res, err
	if p := inv.proc; p != nil && p.current == inv {
		p.current = nil
		p.timer.Stop()
	}
	close(inv.done)
	return true
}

// scaleLocked starts processes for queued invocations that no starting or returning
// process will take, up to the concurrency limit. While init failures back off spawning
// and no process is left to drain the queue, queued invocations fail with the last init
// error instead of waiting.
func (f *function) scaleLocked() {
	if f.closed {
		return
	}
	waiting := f.queue.Len() - f.starting - f.returning
	if waiting <= 0 {
		return
	}
	if f.lastInit != nil && time.Now().Before(f.backoffUntil) {
		if len(f.procs) == 0 {
			for e := f.queue.Front(); e != nil; e = f.queue.Front() {
				inv := f.queue.Remove(e).(*invocation)
				f.completeLocked(inv, f.lastInit.result(inv.id), nil)
			}
		}
		return
	}
	for ; waiting > 0 && len(f.procs) < f.limit; waiting-- {
		f.spawnLocked(true)
	}
}

// initFailedLocked records that a process failed to initialise: the oldest queued
// invocation fails with the error (Lambda fails the invocation that caused the cold start)
// and further spawns back off exponentially.
func (f *function) initFailedLocked(failure *initFailure) {
	f.stats.InitFailures++
	f.initFailures++
	f.lastInit = failure
	f.backoffUntil = time.Now().Add(initBackoff(f.initFailures))
	if e := f.queue.Front(); e != nil {
		inv := f.queue.Remove(e).(*invocation)
		f.completeLocked(inv, failure.result(inv.id), nil)
	}
}

// initBackoff is how long spawning pauses after n consecutive init failures: 100 ms
// doubling to 5 s. An invocation arriving meanwhile fails fast with the last init error
// instead of starting a doomed process.
func initBackoff(n int) time.Duration {
	const base, ceiling = 100 * time.Millisecond, 5 * time.Second
	if n > 6 {
		return ceiling
	}
	return min(base<<(n-1), ceiling)
}

// initFailure is why a process could not initialise.
type initFailure struct {
	errorType string
	// message is the reason; for a process exit it is prefixed with "RequestId: <id> " per
	// invocation, as Lambda does.
	message    string
	perRequest bool
	// document is the error body the runtime posted to /runtime/init/error, if it did.
	document []byte
}

func (i *initFailure) functionError(requestID string) *FunctionError {
	msg := i.message
	if i.perRequest && requestID != "" {
		msg = "RequestId: " + requestID + " " + msg
	}
	return &FunctionError{Type: i.errorType, Message: msg, Kind: KindUnhandled, Init: true}
}

func (i *initFailure) result(requestID string) *Result {
	fe := i.functionError(requestID)
	doc := i.document
	if doc == nil {
		doc = errorDocument(fe.Type, fe.Message)
	}
	return &Result{RequestID: requestID, Payload: doc, Error: fe}
}
