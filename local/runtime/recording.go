package runtime

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/record"
	"github.com/microshop/microshop/local/template"
)

// What the console reads is recorded by small hooks at the seams the runtime already wires:
// the Lambda manager's Observe and log recorder (invocations and their lines), a middleware
// around each HTTP API (requests), around the DynamoDB and EventBridge handlers on the edge
// (writes, PutEvents), and wrappers of the invokers the event source mappings use and of
// every rule target's Deliver. With recording off (Config.NoRecording) rt.rec is nil and
// every hook is skipped where it is installed, so the hot path is unchanged.

// Recorder is what the console reads: invocations, function counters and trace spans; nil
// when Config.NoRecording turned recording off.
func (rt *Runtime) Recorder() *record.Recorder { return rt.rec }

// observe records one invocation the manager ran or refused.
func (rt *Runtime) observe(o lambdahost.Observation) {
	inv := &record.Invocation{Function: o.Function, RequestID: o.RequestID, TraceID: o.TraceID, Start: o.Start, End: time.Now(), Event: o.Payload}
	switch {
	case o.Err != nil:
		inv.Error = o.Err.Error()
		inv.Throttled = errors.Is(o.Err, lambdahost.ErrThrottled)
	case o.Result != nil:
		inv.Duration, inv.Init, inv.Result = o.Result.Duration, o.Result.InitDuration, o.Result.Payload
		if fe := o.Result.Error; fe != nil {
			inv.Error = fe.Type + ": " + fe.Message
		}
	}
	rt.rec.Invoked(inv)
}

// callerEnv is fn's environment with AWS_SDK_UA_APP_ID set to its name (unless the template
// sets it), when recording: the SDK then sends "app/<name>" in its User-Agent, which tells
// the recorder which function made a DynamoDB write, a PutEvents or a SendMessage.
func (rt *Runtime) callerEnv(fn *template.Function) map[string]string {
	if rt.rec == nil || fn.Environment[uaAppIDEnv] != "" {
		return fn.Environment
	}
	env := maps.Clone(fn.Environment)
	if env == nil {
		env = map[string]string{}
	}
	env[uaAppIDEnv] = fn.Name
	return env
}

const uaAppIDEnv = "AWS_SDK_UA_APP_ID"

// callerOf is the app id in an AWS SDK User-Agent ("... app/<id> ..."), or "".
func callerOf(ua string) string {
	i := strings.Index(ua, " app/")
	if i < 0 {
		return ""
	}
	id, _, _ := strings.Cut(ua[i+len(" app/"):], " ")
	return id
}

// logTee hands every function log line to CloudWatch Logs and to the recorder.
type logTee [2]lambdahost.LogRecorder

func (t logTee) RecordLog(function, stream string, at time.Time, line []byte) {
	t[0].RecordLog(function, stream, at, line)
	t[1].RecordLog(function, stream, at, line)
}

// httpCall carries, from an HTTP API request's middleware to the invoker its API calls, the
// Lambda request id of the invocation the request made.
type httpCall struct{ requestID, function string }

type httpCallKey struct{}

// recordHTTP records every request to an HTTP API as a KindHTTP span whose correlation id is
// the response's X-Correlation-Id (what the shop's Correlate middleware chose), else the
// request's, else the API Gateway request id.
func (rt *Runtime) recordHTTP(next http.Handler) http.Handler {
	if rt.rec == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		call := &httpCall{}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), httpCallKey{}, call)))
		h := w.Header()
		corr := h.Get("X-Correlation-Id")
		if corr == "" {
			corr = r.Header.Get("X-Correlation-Id")
		}
		if corr == "" {
			corr = h.Get("Apigw-Requestid")
		}
		span := &record.Span{Kind: record.KindHTTP, Name: r.Method + " " + r.URL.Path, Start: began, Duration: time.Since(began),
			RequestID: call.requestID, Correlation: corr, Function: call.function, Status: sw.status}
		if sw.status >= 500 {
			span.Error = "HTTP " + strconv.Itoa(sw.status)
		}
		rt.rec.Span(span)
	})
}

// errReader fails every read with its error.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// httpInvoker tells the request's middleware which invocation the request made.
type httpInvoker struct{ next lambdahost.Invoker }

