// Package lambdaapi serves the Lambda Invoke REST API
// (POST /2015-03-31/functions/{FunctionName}/invocations) over a lambdahost.Invoker, so the AWS
// CLI, the SDKs and functions calling other functions (AWS_ENDPOINT_URL_LAMBDA) reach the
// local runtime. The edge port sends it every request under /2015-03-31/functions/.
//
// Behaviour follows Lambda's Invoke API. Where AWS documents nothing, the choice is marked
// "chosen".
//
//   - FunctionName is a name, a name with a qualifier (f:$LATEST), a partial ARN
//     (123456789012:function:f) or an ARN, checked against Lambda's pattern (else 400
//     ValidationException). An ARN of another region or account names no local function
//     (404). Only the $LATEST qualifier exists locally (versions and aliases
//     are not published): another one, in the name or in ?Qualifier=, is 404; the two
//     disagreeing is 400 InvalidParameterValueException.
//   - An unknown function is 404 ResourceNotFoundException, "Function not found: <ARN>".
//     Errors are JSON {"Type":"User"|"Service","Message":...} with the code in
//     X-Amzn-ErrorType, as Lambda sends them.
//   - The payload must be JSON (else 400 InvalidRequestContentException); an empty one is
//     the event {}. Limits: 6 MB for RequestResponse, 1 MB for Event (413
//     RequestTooLargeException).
//   - X-Amz-Invocation-Type RequestResponse (default): 200 with the function's response,
//     X-Amz-Executed-Version $LATEST and x-amzn-RequestId the invocation's request ID. A
//     function error (returned error, crash, timeout) is still 200, with
//     X-Amz-Function-Error: Unhandled and the error document as the body.
//     X-Amz-Log-Type Tail adds X-Amz-Log-Result: the last 4 KB of the invocation's log,
//     base64, from Options.LogTail (empty without one). X-Amz-Client-Context (base64 JSON)
//     and X-Amzn-Trace-Id reach the function when the Invoker supports them (*lambdahost.Manager
//     does).
//   - Event: 202 at once, and the invocation runs in the background. A function error is
//     retried twice, after Options.AsyncRetryDelays (AWS: 1 and 2 minutes); so is an
//     invocation that could not start (chosen: AWS retries throttles and system errors for
//     up to 6 hours), except for an unknown function. An event that still fails is never
//     dropped silently: Options.Log gets a line with the function, error and payload, and
//     Options.AsyncFailed is called. The 202's x-amzn-RequestId is this package's own
//     (the Invoker assigns the invocation's), and the log shows both.
//   - DryRun: 204 once the function and payload check out; nothing runs.
//   - Any other request under the prefix (other Lambda operations) is 400
//     UnknownOperationException (chosen: the local runtime serves Invoke only).
package lambdaapi

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	smithyrand "github.com/aws/smithy-go/rand"

	"github.com/microshop/microshop/local/lambdahost"
)

// Invocation types (X-Amz-Invocation-Type).
const (
	RequestResponse = "RequestResponse"
	Event           = "Event"
	DryRun          = "DryRun"
)

// Lambda's payload limits.
const (
	MaxSyncPayload  = 6 * 1024 * 1024
	MaxAsyncPayload = 1024 * 1024
	// maxLogTail is how much of the log X-Amz-Log-Result carries.
	maxLogTail = 4 * 1024
)

// PathPrefix is the prefix of every Lambda REST API path this package answers.
const PathPrefix = "/2015-03-31/functions/"

// functionNamePattern is the FunctionName pattern of Lambda's Invoke API, anchored.
var functionNamePattern = regexp.MustCompile(`^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?$`)

// Submatch indexes in functionNamePattern.
const (
	regionGroup    = 3
	accountGroup   = 8
	nameGroup      = 10
	qualifierGroup = 12
)

