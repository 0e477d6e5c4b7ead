package lambdahost

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The Lambda Runtime API (2018-06-01), one listener per process, as aws-lambda-go's
// runtime_api_client.go speaks it, plus the part of the Extensions API (2020-01-01) that
// aws-lambda-go's WithEnableSIGTERM uses.
const (
	runtimePrefix   = "/2018-06-01/runtime/"
	extensionPrefix = "/2020-01-01/extension/"

	headerRequestID       = "Lambda-Runtime-Aws-Request-Id"
	headerDeadlineMS      = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN     = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID         = "Lambda-Runtime-Trace-Id"
	headerClientContext   = "Lambda-Runtime-Client-Context"
	headerCognitoIdentity = "Lambda-Runtime-Cognito-Identity"
	headerErrorType       = "Lambda-Runtime-Function-Error-Type"
	// trailerErrorBody carries a base64 error document when a streamed response fails
	// midway; the error type comes in a Lambda-Runtime-Function-Error-Type trailer.
	trailerErrorBody = "Lambda-Runtime-Function-Error-Body"

	headerExtensionName = "Lambda-Extension-Name"
	headerExtensionID   = "Lambda-Extension-Identifier"

	// maxErrorBytes bounds an error document; Lambda truncates larger ones.
	maxErrorBytes = 1 << 20
)

var (
	jsonContentType = []string{"application/json"}
	acceptedBody    = []byte(`{"status":"OK"}` + "\n")
)

// ServeHTTP is p's Runtime API.
func (p *process) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, runtimePrefix); ok {
		switch {
		case rest == "invocation/next":
			if r.Method == http.MethodGet {
				p.next(w, r)
				return
			}
		case rest == "init/error":
			if r.Method == http.MethodPost {
				p.initError(w, r)
				return
			}
		case strings.HasPrefix(rest, "invocation/"):
			id, action, _ := strings.Cut(rest[len("invocation/"):], "/")
			if r.Method == http.MethodPost && (action == "response" || action == "error") {
				p.respond(w, r, id, action == "error")
				return
			}
		default:
			apiError(w, http.StatusNotFound, "InvalidRequest", "unknown Runtime API path "+r.URL.Path)
			return
		}
		apiError(w, http.StatusMethodNotAllowed, "InvalidRequest", r.Method+" is not allowed on "+r.URL.Path)
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, extensionPrefix); ok {
		switch {
		case rest == "register" && r.Method == http.MethodPost:
			p.registerExtension(w, r)
			return
		case rest == "event/next" && r.Method == http.MethodGet:
			p.extensionNext(w, r)
			return
		}
	}
	apiError(w, http.StatusNotFound, "InvalidRequest", "unknown path "+r.URL.Path)
}

// next is GET /runtime/invocation/next: the process is ready. It gets the oldest queued
// invocation, or waits in the idle list until Invoke hands it one.
func (p *process) next(w http.ResponseWriter, r *http.Request) {
	f := p.f
	now := time.Now()
	f.mu.Lock()
	switch p.state {
	case stateDead:
		f.mu.Unlock()
		// Being killed: hold the poll rather than fail it, so the runtime does not log a
		// spurious error on its way out.
		<-r.Context().Done()
		return
	case stateBusy:
		f.mu.Unlock()
		apiError(w, http.StatusForbidden, "InvalidStateTransition",
			"an invocation is in progress: post its response or error before polling again")
		return
	case stateStarting:
		f.starting--
		p.initDuration = now.Sub(p.spawned)
		close(p.ready)
		f.initFailures, f.backoffUntil, f.lastInit = 0, time.Time{}, nil
		s := &f.stats
		s.ColdStarts++
		s.InitTotal += p.initDuration
		s.InitLast = p.initDuration
		s.InitMax = max(s.InitMax, p.initDuration)
		if s.InitMin == 0 || p.initDuration < s.InitMin {
			s.InitMin = p.initDuration
		}
	case stateReturning:
		f.returning--
	case stateIdle:
		// A second poll: the first one's connection was lost.
		f.removeIdleLocked(p)
	}
	p.state = statePolling
	if p.gen != f.gen || f.closed {
		f.retireLocked(p, true)
		f.scaleLocked()
		f.mu.Unlock()
		<-r.Context().Done()
		return
	}
	if e := f.queue.Front(); e != nil {
		inv := f.queue.Remove(e).(*invocation)
		f.assignLocked(p, inv, now)
		f.mu.Unlock()
		f.m.reportStart(f, inv)
		p.writeInvocation(w, inv)
		return
	}
	p.state = stateIdle
	f.idle = append(f.idle, p)
	f.mu.Unlock()

	select {
	case inv := <-p.assign:
		p.writeInvocation(w, inv)
	case <-p.dead:
		<-r.Context().Done()
	case <-r.Context().Done():
		p.pollLost()
	}
}

