package outbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/sqsqueue"
	"github.com/microshop/microshop/shared/outbox"
	"github.com/microshop/microshop/shared/outbox/publish"
)

const (
	table  = "shop"
	bus    = "shop-bus"
	queue  = "tap"
	source = "microshop.test"
)

// counted is the test event: the n-th change of an aggregate.
type counted struct {
	Aggregate string `json:"aggregate"`
	N         int    `json:"n"`
	Pad       string `json:"pad,omitempty"` // makes the event as large as a test needs
}

func (counted) EventType() string { return "Counted" }
func (counted) EventVersion() int { return 1 }

// stack is the part of devcloud the outbox runs on, behind one edge: the DynamoDB engine with
// a streamed table, an EventBridge bus with a rule sending this source's events to an SQS
// queue, and the SDK clients a test uses. The EventBridge client goes through faults.
type stack struct {
	engine *ddbengine.Engine
	ddb    *dynamodb.Client
	sqs    *sqs.Client
	eb     *eventbridge.Client
	faults *faults
	queue  string // URL
	bus    *eventbus.Service
	queues *sqsqueue.Service
}

func newStack(t *testing.T) *stack {
	t.Helper()
	engine := ddbengine.New(ddbengine.Options{TTLInterval: -1})
	t.Cleanup(func() { _ = engine.Close() })
	gw := edge.New()
	gw.Handle(edge.DynamoDB, engine)
	gw.Handle(edge.DynamoDBStreams, engine)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)

	queues := sqsqueue.New(sqsqueue.Options{BaseURL: srv.URL})
	gw.Handle(edge.SQS, queues)
	queueURL, err := queues.CreateQueue(queue, nil)
	if err != nil {
		t.Fatal(err)
	}
	eb := eventbus.New(eventbus.Options{RetryBase: time.Millisecond, RetryMax: 4 * time.Millisecond})
	t.Cleanup(func() { _ = eb.Close() })
	gw.Handle(edge.EventBridge, eb)
	if err := eb.AddBus(bus); err != nil {
		t.Fatal(err)
	}
	queueARN, err := queues.QueueARN(queue)
	if err != nil {
		t.Fatal(err)
	}
	err = eb.AddRule(eventbus.Rule{
		Name: "tap", Bus: bus, Pattern: json.RawMessage(`{"source":["` + source + `"]}`),
		Targets: []eventbus.Target{{ID: "queue", ARN: queueARN, Deliver: func(ctx context.Context, payload []byte) error {
			in := sqsqueue.SendInput{Body: string(payload)}
			if h := eventbus.TraceHeaderOf(ctx); h != "" { // as local/runtime and EventBridge do
				in.SystemAttributes = map[string]sqsqueue.MessageAttribute{"AWSTraceHeader": {DataType: "String", StringValue: h}}
			}
			_, err := queues.Send(queue, in)
			return err
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}

	s := &stack{engine: engine, ddb: sdk.DynamoDB(srv.URL), sqs: sdk.SQS(srv.URL), queue: queueURL, bus: eb, queues: queues}
	s.faults = &faults{next: http.DefaultTransport, sent: map[string]int{}}
	s.eb = eventbridge.New(eventbridge.Options{
		Region: sdk.Region, BaseEndpoint: aws.String(srv.URL), Credentials: sdk.Credentials,
		HTTPClient: &http.Client{Transport: s.faults},
	})

	_, err = s.ddb.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// publisher returns a publisher to the stack's bus with fast retries.
func (s *stack) publisher(attempts int) *publish.Publisher {
	return publish.New(s.eb, bus, publish.Options{Attempts: attempts, Backoff: time.Millisecond})
}

// write stores change n of aggregate and its event in one transaction, as a service does, and
// returns the event's id.
func (s *stack) write(t *testing.T, aggregate string, n int) string {
	t.Helper()
	return s.writeEvent(t, counted{Aggregate: aggregate, N: n})
}

// writeEvent is write with the event given.
func (s *stack) writeEvent(t *testing.T, ev counted) string {
	t.Helper()
	aggregate, n := ev.Aggregate, ev.N
	env, err := envelope.New(context.Background(), source, ev, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	row, err := outbox.Row(table, key("outbox#"+aggregate), env)
	if err != nil {
		t.Fatal(err)
	}
	state := types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"id": &types.AttributeValueMemberS{Value: aggregate},
		"n":  &types.AttributeValueMemberN{Value: fmt.Sprint(n)},
	}}}
	_, err = s.ddb.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{state, row}})
	if err != nil {
		t.Fatalf("write %s %d: %v", aggregate, n, err)
	}
	return env.ID
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}}
}