// Options configure a Handler. The zero value is usable.
type Options struct {
	// Region and AccountID make the ARNs in error messages; defaults us-east-1 and
	// 000000000000 (the local runtime's).
	Region    string
	AccountID string
	// LogTail, when set, replaces Result.LogTail as the log lines of the invocation with the
	// given request ID for X-Amz-Log-Type Tail; the last 4 KB are sent.
	LogTail func(requestID string) []byte
	// Log receives one line per request and every background (Event) failure and retry.
	// Nil means os.Stderr: an asynchronous failure is never silent.
	Log io.Writer
	// AsyncRetryDelays are the waits before each retry of a failed Event invocation, and
	// their number is the number of retries. Nil means Lambda's: 1 minute, then 2 minutes.
	// An empty, non-nil slice means no retries.
	AsyncRetryDelays []time.Duration
	// AsyncRetries, when set, is how many of those retries a function gets (its
	// EventInvokeConfig MaximumRetryAttempts, 0 to 2); at most len(AsyncRetryDelays).
	AsyncRetries func(fn string) int
	// AsyncFailed, when set, is called once for every Event invocation that failed its
	// last attempt (the hook for a dead-letter queue or an on-failure destination).
	AsyncFailed func(AsyncFailure)
	// Now is the clock for log durations; default time.Now.
	Now func() time.Time
}

// AsyncFailure describes an Event invocation that failed for good.
type AsyncFailure struct {
	// RequestID is the ID the 202 response carried.
	RequestID string
	// Function is the Invoker's name for the function.
	Function string
	Payload  []byte
	Attempts int
	// Result is the last attempt's outcome when it ran (Result.Error describes the function
	// error); Err is set instead when it never ran.
	Result *lambdahost.Result
	Err    error
}

// Handler serves the Invoke API. It is safe for concurrent use; Close stops its background
// invocations.
type Handler struct {
	inv     lambdahost.Invoker
	resolve func(string) (string, bool)
	opts    Options
	logMu   sync.Mutex

	// ctx ends on Close and with it every background invocation and retry wait.
	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
}

// optionsInvoker is an Invoker that takes a client context and trace ID (*lambdahost.Manager).
type optionsInvoker interface {
	InvokeWithOptions(ctx context.Context, name string, payload []byte, opts lambdahost.InvokeOptions) (*lambdahost.Result, error)
}

// New returns a Handler invoking through inv. resolve maps the function name a request
// gives (after any ARN and qualifier are removed) to the Invoker's name, ok false for an
// unknown function; nil passes names through unchanged and relies on the Invoker's
// lambdahost.ErrUnknownFunction.
func New(inv lambdahost.Invoker, resolve func(name string) (fnName string, ok bool), opts Options) *Handler {
	if resolve == nil {
		resolve = func(name string) (string, bool) { return name, true }
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	if opts.AsyncRetryDelays == nil {
		opts.AsyncRetryDelays = []time.Duration{time.Minute, 2 * time.Minute}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Handler{inv: inv, resolve: resolve, opts: opts, ctx: ctx, cancel: cancel}
}

// Close cancels the background (Event) invocations still running or waiting to retry,
// logging each as dropped, and waits for them to finish. Later Event requests get 500.
func (h *Handler) Close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.bg.Wait()
}

// apiError is an error answered in Lambda's JSON error shape.
type apiError struct {
	status int
	code   string // X-Amzn-ErrorType
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func (h *Handler) notFound(name, qualifier string) *apiError {
	arn := "arn:aws:lambda:" + h.opts.Region + ":" + h.opts.AccountID + ":function:" + name
	if qualifier != "" {
		arn += ":" + qualifier
	}
	return &apiError{http.StatusNotFound, "ResourceNotFoundException", "Function not found: " + arn}
}

func validation(value, member, constraint string) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationException",
		fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)}
}

// ServeHTTP answers one Invoke request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.opts.Now()
	reqID := newRequestID()
	status, note := h.serve(w, r, reqID)
	h.logf("%s %s %d %s%s", r.Method, r.URL.Path, status, h.opts.Now().Sub(start).Round(time.Microsecond), note)
}