// pollLost undoes an idle /next whose connection went away: the process leaves the idle
// list, and an invocation handed to it meanwhile goes back to the head of the queue. If the
// process died, the reaper settles the rest.
func (p *process) pollLost() {
	f := p.f
	f.mu.Lock()
	defer f.mu.Unlock()
	switch p.state {
	case stateIdle:
		f.removeIdleLocked(p)
	case stateBusy:
		select {
		case <-p.assign:
		default:
		}
		inv := p.current
		if inv == nil {
			return
		}
		p.current = nil
		p.timer.Stop()
		inv.state, inv.proc, inv.initDuration = invQueued, nil, 0
		inv.elem = f.queue.PushFront(inv)
		f.stats.Invocations--
	default:
		return
	}
	p.state = stateReturning
	f.returning++
	f.scaleLocked()
}

func (p *process) writeInvocation(w http.ResponseWriter, inv *invocation) {
	if inv.fault == FaultCrashBefore {
		// The process dies holding the invocation; its exit fails it (Runtime.ExitError).
		p.f.mu.Lock()
		p.signalLocked(syscall.SIGKILL)
		p.f.mu.Unlock()
		<-inv.done
		return
	}
	h := w.Header()
	h[headerRequestID] = []string{inv.id}
	h[headerDeadlineMS] = []string{strconv.FormatInt(inv.deadline.UnixMilli(), 10)}
	h[headerFunctionARN] = []string{p.spec.ARN}
	h[headerTraceID] = []string{inv.traceID}
	if inv.opts.ClientContext != "" {
		h[headerClientContext] = []string{inv.opts.ClientContext}
	}
	if inv.opts.CognitoIdentity != "" {
		h[headerCognitoIdentity] = []string{inv.opts.CognitoIdentity}
	}
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(inv.payload))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

// respond is POST /runtime/invocation/{id}/response and .../error.
func (p *process) respond(w http.ResponseWriter, r *http.Request, id string, isError bool) {
	limit := MaxResponseBytes
	if isError {
		limit = maxErrorBytes
	}
	body, tooLarge, err := readLimited(r.Body, limit)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequest", "read body: "+err.Error())
		return
	}
	now := time.Now()
	var maxMemoryMB int
	if p.f.m.opts.Reports {
		maxMemoryMB = p.memory.peakMB(p.pidSnapshot(), now)
	}

	var res *Result
	switch {
	case isError:
		typ := r.Header.Get(headerErrorType)
		res = errorResult(body, typ, tooLarge)
	case tooLarge:
		msg := "Response payload size exceeded maximum allowed payload size (" + strconv.Itoa(MaxResponseBytes) + " bytes)."
		fe := &FunctionError{Type: "Function.ResponseSizeTooLarge", Message: msg, Kind: KindUnhandled}
		res = &Result{Payload: errorDocument(fe.Type, msg), Error: fe}
	case r.Trailer.Get(headerErrorType) != "":
		// aws-lambda-go reports a response reader that failed midway in trailers.
		doc, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody))
		res = errorResult(doc, r.Trailer.Get(headerErrorType), false)
	default:
		res = &Result{Payload: body}
	}

	f := p.f
	f.mu.Lock()
	inv := p.current
	if p.state != stateBusy || inv == nil || inv.id != id {
		f.mu.Unlock()
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "no invocation "+id+" in progress")
		return
	}
	switch inv.fault {
	case FaultCrashAfter:
		// The handler ran; the process dies before its response counts.
		p.signalLocked(syscall.SIGKILL)
		f.mu.Unlock()
		<-inv.done
		return
	case FaultTimeout:
		// The response is held until the timeout fails the invocation and kills the process.
		f.mu.Unlock()
		<-inv.done
		return
	}
	res.RequestID = id
	res.Duration = now.Sub(inv.start)
	res.InitDuration = inv.initDuration
	res.MaxMemoryMB = maxMemoryMB
	f.completeLocked(inv, res, nil)
	p.state = stateReturning
	f.returning++
	f.mu.Unlock()

	if tooLarge && !isError {
		apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			"Exceeded maximum allowed payload size ("+strconv.Itoa(MaxResponseBytes)+" bytes).")
		return
	}
	accepted(w)
}

