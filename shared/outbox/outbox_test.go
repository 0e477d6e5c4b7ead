package outbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/streamsource"
	"github.com/microshop/microshop/shared/metrics"
	"github.com/microshop/microshop/shared/outbox"
	"github.com/microshop/microshop/shared/outbox/publish"
	"github.com/microshop/microshop/shared/tracing"
)

func TestRow(t *testing.T) {
	env := envelope.Envelope{
		ID: "e1", Type: "Counted", Version: 1, Source: source,
		Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Data: json.RawMessage(`{"n":1}`),
	}
	got, err := outbox.Row(table, key("outbox#a"), env)
	if err != nil {
		t.Fatal(err)
	}
	detail, _ := env.Encode()
	want := types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"id":          &types.AttributeValueMemberS{Value: "outbox#a"},
		"outboxEvent": &types.AttributeValueMemberS{Value: string(detail)},
		"expiresAt":   &types.AttributeValueMemberN{Value: strconv.FormatInt(env.Time.Add(7*24*time.Hour).Unix(), 10)},
	}}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(types.AttributeValueMemberS{}, types.AttributeValueMemberN{}, types.Put{}, types.TransactWriteItem{})); diff != "" {
		t.Errorf("Row mismatch (-want +got):\n%s", diff)
	}
	if _, err := outbox.Row(table, key("x"), envelope.Envelope{Data: json.RawMessage(`{`)}); err == nil {
		t.Errorf("Row of an envelope that cannot be encoded: no error")
	}
	clash := map[string]types.AttributeValue{"expiresAt": &types.AttributeValueMemberS{Value: "x"}}
	if _, err := outbox.Row(table, clash, env); err == nil {
		t.Errorf("Row with a key named expiresAt: no error")
	}
}

// The row is written with the state change or not at all.
func TestRowIsAtomicWithTheStateChange(t *testing.T) {
	s := newStack(t)
	s.write(t, "a", 1)
	env, err := envelope.New(context.Background(), source, counted{Aggregate: "a", N: 2}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	row, err := outbox.Row(table, key("outbox#a"), env)
	if err != nil {
		t.Fatal(err)
	}
	cond, err := expression.NewBuilder().WithCondition(expression.Name("n").Equal(expression.Value(5))).Build()
	if err != nil {
		t.Fatal(err)
	}
	stale := types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(table), Item: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}, "n": &types.AttributeValueMemberN{Value: "2"}},
		ConditionExpression: cond.Condition(), ExpressionAttributeNames: cond.Names(), ExpressionAttributeValues: cond.Values(),
	}}
	_, err = s.ddb.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{stale, row}})
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		t.Fatalf("TransactWriteItems with a failing condition: %v, want TransactionCanceledException", err)
	}

	// The stream holds the first write's two records and nothing of the canceled one.
	recs := s.records(t)
	var got []string
	for _, r := range recs.Records {
		got = append(got, r.Change.Keys["id"].String())
	}
	if diff := cmp.Diff([]string{"a", "outbox#a"}, sorted(got)); diff != "" {
		t.Errorf("stream records' keys (-want +got):\n%s", diff)
	}
	out, err := s.ddb.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("outbox#a"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	stored := out.Item["outboxEvent"].(*types.AttributeValueMemberS).Value
	if first, err := envelope.Decode([]byte(stored)); err != nil || first.ID == env.ID {
		t.Errorf("outbox row holds %s (%v), want the first write's event, not the canceled %s", stored, err, env.ID)
	}
}

// Outbox events reach a rule's target as EventBridge events whose source and detail-type are
// the envelope's and whose detail is the envelope; REMOVE records and records without an
// outbox event are skipped.
func TestPublish(t *testing.T) {
	s := newStack(t)
	want := []string{s.write(t, "a", 1), s.write(t, "b", 1)}
	if _, err := s.ddb.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: key("plain")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ddb.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key("outbox#a")}); err != nil {
		t.Fatal(err)
	}
	want = append(want, s.write(t, "a", 2))
	batch := s.records(t)
	if len(batch.Records) != 8 { // 3 writes of 2 items, the plain put, the REMOVE
		t.Fatalf("stream holds %d records, want 8", len(batch.Records))
	}

	resp, err := s.publisher(1).Handle(context.Background(), batch)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %+v, %v; want no failures", resp, err)
	}
	if diff := cmp.Diff(sorted(want), ids(s.received(t, 3))); diff != "" {
		t.Errorf("events on the queue (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{want[0], want[1]}, {want[2]}}, s.faults.requests); diff != "" {
		t.Errorf("PutEvents requests (-want +got):\n%s", diff)
	}
}