// serve answers r and returns the status written and a note for the log line.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, reqID string) (int, string) {
	req, err := h.parse(r)
	if err != nil {
		return h.writeError(w, reqID, err), ""
	}
	switch req.invocationType {
	case DryRun:
		w.Header().Set("x-amzn-RequestId", reqID)
		w.WriteHeader(http.StatusNoContent)
		return http.StatusNoContent, " DryRun " + req.fn
	case Event:
		if err := h.startAsync(reqID, req); err != nil {
			return h.writeError(w, reqID, err), ""
		}
		w.Header().Set("x-amzn-RequestId", reqID)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusAccepted)
		return http.StatusAccepted, " Event " + req.fn + " (queued as " + reqID + ")"
	}

	res, err := h.invoke(r.Context(), req)
	if errors.Is(err, lambdahost.ErrUnknownFunction) {
		err = h.notFound(req.name, "")
	}
	if err != nil {
		return h.writeError(w, reqID, err), " " + req.fn + ": " + err.Error()
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("X-Amz-Executed-Version", "$LATEST")
	hdr.Set("x-amzn-RequestId", cmp.Or(res.RequestID, reqID))
	if tid := r.Header.Get("X-Amzn-Trace-Id"); tid != "" {
		hdr.Set("X-Amzn-Trace-Id", tid)
	}
	note := " " + req.fn + " " + res.RequestID
	if res.Error != nil {
		hdr.Set("X-Amz-Function-Error", cmp.Or(res.Error.Kind, lambdahost.KindUnhandled))
		note += " function error " + res.Error.Error()
	}
	if req.tail {
		tail := res.LogTail()
		if h.opts.LogTail != nil {
			tail = h.opts.LogTail(res.RequestID)
		}
		if len(tail) > maxLogTail {
			tail = tail[len(tail)-maxLogTail:]
		}
		hdr.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(tail))
	}
	hdr.Set("Content-Length", strconv.Itoa(len(res.Payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Payload)
	return http.StatusOK, note
}

// request is a parsed Invoke request.
type request struct {
	name           string // the function's name in the request
	fn             string // the Invoker's name
	invocationType string
	tail           bool
	payload        []byte
	clientContext  string // decoded JSON
	traceID        string
}

func (h *Handler) parse(r *http.Request) (*request, error) {
	raw, ok := strings.CutPrefix(r.URL.EscapedPath(), PathPrefix)
	if ok {
		raw, ok = strings.CutSuffix(raw, "/invocations")
	}
	if !ok || r.Method != http.MethodPost || raw == "" || strings.Contains(raw, "/") {
		return nil, &apiError{http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("%s %s: the local runtime serves only Lambda's Invoke operation (POST %s{FunctionName}/invocations)", r.Method, r.URL.Path, PathPrefix)}
	}
	fullName, err := url.PathUnescape(raw)
	if err != nil {
		return nil, validation(raw, "functionName", "Member must be URL-encoded")
	}
	m := functionNamePattern.FindStringSubmatch(fullName)
	if m == nil {
		return nil, validation(fullName, "functionName", "Member must satisfy regular expression pattern: "+functionNamePattern.String())
	}
	name, qualifier := m[nameGroup], m[qualifierGroup]
	if region, account := strings.TrimSuffix(m[regionGroup], ":"), strings.TrimSuffix(m[accountGroup], ":"); (region != "" && region != h.opts.Region) || (account != "" && account != h.opts.AccountID) {
		// A function of another region or account is not one of ours.
		return nil, h.notFound(name, "")
	}
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		if qualifier != "" && q != qualifier {
			return nil, &apiError{http.StatusBadRequest, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier."}
		}
		qualifier = q
	}
	req := &request{invocationType: cmp.Or(r.Header.Get("X-Amz-Invocation-Type"), RequestResponse), traceID: r.Header.Get("X-Amzn-Trace-Id")}
	switch req.invocationType {
	case RequestResponse, Event, DryRun:
	default:
		return nil, validation(req.invocationType, "invocationType", "Member must satisfy enum value set: [RequestResponse, Event, DryRun]")
	}
	switch lt := r.Header.Get("X-Amz-Log-Type"); lt {
	case "", "None":
	case "Tail":
		// Lambda sends the log tail for synchronous invocations only.
		req.tail = req.invocationType == RequestResponse
	default:
		return nil, validation(lt, "logType", "Member must satisfy enum value set: [None, Tail]")
	}
	fn, ok := h.resolve(name)
	if !ok || (qualifier != "" && qualifier != "$LATEST") {
		return nil, h.notFound(name, qualifier)
	}
	req.name, req.fn = name, fn

	limit := MaxSyncPayload
	if req.invocationType == Event {
		limit = MaxAsyncPayload
	}
	req.payload, err = io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return nil, &apiError{http.StatusBadRequest, "InvalidRequestContentException", "Could not read request body: " + err.Error()}
	}
	if len(req.payload) > limit {
		return nil, &apiError{http.StatusRequestEntityTooLarge, "RequestTooLargeException",
			fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", limit)}
	}
	if len(req.payload) > 0 && !json.Valid(req.payload) {
		return nil, &apiError{http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json: the payload is not valid JSON"}
	}
	if cc := r.Header.Get("X-Amz-Client-Context"); cc != "" && req.invocationType == RequestResponse {
		b, err := base64.StdEncoding.DecodeString(cc)
		if err != nil || !json.Valid(b) {
			return nil, &apiError{http.StatusBadRequest, "InvalidParameterValueException", "Client context must be a valid Base64-encoded JSON object."}
		}
		req.clientContext = string(b)
	}
	return req, nil
}

// invoke runs one invocation, passing the client context and trace ID when it can.
func (h *Handler) invoke(ctx context.Context, req *request) (*lambdahost.Result, error) {
	var (
		res *lambdahost.Result
		err error
	)
	if oi, ok := h.inv.(optionsInvoker); ok && (req.clientContext != "" || req.traceID != "") {
		res, err = oi.InvokeWithOptions(ctx, req.fn, req.payload, lambdahost.InvokeOptions{TraceID: req.traceID, ClientContext: req.clientContext})
	} else {
		res, err = h.inv.Invoke(ctx, req.fn, req.payload)
	}
	if err == nil && res == nil {
		err = errors.New("the invoker returned no result")
	}
	return res, err
}

// InvokeAsync queues an asynchronous invocation of fn (the Invoker's name) with Lambda's
// retries, as an Invoke with InvocationType Event does, for AWS services that invoke functions
// asynchronously (EventBridge, S3, SNS). It returns the request ID, or an error when the
// invocation cannot be queued (the runtime is shutting down).
func (h *Handler) InvokeAsync(fn string, payload []byte) (string, error) {
	reqID := newRequestID()
	return reqID, h.startAsync(reqID, &request{name: fn, fn: fn, invocationType: Event, payload: payload})
}

// startAsync runs req in the background with Lambda's retries.
func (h *Handler) startAsync(reqID string, req *request) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return &apiError{http.StatusInternalServerError, "ServiceException", "the local runtime is shutting down"}
	}
	h.bg.Add(1)
	go func() {
		defer h.bg.Done()
		h.runAsync(reqID, req)
	}()
	return nil
}

