// Package consume turns the events a service receives from the bus into calls of one handler
// per event, and reports back to Lambda which ones failed.
//
// Events travel as envelopes (see events/envelope): an EventBridge rule matches on the
// envelope's source and type and delivers the EventBridge event, whose detail is the whole
// envelope, either to an SQS queue read by a Lambda event source mapping (Batch) or to a
// Lambda function directly (Target). This package decodes only what it needs from the
// envelope (id, type, correlationId) and hands the handler the envelope's JSON to decode
// with its contract type.
//
// Nothing is dropped silently. In a batch, a message whose body is not an EventBridge event
// carrying an envelope, a message whose handler returns an error, and a message whose handler
// panics are each reported as a batch item failure, with a log line naming the SQS message id;
// SQS then redelivers them until the queue's maxReceiveCount moves them to its dead-letter
// queue. The event source mapping must have FunctionResponseTypes ReportBatchItemFailures,
// or Lambda ignores the report and retries the whole batch.
package consume

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/metrics"
	"github.com/microshop/microshop/shared/tracing"
)

// Event is one event as a handler receives it.
type Event struct {
	ID            string          // the envelope's id; unique per event, the key to de-duplicate on
	Type          string          // the envelope's type, e.g. "ProductChanged"
	CorrelationID string          // the chain of work the event belongs to; also in the handler's ctx
	Envelope      json.RawMessage // the whole envelope as sent, to decode with events/envelope
}

// Handler handles one event. Its ctx carries the event's correlation id (correlation.ID).
// Returning an error fails the event: it is delivered again later, so a handler must be safe
// to run twice for the same event id (see shared/idempotency).
type Handler func(ctx context.Context, ev Event) error

// ErrUndecodable marks an input that holds no envelope this package can read. Retrying it
// cannot help; it is failed so that it reaches the dead-letter queue, where someone can look.
var ErrUndecodable = errors.New("not an event envelope")

// envelope is the part of the envelope contract this package reads.
type envelope struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	CorrelationID string `json:"correlationId"`
}

// decode reads the envelope carried as detail by the EventBridge event JSON in body.
func decode(body []byte) (Event, error) {
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return Event{}, fmt.Errorf("%w: body is not an EventBridge event: %v", ErrUndecodable, err)
	}
	return fromDetail(ev.Detail)
}

// fromDetail reads the envelope in an EventBridge event's detail.
func fromDetail(detail json.RawMessage) (Event, error) {
	detail = bytes.TrimSpace(detail)
	if !bytes.HasPrefix(detail, []byte("{")) {
		return Event{}, fmt.Errorf("%w: detail is not a JSON object", ErrUndecodable)
	}
	var env envelope
	if err := json.Unmarshal(detail, &env); err != nil {
		return Event{}, fmt.Errorf("%w: detail: %v", ErrUndecodable, err)
	}
	if env.ID == "" || env.Type == "" {
		return Event{}, fmt.Errorf("%w: envelope has no id or no type", ErrUndecodable)
	}
	return Event{ID: env.ID, Type: env.Type, CorrelationID: env.CorrelationID, Envelope: detail}, nil
}

// withCorrelation returns ctx carrying the event's correlation id, or else its own id, which
// then starts the chain (an event from outside the shop may have none).
func withCorrelation(ctx context.Context, ev Event) context.Context {
	if correlation.Valid(ev.CorrelationID) {
		return correlation.With(ctx, ev.CorrelationID)
	}
	return correlation.With(ctx, ev.ID)
}

// Batch returns the Lambda handler for an SQS event source mapping: it calls h once per
// message, in order, and reports the messages that failed (see the package doc). Failures are
// logged to log with the message id, the event id and type when known, and the error.
//
// On a FIFO queue the first failure fails every later message of the batch unprocessed, as
// AWS requires, so a message group's order holds. When ctx is done (the function is about to
// time out), the messages not yet handled are reported as failures.
func Batch(h Handler, log *slog.Logger) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
		resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		failed := false
		for _, msg := range batch.Records {
			skip := ""
			switch {
			case ctx.Err() != nil:
				skip = "the invocation is ending"
			case failed && strings.HasSuffix(msg.EventSourceARN, ".fifo"):
				skip = "an earlier message of this FIFO batch failed"
			}
			if skip != "" {
				log.WarnContext(ctx, "message not handled", slog.String("messageId", msg.MessageId), slog.String("reason", skip))
				metrics.Count(ctx, metrics.ConsumerRetries, 1)
			} else if handleMessage(ctx, h, log, msg) {
				continue
			}
			failed = true
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
		return resp, nil
	}
}

// handleMessage decodes and handles one message and reports whether it succeeded. The message's
// AWSTraceHeader (set by EventBridge from the event's trace) replaces the invocation's trace
// in ctx, so the work the event causes continues the trace of the work that sent it.
func handleMessage(ctx context.Context, h Handler, log *slog.Logger, msg events.SQSMessage) bool {
	ctx = tracing.WithHeader(ctx, msg.Attributes["AWSTraceHeader"])
	ev, err := decode([]byte(msg.Body))
	if err != nil {
		log.ErrorContext(ctx, "undecodable message",
			slog.String("messageId", msg.MessageId),
			slog.String("receiveCount", msg.Attributes["ApproximateReceiveCount"]),
			slog.Any("error", err))
		metrics.Count(ctx, metrics.ConsumerRetries, 1)
		return false
	}
	ctx = withCorrelation(ctx, ev)
	if err := call(ctx, h, ev); err != nil {
		log.ErrorContext(ctx, "event failed",
			slog.String("messageId", msg.MessageId),
			slog.String("eventId", ev.ID),
			slog.String("eventType", ev.Type),
			slog.String("receiveCount", msg.Attributes["ApproximateReceiveCount"]),
			slog.Any("error", err))
		// SQS delivers the message again (until maxReceiveCount moves it to the DLQ).
		metrics.Count(ctx, metrics.ConsumerRetries, 1)
		return false
	}
	return true
}

// ErrPanic marks a handler that panicked; the event fails like one that returned an error.
var ErrPanic = errors.New("handler panicked")

// call runs h, turning a panic into an error so that one bad event cannot take the rest of
// the batch down with the process.
func call(ctx context.Context, h Handler, ev Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v\n%s", ErrPanic, p, debug.Stack())
		}
	}()
	return h(ctx, ev)
}

// Target returns the Lambda handler for a function that is itself an EventBridge rule's
// target. Lambda invokes it asynchronously, so an error (an undecodable event, a failed or
// panicking handler) makes Lambda retry the event twice and then send it to the function's
// on-failure destination or dead-letter queue; each failure is logged with the EventBridge
// event id.
func Target(h Handler, log *slog.Logger) func(context.Context, events.EventBridgeEvent) error {
	return func(ctx context.Context, in events.EventBridgeEvent) error {
		ev, err := fromDetail(in.Detail)
		if err != nil {
			log.ErrorContext(ctx, "undecodable event", slog.String("eventBridgeId", in.ID),
				slog.String("detailType", in.DetailType), slog.Any("error", err))
			return err
		}
		ctx = withCorrelation(ctx, ev)
		if err := call(ctx, h, ev); err != nil {
			log.ErrorContext(ctx, "event failed", slog.String("eventBridgeId", in.ID),
				slog.String("eventId", ev.ID), slog.String("eventType", ev.Type), slog.Any("error", err))
			metrics.Count(ctx, metrics.ConsumerRetries, 1) // Lambda retries an asynchronous invocation
			return fmt.Errorf("event %s (%s): %w", ev.ID, ev.Type, err)
		}
		return nil
	}
}