// records returns every record in the table's stream as a Lambda event, read through the
// DynamoDB Streams API.
func (s *stack) records(t *testing.T) events.DynamoDBEvent {
	t.Helper()
	var desc struct {
		Table struct{ LatestStreamArn string }
	}
	s.do(t, "DynamoDB_20120810.DescribeTable", `{"TableName":"`+table+`"}`, &desc)
	arn := desc.Table.LatestStreamArn
	var stream struct {
		StreamDescription struct{ Shards []struct{ ShardId string } }
	}
	s.do(t, "DynamoDBStreams_20120810.DescribeStream", `{"StreamArn":"`+arn+`"}`, &stream)
	var it struct{ ShardIterator string }
	s.do(t, "DynamoDBStreams_20120810.GetShardIterator", fmt.Sprintf(`{"StreamArn":%q,"ShardId":%q,"ShardIteratorType":"TRIM_HORIZON"}`,
		arn, stream.StreamDescription.Shards[0].ShardId), &it)
	var out struct{ Records []events.DynamoDBEventRecord }
	s.do(t, "DynamoDBStreams_20120810.GetRecords", `{"ShardIterator":"`+it.ShardIterator+`"}`, &out)
	for i := range out.Records {
		out.Records[i].EventSourceArn = arn
	}
	return events.DynamoDBEvent{Records: out.Records}
}

func (s *stack) do(t *testing.T, target, body string, out any) {
	t.Helper()
	status, resp := s.engine.Do(target, []byte(body))
	if status != http.StatusOK {
		t.Fatalf("%s: %d %s", target, status, resp)
	}
	if err := json.Unmarshal(resp, out); err != nil {
		t.Fatal(err)
	}
}

// received reads the queue until it holds n events and returns their envelopes (checking that
// EventBridge's source and detail-type are the envelope's), in arrival order.
//
// It reads as an SQS consumer must, at least once: a receive whose answer is lost on the way
// (a loaded machine showed Go's transport closing a connection while the SDK read a 300 KB
// answer; the SDK then retries, and the first receive's messages stay in flight) is made
// good by a short visibility timeout, and a message seen again (same message id) counts once.
// Duplicate deliveries by the bus are separate messages, with their own ids, and still count.
func (s *stack) received(t *testing.T, n int) []envelope.Envelope {
	t.Helper()
	var got []envelope.Envelope
	seen := map[string]bool{}
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < n {
		if time.Now().After(deadline) {
			// What the bus did with them tells a lost delivery from a late one, and the queue's
			// counts a message received by a call whose answer never came back (in flight).
			v, _, err := s.queues.Inspect(queue)
			t.Fatalf("queue holds %d events after 10s, want %d; the bus: %+v; the queue: %d waiting, %d in flight, %d delayed (%v)",
				len(got), n, s.bus.Metrics(), v.Waiting, v.InFlight, v.Delayed, err)
		}
		out, err := s.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(s.queue), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 3,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			if _, err := s.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(s.queue), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
			if seen[aws.ToString(m.MessageId)] {
				continue
			}
			seen[aws.ToString(m.MessageId)] = true
			var ev events.EventBridgeEvent
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil {
				t.Fatal(err)
			}
			env, err := envelope.Decode(ev.Detail)
			if err != nil {
				t.Fatalf("detail %s: %v", ev.Detail, err)
			}
			if ev.Source != env.Source || ev.DetailType != env.Type {
				t.Errorf("event %s has source, detail-type %q, %q; want the envelope's %q, %q", env.ID, ev.Source, ev.DetailType, env.Source, env.Type)
			}
			got = append(got, env)
		}
	}
	return got
}

// ids returns the envelopes' ids, sorted.
func ids(envs []envelope.Envelope) []string {
	var out []string
	for _, e := range envs {
		out = append(out, e.ID)
	}
	slices.Sort(out)
	return out
}

// sorted returns a sorted copy.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// faults is the EventBridge client's transport: it passes requests to the local EventBridge,
// except that PutEvents entries chosen by fail get the per-entry error AWS reports for an
// internal failure (the rest of the request goes through), and it records what the bus
// accepted.
type faults struct {
	next http.RoundTripper

	mu       sync.Mutex
	fail     func(id string, attempt int) bool // attempt counts sends of the event, from 1
	sent     map[string]int                    // sends per event id
	requests [][]string                        // event ids of each PutEvents request
	accepted []envelope.Envelope               // events the bus accepted, in order
}

