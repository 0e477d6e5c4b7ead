package streamsource_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/internal/syncbuf"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/streamsource"
)

func TestDeliversChangesInOrderWithViewType(t *testing.T) {
	s := func(v string) events.DynamoDBAttributeValue { return events.NewStringAttribute(v) }
	n := func(v string) events.DynamoDBAttributeValue { return events.NewNumberAttribute(v) }
	keys := map[string]events.DynamoDBAttributeValue{"id": s("o1")}
	v1 := map[string]events.DynamoDBAttributeValue{"id": s("o1"), "v": n("1")}
	v2 := map[string]events.DynamoDBAttributeValue{"id": s("o1"), "v": n("2")}
	tests := []struct {
		view string
		want []events.DynamoDBStreamRecord // Keys, NewImage, OldImage of INSERT, MODIFY, REMOVE
	}{
		{"KEYS_ONLY", []events.DynamoDBStreamRecord{{Keys: keys}, {Keys: keys}, {Keys: keys}}},
		{"NEW_IMAGE", []events.DynamoDBStreamRecord{{Keys: keys, NewImage: v1}, {Keys: keys, NewImage: v2}, {Keys: keys}}},
		{"OLD_IMAGE", []events.DynamoDBStreamRecord{{Keys: keys}, {Keys: keys, OldImage: v1}, {Keys: keys, OldImage: v2}}},
		{"NEW_AND_OLD_IMAGES", []events.DynamoDBStreamRecord{
			{Keys: keys, NewImage: v1}, {Keys: keys, NewImage: v2, OldImage: v1}, {Keys: keys, OldImage: v2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.view, func(t *testing.T) {
			e := newEngine(t, tt.view, ddbengine.Options{Region: "eu-west-1"})
			fn := &function{}
			start(t, config(e, fn, streamsource.Latest))
			do(t, e, "PutItem", `{"TableName":"orders","Item":{"id":{"S":"o1"},"v":{"N":"1"}}}`)
			do(t, e, "UpdateItem", `{"TableName":"orders","Key":{"id":{"S":"o1"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}`)
			do(t, e, "DeleteItem", `{"TableName":"orders","Key":{"id":{"S":"o1"}}}`)
			waitFor(t, "3 records", func() bool { return len(fn.allRecords()) == 3 })
			fn.check(t)

			got := fn.allRecords()
			arn := e.StreamARN(table)
			var want []events.DynamoDBEventRecord
			for i, name := range []string{"INSERT", "MODIFY", "REMOVE"} {
				change := tt.want[i]
				change.StreamViewType = tt.view
				want = append(want, events.DynamoDBEventRecord{
					AWSRegion: "eu-west-1", EventName: name, EventSource: "aws:dynamodb",
					EventVersion: "1.1", EventSourceArn: arn, Change: change,
				})
			}
			ignore := cmp.Options{
				cmpopts.IgnoreFields(events.DynamoDBEventRecord{}, "EventID"),
				cmpopts.IgnoreFields(events.DynamoDBStreamRecord{}, "ApproximateCreationDateTime", "SequenceNumber", "SizeBytes"),
				cmp.Comparer(func(a, b events.DynamoDBAttributeValue) bool { return fmt.Sprint(a) == fmt.Sprint(b) }),
			}
			if diff := cmp.Diff(want, got, ignore); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			for i, r := range got {
				if r.EventID == "" || r.Change.SizeBytes <= 0 || time.Since(r.Change.ApproximateCreationDateTime.Time) > time.Minute {
					t.Errorf("record %d: eventID %q, SizeBytes %d, ApproximateCreationDateTime %v", i, r.EventID, r.Change.SizeBytes, r.Change.ApproximateCreationDateTime)
				}
				if i > 0 && r.Change.SequenceNumber <= got[i-1].Change.SequenceNumber {
					t.Errorf("sequence numbers out of order: %s after %s", r.Change.SequenceNumber, got[i-1].Change.SequenceNumber)
				}
			}
		})
	}
}

func TestBatchSizeIsRespected(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	var want []string
	for i := range 25 {
		id := fmt.Sprintf("k%02d", i)
		put(t, e, id)
		want = append(want, id)
	}
	fn := &function{}
	cfg := config(e, fn, streamsource.TrimHorizon)
	cfg.BatchSize = 10
	start(t, cfg)
	waitFor(t, "25 records", func() bool { return len(fn.delivered()) == 25 })

	var sizes []int
	for _, c := range fn.callIDs() {
		sizes = append(sizes, len(c))
	}
	if diff := cmp.Diff([]int{10, 10, 5}, sizes); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, fn.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func TestBatchingWindowGathersRecords(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	fn := &function{}
	cfg := config(e, fn, streamsource.Latest)
	cfg.MaximumBatchingWindow = 300 * time.Millisecond
	start(t, cfg)
	put(t, e, "a", "b", "c", "d")
	waitFor(t, "4 records", func() bool { return len(fn.delivered()) == 4 })
	if diff := cmp.Diff([][]string{{"a", "b", "c", "d"}}, fn.callIDs()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestStartingPosition(t *testing.T) {
	tests := []struct {
		position string
		want     []string
	}{
		{streamsource.Latest, []string{"after"}},
		{streamsource.TrimHorizon, []string{"before1", "before2", "after"}},
	}
	for _, tt := range tests {
		t.Run(tt.position, func(t *testing.T) {
			e := newEngine(t, "KEYS_ONLY", ddbengine.Options{})
			put(t, e, "before1", "before2")
			fn := &function{}
			start(t, config(e, fn, tt.position))
			put(t, e, "after")
			waitFor(t, "the last record", func() bool { return slices.Contains(fn.delivered(), "after") })
			if diff := cmp.Diff(tt.want, fn.delivered()); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFailedBatchIsRetriedInOrder(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	put(t, e, "a", "b", "c")
	fn := &function{respond: func(n int, _ []events.DynamoDBEventRecord) *lambdahost.Result {
		if n < 2 {
			return fail()
		}
		return nil
	}}
	start(t, config(e, fn, streamsource.TrimHorizon))
	waitFor(t, "a, b, c", func() bool { return len(fn.delivered()) == 3 })
	put(t, e, "d")
	waitFor(t, "d", func() bool { return len(fn.delivered()) == 4 })

	want := [][]string{{"a", "b", "c"}, {"a", "b", "c"}, {"a", "b", "c"}, {"d"}}
	if diff := cmp.Diff(want, fn.callIDs()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestUnboundedRetriesBlockTheShard(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	put(t, e, "poison", "next")
	fn := &function{respond: func(_ int, recs []events.DynamoDBEventRecord) *lambdahost.Result {
		if slices.Contains(ids(recs), "poison") {
			return fail()
		}
		return nil
	}}
	cfg := config(e, fn, streamsource.TrimHorizon)
	cfg.BatchSize = 1
	start(t, cfg) // MaximumRetryAttempts nil: infinite, as in Lambda
	waitFor(t, "several retries", func() bool { return len(fn.callIDs()) >= 5 })
	if got := fn.delivered(); len(got) != 0 {
		t.Errorf("delivered %v past a failing record", got)
	}
}

func TestPoisonRecordGoesToDestinationWhenRetriesAreExhausted(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	put(t, e, "poison")
	fn := &function{respond: func(_ int, recs []events.DynamoDBEventRecord) *lambdahost.Result {
		if slices.Contains(ids(recs), "poison") {
			return fail()
		}
		return nil
	}}
	dest := &destination{}
	cfg := config(e, fn, streamsource.TrimHorizon)
	cfg.MaximumRetryAttempts = new(2)
	cfg.OnFailure = dest.send
	cfg.Region, cfg.AccountID = "eu-central-1", "123456789012"
	m := start(t, cfg)
	waitFor(t, "the on-failure record", func() bool { return len(dest.received()) == 1 })
	put(t, e, "later1", "later2")
	waitFor(t, "later records", func() bool { return len(fn.delivered()) == 2 })

	if diff := cmp.Diff([]string{"later1", "later2"}, fn.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	poisonCalls := 0
	for _, c := range fn.callIDs() {
		if slices.Contains(c, "poison") {
			poisonCalls++
		}
	}
	if poisonCalls != 3 {
		t.Errorf("poison invoked %d times, want 3 (1 + 2 retries)", poisonCalls)
	}
	seq := fn.allRecords()[0].Change.SequenceNumber // the poison record
	got := dest.received()[0]
	want := streamsource.FailureRecord{
		RequestContext: streamsource.RequestContext{
			RequestID: "req-failed", FunctionARN: "arn:aws:lambda:eu-central-1:123456789012:function:fn",
			Condition: streamsource.RetryAttemptsExhausted, ApproximateInvokeCount: 3,
		},
		ResponseContext: &streamsource.ResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST", FunctionError: "Unhandled"},
		Version:         "1.0",
		DDBStreamBatchInfo: streamsource.BatchInfo{
			ShardID: "shardId-00000000000000000001-00000001", StartSequenceNumber: seq, EndSequenceNumber: seq,
			BatchSize: 1, StreamARN: e.StreamARN(table),
		},
	}
	ignore := cmpopts.IgnoreFields(streamsource.FailureRecord{}, "Timestamp")
	ignoreTimes := cmpopts.IgnoreFields(streamsource.BatchInfo{}, "ApproximateArrivalOfFirstRecord", "ApproximateArrivalOfLastRecord")
	if diff := cmp.Diff(want, got, ignore, ignoreTimes); diff != "" {
		t.Errorf("on-failure record (-want +got):\n%s", diff)
	}
	for _, ts := range []string{got.Timestamp, got.DDBStreamBatchInfo.ApproximateArrivalOfFirstRecord, got.DDBStreamBatchInfo.ApproximateArrivalOfLastRecord} {
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			t.Errorf("timestamp %q: %v", ts, err)
		}
	}
	last := fn.allRecords()[len(fn.allRecords())-1].Change.SequenceNumber
	waitFor(t, "the checkpoint after the later records", func() bool { return m.Checkpoint() == last })
}

func TestBisectIsolatesPoisonRecord(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	put(t, e, "a", "b", "poison", "c", "d", "e", "f", "g")
	fn := &function{respond: func(_ int, recs []events.DynamoDBEventRecord) *lambdahost.Result {
		if slices.Contains(ids(recs), "poison") {
			return fail()
		}
		return nil
	}}
	dest := &destination{}
	cfg := config(e, fn, streamsource.TrimHorizon)
	cfg.BisectBatchOnFunctionError = true
	cfg.MaximumRetryAttempts = new(1)
	cfg.OnFailure = dest.send
	start(t, cfg)
	waitFor(t, "every good record", func() bool { return len(fn.delivered()) == 7 })
	waitFor(t, "the on-failure record", func() bool { return len(dest.received()) == 1 })

	wantCalls := [][]string{
		{"a", "b", "poison", "c", "d", "e", "f", "g"}, // fails: split
		{"a", "b", "poison", "c"},                     // fails: split
		{"a", "b"},
		{"poison", "c"}, // fails: split
		{"poison"},      // fails, retried once, discarded
		{"poison"},
		{"c"},
		{"d", "e", "f", "g"},
	}
	if diff := cmp.Diff(wantCalls, fn.callIDs()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	info := dest.received()[0].DDBStreamBatchInfo
	if info.BatchSize != 1 || info.StartSequenceNumber != info.EndSequenceNumber {
		t.Errorf("on-failure batch info %+v, want the poison record alone", info)
	}
}

func TestReportBatchItemFailures(t *testing.T) {
	// respond fails the records at the given indexes of the first invocation (or returns body).
	failing := func(idx ...int) func([]events.DynamoDBEventRecord) string {
		return func(recs []events.DynamoDBEventRecord) string {
			var items []string
			for _, i := range idx {
				items = append(items, fmt.Sprintf(`{"itemIdentifier":%q}`, recs[i].Change.SequenceNumber))
			}
			return `{"batchItemFailures":[` + strings.Join(items, ",") + `]}`
		}
	}
	body := func(s string) func([]events.DynamoDBEventRecord) string {
		return func([]events.DynamoDBEventRecord) string { return s }
	}
	all := []string{"k1", "k2", "k3", "k4", "k5"}
	tests := []struct {
		name  string
		first func([]events.DynamoDBEventRecord) string
		want  [][]string
	}{
		{"lowest failure is the checkpoint", failing(3, 2), [][]string{all, {"k3", "k4", "k5"}}},
		{"first record failed", failing(0), [][]string{all, all}},
		{"empty list is success", body(`{"batchItemFailures":[]}`), [][]string{all}},
		{"null response is success", body(`null`), [][]string{all}},
		{"empty response is success", body(``), [][]string{all}},
		{"unknown identifier fails the batch", body(`{"batchItemFailures":[{"itemIdentifier":"1"}]}`), [][]string{all, all}},
		{"empty identifier fails the batch", body(`{"batchItemFailures":[{"itemIdentifier":""}]}`), [][]string{all, all}},
		{"missing identifier fails the batch", body(`{"batchItemFailures":[{}]}`), [][]string{all, all}},
		{"invalid JSON fails the batch", body(`"done"`), [][]string{all, all}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, "KEYS_ONLY", ddbengine.Options{})
			put(t, e, all...)
			var invocations atomic.Int32
			fn := &function{respond: func(n int, recs []events.DynamoDBEventRecord) *lambdahost.Result {
				invocations.Add(1)
				if n == 0 {
					return &lambdahost.Result{Payload: []byte(tt.first(recs))}
				}
				return nil
			}}
			cfg := config(e, fn, streamsource.TrimHorizon)
			cfg.ReportBatchItemFailures = true
			m := start(t, cfg)
			waitFor(t, "the invocations", func() bool { return int(invocations.Load()) == len(tt.want) })
			put(t, e, "marker")
			waitFor(t, "the marker", func() bool { return slices.Contains(fn.delivered(), "marker") })
			m.Stop()

			got := fn.callIDs()
			if diff := cmp.Diff(append(tt.want, []string{"marker"}), got); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

// With both BisectBatchOnFunctionError and ReportBatchItemFailures on, a partial batch
// response is not a function error: Lambda splits the batch at the reported record and retries
// the rest as one batch. A function error still bisects the batch.
func TestBisectWithReportBatchItemFailures(t *testing.T) {
	all := []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"}
	tests := []struct {
		name  string
		first func([]events.DynamoDBEventRecord) *lambdahost.Result
		want  [][]string
	}{
		{"partial failure resumes at the failed record", func(recs []events.DynamoDBEventRecord) *lambdahost.Result {
			return &lambdahost.Result{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":"` + recs[2].Change.SequenceNumber + `"}]}`)}
		}, [][]string{all, all[2:]}},
		{"function error bisects", func([]events.DynamoDBEventRecord) *lambdahost.Result { return fail() },
			[][]string{all, all[:4], all[4:]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, "KEYS_ONLY", ddbengine.Options{})
			put(t, e, all...)
			fn := &function{respond: func(n int, recs []events.DynamoDBEventRecord) *lambdahost.Result {
				if n == 0 {
					return tt.first(recs)
				}
				return nil
			}}
			cfg := config(e, fn, streamsource.TrimHorizon)
			cfg.BisectBatchOnFunctionError = true
			cfg.ReportBatchItemFailures = true
			m := start(t, cfg)
			waitFor(t, "every record", func() bool { return slices.Contains(fn.delivered(), "k8") })
			put(t, e, "marker")
			waitFor(t, "the marker", func() bool { return slices.Contains(fn.delivered(), "marker") })
			m.Stop()
			fn.check(t)

			if diff := cmp.Diff(append(tt.want, []string{"marker"}), fn.callIDs()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPartialFailuresCountAsRetries(t *testing.T) {
	e := newEngine(t, "KEYS_ONLY", ddbengine.Options{})
	put(t, e, "k1", "poison", "k3")
	fn := &function{respond: func(_ int, recs []events.DynamoDBEventRecord) *lambdahost.Result {
		for _, r := range recs {
			if r.Change.Keys["id"].String() == "poison" {
				return &lambdahost.Result{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":"` + r.Change.SequenceNumber + `"}]}`)}
			}
		}
		return nil
	}}
	dest := &destination{}
	cfg := config(e, fn, streamsource.TrimHorizon)
	cfg.ReportBatchItemFailures = true
	cfg.MaximumRetryAttempts = new(1)
	cfg.OnFailure = dest.send
	start(t, cfg)
	waitFor(t, "the on-failure record", func() bool { return len(dest.received()) == 1 })
	put(t, e, "k4")
	waitFor(t, "k4", func() bool { return slices.Contains(fn.delivered(), "k4") })

	// poison is tried twice (once in the first batch, one retry), then discarded with k3.
	want := [][]string{{"k1", "poison", "k3"}, {"poison", "k3"}, {"k4"}}
	if diff := cmp.Diff(want, fn.callIDs()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if got := dest.received()[0].DDBStreamBatchInfo.BatchSize; got != 2 {
		t.Errorf("discarded batch size %d, want 2 (poison, k3)", got)
	}
}

func TestRecordAgeExceeded(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{Now: func() time.Time { return t0 }})
	put(t, e, "old")
	var now atomic.Int64
	now.Store(t0.UnixNano())
	fn := &function{respond: func(int, []events.DynamoDBEventRecord) *lambdahost.Result { return fail() }}
	dest := &destination{}
	cfg := config(e, fn, streamsource.TrimHorizon)
	cfg.MaximumRecordAgeInSeconds = 60
	cfg.OnFailure = dest.send
	cfg.Now = func() time.Time { return time.Unix(0, now.Load()) }
	start(t, cfg)
	waitFor(t, "retries", func() bool { return len(fn.callIDs()) >= 2 })
	if got := dest.received(); len(got) != 0 {
		t.Fatalf("discarded a young record: %+v", got)
	}
	now.Store(t0.Add(61 * time.Second).UnixNano())
	waitFor(t, "the on-failure record", func() bool { return len(dest.received()) == 1 })

	got := dest.received()[0]
	if got.RequestContext.Condition != streamsource.RecordAgeExceeded || got.DDBStreamBatchInfo.ApproximateArrivalOfFirstRecord != "2026-03-01T12:00:00Z" {
		t.Errorf("on-failure record %+v, want condition RecordAgeExceeded for the record of 12:00:00", got)
	}
}

func TestNoDestinationLogsSkippedRecords(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	put(t, e, "poison")
	var logs syncbuf.Buffer
	fn := &function{respond: func(int, []events.DynamoDBEventRecord) *lambdahost.Result { return fail() }}
	cfg := config(e, fn, streamsource.TrimHorizon)
	cfg.MaximumRetryAttempts = new(0)
	cfg.Log = slog.New(slog.NewTextHandler(&logs, nil))
	m := start(t, cfg)
	waitFor(t, "the checkpoint", func() bool { return m.Checkpoint() != "" })
	if got := logs.String(); !strings.Contains(got, "level=ERROR") || !strings.Contains(got, "SKIPPED") || !strings.Contains(got, m.Checkpoint()) {
		t.Errorf("log does not report the skipped record loudly:\n%s", got)
	}
}

func TestStopStopsAndStartResumes(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	fn := &function{}
	m := start(t, config(e, fn, streamsource.Latest))
	put(t, e, "a")
	waitFor(t, "a", func() bool { return len(fn.delivered()) == 1 })
	m.Stop()
	m.Stop() // idempotent
	put(t, e, "b")
	// Stop has waited for the delivery goroutine to end: nothing can deliver b until Start,
	// after which b arrives (below), so the test would see a delivery that Stop let through.
	if got := fn.delivered(); len(got) != 1 {
		t.Fatalf("delivered %v after Stop", got)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	put(t, e, "c")
	waitFor(t, "b and c", func() bool { return len(fn.delivered()) == 3 })
	if diff := cmp.Diff([]string{"a", "b", "c"}, fn.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func TestFiltersDropRecordsThatMatchNoFilter(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	fn := &function{}
	cfg := config(e, fn, streamsource.Latest)
	cfg.Filters = []json.RawMessage{
		json.RawMessage(`{"dynamodb":{"NewImage":{"outboxEvent":{"S":[{"exists":true}]}}}}`),
		json.RawMessage(`{"eventName":["REMOVE"]}`),
	}
	m := start(t, cfg)
	// Records that match no filter come first; once the matching ones after them arrive,
	// the mapping has read the others and dropped them.
	put(t, e, "product")
	do(t, e, "PutItem", `{"TableName":"orders","Item":{"id":{"S":"outbox#1"},"outboxEvent":{"S":"{}"}}}`)
	do(t, e, "UpdateItem", `{"TableName":"orders","Key":{"id":{"S":"product"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}`)
	do(t, e, "DeleteItem", `{"TableName":"orders","Key":{"id":{"S":"product"}}}`)
	waitFor(t, "the matching records", func() bool { return len(fn.delivered()) == 2 })
	fn.check(t)
	if diff := cmp.Diff([]string{"outbox#1", "product"}, fn.delivered()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	var names []string
	for _, r := range fn.allRecords() {
		names = append(names, r.EventName)
	}
	if diff := cmp.Diff([]string{"INSERT", "REMOVE"}, names); diff != "" {
		t.Errorf("event names (-want +got):\n%s", diff)
	}

	// A dropped record counts as processed: the checkpoint moves past a trailing one.
	last := m.Checkpoint()
	put(t, e, "other")
	waitFor(t, "the checkpoint to pass the dropped record", func() bool { return m.Checkpoint() != last })
	if got := fn.delivered(); len(got) != 2 {
		t.Errorf("delivered %v, want the dropped record left out", got)
	}
}

func TestStopInterruptsRetries(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	put(t, e, "poison")
	fn := &function{respond: func(int, []events.DynamoDBEventRecord) *lambdahost.Result { return fail() }}
	cfg := config(e, fn, streamsource.TrimHorizon)
	cfg.RetryBackoff = time.Hour
	m := start(t, cfg)
	waitFor(t, "the first invocation", func() bool { return len(fn.callIDs()) == 1 })
	stopped := make(chan struct{})
	go func() { m.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not return while a retry was waiting")
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	fn := &function{}
	tests := []struct {
		name   string
		change func(*streamsource.Config)
	}{
		{"no function", func(c *streamsource.Config) { c.Function = "" }},
		{"no invoker", func(c *streamsource.Config) { c.Invoker = nil }},
		{"no engine", func(c *streamsource.Config) { c.Engine = nil }},
		{"batch size too large", func(c *streamsource.Config) { c.BatchSize = 10001 }},
		{"negative batch size", func(c *streamsource.Config) { c.BatchSize = -1 }},
		{"window too long", func(c *streamsource.Config) { c.MaximumBatchingWindow = 301 * time.Second }},
		{"no starting position", func(c *streamsource.Config) { c.StartingPosition = "" }},
		{"AT_TIMESTAMP", func(c *streamsource.Config) { c.StartingPosition = "AT_TIMESTAMP" }},
		{"retries below -1", func(c *streamsource.Config) { c.MaximumRetryAttempts = new(-2) }},
		{"retries above 10000", func(c *streamsource.Config) { c.MaximumRetryAttempts = new(10001) }},
		{"record age below 60", func(c *streamsource.Config) { c.MaximumRecordAgeInSeconds = 59 }},
		{"record age above a week", func(c *streamsource.Config) { c.MaximumRecordAgeInSeconds = 604801 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(e, fn, streamsource.Latest)
			tt.change(&cfg)
			if _, err := streamsource.New(cfg); !errors.Is(err, streamsource.ErrInvalidConfig) {
				t.Errorf("New: %v, want ErrInvalidConfig", err)
			}
		})
	}

	t.Run("table without stream", func(t *testing.T) {
		do(t, e, "CreateTable", `{"TableName":"plain","BillingMode":"PAY_PER_REQUEST",
			"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
			"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]}`)
		cfg := config(e, fn, streamsource.Latest)
		cfg.Table = "plain"
		if _, err := streamsource.New(cfg); !errors.Is(err, ddbengine.ErrNoStream) {
			t.Errorf("New: %v, want ddbengine.ErrNoStream", err)
		}
	})
}

// flaky fails the first n invocations before they reach the function.
type flaky struct {
	n  atomic.Int32
	fn *function
}

func (f *flaky) Invoke(ctx context.Context, name string, payload []byte) (*lambdahost.Result, error) {
	if f.n.Add(-1) >= 0 {
		return nil, errors.New("function is not ready")
	}
	return f.fn.Invoke(ctx, name, payload)
}

func TestInvocationsThatDidNotRunAreNotRetries(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	put(t, e, "a")
	fn := &function{}
	inv := &flaky{fn: fn}
	inv.n.Store(3)
	dest := &destination{}
	cfg := config(e, fn, streamsource.TrimHorizon)
	cfg.Invoker = inv
	cfg.MaximumRetryAttempts = new(0)
	cfg.OnFailure = dest.send
	start(t, cfg)
	waitFor(t, "a", func() bool { return len(fn.delivered()) == 1 })
	if got := dest.received(); len(got) != 0 {
		t.Errorf("discarded %+v", got)
	}
}