// Requests hold at most ten entries (EventBridge's limit) and at most one event per aggregate,
// in stream order.
func TestPublishChunks(t *testing.T) {
	s := newStack(t)
	var distinct []string
	for i := range 12 {
		distinct = append(distinct, s.write(t, "p"+strconv.Itoa(i), 1))
	}
	x1, x2, x3 := s.write(t, "x", 1), s.write(t, "x", 2), s.write(t, "x", 3)

	resp, err := s.publisher(1).Handle(context.Background(), s.records(t))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %+v, %v; want no failures", resp, err)
	}
	want := [][]string{distinct[:10], {distinct[10], distinct[11], x1}, {x2}, {x3}}
	if diff := cmp.Diff(want, s.faults.requests); diff != "" {
		t.Errorf("PutEvents requests (-want +got):\n%s", diff)
	}
	if got := len(s.received(t, 15)); got != 15 {
		t.Errorf("queue received %d events, want 15", got)
	}
}

// A request stays within PutEvents' 256 KB: three events of 100 KB go in two requests.
func TestPublishChunksBySize(t *testing.T) {
	s := newStack(t)
	pad := strings.Repeat("x", 100*1024)
	var want []string
	for _, a := range []string{"a", "b", "c"} {
		want = append(want, s.writeEvent(t, counted{Aggregate: a, N: 1, Pad: pad}))
	}
	resp, err := s.publisher(1).Handle(context.Background(), s.records(t))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %+v, %v; want no failures", resp, err)
	}
	if diff := cmp.Diff([][]string{want[:2], want[2:]}, s.faults.requests); diff != "" {
		t.Errorf("PutEvents requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sorted(want), ids(s.received(t, 3))); diff != "" {
		t.Errorf("events on the queue (-want +got):\n%s", diff)
	}
}

