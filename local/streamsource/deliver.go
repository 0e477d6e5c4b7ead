package streamsource

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"time"

	smithyrand "github.com/aws/smithy-go/rand"

	"github.com/microshop/microshop/local/internal/batchresponse"
	"github.com/microshop/microshop/local/lambdahost"
)

// Conditions of a FailureRecord: why its records were discarded.
const (
	RetryAttemptsExhausted = "RetryAttemptsExhausted"
	RecordAgeExceeded      = "RecordAgeExceeded"
)

// FailureRecord is what the on-failure destination receives for a discarded batch: Lambda's
// invocation record for stream sources, which describes the records instead of carrying them.
type FailureRecord struct {
	RequestContext RequestContext `json:"requestContext"`
	// ResponseContext describes the last invocation; nil when none ran (records too old).
	ResponseContext    *ResponseContext `json:"responseContext,omitempty"`
	Version            string           `json:"version"`
	Timestamp          string           `json:"timestamp"`
	DDBStreamBatchInfo BatchInfo        `json:"DDBStreamBatchInfo"`
}

// RequestContext identifies the failed invocation.
type RequestContext struct {
	RequestID              string `json:"requestId"`
	FunctionARN            string `json:"functionArn"`
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

// ResponseContext is the outcome of the last invocation.
type ResponseContext struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	FunctionError   string `json:"functionError,omitempty"`
}

// BatchInfo locates the discarded records in the stream.
type BatchInfo struct {
	ShardID                         string `json:"shardId"`
	StartSequenceNumber             string `json:"startSequenceNumber"`
	EndSequenceNumber               string `json:"endSequenceNumber"`
	ApproximateArrivalOfFirstRecord string `json:"approximateArrivalOfFirstRecord"`
	ApproximateArrivalOfLastRecord  string `json:"approximateArrivalOfLastRecord"`
	BatchSize                       int    `json:"batchSize"`
	StreamARN                       string `json:"streamArn"`
}

// deliverer delivers batches for one running mapping.
type deliverer struct {
	m           *Mapping
	arn         string
	shard       string
	functionARN string
}