func (h *Handler) runAsync(reqID string, req *request) {
	retries := len(h.opts.AsyncRetryDelays)
	if h.opts.AsyncRetries != nil {
		retries = max(0, min(retries, h.opts.AsyncRetries(req.fn)))
	}
	attempts := retries + 1
	for n := 1; ; n++ {
		res, err := h.invoke(h.ctx, req)
		if err == nil && res.Error == nil {
			if n > 1 {
				h.logf("Event %s %s: attempt %d of %d succeeded (request %s)", reqID, req.fn, n, attempts, res.RequestID)
			}
			return
		}
		if h.ctx.Err() != nil && errors.Is(err, context.Canceled) {
			h.logf("Event %s %s: DROPPED, the local runtime shut down during attempt %d of %d; payload %s", reqID, req.fn, n, attempts, excerpt(req.payload))
			h.failed(AsyncFailure{RequestID: reqID, Function: req.fn, Payload: req.payload, Attempts: n, Result: res, Err: err})
			return
		}
		why := describe(res, err)
		if n == attempts || errors.Is(err, lambdahost.ErrUnknownFunction) || errors.Is(err, lambdahost.ErrClosed) {
			h.logf("Event %s %s: FAILED after %d attempt(s): %s; the event is discarded (no on-failure destination locally); payload %s", reqID, req.fn, n, why, excerpt(req.payload))
			h.failed(AsyncFailure{RequestID: reqID, Function: req.fn, Payload: req.payload, Attempts: n, Result: res, Err: err})
			return
		}
		delay := h.opts.AsyncRetryDelays[n-1]
		h.logf("Event %s %s: attempt %d of %d failed: %s; retrying in %s", reqID, req.fn, n, attempts, why, delay)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-h.ctx.Done():
			t.Stop()
			h.logf("Event %s %s: DROPPED, the local runtime shut down before attempt %d of %d; payload %s", reqID, req.fn, n+1, attempts, excerpt(req.payload))
			h.failed(AsyncFailure{RequestID: reqID, Function: req.fn, Payload: req.payload, Attempts: n, Result: res, Err: err})
			return
		}
	}
}