func (f *faults) failWhen(fn func(id string, attempt int) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fn
}

// acceptedOf returns the ids of aggregate's accepted events ("": every event's), in the order
// the bus accepted them.
func (f *faults) acceptedOf(t *testing.T, aggregate string) []string {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.accepted {
		c, err := envelope.Data[counted](e)
		if err != nil {
			t.Fatal(err)
		}
		if aggregate == "" || c.Aggregate == aggregate {
			out = append(out, e.ID)
		}
	}
	return out
}

// waitAccepted waits until the bus has accepted n events by f. A queue can hold an event
// before the PutEvents that sent it has returned to f, so a test that read the queue and
// looks at what f saw accepted by a publisher running on its own waits for this first.
func (f *faults) waitAccepted(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(f.acceptedOf(t, "")) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the bus accepted %d events after 10s, want %d", len(f.acceptedOf(t, "")), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (f *faults) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" {
		return f.next.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	var in struct{ Entries []json.RawMessage }
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}

	f.mu.Lock()
	var (
		forward  []json.RawMessage
		envs     []envelope.Envelope
		injected = make([]bool, len(in.Entries))
		request  []string
	)
	for i, raw := range in.Entries {
		var e struct{ Detail string }
		if err := json.Unmarshal(raw, &e); err != nil {
			f.mu.Unlock()
			return nil, err
		}
		env, err := envelope.Decode([]byte(e.Detail))
		if err != nil {
			f.mu.Unlock()
			return nil, err
		}
		f.sent[env.ID]++
		request = append(request, env.ID)
		if f.fail != nil && f.fail(env.ID, f.sent[env.ID]) {
			injected[i] = true
			continue
		}
		forward = append(forward, raw)
		envs = append(envs, env)
	}
	f.requests = append(f.requests, request)
	f.mu.Unlock()

	var out struct {
		Entries          []map[string]any
		FailedEntryCount int
	}
	if len(forward) > 0 {
		fwd, err := json.Marshal(map[string]any{"Entries": forward})
		if err != nil {
			return nil, err
		}
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(fwd))
		r2.ContentLength = int64(len(fwd))
		resp, err := f.next.RoundTrip(r2)
		if err != nil {
			return nil, err
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return &http.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(raw)), Request: r}, nil
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, err
		}
	}

	f.mu.Lock()
	merged := make([]map[string]any, 0, len(in.Entries))
	next := 0
	for i := range in.Entries {
		if injected[i] {
			merged = append(merged, map[string]any{"ErrorCode": "InternalFailure", "ErrorMessage": "injected by the test"})
			out.FailedEntryCount++
			continue
		}
		res := out.Entries[next]
		if _, ok := res["EventId"]; ok {
			f.accepted = append(f.accepted, envs[next])
		}
		merged = append(merged, res)
		next++
	}
	f.mu.Unlock()
	resp, err := json.Marshal(map[string]any{"Entries": merged, "FailedEntryCount": out.FailedEntryCount})
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-amz-json-1.1")
	return &http.Response{
		StatusCode: http.StatusOK, Header: h, Body: io.NopCloser(bytes.NewReader(resp)),
		ContentLength: int64(len(resp)), Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}, nil
}

// sequenceNumbers returns the records' sequence numbers from index from on.
func sequenceNumbers(ev events.DynamoDBEvent, from int) []string {
	var out []string
	for _, r := range ev.Records[from:] {
		out = append(out, r.Change.SequenceNumber)
	}
	return out
}

// failures returns the item identifiers of a response.
func failures(resp events.DynamoDBEventResponse) []string {
	var out []string
	for _, f := range resp.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}

// from returns the batch's records from the one with sequence number seq on, as Lambda
// retries a batch after a partial failure.
func from(t *testing.T, ev events.DynamoDBEvent, seq string) events.DynamoDBEvent {
	t.Helper()
	for i, r := range ev.Records {
		if r.Change.SequenceNumber == seq {
			return events.DynamoDBEvent{Records: ev.Records[i:]}
		}
	}
	t.Fatalf("no record %s in the batch", seq)
	return events.DynamoDBEvent{}
}
