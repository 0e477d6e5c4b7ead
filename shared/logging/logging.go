// Package logging is the one log format of every Microshop Lambda function: JSON lines through
// log/slog, with the keys of Lambda's own JSON log format (timestamp, level, message,
// requestId; aws-lambda-go's lambdacontext.ReplaceAttr names them) and, on every line, the
// fields that tie a line to its function and its chain of work:
//
//	{"timestamp":"...","level":"INFO","message":"...","service":"catalog",
//	 "functionName":"catalog-get-product","requestId":"...","coldStart":true,"correlationId":"...",
//	 "traceId":"1-..."}
//
// requestId comes from the Lambda context (lambdacontext.FromContext), correlationId from
// shared/correlation, coldStart from WithColdStart, traceId (the X-Ray trace) from
// shared/tracing; each is left out when the context lacks it (lines logged while the function
// starts have no request). Log with the *Context methods
// (InfoContext, ErrorContext) so the handler sees the invocation's context.
//
// Why not lambdacontext.NewLogHandler itself: it writes JSON only when AWS_LAMBDA_LOG_FORMAT
// is JSON (read once at program start; Lambda sets it only for functions configured with
// LoggingConfig.LogFormat JSON, and the local runtime does not), text otherwise, and always to
// os.Stdout, so tests cannot read it. This handler adds the same requestId the same way and
// honours AWS_LAMBDA_LOG_LEVEL like it does (see LevelFromEnv).
package logging

import (
	"context"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/tracing"
)

// Options describe the function whose lines a logger writes.
type Options struct {
	Service      string     // the service, e.g. "catalog"
	FunctionName string     // the Lambda function; start passes lambdacontext.FunctionName
	Level        slog.Level // the lowest level written; see LevelFromEnv
}

// New returns a logger writing JSON lines to w.
func New(w io.Writer, o Options) *slog.Logger {
	return slog.New(NewHandler(w, o))
}

// NewHandler returns the handler behind New.
func NewHandler(w io.Writer, o Options) slog.Handler {
	inner := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: o.Level, ReplaceAttr: lambdacontext.ReplaceAttr})
	var static []slog.Attr
	if o.Service != "" {
		static = append(static, slog.String("service", o.Service))
	}
	if o.FunctionName != "" {
		static = append(static, slog.String("functionName", o.FunctionName))
	}
	base := inner.WithAttrs(static)
	return &handler{base: base, inner: base}
}

// LevelFromEnv reads AWS_LAMBDA_LOG_LEVEL (DEBUG, INFO, WARN, ERROR), which Lambda sets from
// the function's LoggingConfig.ApplicationLogLevel; anything else is INFO, as in
// aws-lambda-go's handler.
func LevelFromEnv(getenv func(string) string) slog.Level {
	switch getenv("AWS_LAMBDA_LOG_LEVEL") {
	case "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

type coldStartKey struct{}

// WithColdStart returns a copy of ctx recording whether its invocation is the first of the
// process (a cold start). shared/start sets it for every invocation.
func WithColdStart(ctx context.Context, cold bool) context.Context {
	return context.WithValue(ctx, coldStartKey{}, cold)
}

// handler adds the per-invocation fields to each record. They belong at the top level of the
// line, but once WithGroup has opened a group a record's own attributes land inside it; then
// Handle rebuilds the chain from base: base + invocation fields + the ops applied since.
type handler struct {
	base    slog.Handler // the JSON handler with the static fields
	ops     []op         // WithAttrs and WithGroup calls since base, in order
	inner   slog.Handler // base with ops applied
	grouped bool         // ops include a group
}

// op is one WithAttrs (attrs) or WithGroup (group) call.
type op struct {
	attrs []slog.Attr
	group string
}

func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	attrs := invocationAttrs(ctx)
	if len(attrs) == 0 {
		return h.inner.Handle(ctx, r)
	}
	if !h.grouped {
		r.AddAttrs(attrs...)
		return h.inner.Handle(ctx, r)
	}
	return apply(h.base.WithAttrs(attrs), h.ops).Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(op{attrs: attrs})
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(op{group: name})
}

func (h *handler) with(o op) *handler {
	ops := append(h.ops[:len(h.ops):len(h.ops)], o)
	return &handler{base: h.base, ops: ops, inner: apply(h.inner, []op{o}), grouped: h.grouped || o.group != ""}
}

func apply(h slog.Handler, ops []op) slog.Handler {
	for _, o := range ops {
		if o.group != "" {
			h = h.WithGroup(o.group)
		} else {
			h = h.WithAttrs(o.attrs)
		}
	}
	return h
}

// invocationAttrs are the fields ctx holds: requestId, coldStart, correlationId, traceId.
func invocationAttrs(ctx context.Context) []slog.Attr {
	var attrs []slog.Attr
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		attrs = append(attrs, slog.String("requestId", lc.AwsRequestID))
	}
	if cold, ok := ctx.Value(coldStartKey{}).(bool); ok {
		attrs = append(attrs, slog.Bool("coldStart", cold))
	}
	if id := correlation.ID(ctx); id != "" {
		attrs = append(attrs, slog.String("correlationId", id))
	}
	if id := tracing.TraceID(ctx); id != "" {
		attrs = append(attrs, slog.String("traceId", id))
	}
	return attrs
}