// deliver invokes the function with recs until every record is delivered or discarded, or ctx
// is done. It blocks the shard meanwhile: that keeps records in order.
func (d *deliverer) deliver(ctx context.Context, recs []record) {
	cfg := d.m.cfg
	failures := 0 // failed invocations since the checkpoint last moved
	invokes := 0
	var last *lambdahost.Result
	backoff := cfg.RetryBackoff
	retry := func(level slog.Level, msg string, args ...any) bool {
		d.m.log.Log(ctx, level, "streamsource: "+msg, append(args, "records", len(recs), "retryIn", backoff)...)
		t := time.NewTimer(backoff)
		defer t.Stop()
		backoff = min(backoff*2, maxBackoff)
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for len(recs) > 0 {
		if n := d.expired(recs); n > 0 {
			d.discard(ctx, recs[:n], RecordAgeExceeded, last, invokes)
			recs = recs[n:]
			continue
		}
		// The invocation outlives Stop so its outcome is known and applied.
		res, err := cfg.Invoker.Invoke(context.WithoutCancel(ctx), cfg.Function, payload(recs))
		if err != nil {
			// Never reached the function: retried without counting, as Lambda does.
			if !retry(slog.LevelWarn, "invocation did not run; retrying", "err", err) {
				return
			}
			continue
		}
		invokes++
		last = res
		done, whole := d.outcome(res, recs)
		if done > 0 {
			d.m.advance(recs[done-1].seq)
			recs = recs[done:]
			failures = 0
			if len(recs) == 0 {
				return
			}
		}
		failures++
		if whole && cfg.BisectBatchOnFunctionError && len(recs) > 1 {
			h := len(recs) / 2
			d.deliver(ctx, recs[:h])
			if ctx.Err() == nil {
				d.deliver(ctx, recs[h:])
			}
			return
		}
		if d.m.maxRetries >= 0 && failures > d.m.maxRetries {
			d.discard(ctx, recs, RetryAttemptsExhausted, last, invokes)
			return
		}
		args := []any{"firstSequenceNumber", recs[0].seq}
		if res.Error != nil {
			args = append(args, "err", res.Error)
		}
		if !retry(slog.LevelInfo, "batch failed; retrying", args...) {
			return
		}
	}
}

// outcome reads an invocation's result: done is how many records at the front of recs were
// processed; whole is true when the batch failed as a whole (function error, or an invalid
// partial batch response).
func (d *deliverer) outcome(res *lambdahost.Result, recs []record) (done int, whole bool) {
	if res.Error != nil {
		return 0, true
	}
	if !d.m.cfg.ReportBatchItemFailures {
		return len(recs), false
	}
	i, ok := firstFailure(res.Payload, recs)
	if !ok {
		d.m.log.Info("streamsource: invalid partial batch response; the whole batch failed", "response", string(res.Payload))
		return 0, true
	}
	return i, false
}

// firstFailure reads a partial batch response (see batchresponse.ItemIdentifiers) and returns
// the index of the record to resume from: the lowest reported sequence number, len(recs) when
// none failed. An identifier not in the batch also fails the whole batch (ok false).
func firstFailure(payload []byte, recs []record) (i int, ok bool) {
	ids, ok := batchresponse.ItemIdentifiers(payload)
	if !ok {
		return 0, false
	}
	index := make(map[string]int, len(recs))
	for i, r := range recs {
		index[r.seq] = i
	}
	first := len(recs)
	for _, id := range ids {
		j, in := index[id]
		if !in {
			return 0, false
		}
		first = min(first, j)
	}
	return first, true
}

// expired returns how many records at the front of recs are older than MaximumRecordAge.
func (d *deliverer) expired(recs []record) int {
	if d.m.maxAge == 0 {
		return 0
	}
	cutoff := d.m.cfg.Now().Add(-d.m.maxAge)
	n := 0
	for n < len(recs) && recs[n].created.Before(cutoff) {
		n++
	}
	return n
}

// discard describes recs to the on-failure destination (or logs them as skipped), then moves
// the checkpoint past them.
func (d *deliverer) discard(ctx context.Context, recs []record, condition string, last *lambdahost.Result, invokes int) {
	cfg := d.m.cfg
	fr := FailureRecord{
		RequestContext: RequestContext{
			RequestID: newRequestID(), FunctionARN: d.functionARN, Condition: condition,
			ApproximateInvokeCount: invokes,
		},
		Version:   "1.0",
		Timestamp: cfg.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		DDBStreamBatchInfo: BatchInfo{
			ShardID:                         d.shard,
			StartSequenceNumber:             recs[0].seq,
			EndSequenceNumber:               recs[len(recs)-1].seq,
			ApproximateArrivalOfFirstRecord: recs[0].created.UTC().Format(time.RFC3339),
			ApproximateArrivalOfLastRecord:  recs[len(recs)-1].created.UTC().Format(time.RFC3339),
			BatchSize:                       len(recs),
			StreamARN:                       d.arn,
		},
	}
	if last != nil {
		if last.RequestID != "" {
			fr.RequestContext.RequestID = last.RequestID
		}
		fr.ResponseContext = &ResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST"}
		if last.Error != nil {
			fr.ResponseContext.FunctionError = "Unhandled"
			if last.Error.Kind != "" {
				fr.ResponseContext.FunctionError = last.Error.Kind
			}
		}
	}
	info, _ := json.Marshal(fr) // plain strings and ints: cannot fail
	log := d.m.log.With("condition", condition, "records", len(recs),
		"startSequenceNumber", recs[0].seq, "endSequenceNumber", recs[len(recs)-1].seq)
	d.m.advance(recs[len(recs)-1].seq)
	if cfg.OnFailure == nil {
		log.Error("streamsource: records SKIPPED: the mapping has no on-failure destination", "info", string(info))
		return
	}
	// Sent even while stopping: the checkpoint has moved past these records.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := cfg.OnFailure(sctx, info); err != nil {
		log.Error("streamsource: records SKIPPED: cannot send to the on-failure destination",
			"destination", cfg.DestinationARN, "err", err, "info", string(info))
		return
	}
	log.Warn("streamsource: records discarded to the on-failure destination", "destination", cfg.DestinationARN)
}

// payload is the invocation event: {"Records":[...]}, an events.DynamoDBEvent.
func payload(recs []record) []byte {
	n := len(`{"Records":[]}`)
	for _, r := range recs {
		n += len(r.raw) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"Records":[`...)
	for i, r := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r.raw...)
	}
	return append(b, "]}"...)
}

// newRequestID returns a random (version 4) UUID, the form of Lambda request IDs.
func newRequestID() string {
	id, _ := smithyrand.NewUUID(rand.Reader).GetUUID() // crypto/rand.Reader never fails
	return id
}