func (h httpInvoker) Invoke(ctx context.Context, name string, payload []byte) (*lambdahost.Result, error) {
	res, err := h.next.Invoke(ctx, name, payload)
	if call, ok := ctx.Value(httpCallKey{}).(*httpCall); ok {
		call.function = name
		if res != nil {
			call.requestID = res.RequestID
		}
	}
	return res, err
}

// batchInvoker records the batches an event source mapping hands a function, as KindQueue
// or KindStream spans.
type batchInvoker struct {
	rec          *record.Recorder
	kind, source string
	attrs        map[string]string // {"queue": source} or {"table": source}, shared by its spans
	next         lambdahost.Invoker
}

func (b batchInvoker) Invoke(ctx context.Context, name string, payload []byte) (*lambdahost.Result, error) {
	began := time.Now()
	res, err := b.next.Invoke(ctx, name, payload)
	span := &record.Span{Kind: b.kind, Name: b.source + " → " + name, Start: began, Duration: time.Since(began), Body: payload,
		Function: name, Attrs: b.attrs}
	switch {
	case err != nil:
		span.Error = err.Error()
	case res.Error != nil:
		span.Error = res.Error.Type + ": " + res.Error.Message
	}
	if res != nil {
		span.RequestID = res.RequestID
	}
	b.rec.Span(span)
	return res, err
}

// sourceInvoker is the invoker an event source mapping from source uses.
func (rt *Runtime) sourceInvoker(kind, source string) lambdahost.Invoker {
	inv := rt.faults.Source(source, rt.manager)
	if rt.rec == nil {
		return inv
	}
	attr := "queue"
	if kind == record.KindStream {
		attr = "table"
	}
	return batchInvoker{rec: rt.rec, kind: kind, source: source, attrs: map[string]string{attr: source}, next: inv}
}

// recordTarget records each attempt of a rule delivering an event to its target.
func (rt *Runtime) recordTarget(rule, arn string, deliver func(context.Context, []byte) error) func(context.Context, []byte) error {
	if rt.rec == nil {
		return deliver
	}
	attrs := map[string]string{"rule": rule, "target": arn}
	to := arn
	if name, ok := rt.queueName(arn); ok {
		attrs["queue"], to = name, name
	} else if name, ok := rt.arns.function(arn); ok {
		attrs["function"], to = name, name
	}
	name := to
	if rule != "" {
		name = rule + " → " + to
	}
	return func(ctx context.Context, payload []byte) error {
		began := time.Now()
		err := deliver(ctx, payload)
		span := &record.Span{Kind: record.KindTarget, Name: name, Start: began, Duration: time.Since(began), Body: payload,
			TraceID: eventbus.TraceHeaderOf(ctx), Attrs: attrs}
		if err != nil {
			span.Error = err.Error()
		}
		rt.rec.Span(span)
		return err
	}
}

// dynamoDBWrites are the DynamoDB operations recorded as KindDynamoDB spans.
var dynamoDBWrites = map[string]bool{
	"PutItem": true, "UpdateItem": true, "DeleteItem": true, "BatchWriteItem": true, "TransactWriteItems": true,
}

// recordEdge records the requests to a service on the edge whose X-Amz-Target operation is
// one of ops, as spans of kind: the body as sent and the caller's X-Amzn-Trace-Id.
func (rt *Runtime) recordEdge(kind string, ops map[string]bool, next http.Handler) http.Handler {
	if rt.rec == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		if !ops[op] {
			next.ServeHTTP(w, r)
			return
		}
		buf := bytes.NewBuffer(make([]byte, 0, max(r.ContentLength, 0)+1))
		_, err := buf.ReadFrom(r.Body)
		body := buf.Bytes()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil { // the service answers the broken body as it would have
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
			next.ServeHTTP(w, r)
			return
		}
		began := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		span := &record.Span{Kind: kind, Name: op, Start: began, Duration: time.Since(began), Body: body,
			TraceID: r.Header.Get("X-Amzn-Trace-Id"), Caller: callerOf(r.Header.Get("User-Agent"))}
		if sw.status >= 400 {
			span.Error = "HTTP " + strconv.Itoa(sw.status)
		}
		rt.rec.Span(span)
	})
}
