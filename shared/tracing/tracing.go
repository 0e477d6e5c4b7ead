// Package tracing carries an AWS X-Ray trace through a function and on to the next hop, and
// records the function's AWS SDK calls as X-Ray subsegments.
//
// The trace context is the X-Ray trace header (Header), as Lambda hands it to each invocation
// (Lambda-Runtime-Trace-Id, which aws-lambda-go puts in the context) and as SQS delivers it with
// each message (the AWSTraceHeader system attribute, which EventBridge sets from a PutEvents
// entry's TraceHeader). shared/start and shared/consume put it in the context (With); the
// outbox stores it with each event and the publisher sends it as the entry's TraceHeader, so one
// order's saga is one trace from the HTTP request to the last consumer.
//
// SDK calls: SDKMiddleware, which shared/awsconfig adds to every client, wraps each operation in
// a subsegment (namespace "aws", with the operation, request id and HTTP status) and sends the
// X-Amzn-Trace-Id header naming it as the parent, as the X-Ray SDK does. Subsegments go as UDP
// datagrams to the X-Ray daemon that Lambda runs for functions with active tracing
// (AWS_XRAY_DAEMON_ADDRESS), only for sampled traces. Without a daemon address (locally) or
// for an unsampled trace nothing is sent and nothing is logged: the cost is a context value and
// a header. docs/decisions.md says why this rather than the X-Ray SDK or OpenTelemetry.
package tracing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
)

// HeaderName is the HTTP header carrying the trace header.
const HeaderName = "X-Amzn-Trace-Id"

// LambdaContextKey is the context key under which aws-lambda-go stores the invocation's trace
// header (a plain string key, its choice).
const LambdaContextKey = "x-amzn-trace-id"

// Header is an X-Ray trace header: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1.
type Header struct {
	Root    string // the trace id
	Parent  string // the id of the segment or subsegment that is the parent of new work
	Sampled bool
}

// Parse reads a trace header; ok is false when it has no valid Root. Unknown fields (Lineage,
// Self) are ignored.
func Parse(s string) (h Header, ok bool) {
	for field := range strings.SplitSeq(s, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch k {
		case "Root":
			h.Root = v
		case "Parent":
			h.Parent = v
		case "Sampled":
			h.Sampled = v == "1"
		}
	}
	if !validRoot(h.Root) || (h.Parent != "" && !validID(h.Parent)) {
		return Header{}, false
	}
	return h, true
}

// validRoot reports whether s is 1-<8 hex digits>-<24 hex digits>.
func validRoot(s string) bool {
	return len(s) == 35 && s[0] == '1' && s[1] == '-' && s[10] == '-' && hex(s[2:10]) && hex(s[11:])
}

// validID reports whether s is a segment id: 16 hex digits.
func validID(s string) bool { return len(s) == 16 && hex(s) }

func hex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// String formats h as a trace header.
func (h Header) String() string {
	var b strings.Builder
	b.WriteString("Root=")
	b.WriteString(h.Root)
	if h.Parent != "" {
		b.WriteString(";Parent=")
		b.WriteString(h.Parent)
	}
	if h.Sampled {
		b.WriteString(";Sampled=1")
	} else {
		b.WriteString(";Sampled=0")
	}
	return b.String()
}

type key struct{}

// With returns a copy of ctx carrying h.
func With(ctx context.Context, h Header) context.Context {
	return context.WithValue(ctx, key{}, h)
}

// WithHeader returns a copy of ctx carrying the trace header s; ctx itself when s is not one.
func WithHeader(ctx context.Context, s string) context.Context {
	if h, ok := Parse(s); ok {
		return With(ctx, h)
	}
	return ctx
}

// FromContext returns the header ctx carries; ok is false when it carries none.
func FromContext(ctx context.Context) (Header, bool) {
	h, ok := ctx.Value(key{}).(Header)
	return h, ok
}

// HeaderOf returns the trace header ctx carries, formatted, or "".
func HeaderOf(ctx context.Context) string {
	if h, ok := FromContext(ctx); ok {
		return h.String()
	}
	return ""
}

// TraceID returns the trace id (Root) ctx carries, or "".
func TraceID(ctx context.Context) string {
	h, _ := FromContext(ctx)
	return h.Root
}

// FromLambda returns ctx carrying the trace header Lambda gave the invocation, if any.
func FromLambda(ctx context.Context) context.Context {
	if s, ok := ctx.Value(LambdaContextKey).(string); ok {
		return WithHeader(ctx, s)
	}
	return ctx
}

// newID returns a fresh segment id. Ids need to be unique, not unpredictable.
func newID() string { return fmt.Sprintf("%016x", rand.Uint64()) }