func (h *Handler) failed(f AsyncFailure) {
	if h.opts.AsyncFailed != nil {
		h.opts.AsyncFailed(f)
	}
}

// describe says why an attempt failed.
func describe(res *lambdahost.Result, err error) string {
	if err != nil {
		return "not invoked: " + err.Error()
	}
	return "function error (request " + res.RequestID + ") " + res.Error.Error()
}

// excerpt is the payload for a log line, cut at 1 KB.
func excerpt(p []byte) string {
	const max = 1024
	if len(p) > max {
		return fmt.Sprintf("%s... (%d bytes)", p[:max], len(p))
	}
	if len(p) == 0 {
		return "{}"
	}
	return string(p)
}

// writeError answers err in Lambda's error shape and returns the status.
func (h *Handler) writeError(w http.ResponseWriter, reqID string, err error) int {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, lambdahost.ErrRequestTooLarge):
		ae = &apiError{http.StatusRequestEntityTooLarge, "RequestTooLargeException", err.Error()}
	case errors.Is(err, lambdahost.ErrThrottled):
		ae = &apiError{http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded."}
	default:
		ae = &apiError{http.StatusInternalServerError, "ServiceException", "the local runtime could not invoke the function: " + err.Error()}
	}
	typ := "User"
	if ae.status >= 500 {
		typ = "Service"
	}
	body, _ := json.Marshal(struct {
		Type    string `json:"Type"`
		Message string `json:"Message"`
	}{typ, ae.msg})
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("X-Amzn-ErrorType", ae.code)
	hdr.Set("x-amzn-RequestId", reqID)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(ae.status)
	_, _ = w.Write(body)
	return ae.status
}

func (h *Handler) logf(format string, args ...any) {
	line := fmt.Appendf(nil, "lambda: "+format+"\n", args...)
	h.logMu.Lock()
	defer h.logMu.Unlock()
	_, _ = h.opts.Log.Write(line)
}

// newRequestID returns a UUID, the shape of Lambda's request IDs.
func newRequestID() string {
	id, _ := smithyrand.NewUUID(rand.Reader).GetUUID() // crypto/rand.Reader never fails
	return id
}
