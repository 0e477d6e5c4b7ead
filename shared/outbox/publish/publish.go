// Package publish is the sending half of the outbox (shared/outbox): the handler of a
// service's publisher Lambda, on its table's stream, that sends each outbox row's event to
// EventBridge. It is a package of its own so that the functions writing outbox rows do not
// link the EventBridge client (about 200 KB of each binary).
package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/metrics"
	"github.com/microshop/microshop/shared/outbox"
	"github.com/microshop/microshop/shared/tracing"
)

// EnvBusName is the environment variable naming the event bus the publisher sends to.
const EnvBusName = "EVENT_BUS_NAME"

// EventBridge's PutEvents limits: entries per request and request size (each entry's Source,
// DetailType, Detail and Resources, plus 14 bytes for its Time).
const (
	maxEntries      = 10
	maxRequestBytes = 256 * 1024
	timeEntryBytes  = 14
)

// EventBridgeAPI is the part of the EventBridge client the publisher uses; *eventbridge.Client
// implements it.
type EventBridgeAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ EventBridgeAPI = (*eventbridge.Client)(nil)

// Options tune a Publisher. The zero value is the production setting.
type Options struct {
	// Attempts is how often an entry is sent before the batch gives up on it (default 4).
	Attempts int
	// Backoff is the wait before the first resend, doubled for each further one (default 50ms):
	// short, since the stream mapping retries the batch anyway.
	Backoff time.Duration
	// Log receives failed entries; slog.Default() when nil.
	Log *slog.Logger
}

// Publisher sends the events of a table's outbox rows to an EventBridge bus. Its Handle is the
// handler of a Lambda on the table's stream (NEW_IMAGE, ReportBatchItemFailures).
type Publisher struct {
	client   EventBridgeAPI
	bus      string
	attempts int
	backoff  time.Duration
	log      *slog.Logger
}

