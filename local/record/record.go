// Package record keeps what the local console shows about the running stack: the last
// invocations of every function (event, result, own log lines START..REPORT), each
// function's counters, and the spans of every hop a request or event takes (HTTP request,
// invocation, DynamoDB write, PutEvents, rule target delivery, queue and stream batches),
// from which Trace builds one correlation id's causal tree.
//
// Everything lives in fixed-size rings: recording never grows memory past its size. The
// parts of the runtime call a Recorder on their hot path, so recording keeps the bytes it is
// given (no decoding, no re-encoding) and takes one short lock; everything derived — the
// correlation ids a span belongs to, the tables and keys a write touched, the detail types
// of PutEvents, the parent of each span — is worked out when a page asks (Trace, Search).
//
// A nil *Recorder records nothing and answers empty: it is how recording is turned off.
package record

import (
	"bytes"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultSize is how many invocations each function's ring keeps when New is given 0.
const DefaultSize = 500

// spansPerInvocation sizes the span ring from the invocation ring: an order's saga makes
// about a dozen spans per invocation-worth of work, across all functions.
const spansPerInvocation = 16

// maxLogLines is how many log lines one invocation keeps (its first ones after START, then
// END and REPORT are always kept).
const maxLogLines = 200

// Kinds of Span.
const (
	// KindHTTP is a request to one of the stack's HTTP APIs.
	KindHTTP = "http"
	// KindInvoke is a function invocation (Trace makes one from each Invocation).
	KindInvoke = "invoke"
	// KindDynamoDB is a DynamoDB write through the edge port.
	KindDynamoDB = "dynamodb"
	// KindPutEvents is a PutEvents call through the edge port.
	KindPutEvents = "putevents"
	// KindSend is a SendMessage or SendMessageBatch through the edge port (a function
	// sending to a queue itself).
	KindSend = "send"
	// KindTarget is one attempt of a rule delivering an event to its target.
	KindTarget = "target"
	// KindQueue is an event source mapping handing a batch of a queue's messages to a
	// function.
	KindQueue = "queue"
	// KindStream is an event source mapping handing a batch of a table's stream records to a
	// function.
	KindStream = "stream"
)

// Span is one hop of a request or an event through the stack.
type Span struct {
	// Kind is one of the Kind constants.
	Kind string
	// Name says what happened: "POST /orders", "PutItem", "rule-name → queue-name" ...
	Name string
	// Start and Duration time the hop.
	Start    time.Time
	Duration time.Duration
	// Error is the hop's failure ("" when it succeeded).
	Error string
	// RequestID is the Lambda request id of the invocation the hop made (HTTP requests,
	// queue and stream batches) or is (invocations).
	RequestID string
	// TraceID is the X-Ray trace header of the invocation that made the call (DynamoDB
	// writes and PutEvents carry it as X-Amzn-Trace-Id) or of the invocation itself.
	TraceID string
	// Correlation is the correlation id when the hop knows it for sure (an HTTP response's
	// X-Correlation-Id); otherwise Trace finds it in Body or through the span's links.
	Correlation string
	// Body is the hop's input as received: the request body, the event, the batch. Kept
	// as is; never modified.
	Body []byte
	// Function is the function the hop ran or reached, when there is one.
	Function string
	// Caller is the function that made the call (a write, PutEvents, SendMessage), when
	// known: the runtime gives each function its name as the AWS SDK's app id
	// (AWS_SDK_UA_APP_ID), which the SDK sends in its User-Agent.
	Caller string
	// Status is an HTTP request's status code.
	Status int
	// Attrs are small facts shown beside the hop: "table", "queue", "rule", "target" ...
	// A hook builds them once and shares them between its spans (no map per call), so they
	// must not be modified once recorded.
	Attrs map[string]string

	corrs *[]string // Correlations(Body), worked out once; guarded by Recorder.corrMu
}

// Invocation is one recorded function invocation.
type Invocation struct {
	Function  string    `json:"function"`
	RequestID string    `json:"requestId"`
	TraceID   string    `json:"traceId,omitempty"`
	Start     time.Time `json:"start"`
	// End is when the answer came back (zero: Start + Duration). Start..End includes the
	// wait for a process and a cold start's init, which Duration does not.
	End time.Time `json:"end"`
	// Duration and Init (non-zero for a cold start) as Lambda's REPORT line gives them.
	Duration time.Duration `json:"-"`
	Init     time.Duration `json:"-"`
	// Error is "<errorType>: <message>" when the invocation failed or never ran.
	Error string `json:"error,omitempty"`
	// Throttled is an invocation refused for concurrency (it never ran).
	Throttled bool `json:"throttled,omitempty"`
	// Event and Result are the payloads as sent and answered.
	Event  []byte `json:"-"`
	Result []byte `json:"-"`

	logs  []string  // guarded by Recorder.logMu
	corrs *[]string // Correlations(Event), worked out once; guarded by Recorder.corrMu
}

// Trigger says what kind of event inv had, from its shape: "http" (an HTTP API's), "queue"
// (an SQS batch), "stream" (a DynamoDB stream batch), "event" (an EventBridge event) or
// "direct" (anything else: `aws lambda invoke`, the console's re-invoke).
func (inv *Invocation) Trigger() string {
	e := inv.Event
	switch {
	case bytes.Contains(e, []byte(`"routeKey"`)):
		return "http"
	case bytes.Contains(e, []byte(`"eventSource":"aws:sqs"`)):
		return "queue"
	case bytes.Contains(e, []byte(`"eventSource":"aws:dynamodb"`)):
		return "stream"
	case bytes.Contains(e, []byte(`"detail-type"`)):
		return "event"
	}
	return "direct"
}

// end is when inv's answer came back.
func (inv *Invocation) end() time.Time {
	if inv.End.IsZero() {
		return inv.Start.Add(inv.Duration)
	}
	return inv.End
}

// FunctionStats are one function's counters since recording started and the percentiles
// of its recorded (ring) invocations.
type FunctionStats struct {
	Function    string  `json:"function"`
	Invocations int64   `json:"invocations"`
	Errors      int64   `json:"errors"`
	Throttles   int64   `json:"throttles"`
	ColdStarts  int64   `json:"coldStarts"`
	P50Ms       float64 `json:"p50Ms"`
	P99Ms       float64 `json:"p99Ms"`
	// LastMinute counts the recorded invocations that started in the last minute.
	LastMinute int `json:"lastMinute"`
	// LastInvoked is the start of the latest invocation (zero when none).
	LastInvoked time.Time `json:"lastInvoked"`
}

// Recorder keeps the rings. Its methods are safe for concurrent use; the methods of a nil
// Recorder do nothing.
type Recorder struct {
	size int

	mu    sync.RWMutex
	funcs map[string]*funcRing

	spans ring[*Span]

	corrMu sync.Mutex // the cached correlation ids of spans and invocations

	logMu   sync.Mutex
	pending map[string]*Invocation // request id → invocation between START and Observe
	streams map[string]*Invocation // log stream → the invocation its lines belong to
}

// funcRing is one function's invocations and counters.
type funcRing struct {
	ring[*Invocation]
	invocations, errors, throttles, cold atomic.Int64
}

// New returns a Recorder keeping size invocations per function (DefaultSize when size ≤ 0)
// and 16 × size spans.
func New(size int) *Recorder {
	if size <= 0 {
		size = DefaultSize
	}
	r := &Recorder{size: size, funcs: map[string]*funcRing{}, pending: map[string]*Invocation{}, streams: map[string]*Invocation{}}
	r.spans.init(size * spansPerInvocation)
	return r
}

// Size is how many invocations each function's ring keeps (0 for a nil Recorder).
func (r *Recorder) Size() int {
	if r == nil {
		return 0
	}
	return r.size
}

func (r *Recorder) function(name string) *funcRing {
	r.mu.RLock()
	f := r.funcs[name]
	r.mu.RUnlock()
	if f != nil {
		return f
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if f = r.funcs[name]; f == nil {
		f = &funcRing{}
		f.init(r.size)
		r.funcs[name] = f
	}
	return f
}

// Span records one hop. s must not be modified afterwards.
func (r *Recorder) Span(s *Span) {
	if r == nil {
		return
	}
	r.spans.add(s)
}

// Invoked records a finished (or refused) invocation. Its log lines, recorded through
// RecordLog between its START and REPORT lines, are attached to it by request id.
func (r *Recorder) Invoked(inv *Invocation) {
	if r == nil {
		return
	}
	r.logMu.Lock()
	if p := r.pending[inv.RequestID]; p != nil && inv.RequestID != "" {
		// Keep p: its log stream still points at it, so lines that arrive after REPORT
		// (the pipes lag the response) land on it too.
		p.logs, inv.logs = nil, p.logs
		*p = *inv
		inv = p
		delete(r.pending, inv.RequestID)
	}
	r.logMu.Unlock()
	f := r.function(inv.Function)
	f.invocations.Add(1)
	switch {
	case inv.Throttled:
		f.throttles.Add(1)
	case inv.Error != "":
		f.errors.Add(1)
	}
	if inv.Init > 0 {
		f.cold.Add(1)
	}
	f.add(inv)
}

// RecordLog implements lambdahost.LogRecorder: the lines of one log stream (one process)
// between "START RequestId: <id>" and the next START belong to invocation <id>.
func (r *Recorder) RecordLog(function, stream string, at time.Time, line []byte) {
	if r == nil {
		return
	}
	const start = "START RequestId: "
	r.logMu.Lock()
	defer r.logMu.Unlock()
	if len(line) > len(start) && string(line[:len(start)]) == start {
		id, _, _ := strings.Cut(string(line[len(start):]), " ")
		inv := &Invocation{Function: function, RequestID: id}
		if len(r.pending) > 4*r.size { // invocations that never ended (their caller gave up)
			clear(r.pending)
		}
		r.pending[id] = inv
		r.streams[stream] = inv
		inv.logs = append(inv.logs, string(line))
		return
	}
	inv := r.streams[stream]
	if inv == nil {
		return
	}
	if len(inv.logs) < maxLogLines || strings.HasPrefix(string(line), "END RequestId: ") || strings.HasPrefix(string(line), "REPORT RequestId: ") {
		inv.logs = append(inv.logs, string(line))
	}
}

// Logs returns an invocation's log lines, START..REPORT.
func (r *Recorder) Logs(inv *Invocation) []string {
	if r == nil {
		return nil
	}
	r.logMu.Lock()
	defer r.logMu.Unlock()
	return append([]string(nil), inv.logs...)
}

// Functions lists the names of the functions with recorded invocations, sorted.
func (r *Recorder) Functions() []string {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.funcs))
	for n := range r.funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Invocations returns function's recorded invocations, newest first.
func (r *Recorder) Invocations(function string) []*Invocation {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	f := r.funcs[function]
	r.mu.RUnlock()
	if f == nil {
		return nil
	}
	return f.newestFirst()
}

// Invocation finds a recorded invocation by its request id.
func (r *Recorder) Invocation(requestID string) (*Invocation, bool) {
	for _, name := range r.Functions() {
		for _, inv := range r.Invocations(name) {
			if inv.RequestID == requestID {
				return inv, true
			}
		}
	}
	return nil, false
}

// Stats returns function's counters and the p50 and p99 duration of its recorded
// invocations that ran.
func (r *Recorder) Stats(function string) FunctionStats {
	st := FunctionStats{Function: function}
	if r == nil {
		return st
	}
	r.mu.RLock()
	f := r.funcs[function]
	r.mu.RUnlock()
	if f == nil {
		return st
	}
	st.Invocations, st.Errors, st.Throttles, st.ColdStarts = f.invocations.Load(), f.errors.Load(), f.throttles.Load(), f.cold.Load()
	invs := f.newestFirst()
	ds := make([]time.Duration, 0, len(invs))
	minuteAgo := time.Now().Add(-time.Minute)
	for _, inv := range invs {
		if inv.Start.After(minuteAgo) {
			st.LastMinute++
		}
		if !inv.Throttled {
			ds = append(ds, inv.Duration)
		}
	}
	if len(invs) > 0 {
		st.LastInvoked = invs[0].Start
	}
	if len(ds) > 0 {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		st.P50Ms = msOf(ds[(len(ds)-1)*50/100])
		st.P99Ms = msOf(ds[(len(ds)-1)*99/100])
	}
	return st
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// spanList returns the recorded spans, oldest first.
func (r *Recorder) spanList() []*Span {
	s := r.spans.newestFirst()
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
	return s
}

// ring is a fixed-size ring of the last values added.
type ring[T any] struct {
	mu   sync.Mutex
	buf  []T
	next uint64
}

func (g *ring[T]) init(n int) { g.buf = make([]T, n) }

func (g *ring[T]) add(v T) {
	g.mu.Lock()
	g.buf[g.next%uint64(len(g.buf))] = v
	g.next++
	g.mu.Unlock()
}

func (g *ring[T]) newestFirst() []T {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := min(g.next, uint64(len(g.buf)))
	out := make([]T, 0, n)
	for i := uint64(1); i <= n; i++ {
		out = append(out, g.buf[(g.next-i)%uint64(len(g.buf))])
	}
	return out
}