func (p *process) pidSnapshot() int {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	return p.pid
}

// initError is POST /runtime/init/error: the runtime could not initialise. The process is
// killed; its reaper fails the invocation waiting for it with this error.
func (p *process) initError(w http.ResponseWriter, r *http.Request) {
	body, _, err := readLimited(r.Body, maxErrorBytes)
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequest", "read body: "+err.Error())
		return
	}
	res := errorResult(body, r.Header.Get(headerErrorType), false)
	if res.Error.Type == "Runtime.Unknown" {
		res.Error.Type = "Runtime.InitError"
	}
	failure := &initFailure{errorType: res.Error.Type, message: res.Error.Message, document: res.Payload}

	f := p.f
	f.mu.Lock()
	if p.state != stateStarting {
		f.mu.Unlock()
		apiError(w, http.StatusForbidden, "InvalidStateTransition", "init/error after initialisation")
		return
	}
	p.initFailure = failure
	f.mu.Unlock()

	accepted(w)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	f.mu.Lock()
	p.signalLocked(syscall.SIGKILL)
	f.mu.Unlock()
}

// registerExtension is POST /extension/register. aws-lambda-go registers an extension that
// subscribes to no events just to be sent SIGTERM before SIGKILL at shutdown.
func (p *process) registerExtension(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	p.f.mu.Lock()
	p.extension = true
	p.f.mu.Unlock()
	body, _ := json.Marshal(map[string]string{
		"functionName":    p.spec.Name,
		"functionVersion": "$LATEST",
		"handler":         p.spec.Handler,
	})
	w.Header().Set(headerExtensionID, newRequestID())
	w.Header()["Content-Type"] = jsonContentType
	_, _ = w.Write(body)
}

// extensionNext is GET /extension/event/next: it answers SHUTDOWN when the process leaves
// the pool. No other event is emitted.
func (p *process) extensionNext(w http.ResponseWriter, r *http.Request) {
	select {
	case <-p.dead:
	case <-r.Context().Done():
		return
	}
	body, _ := json.Marshal(map[string]any{
		"eventType":      "SHUTDOWN",
		"shutdownReason": "spindown",
		"deadlineMs":     time.Now().Add(shutdownGrace).UnixMilli(),
	})
	w.Header()["Content-Type"] = jsonContentType
	_, _ = w.Write(body)
}

// errorResult builds the Result of a failed invocation from the error document a runtime
// posted. The document passes through as the payload when it is JSON, as in Lambda.
func errorResult(doc []byte, headerType string, truncated bool) *Result {
	var parsed struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	valid := !truncated && len(doc) > 0 && json.Unmarshal(doc, &parsed) == nil
	typ := parsed.ErrorType
	if typ == "" {
		typ = headerType
	}
	if typ == "" {
		typ = "Runtime.Unknown"
	}
	msg := parsed.ErrorMessage
	if !valid {
		msg = string(doc)
	}
	fe := &FunctionError{Type: typ, Message: msg, Kind: KindUnhandled}
	if !valid {
		doc = errorDocument(typ, msg)
	}
	return &Result{Payload: doc, Error: fe}
}

// errorDocument is Lambda's error body.
func errorDocument(errorType, message string) []byte {
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{message, errorType})
	return b
}

// readLimited reads r up to limit bytes; tooLarge reports that there was more.
func readLimited(r io.Reader, limit int) (body []byte, tooLarge bool, err error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(r, int64(limit)+1)); err != nil {
		return nil, false, err
	}
	if buf.Len() > limit {
		return buf.Bytes()[:limit], true, nil
	}
	return buf.Bytes(), false, nil
}

func accepted(w http.ResponseWriter) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(acceptedBody)
}

func apiError(w http.ResponseWriter, status int, errorType, message string) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_, _ = w.Write(errorDocument(errorType, message))
}