// New returns a publisher sending to the bus named bus (a name or ARN).
func New(client EventBridgeAPI, bus string, opts Options) *Publisher {
	p := &Publisher{client: client, bus: bus, attempts: opts.Attempts, backoff: opts.Backoff, log: opts.Log}
	if p.attempts < 1 {
		p.attempts = 4
	}
	if p.backoff <= 0 {
		p.backoff = 50 * time.Millisecond
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	return p
}

// pending is one outbox event on its way.
type pending struct {
	record    int    // index of its stream record in the batch
	aggregate string // the row's key, as JSON
	id        string // envelope id, for logs
	ctx       context.Context
	entry     types.PutEventsRequestEntry
	size      int
}

// Handle publishes the batch's outbox events in stream order. Records that are REMOVEs (TTL
// deletions) or whose NewImage has no outbox.AttrEvent are skipped.
//
// Events go in PutEvents requests of at most ten entries, never two of one aggregate in one
// request, and each request's failed entries (FailedEntryCount, per-entry ErrorCode) are resent
// with backoff before the next request starts, so an aggregate's events are sent in order. If
// an entry still fails, Handle stops and reports its record and every later record as batch
// item failures: Lambda retries the batch from that record, and the later events, some perhaps
// already sent, are sent again after it (at least once, never out of order). A record whose
// outbox event is not a valid envelope is reported the same way, so it is never dropped
// silently; it ends in the mapping's on-failure destination when retries run out.
//
// The error return is always nil: failures are item failures.
func (p *Publisher) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var (
		queue     []pending
		failed    = -1 // first record that cannot be published
		published int  // events PutEvents accepted
	)
	for i, rec := range ev.Records {
		pe, ok, err := p.pendingOf(ctx, i, rec)
		if err != nil {
			p.log.ErrorContext(ctx, "outbox: record holds no valid event; failing the batch from it",
				"sequenceNumber", rec.Change.SequenceNumber, "eventId", rec.EventID, "error", err)
			failed = i
			break
		}
		if ok {
			queue = append(queue, pe)
		}
	}

	for len(queue) > 0 {
		var chunk []pending
		chunk, queue = nextChunk(queue)
		sent, i, err := p.send(ctx, chunk)
		published += sent
		if err != nil {
			p.log.ErrorContext(chunk[i].ctx, "outbox: giving up on an event; failing the batch from its record",
				"eventId", chunk[i].id, "sequenceNumber", ev.Records[chunk[i].record].Change.SequenceNumber, "error", err)
			if failed < 0 || chunk[i].record < failed {
				failed = chunk[i].record
			}
			break
		}
	}
	if published > 0 {
		metrics.Count(ctx, metrics.EventsPublished, published)
	}

	var resp events.DynamoDBEventResponse
	if failed >= 0 {
		for _, rec := range ev.Records[failed:] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return resp, nil
}

// pendingOf returns the event of the record at index i, ok false when the record has none. Its
// context, for log lines about it, carries its correlation id and trace.
func (p *Publisher) pendingOf(ctx context.Context, i int, rec events.DynamoDBEventRecord) (pending, bool, error) {
	if rec.EventName == string(events.DynamoDBOperationTypeRemove) {
		return pending{}, false, nil
	}
	attr, ok := rec.Change.NewImage[outbox.AttrEvent]
	if !ok || attr.DataType() == events.DataTypeNull {
		return pending{}, false, nil
	}
	if attr.DataType() != events.DataTypeString {
		return pending{}, false, fmt.Errorf("%s is not a string", outbox.AttrEvent)
	}
	detail := attr.String()
	env, err := envelope.Decode([]byte(detail))
	if err != nil {
		return pending{}, false, err
	}
	aggregate, err := json.Marshal(rec.Change.Keys)
	if err != nil {
		return pending{}, false, fmt.Errorf("record keys: %w", err)
	}
	entry := types.PutEventsRequestEntry{
		EventBusName: aws.String(p.bus),
		Source:       aws.String(env.Source),
		DetailType:   aws.String(env.Type),
		Detail:       aws.String(detail),
		Time:         aws.Time(env.Time),
	}
	ctx = correlation.With(ctx, env.CorrelationID)
	// The entry continues the trace of the work that wrote the event; EventBridge passes it
	// to its targets (SQS: the AWSTraceHeader attribute).
	if t, ok := rec.Change.NewImage[outbox.AttrTraceHeader]; ok && t.DataType() == events.DataTypeString {
		if _, valid := tracing.Parse(t.String()); valid {
			entry.TraceHeader = aws.String(t.String())
			ctx = tracing.WithHeader(ctx, t.String())
		}
	}
	size := len(env.Source) + len(env.Type) + len(detail) + timeEntryBytes
	return pending{record: i, aggregate: string(aggregate), id: env.ID, ctx: ctx, entry: entry, size: size}, true, nil
}

// nextChunk splits off the longest prefix of queue that fits one PutEvents request and holds
// at most one event per aggregate.
func nextChunk(queue []pending) (chunk, rest []pending) {
	seen := map[string]bool{}
	bytes, n := 0, 0
	for n < len(queue) && n < maxEntries {
		pe := queue[n]
		if seen[pe.aggregate] || (n > 0 && bytes+pe.size > maxRequestBytes) {
			break
		}
		seen[pe.aggregate] = true
		bytes += pe.size
		n++
	}
	return queue[:n], queue[n:]
}

// send puts chunk's entries, resending those that fail, and returns how many were accepted.
// On giving up it also returns the index in chunk of the first entry not sent, and why.
func (p *Publisher) send(ctx context.Context, chunk []pending) (sent, first int, err error) {
	todo := make([]int, len(chunk)) // indexes into chunk, in order
	for i := range todo {
		todo[i] = i
	}
	wait := p.backoff
	var lastErr error
	for attempt := 1; ; attempt++ {
		entries := make([]types.PutEventsRequestEntry, len(todo))
		for j, i := range todo {
			entries[j] = chunk[i].entry
		}
		out, err := p.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		switch {
		case err != nil:
			lastErr = fmt.Errorf("put events: %w", err)
		case len(out.Entries) != len(entries):
			lastErr = fmt.Errorf("put events: %d results for %d entries", len(out.Entries), len(entries))
		default:
			var still []int
			for j, res := range out.Entries {
				if res.ErrorCode == nil && res.EventId != nil {
					continue
				}
				still = append(still, todo[j])
				lastErr = fmt.Errorf("put event %s: %s: %s", chunk[todo[j]].id, aws.ToString(res.ErrorCode), aws.ToString(res.ErrorMessage))
				p.log.WarnContext(chunk[todo[j]].ctx, "outbox: PutEvents entry failed", "eventId", chunk[todo[j]].id,
					"errorCode", aws.ToString(res.ErrorCode), "errorMessage", aws.ToString(res.ErrorMessage), "attempt", attempt)
			}
			todo = still
		}
		if len(todo) == 0 {
			return len(chunk), 0, nil
		}
		if attempt == p.attempts {
			return len(chunk) - len(todo), todo[0], lastErr
		}
		if err := sleep(ctx, wait); err != nil {
			return len(chunk) - len(todo), todo[0], errors.Join(lastErr, err)
		}
		wait *= 2
	}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