// An entry that fails is resent before any later event of its aggregate is sent.
func TestPublishRetriesFailedEntriesInOrder(t *testing.T) {
	s := newStack(t)
	a1, b1 := s.write(t, "a", 1), s.write(t, "b", 1)
	a2, b2 := s.write(t, "a", 2), s.write(t, "b", 2)
	a3, b3 := s.write(t, "a", 3), s.write(t, "b", 3)
	s.faults.failWhen(func(id string, attempt int) bool { return id == a2 && attempt <= 2 })

	resp, err := s.publisher(3).Handle(context.Background(), s.records(t))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %+v, %v; want no failures", resp, err)
	}
	wantRequests := [][]string{{a1, b1}, {a2, b2}, {a2}, {a2}, {a3, b3}}
	if diff := cmp.Diff(wantRequests, s.faults.requests); diff != "" {
		t.Errorf("PutEvents requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{a1, a2, a3}, s.faults.acceptedOf(t, "a")); diff != "" {
		t.Errorf("a's events in the order the bus accepted them (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{b1, b2, b3}, s.faults.acceptedOf(t, "b")); diff != "" {
		t.Errorf("b's events in the order the bus accepted them (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sorted([]string{a1, b1, a2, b2, a3, b3}), ids(s.received(t, 6))); diff != "" {
		t.Errorf("events on the queue (-want +got):\n%s", diff)
	}
}

// When an entry keeps failing, its record and every later one are batch item failures, and
// nothing after it is sent; Lambda's retry from that record then delivers the rest in order.
func TestPublishGivesUpFromTheFirstFailedRecord(t *testing.T) {
	s := newStack(t)
	a1, b1 := s.write(t, "a", 1), s.write(t, "b", 1)
	a2, b2 := s.write(t, "a", 2), s.write(t, "b", 2)
	a3, b3 := s.write(t, "a", 3), s.write(t, "b", 3)
	s.faults.failWhen(func(id string, _ int) bool { return id == b2 })
	batch := s.records(t)
	// Records alternate product and outbox row: b2's outbox row is record 7 of 12.
	firstFailed := 7
	if got := outboxEventID(t, batch.Records[firstFailed]); got != b2 {
		t.Fatalf("record %d holds event %s, want b2's %s", firstFailed, got, b2)
	}

	resp, err := s.publisher(3).Handle(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sequenceNumbers(batch, firstFailed), failures(resp)); diff != "" {
		t.Errorf("batch item failures (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{a1, b1}, {a2, b2}, {b2}, {b2}}, s.faults.requests); diff != "" {
		t.Errorf("PutEvents requests (-want +got):\n%s", diff)
	}

	// Lambda retries from the first failure; the bus works again.
	s.faults.failWhen(nil)
	resp, err = s.publisher(3).Handle(context.Background(), from(t, batch, resp.BatchItemFailures[0].ItemIdentifier))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("retry: Handle = %+v, %v; want no failures", resp, err)
	}
	if diff := cmp.Diff([]string{a1, a2, a3}, s.faults.acceptedOf(t, "a")); diff != "" {
		t.Errorf("a's accepted events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{b1, b2, b3}, s.faults.acceptedOf(t, "b")); diff != "" {
		t.Errorf("b's accepted events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sorted([]string{a1, b1, a2, b2, a3, b3}), ids(s.received(t, 6))); diff != "" {
		t.Errorf("events on the queue (-want +got):\n%s", diff)
	}
}

// An entry that fails beside one that is sent in the same request fails the batch from its own
// record, and the events after it, already sent, are sent again: at least once, in order.
func TestPublishResendsLaterEventsAfterAFailure(t *testing.T) {
	s := newStack(t)
	a1, b1 := s.write(t, "a", 1), s.write(t, "b", 1)
	s.faults.failWhen(func(id string, _ int) bool { return id == a1 })
	batch := s.records(t)

	resp, err := s.publisher(2).Handle(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sequenceNumbers(batch, 1), failures(resp)); diff != "" { // a1's row is record 1
		t.Errorf("batch item failures (-want +got):\n%s", diff)
	}
	s.faults.failWhen(nil)
	if resp, err := s.publisher(2).Handle(context.Background(), from(t, batch, resp.BatchItemFailures[0].ItemIdentifier)); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("retry: Handle = %+v, %v; want no failures", resp, err)
	}
	if diff := cmp.Diff([]string{b1, a1, b1}, s.faults.acceptedOf(t, "")); diff != "" {
		t.Errorf("accepted events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sorted([]string{a1, b1, b1}), ids(s.received(t, 3))); diff != "" {
		t.Errorf("events on the queue (-want +got):\n%s", diff)
	}
}

// An outbox event that is not an envelope is never dropped: the batch fails from its record.
func TestPublishFailsOnAnInvalidOutboxEvent(t *testing.T) {
	s := newStack(t)
	a1 := s.write(t, "a", 1)
	bad := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "outbox#bad"}, "outboxEvent": &types.AttributeValueMemberS{Value: "{not json"}}
	if _, err := s.ddb.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: bad}); err != nil {
		t.Fatal(err)
	}
	s.write(t, "b", 1)
	batch := s.records(t)

	resp, err := s.publisher(1).Handle(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sequenceNumbers(batch, 2), failures(resp)); diff != "" {
		t.Errorf("batch item failures (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{a1}, ids(s.received(t, 1))); diff != "" {
		t.Errorf("events on the queue (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{a1}}, s.faults.requests); diff != "" {
		t.Errorf("PutEvents requests (-want +got):\n%s", diff)
	}
}

// A crash between the write and the publish loses nothing: the events written while no
// publisher ran, and whose first publisher invocation crashed, are delivered by the next run of
// the table's stream mapping (devcloud's, with Lambda's retry semantics).
func TestCrashBetweenWriteAndPublish(t *testing.T) {
	s := newStack(t)
	want := []string{s.write(t, "a", 1), s.write(t, "a", 2), s.write(t, "b", 1)}

	fn := &publisherFunction{p: s.publisher(3), crashes: 1}
	m, err := streamsource.New(streamsource.Config{
		Engine: s.engine, Table: table, Function: "publish", Invoker: fn,
		StartingPosition: streamsource.TrimHorizon, ReportBatchItemFailures: true,
		RetryBackoff: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)

	if diff := cmp.Diff(sorted(want), ids(s.received(t, 3))); diff != "" {
		t.Errorf("events on the queue (-want +got):\n%s", diff)
	}
	s.faults.waitAccepted(t, len(want))
	if diff := cmp.Diff(want[:2], s.faults.acceptedOf(t, "a")); diff != "" {
		t.Errorf("a's accepted events (-want +got):\n%s", diff)
	}
	if got := fn.invocations(); got < 2 {
		t.Errorf("publisher invoked %d times, want the crash and at least one more", got)
	}
}

// publisherFunction runs a Publisher as the stream mapping's function, in process; its first
// invocations crash before publishing anything.
type publisherFunction struct {
	p       *publish.Publisher
	mu      sync.Mutex
	calls   int
	crashes int
}

func (f *publisherFunction) invocations() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *publisherFunction) Invoke(ctx context.Context, _ string, payload []byte) (*lambdahost.Result, error) {
	f.mu.Lock()
	f.calls++
	crash := f.calls <= f.crashes
	f.mu.Unlock()
	if crash {
		return &lambdahost.Result{
			Payload: []byte(`{"errorType":"Runtime.ExitError","errorMessage":"exit status 2"}`),
			Error:   &lambdahost.FunctionError{Type: "Runtime.ExitError", Message: "exit status 2", Kind: "Unhandled", Crashed: true},
		}, nil
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	resp, err := f.p.Handle(ctx, ev)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	return &lambdahost.Result{Payload: out}, nil
}

// outboxEventID returns the id of the envelope in a record's outbox row.
func outboxEventID(t *testing.T, r events.DynamoDBEventRecord) string {
	t.Helper()
	attr, ok := r.Change.NewImage["outboxEvent"]
	if !ok {
		return ""
	}
	env, err := envelope.Decode([]byte(attr.String()))
	if err != nil {
		t.Fatal(err)
	}
	return env.ID
}

// An event written with a trace in its context is put with that trace as the entry's
// TraceHeader, which the bus passes to the queue as AWSTraceHeader; one written without a
// trace has none. The publisher counts the events PutEvents accepted in one EMF line.
func TestPublishCarriesTheTraceAndCounts(t *testing.T) {
	s := newStack(t)
	trace := tracing.Header{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "53995c3f42cd8ad8", Sampled: true}
	traced, err := envelope.New(tracing.With(context.Background(), trace), source, counted{Aggregate: "a", N: 1}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	row, err := outbox.Row(table, key("outbox#a"), traced)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ddb.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{row}}); err != nil {
		t.Fatal(err)
	}
	untraced := s.write(t, "b", 1)

	var out bytes.Buffer
	ctx := metrics.WithEmitter(context.Background(), metrics.New(&out, metrics.Options{Service: "orders"}))
	if resp, err := s.publisher(1).Handle(ctx, s.records(t)); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %+v, %v; want no failures", resp, err)
	}

	got := map[string]string{}
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		msgs, err := s.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(s.queue), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAWSTraceHeader},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs.Messages {
			var ev events.EventBridgeEvent
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil {
				t.Fatal(err)
			}
			env, err := envelope.Decode(ev.Detail)
			if err != nil {
				t.Fatal(err)
			}
			got[env.ID] = m.Attributes[string(sqstypes.MessageSystemAttributeNameAWSTraceHeader)]
		}
	}
	want := map[string]string{traced.ID: trace.String(), untraced: ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AWSTraceHeader per event (-want +got):\n%s", diff)
	}

	var line struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace string
				Metrics   []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		Service         string
		EventsPublished float64
	}
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("EMF output %q: %v", out.String(), err)
	}
	if line.Service != "orders" || line.EventsPublished != 2 || len(line.AWS.CloudWatchMetrics) != 1 ||
		line.AWS.CloudWatchMetrics[0].Namespace != "Microshop" || line.AWS.CloudWatchMetrics[0].Metrics[0].Name != "EventsPublished" {
		t.Errorf("EMF line = %s, want EventsPublished 2 for orders in Microshop", out.String())
	}
}
