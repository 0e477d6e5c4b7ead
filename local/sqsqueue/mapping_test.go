package sqsqueue_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/sqsqueue"
)

// fakeInvoker records invocations and answers with respond.
type fakeInvoker struct {
	respond func(events.SQSEvent) *lambdahost.Result

	mu    sync.Mutex
	calls []events.SQSEvent
	raw   [][]byte
	// called receives each invocation's event after it is recorded.
	called chan events.SQSEvent
}

func newFakeInvoker(respond func(events.SQSEvent) *lambdahost.Result) *fakeInvoker {
	if respond == nil {
		respond = func(events.SQSEvent) *lambdahost.Result { return &lambdahost.Result{Payload: []byte("null")} }
	}
	return &fakeInvoker{respond: respond, called: make(chan events.SQSEvent, 1000)}
}

func (f *fakeInvoker) Invoke(_ context.Context, name string, payload []byte) (*lambdahost.Result, error) {
	if name != "consumer" {
		return nil, errors.New("unknown function " + name)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	res := f.respond(ev)
	f.mu.Lock()
	f.calls = append(f.calls, ev)
	f.raw = append(f.raw, payload)
	f.mu.Unlock()
	f.called <- ev
	return res, nil
}

func (f *fakeInvoker) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func failed(msg string) *lambdahost.Result {
	return &lambdahost.Result{Payload: []byte(`{"errorMessage":"` + msg + `"}`), Error: &lambdahost.FunctionError{Type: "errorString", Message: msg, Kind: "Unhandled"}}
}

func startMapping(t *testing.T, s *sqsqueue.Service, cfg sqsqueue.MappingConfig) *sqsqueue.Mapping {
	t.Helper()
	cfg.Function = "consumer"
	cfg.Enabled = true
	m, err := sqsqueue.NewMapping(s, cfg)
	if err != nil {
		t.Fatalf("NewMapping: %v", err)
	}
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// waitFor waits for cond, checking it after each invocation and every 10ms.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func counts(t *testing.T, s *sqsqueue.Service, queue string) (visible, inFlight string) {
	t.Helper()
	a, err := s.QueueAttributes(queue, []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"})
	if err != nil {
		t.Fatal(err)
	}
	return a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"]
}

func empty(t *testing.T, s *sqsqueue.Service, queue string) func() bool {
	return func() bool { v, f := counts(t, s, queue); return v == "0" && f == "0" }
}

func TestMappingSuccessDeletesBatchAndBuildsLambdaEvent(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q", nil)
	inv := newFakeInvoker(nil)
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "plain", SenderID: "AIDASENDER"})
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "with attributes", Attributes: map[string]sqsqueue.MessageAttribute{
		"kind": {DataType: "String", StringValue: "OrderPlaced"},
		"blob": {DataType: "Binary", BinaryValue: []byte("1100")},
	}})
	startMapping(t, s, sqsqueue.MappingConfig{QueueName: "q", Invoker: inv, MaximumBatchingWindow: 200 * time.Millisecond})
	waitFor(t, "the batch to be deleted", func() bool { return inv.count() > 0 && empty(t, s, "q")() })

	inv.mu.Lock()
	defer inv.mu.Unlock()
	var records []events.SQSMessage
	for _, ev := range inv.calls {
		records = append(records, ev.Records...)
	}
	if len(records) != 2 {
		t.Fatalf("got %d records, want 2", len(records))
	}
	r := records[0]
	if r.Body != "plain" {
		r, records[1] = records[1], r
	}
	want := events.SQSMessage{
		MessageId: r.MessageId, ReceiptHandle: r.ReceiptHandle, Body: "plain",
		Md5OfBody: md5Of("plain"), EventSource: "aws:sqs",
		EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:q", AWSRegion: "us-east-1",
		Attributes: map[string]string{
			"ApproximateReceiveCount": "1", "SenderId": "AIDASENDER",
			"SentTimestamp": r.Attributes["SentTimestamp"], "ApproximateFirstReceiveTimestamp": r.Attributes["ApproximateFirstReceiveTimestamp"],
		},
		MessageAttributes: map[string]events.SQSMessageAttribute{},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("record (-want +got):\n%s", diff)
	}
	if r.Attributes["SentTimestamp"] == "" || r.Attributes["ApproximateFirstReceiveTimestamp"] == "" {
		t.Errorf("timestamps missing: %v", r.Attributes)
	}
	withAttrs := records[1]
	str := "OrderPlaced"
	wantAttrs := map[string]events.SQSMessageAttribute{
		"kind": {StringValue: &str, StringListValues: []string{}, BinaryListValues: [][]byte{}, DataType: "String"},
		"blob": {BinaryValue: []byte("1100"), StringListValues: []string{}, BinaryListValues: [][]byte{}, DataType: "Binary"},
	}
	if diff := cmp.Diff(wantAttrs, withAttrs.MessageAttributes); diff != "" {
		t.Errorf("message attributes (-want +got):\n%s", diff)
	}
	if withAttrs.Md5OfMessageAttributes == "" {
		t.Errorf("md5OfMessageAttributes missing for a message with attributes")
	}
	// On the wire, like Lambda: null digest without attributes, empty lists spelled [].
	var raw strings.Builder
	for _, b := range inv.raw {
		raw.Write(b)
	}
	for _, frag := range []string{`"md5OfMessageAttributes":null`, `"stringListValues":[]`, `"binaryListValues":[]`, `"eventSource":"aws:sqs"`} {
		if !strings.Contains(raw.String(), frag) {
			t.Errorf("event JSON lacks %s: %s", frag, raw.String())
		}
	}
}

func TestMappingFunctionErrorRedrivesAfterMaxReceiveCount(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "dlq", nil)
	mustCreate(t, s, "q", map[string]string{
		"VisibilityTimeout": "1",
		"RedrivePolicy":     `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq","maxReceiveCount":2}`,
	})
	inv := newFakeInvoker(func(events.SQSEvent) *lambdahost.Result { return failed("boom") })
	sent := mustSend(t, s, "q", sqsqueue.SendInput{Body: "poison"})
	start := time.Now()
	startMapping(t, s, sqsqueue.MappingConfig{QueueName: "q", Invoker: inv, Pollers: 2})

	msgs, err := s.Receive(t.Context(), "dlq", sqsqueue.ReceiveInput{WaitTimeSeconds: intp(10)})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("DLQ receive = %v, %v; want the poison message", bodies(msgs), err)
	}
	if msgs[0].MessageID != sent.MessageID {
		t.Errorf("DLQ message id = %s, want %s", msgs[0].MessageID, sent.MessageID)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("moved after %v, want after the 1s visibility timeout", d)
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var counts []string
	for _, ev := range inv.calls {
		counts = append(counts, ev.Records[0].Attributes["ApproximateReceiveCount"])
	}
	if !cmp.Equal(counts, []string{"1", "2"}) {
		t.Errorf("invocations saw receive counts %v, want [1 2]", counts)
	}
}

func TestMappingPartialBatchResponse(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q", map[string]string{"VisibilityTimeout": "60"})
	inv := newFakeInvoker(func(ev events.SQSEvent) *lambdahost.Result {
		var resp events.SQSEventResponse
		for _, r := range ev.Records {
			if strings.HasPrefix(r.Body, "fail") {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		b, _ := json.Marshal(resp)
		return &lambdahost.Result{Payload: b}
	})
	for _, b := range []string{"ok-1", "fail-1", "ok-2"} {
		mustSend(t, s, "q", sqsqueue.SendInput{Body: b})
	}
	startMapping(t, s, sqsqueue.MappingConfig{QueueName: "q", Invoker: inv, ReportBatchItemFailures: true, MaximumBatchingWindow: 300 * time.Millisecond})
	waitFor(t, "the successes to be deleted", func() bool { v, f := counts(t, s, "q"); return v == "0" && f == "1" })
}

func TestMappingInvalidPartialResponseFailsWholeBatch(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q", map[string]string{"VisibilityTimeout": "60"})
	inv := newFakeInvoker(func(ev events.SQSEvent) *lambdahost.Result {
		if ev.Records[0].Body == "valid" {
			return &lambdahost.Result{Payload: []byte(`{"batchItemFailures":[]}`)}
		}
		return &lambdahost.Result{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":"not-in-batch"}]}`)}
	})
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "a"})
	m := startMapping(t, s, sqsqueue.MappingConfig{QueueName: "q", Invoker: inv, ReportBatchItemFailures: true, Pollers: 1})
	<-inv.called
	m.Stop() // waits for the batch's outcome to be applied
	if v, f := counts(t, s, "q"); v != "0" || f != "1" {
		t.Errorf("counts = %s visible / %s in flight, want the message kept in flight", v, f)
	}
	// A valid response deletes its message: the counts above would have shown a deletion.
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "valid"})
	m.Start()
	<-inv.called
	m.Stop()
	if v, f := counts(t, s, "q"); v != "0" || f != "1" {
		t.Errorf("after a valid response, counts = %s visible / %s in flight, want only the first message left", v, f)
	}
}

func TestMappingFIFOKeepsGroupOrderThroughFailures(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "1"})
	var mu sync.Mutex
	failedOnce := false
	processed := map[string][]string{}
	inv := newFakeInvoker(func(ev events.SQSEvent) *lambdahost.Result {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range ev.Records {
			if r.Body == "a2" && !failedOnce {
				failedOnce = true
				return failed("a2 fails once")
			}
		}
		for _, r := range ev.Records {
			g := r.Attributes["MessageGroupId"]
			processed[g] = append(processed[g], r.Body)
			if r.Attributes["SequenceNumber"] == "" || r.Attributes["MessageDeduplicationId"] == "" {
				t.Errorf("FIFO record lacks SequenceNumber or MessageDeduplicationId: %v", r.Attributes)
			}
		}
		return &lambdahost.Result{Payload: []byte("null")}
	})
	for i := 1; i <= 4; i++ {
		for _, g := range []string{"a", "b"} {
			mustSend(t, s, "q.fifo", sqsqueue.SendInput{Body: g + string(rune('0'+i)), GroupID: g})
		}
	}
	startMapping(t, s, sqsqueue.MappingConfig{QueueName: "q.fifo", Invoker: inv, BatchSize: 2, Pollers: 5})
	waitFor(t, "every message to be processed", empty(t, s, "q.fifo"))
	mu.Lock()
	defer mu.Unlock()
	want := map[string][]string{"a": {"a1", "a2", "a3", "a4"}, "b": {"b1", "b2", "b3", "b4"}}
	if diff := cmp.Diff(want, processed); diff != "" {
		t.Errorf("processing order per group (-want +got):\n%s", diff)
	}
	if !failedOnce {
		t.Errorf("the injected failure never happened")
	}
}

func TestNewMappingValidation(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q", nil)
	mustCreate(t, s, "q.fifo", map[string]string{"FifoQueue": "true"})
	inv := newFakeInvoker(nil)
	tests := []struct {
		name string
		cfg  sqsqueue.MappingConfig
		want error
	}{
		{"missing queue", sqsqueue.MappingConfig{QueueName: "nope", Function: "consumer", Invoker: inv}, sqsqueue.ErrQueueDoesNotExist},
		{"fifo batch too big", sqsqueue.MappingConfig{QueueName: "q.fifo", Function: "consumer", Invoker: inv, BatchSize: 11, MaximumBatchingWindow: time.Second}, sqsqueue.ErrInvalidParameterValue},
		{"big batch without window", sqsqueue.MappingConfig{QueueName: "q", Function: "consumer", Invoker: inv, BatchSize: 100}, sqsqueue.ErrInvalidParameterValue},
		{"no invoker", sqsqueue.MappingConfig{QueueName: "q", Function: "consumer"}, sqsqueue.ErrInvalidParameterValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := sqsqueue.NewMapping(s, tt.cfg); !errors.Is(err, tt.want) {
				t.Errorf("NewMapping = %v, want %v", err, tt.want.(*sqsqueue.Error).Code)
			}
		})
	}
}

// bodies are the message bodies of every invocation so far.
func (f *fakeInvoker) bodies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, ev := range f.calls {
		for _, r := range ev.Records {
			out = append(out, r.Body)
		}
	}
	return out
}

func TestDisabledMappingDoesNotPollUntilEnabled(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q", nil)
	mustCreate(t, s, "control", nil)
	inv := newFakeInvoker(nil)
	m, err := sqsqueue.NewMapping(s, sqsqueue.MappingConfig{QueueName: "q", Function: "consumer", Invoker: inv})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	t.Cleanup(m.Stop)
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "held"})

	// An enabled mapping on another queue, sent to after "held", delivers: a poller had
	// the time to take "held" had the disabled mapping been polling.
	startMapping(t, s, sqsqueue.MappingConfig{QueueName: "control", Invoker: inv})
	mustSend(t, s, "control", sqsqueue.SendInput{Body: "control"})
	waitFor(t, "the control delivery", empty(t, s, "control"))
	if diff := cmp.Diff([]string{"control"}, inv.bodies()); diff != "" {
		t.Errorf("while disabled, deliveries (-want +got):\n%s", diff)
	}
	if v, f := counts(t, s, "q"); v != "1" || f != "0" {
		t.Errorf("while disabled, q has %s visible and %s in flight, want 1 and 0", v, f)
	}

	m.SetEnabled(true)
	waitFor(t, "the held message's delivery", empty(t, s, "q"))
	if diff := cmp.Diff([]string{"control", "held"}, inv.bodies()); diff != "" {
		t.Errorf("once enabled, deliveries (-want +got):\n%s", diff)
	}
}

func TestMappingFiltersDropMessagesThatMatchNoFilter(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q", nil)
	inv := newFakeInvoker(nil)
	startMapping(t, s, sqsqueue.MappingConfig{QueueName: "q", Invoker: inv, Pollers: 1, Filters: []json.RawMessage{
		json.RawMessage(`{"body":{"detail-type":["ProductChanged"]}}`),
		json.RawMessage(`{"body":["ping"]}`),
	}})
	// Filtered out first, then matching ones: once the matching ones are delivered, the
	// mapping has seen the filtered ones too.
	mustSend(t, s, "q", sqsqueue.SendInput{Body: `{"detail-type":"ProductCreated"}`})
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "pong"})
	mustSend(t, s, "q", sqsqueue.SendInput{Body: `{"detail-type":"ProductChanged"}`})
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "ping"})
	waitFor(t, "every message to be processed", func() bool { return len(inv.bodies()) >= 2 && empty(t, s, "q")() })
	got := inv.bodies()
	slices.Sort(got)
	if diff := cmp.Diff([]string{"ping", `{"detail-type":"ProductChanged"}`}, got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func TestMappingRejectsInvalidFilters(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q", nil)
	_, err := sqsqueue.NewMapping(s, sqsqueue.MappingConfig{QueueName: "q", Function: "consumer", Invoker: newFakeInvoker(nil),
		Filters: []json.RawMessage{json.RawMessage(`{"body":"not a list"}`)}})
	if !errors.Is(err, sqsqueue.ErrInvalidParameterValue) {
		t.Errorf("NewMapping = %v, want InvalidParameterValue", err)
	}
}

func TestMappingLargeBatchWithWindow(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q", nil)
	for i := range 25 {
		mustSend(t, s, "q", sqsqueue.SendInput{Body: "m" + string(rune('a'+i))})
	}
	inv := newFakeInvoker(nil)
	startMapping(t, s, sqsqueue.MappingConfig{QueueName: "q", Invoker: inv, BatchSize: 25, MaximumBatchingWindow: time.Second, Pollers: 1})
	ev := <-inv.called
	if len(ev.Records) != 25 {
		t.Errorf("first batch has %d records, want 25", len(ev.Records))
	}
}
