// Package lambda runs Lambda functions as real local processes that speak the Lambda Runtime
// API, so a function's unmodified `lambda.Start` serves invocations. It keeps a warm pool per
// function, queues or scales past it, and enforces the function's timeout.
package lambdahost

import (
	"context"
	"time"
)

// Invoker is what other parts of the local runtime (HTTP API, event sources) use to call a
// function. *Manager implements it.
type Invoker interface {
	// Invoke runs one invocation of the function named name (its Name in the template) with
	// payload as the event. A function error, crash or timeout is reported in the Result
	// (Result.Error non-nil), not as an error: the error return is for invocations that never
	// ran (unknown function, ctx done while queued, manager closed).
	Invoke(ctx context.Context, name string, payload []byte) (*Result, error)
}

// Result is the outcome of one invocation.
type Result struct {
	RequestID string
	// Payload is the function's response body, or the error document
	// ({"errorMessage","errorType",...}) when Error is non-nil.
	Payload []byte
	// Error is non-nil when the function failed: it returned an error, crashed, or timed out.
	Error *FunctionError
	// Duration is from handing the event to the process to its response.
	Duration time.Duration
	// InitDuration is non-zero when this invocation started a new process (cold start).
	InitDuration time.Duration
	// MaxMemoryMB is the process's peak resident memory, when known.
	MaxMemoryMB int
	// inv is the invocation this is the outcome of, for LogTail; nil for results made
	// elsewhere.
	inv *invocation
}

// FunctionError describes a failed invocation the way Lambda reports it.
type FunctionError struct {
	// Type is the errorType: the Go error's type for a returned error,
	// "Runtime.ExitError" for a crash, "Sandbox.Timedout" for a timeout.
	Type    string
	Message string
	// Kind is "Unhandled" (Lambda's X-Amz-Function-Error value) for every runtime-reported
	// failure of a provided runtime.
	Kind string
	// Timeout is true when the function exceeded its configured timeout.
	Timeout bool
	// Crashed is true when the process exited during the invocation.
	Crashed bool
	// Init is true when the function failed before it was ready for an invocation: its
	// process exited (or reported /runtime/init/error) before its first
	// /runtime/invocation/next.
	Init bool
}

// LogTail is what Lambda returns as X-Amz-Log-Result: START, what the function wrote during
// this invocation, END and REPORT, at most the last 4 KB. It waits a few milliseconds for
// lines still in the process's pipes, so call it only when the tail is wanted.
func (r *Result) LogTail() []byte {
	if r.inv == nil {
		return nil
	}
	return logTailOf(r.inv)
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }
