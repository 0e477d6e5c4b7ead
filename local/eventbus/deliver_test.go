package eventbus_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/eventbus"
)

const orderDetail = `{"orderId":"o-1","customer":{"id":"c-7","name":"Ann \"A\" Lee"},"total":1250,` +
	`"items":[{"sku":"SKU-1","qty":2},{"sku":"SKU-2","qty":1}],"gift":true,"note":null}`

func TestTargetInput(t *testing.T) {
	s, _ := newService(t, eventbus.Options{})
	tests := []struct {
		name   string
		target eventbus.Target
		want   string
	}{
		{"input constant", eventbus.Target{Input: `{"kind":"ping"}`}, `{"kind":"ping"}`},
		{"input path detail", eventbus.Target{InputPath: "$.detail"}, orderDetail},
		{"input path string", eventbus.Target{InputPath: "$.detail.orderId"}, `"o-1"`},
		{"input path object", eventbus.Target{InputPath: "$.detail.customer"}, `{"id":"c-7","name":"Ann \"A\" Lee"}`},
		{"input path index", eventbus.Target{InputPath: "$.detail.items[1].sku"}, `"SKU-2"`},
		{"input path brackets", eventbus.Target{InputPath: "$['detail']['total']"}, `1250`},
		{"input path wildcard", eventbus.Target{InputPath: "$.detail.items[*].qty"}, `[2,1]`},
		{"input path envelope field", eventbus.Target{InputPath: "$.detail-type"}, `"OrderPlaced"`},
		{"input path missing", eventbus.Target{InputPath: "$.detail.nope"}, `null`},
		{"transformer json template", eventbus.Target{InputTransformer: &eventbus.InputTransformer{
			InputPathsMap: map[string]string{"id": "$.detail.orderId", "total": "$.detail.total", "gift": "$.detail.gift",
				"customer": "$.detail.customer", "items": "$.detail.items", "note": "$.detail.note"},
			InputTemplate: `{"order": <id>, "total": <total>, "gift": <gift>, "customer": <customer>, "n": <items>, "note": <note>}`,
		}}, `{"order": "o-1", "total": 1250, "gift": true, "customer": {"id":"c-7","name":"Ann \"A\" Lee"}, "n": [{"qty":2,"sku":"SKU-1"},{"qty":1,"sku":"SKU-2"}], "note": null}`},
		{"transformer inside quotes", eventbus.Target{InputTransformer: &eventbus.InputTransformer{
			InputPathsMap: map[string]string{"id": "$.detail.orderId", "name": "$.detail.customer.name", "total": "$.detail.total"},
			InputTemplate: `{"message": "order <id> for <name> totals <total>"}`,
		}}, `{"message": "order o-1 for Ann \"A\" Lee totals 1250"}`},
		{"transformer string template", eventbus.Target{InputTransformer: &eventbus.InputTransformer{
			InputPathsMap: map[string]string{"id": "$.detail.orderId", "source": "$.source"},
			InputTemplate: `"<id> was placed by <source>"`,
		}}, `"o-1 was placed by microshop.orders"`},
		{"transformer plain text quotes strings", eventbus.Target{InputTransformer: &eventbus.InputTransformer{
			InputPathsMap: map[string]string{"id": "$.detail.orderId"},
			InputTemplate: `order <id> placed`,
		}}, `order "o-1" placed`},
		{"transformer escaped quotes in template", eventbus.Target{InputTransformer: &eventbus.InputTransformer{
			InputPathsMap: map[string]string{"id": "$.detail.orderId"},
			InputTemplate: `{"m": "say \"<id>\"", "id": <id>}`,
		}}, `{"m": "say \"o-1\"", "id": "o-1"}`},
		{"transformer missing path", eventbus.Target{InputTransformer: &eventbus.InputTransformer{
			InputPathsMap: map[string]string{"x": "$.detail.nope"},
			InputTemplate: `{"a": <x>, "b": "<x>"}`,
		}}, `{"a": null, "b": ""}`},
		{"transformer predefined", eventbus.Target{InputTransformer: &eventbus.InputTransformer{
			InputTemplate: `{"rule": <aws.events.rule-name>, "arn": "<aws.events.rule-arn>", "at": <aws.events.event.ingestion-time>}`,
		}}, `{"rule": "r", "arn": "arn:aws:events:us-east-1:123456789012:rule/r", "at": "2024-05-06T07:08:09Z"}`},
		{"transformer unknown placeholder kept", eventbus.Target{InputTransformer: &eventbus.InputTransformer{
			InputTemplate: `"a <b> c"`,
		}}, `"a <b> c"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			tt.target.ID, tt.target.ARN, tt.target.Deliver = "t", "arn:t", rec.deliver
			addRule(t, s, eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"source":["microshop.orders"]}`),
				Targets: []eventbus.Target{tt.target}})
			if _, err := s.Put(eventbus.Event{Source: "microshop.orders", DetailType: "OrderPlaced",
				Detail: json.RawMessage(orderDetail)}); err != nil {
				t.Fatal(err)
			}
			if got := string(rec.next(t)); got != tt.want {
				t.Errorf("payload:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// The whole-event variables are inserted as JSON, unescaped.
func TestTransformerEventVariables(t *testing.T) {
	s, _ := newService(t, eventbus.Options{})
	rec := newRecorder()
	addRule(t, s, eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"source":["s"]}`), Targets: []eventbus.Target{{
		ID: "t", Deliver: rec.deliver, InputTransformer: &eventbus.InputTransformer{
			InputTemplate: `{"full": <aws.events.event.json>, "meta": <aws.events.event>}`}}}})
	id, err := s.Put(eventbus.Event{Source: "s", DetailType: "d", Detail: json.RawMessage(`{"k":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Full, Meta map[string]any }
	if err := json.Unmarshal(rec.next(t), &got); err != nil {
		t.Fatal(err)
	}
	if got.Full["id"] != id || got.Full["detail"] == nil {
		t.Errorf("aws.events.event.json = %v, want the event %s with its detail", got.Full, id)
	}
	if got.Meta["id"] != id || got.Meta["detail"] != nil {
		t.Errorf("aws.events.event = %v, want the event %s without its detail", got.Meta, id)
	}
}

// deadLetters records Options.DeadLetter calls.
type deadLetters struct {
	mu    sync.Mutex
	calls []deadLetter
	done  chan struct{}
}

type deadLetter struct {
	arn     string
	payload []byte
	err     error
}

func newDeadLetters() *deadLetters { return &deadLetters{done: make(chan struct{}, 10)} }

func (d *deadLetters) send(_ context.Context, arn string, payload []byte, err error) {
	d.mu.Lock()
	d.calls = append(d.calls, deadLetter{arn, payload, err})
	d.mu.Unlock()
	d.done <- struct{}{}
}

// failing is a Deliver that fails its first n calls (n < 0: always) and counts calls.
type failing struct {
	n     int64
	calls atomic.Int64
}

func (f *failing) deliver(context.Context, []byte) error {
	if c := f.calls.Add(1); f.n < 0 || c <= f.n {
		return errors.New("target unavailable")
	}
	return nil
}

func TestRetriesThenDeadLetter(t *testing.T) {
	dlq := newDeadLetters()
	s, logs := newService(t, eventbus.Options{DeadLetter: dlq.send})
	var outcomes []string
	var mu sync.Mutex
	unsubscribe := s.Subscribe(func(d eventbus.Delivery) {
		mu.Lock()
		defer mu.Unlock()
		outcomes = append(outcomes, d.Outcome)
	})
	defer unsubscribe()
	f := &failing{n: -1}
	addRule(t, s, eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"source":["s"]}`), Targets: []eventbus.Target{{
		ID: "q", ARN: "arn:aws:sqs:us-east-1:123456789012:q", Deliver: f.deliver, InputPath: "$.detail",
		RetryPolicy:   &eventbus.RetryPolicy{MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600},
		DeadLetterARN: "arn:aws:sqs:us-east-1:123456789012:dlq",
	}}})
	id, err := s.Put(eventbus.Event{Source: "s", DetailType: "d", Detail: json.RawMessage(`{"k":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	flush(t, s)

	if got := f.calls.Load(); got != 3 {
		t.Errorf("Deliver calls = %d, want 3 (1 + 2 retries)", got)
	}
	if len(dlq.calls) != 1 {
		t.Fatalf("dead-letter calls = %d, want 1", len(dlq.calls))
	}
	dl := dlq.calls[0]
	if dl.arn != "arn:aws:sqs:us-east-1:123456789012:dlq" {
		t.Errorf("dead-letter ARN = %s", dl.arn)
	}
	var ev map[string]any
	if err := json.Unmarshal(dl.payload, &ev); err != nil || ev["id"] != id {
		t.Errorf("dead-letter payload = %s, want the original event %s", dl.payload, id)
	}
	var derr *eventbus.DeliveryError
	if !errors.As(dl.err, &derr) {
		t.Fatalf("dead-letter error = %v, want *DeliveryError", dl.err)
	}
	want := &eventbus.DeliveryError{EventID: id, RuleARN: "arn:aws:events:us-east-1:123456789012:rule/r",
		TargetID: "q", TargetARN: "arn:aws:sqs:us-east-1:123456789012:q", Attempts: 3, Reason: "retries exhausted"}
	if diff := cmp.Diff(want, derr, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, cmp.Ignore())); diff != "" {
		t.Errorf("DeliveryError (-want +got):\n%s", diff)
	}
	mu.Lock()
	if diff := cmp.Diff([]string{"retrying", "retrying", "dead-lettered"}, outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	mu.Unlock()
	m := s.Metrics()
	if m.Invocations != 3 || m.FailedInvocations != 3 || m.DeadLetterInvocations != 1 || m.InFlight != 0 {
		t.Errorf("Metrics = %+v", m)
	}
	if !strings.Contains(logs.String(), "sent to the dead-letter queue") {
		t.Errorf("log does not record the dead-lettered event:\n%s", logs)
	}
}

func TestRetrySucceeds(t *testing.T) {
	dlq := newDeadLetters()
	s, _ := newService(t, eventbus.Options{DeadLetter: dlq.send})
	f := &failing{n: 2}
	addRule(t, s, eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"source":["s"]}`), Targets: []eventbus.Target{{
		ID: "q", Deliver: f.deliver, DeadLetterARN: "arn:dlq"}}})
	if _, err := s.Put(eventbus.Event{Source: "s", DetailType: "d", Detail: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	if got := f.calls.Load(); got != 3 {
		t.Errorf("Deliver calls = %d, want 3", got)
	}
	if m := s.Metrics(); m.Delivered != 1 || m.DeadLetterInvocations != 0 {
		t.Errorf("Metrics = %+v, want 1 delivered, none dead-lettered", m)
	}
}

func TestMaximumEventAge(t *testing.T) {
	dlq := newDeadLetters()
	// Each reading of the clock is a minute later than the previous one.
	var minutes atomic.Int64
	clock := func() time.Time { return fixedTime.Add(time.Duration(minutes.Add(1)) * time.Minute) }
	s, _ := newService(t, eventbus.Options{DeadLetter: dlq.send, Clock: clock})
	f := &failing{n: -1}
	addRule(t, s, eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"source":["s"]}`), Targets: []eventbus.Target{{
		ID: "q", Deliver: f.deliver, DeadLetterARN: "arn:dlq",
		RetryPolicy: &eventbus.RetryPolicy{MaximumRetryAttempts: 100, MaximumEventAgeInSeconds: 150}}}})
	if _, err := s.Put(eventbus.Event{Source: "s", DetailType: "d", Detail: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	if len(dlq.calls) != 1 {
		t.Fatalf("dead-letter calls = %d, want 1", len(dlq.calls))
	}
	var derr *eventbus.DeliveryError
	if !errors.As(dlq.calls[0].err, &derr) || derr.Reason != "maximum event age exceeded" || derr.Attempts >= 100 {
		t.Errorf("error = %v, want the age limit to stop the retries early", dlq.calls[0].err)
	}
}

func TestGiveUpWithoutDeadLetterQueueIsLogged(t *testing.T) {
	tests := []struct {
		name   string
		target eventbus.Target
		opts   eventbus.Options
		log    string
	}{
		{"no dead-letter queue", eventbus.Target{Deliver: (&failing{n: -1}).deliver},
			eventbus.Options{}, "no dead-letter queue configured"},
		{"no dead-letter handler", eventbus.Target{Deliver: (&failing{n: -1}).deliver, DeadLetterARN: "arn:dlq"},
			eventbus.Options{}, "the runtime has no dead-letter handler"},
		{"target type not supported", eventbus.Target{}, eventbus.Options{},
			"the local runtime cannot deliver to this target type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, logs := newService(t, tt.opts)
			tt.target.ID = "t"
			tt.target.RetryPolicy = &eventbus.RetryPolicy{MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 60}
			addRule(t, s, eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"source":["s"]}`),
				Targets: []eventbus.Target{tt.target}})
			if _, err := s.Put(eventbus.Event{Source: "s", DetailType: "d", Detail: json.RawMessage(`{"k":"v"}`)}); err != nil {
				t.Fatal(err)
			}
			flush(t, s)
			out := logs.String()
			if !strings.Contains(out, "event dropped") || !strings.Contains(out, tt.log) || !strings.Contains(out, `\"k\":\"v\"`) {
				t.Errorf("log = %s\nwant the dropped event and %q", out, tt.log)
			}
			if got := s.Metrics().Dropped; got != 1 {
				t.Errorf("Dropped = %d, want 1", got)
			}
		})
	}
}

func TestCloseAbandonsRetriesLoudly(t *testing.T) {
	s, logs := newService(t, eventbus.Options{RetryBase: time.Hour, RetryMax: time.Hour})
	f := &failing{n: -1}
	addRule(t, s, eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"source":["s"]}`), Targets: []eventbus.Target{{
		ID: "t", Deliver: f.deliver}}})
	if _, err := s.Put(eventbus.Event{Source: "s", DetailType: "d", Detail: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	for f.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "the service closed before the event could be delivered") {
		t.Errorf("log = %s\nwant the abandoned delivery", logs)
	}
}

// A delivery waiting to retry when the service closes is abandoned, not dead-lettered: the
// event was not given up by EventBridge's rules, the local runtime just stopped. The same
// rule's other target, which exhausts its retries first, shows that the dead-letter handler
// is called for this rule and would have been seen.
func TestCloseDoesNotDeadLetter(t *testing.T) {
	dlq := newDeadLetters()
	s, logs := newService(t, eventbus.Options{DeadLetter: dlq.send, RetryBase: time.Hour, RetryMax: time.Hour})
	var (
		mu       sync.Mutex
		outcomes = map[string][]string{}
	)
	waiting := make(chan struct{}, 1)
	unsubscribe := s.Subscribe(func(d eventbus.Delivery) {
		mu.Lock()
		outcomes[d.TargetID] = append(outcomes[d.TargetID], d.Outcome)
		mu.Unlock()
		if d.TargetID == "later" && d.Outcome == "retrying" {
			waiting <- struct{}{}
		}
	})
	defer unsubscribe()
	failed := func(context.Context, []byte) error { return errors.New("target unavailable") }
	addRule(t, s, eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"source":["s"]}`), Targets: []eventbus.Target{
		{ID: "now", Deliver: failed, DeadLetterARN: "arn:aws:sqs:us-east-1:123456789012:dlq",
			RetryPolicy: &eventbus.RetryPolicy{MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600}},
		{ID: "later", Deliver: failed, DeadLetterARN: "arn:aws:sqs:us-east-1:123456789012:dlq"},
	}})
	if _, err := s.Put(eventbus.Event{Source: "s", DetailType: "d", Detail: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	for _, what := range []string{"the first target's dead letter", "the second target's retry"} {
		select {
		case <-dlq.done:
		case <-waiting:
		case <-time.After(5 * time.Second):
			t.Fatalf("no sign of %s within 5s", what)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	dlq.mu.Lock()
	calls := append([]deadLetter(nil), dlq.calls...)
	dlq.mu.Unlock()
	var targets []string
	for _, c := range calls {
		var derr *eventbus.DeliveryError
		if errors.As(c.err, &derr) {
			targets = append(targets, derr.TargetID)
		}
	}
	if diff := cmp.Diff([]string{"now"}, targets); diff != "" {
		t.Errorf("dead-lettered targets (-want +got):\n%s", diff)
	}
	mu.Lock()
	want := map[string][]string{"now": {"dead-lettered"}, "later": {"retrying", "abandoned"}}
	if diff := cmp.Diff(want, outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	mu.Unlock()
	if m := s.Metrics(); m.DeadLetterInvocations != 1 || m.Dropped != 1 {
		t.Errorf("Metrics = %+v, want 1 dead-lettered and 1 dropped (abandoned)", m)
	}
	if !strings.Contains(logs.String(), "the service closed before the event could be delivered") {
		t.Errorf("log = %s\nwant the abandoned delivery", logs)
	}
}

func TestDeliverPanicIsAFailedAttempt(t *testing.T) {
	dlq := newDeadLetters()
	s, _ := newService(t, eventbus.Options{DeadLetter: dlq.send})
	addRule(t, s, eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"source":["s"]}`), Targets: []eventbus.Target{{
		ID: "t", DeadLetterARN: "arn:dlq", RetryPolicy: &eventbus.RetryPolicy{MaximumEventAgeInSeconds: 60},
		Deliver: func(context.Context, []byte) error { panic("boom") }}}})
	if _, err := s.Put(eventbus.Event{Source: "s", DetailType: "d", Detail: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	flush(t, s)
	if len(dlq.calls) != 1 || !strings.Contains(dlq.calls[0].err.Error(), "boom") {
		t.Errorf("dead letters = %v, want one carrying the panic", dlq.calls)
	}
}
