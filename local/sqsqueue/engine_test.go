package sqsqueue_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/sqsqueue"
)

func TestVisibilityTimeout(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	mustCreate(t, s, "q", map[string]string{"VisibilityTimeout": "30"})
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "hello"})

	first := receiveNow(t, s, "q", 10)
	if got := bodies(first); !cmp.Equal(got, []string{"hello"}) {
		t.Fatalf("first receive = %v, want [hello]", got)
	}
	if got := receiveNow(t, s, "q", 10); len(got) != 0 {
		t.Fatalf("receive while in flight = %v, want none", bodies(got))
	}
	clock.Advance(29 * time.Second)
	if got := receiveNow(t, s, "q", 10); len(got) != 0 {
		t.Fatalf("receive at 29s = %v, want none", bodies(got))
	}
	clock.Advance(time.Second)
	again := receiveNow(t, s, "q", 10)
	if len(again) != 1 || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("receive at 30s = %+v, want the message with ApproximateReceiveCount 2", again)
	}
	if again[0].Attributes["ApproximateFirstReceiveTimestamp"] != first[0].Attributes["ApproximateFirstReceiveTimestamp"] {
		t.Errorf("ApproximateFirstReceiveTimestamp changed on the second receive")
	}
	if again[0].ReceiptHandle == first[0].ReceiptHandle {
		t.Errorf("second receive reused the receipt handle")
	}
}

// A VisibilityTimeout on ReceiveMessage applies to the messages it returns instead of the
// queue's.
func TestReceiveVisibilityOverride(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	mustCreate(t, s, "q", map[string]string{"VisibilityTimeout": "30"})
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "m"})

	zero := 0
	first, err := s.Receive(t.Context(), "q", sqsqueue.ReceiveInput{VisibilityTimeout: intp(5), WaitTimeSeconds: &zero})
	if err != nil || len(first) != 1 {
		t.Fatalf("Receive = %v, %v; want the message", first, err)
	}
	clock.Advance(4 * time.Second)
	if got := receiveNow(t, s, "q", 10); len(got) != 0 {
		t.Fatalf("receive at 4s = %v, want none: the message is in flight for 5s", bodies(got))
	}
	clock.Advance(time.Second)
	again := receiveNow(t, s, "q", 10)
	if len(again) != 1 || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("receive at 5s = %+v, want the message with ApproximateReceiveCount 2", again)
	}
	// The second receive used the queue's 30 s.
	clock.Advance(29 * time.Second)
	if got := receiveNow(t, s, "q", 10); len(got) != 0 {
		t.Fatalf("receive 29s after the second = %v, want none", bodies(got))
	}
	clock.Advance(time.Second)
	if got := receiveNow(t, s, "q", 10); len(got) != 1 {
		t.Fatalf("receive 30s after the second = %v, want the message", bodies(got))
	}
}

func TestReceiveVisibilityOverrideAndChangeVisibility(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	mustCreate(t, s, "q", nil)
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "m"})

	zero := 0
	got, err := s.Receive(t.Context(), "q", sqsqueue.ReceiveInput{VisibilityTimeout: intp(5), WaitTimeSeconds: &zero})
	if err != nil || len(got) != 1 {
		t.Fatalf("Receive = %v, %v", got, err)
	}
	if err := s.ChangeMessageVisibility("q", got[0].ReceiptHandle, 0); err != nil {
		t.Fatalf("ChangeMessageVisibility: %v", err)
	}
	again := receiveNow(t, s, "q", 1)
	if len(again) != 1 {
		t.Fatalf("after visibility 0: got %d messages, want 1", len(again))
	}
	clock.Advance(31 * time.Second)
	if err := s.ChangeMessageVisibility("q", again[0].ReceiptHandle, 10); !errors.Is(err, sqsqueue.ErrMessageNotInflight) {
		t.Errorf("ChangeMessageVisibility after expiry = %v, want ErrMessageNotInflight", err)
	}
	if err := s.ChangeMessageVisibility("q", "garbage!", 10); !errors.Is(err, sqsqueue.ErrReceiptHandleIsInvalid) {
		t.Errorf("ChangeMessageVisibility(garbage) = %v, want ErrReceiptHandleIsInvalid", err)
	}
}

func TestDelay(t *testing.T) {
	tests := []struct {
		name      string
		attrs     map[string]string
		delay     *int
		visibleAt time.Duration
	}{
		{"queue delay", map[string]string{"DelaySeconds": "10"}, nil, 10 * time.Second},
		{"message delay", nil, intp(5), 5 * time.Second},
		{"message delay overrides queue", map[string]string{"DelaySeconds": "10"}, intp(0), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			s := newService(t, clock)
			mustCreate(t, s, "q", tt.attrs)
			mustSend(t, s, "q", sqsqueue.SendInput{Body: "m", DelaySeconds: tt.delay})
			if tt.visibleAt > 0 {
				attrs, _ := s.QueueAttributes("q", []string{"ApproximateNumberOfMessagesDelayed"})
				if attrs["ApproximateNumberOfMessagesDelayed"] != "1" {
					t.Errorf("delayed count = %q, want 1", attrs["ApproximateNumberOfMessagesDelayed"])
				}
				clock.Advance(tt.visibleAt - time.Millisecond)
				if got := receiveNow(t, s, "q", 1); len(got) != 0 {
					t.Fatalf("received before the delay ended")
				}
				clock.Advance(time.Millisecond)
			}
			if got := receiveNow(t, s, "q", 1); len(got) != 1 {
				t.Fatalf("got %d messages after the delay, want 1", len(got))
			}
		})
	}
}

func TestRetentionExpiry(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	mustCreate(t, s, "q", map[string]string{"MessageRetentionPeriod": "60"})
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "old"})
	clock.Advance(30 * time.Second)
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "new"})
	clock.Advance(30 * time.Second)
	if got := bodies(receiveNow(t, s, "q", 10)); !cmp.Equal(got, []string{"new"}) {
		t.Errorf("after 60s got %v, want [new]", got)
	}
	attrs, _ := s.QueueAttributes("q", []string{"All"})
	if attrs["ApproximateNumberOfMessages"] != "0" || attrs["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Errorf("counts = %v visible / %v not visible, want 0 / 1",
			attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"])
	}
}

func TestRedriveToDeadLetterQueue(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	mustCreate(t, s, "dlq", nil)
	dlqARN, _ := s.QueueARN("dlq")
	mustCreate(t, s, "q", map[string]string{
		"VisibilityTimeout": "10",
		"RedrivePolicy":     `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":"2"}`,
	})
	sent := mustSend(t, s, "q", sqsqueue.SendInput{Body: "poison"})

	for i := range 2 {
		if got := receiveNow(t, s, "q", 1); len(got) != 1 {
			t.Fatalf("receive %d: got %d messages, want 1", i+1, len(got))
		}
		clock.Advance(10 * time.Second)
	}
	// The third receive exceeds maxReceiveCount: the message moves instead of being delivered.
	if got := receiveNow(t, s, "q", 1); len(got) != 0 {
		t.Fatalf("third receive delivered %v, want the message moved to the DLQ", bodies(got))
	}
	moved := receiveNow(t, s, "dlq", 1)
	if len(moved) != 1 {
		t.Fatalf("DLQ has %d messages, want 1", len(moved))
	}
	srcARN, _ := s.QueueARN("q")
	want := map[string]string{"MessageId": sent.MessageID, "Body": "poison", "Source": srcARN, "Count": "3"}
	got := map[string]string{
		"MessageId": moved[0].MessageID, "Body": moved[0].Body,
		"Source": moved[0].Attributes["DeadLetterQueueSourceArn"], "Count": moved[0].Attributes["ApproximateReceiveCount"],
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("moved message (-want +got):\n%s", diff)
	}
	sources, _ := s.DeadLetterSourceQueues("dlq")
	if !cmp.Equal(sources, []string{"http://127.0.0.1:4566/123456789012/q"}) {
		t.Errorf("DeadLetterSourceQueues = %v", sources)
	}
}

func TestRedriveWithMissingDLQKeepsTheMessage(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	// The dead-letter queue must exist when the policy is set; it is deleted afterwards.
	mustCreate(t, s, "missing", nil)
	mustCreate(t, s, "q", map[string]string{
		"VisibilityTimeout": "1",
		"RedrivePolicy":     `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:missing","maxReceiveCount":1}`,
	})
	if err := s.DeleteQueue("missing"); err != nil {
		t.Fatal(err)
	}
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "m"})
	receiveNow(t, s, "q", 1)
	clock.Advance(time.Second)
	if got := receiveNow(t, s, "q", 1); len(got) != 1 {
		t.Errorf("got %d messages, want the message kept and delivered", len(got))
	}
}

func TestFIFOGroupOrdering(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	mustCreate(t, s, "q.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "10"})
	for _, m := range []struct{ group, body string }{{"a", "a1"}, {"a", "a2"}, {"b", "b1"}, {"a", "a3"}} {
		mustSend(t, s, "q.fifo", sqsqueue.SendInput{Body: m.body, GroupID: m.group})
	}
	first := receiveNow(t, s, "q.fifo", 1)
	if got := bodies(first); !cmp.Equal(got, []string{"a1"}) {
		t.Fatalf("first receive = %v, want [a1]", got)
	}
	// Group a has a1 in flight: only b is receivable.
	second := receiveNow(t, s, "q.fifo", 10)
	if got := bodies(second); !cmp.Equal(got, []string{"b1"}) {
		t.Fatalf("second receive = %v, want [b1]", got)
	}
	if err := s.DeleteMessage("q.fifo", second[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	// a1 not deleted: after its visibility timeout it comes back first, before a2.
	clock.Advance(10 * time.Second)
	retry := receiveNow(t, s, "q.fifo", 1)
	if got := bodies(retry); !cmp.Equal(got, []string{"a1"}) {
		t.Fatalf("after timeout = %v, want [a1] again", got)
	}
	if err := s.DeleteMessage("q.fifo", retry[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	rest := receiveNow(t, s, "q.fifo", 10)
	if got := bodies(rest); !cmp.Equal(got, []string{"a2", "a3"}) {
		t.Fatalf("after delete = %v, want [a2 a3]", got)
	}
	if rest[0].Attributes["MessageGroupId"] != "a" || rest[0].Attributes["SequenceNumber"] >= rest[1].Attributes["SequenceNumber"] {
		t.Errorf("FIFO attributes = %v / %v, want group a and increasing sequence numbers", rest[0].Attributes, rest[1].Attributes)
	}
}

func TestFIFODeduplication(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	mustCreate(t, s, "q.fifo", map[string]string{"FifoQueue": "true"})
	first := mustSend(t, s, "q.fifo", sqsqueue.SendInput{Body: "x", GroupID: "g", DeduplicationID: "d1"})
	clock.Advance(4 * time.Minute)
	dup := mustSend(t, s, "q.fifo", sqsqueue.SendInput{Body: "x2", GroupID: "g", DeduplicationID: "d1"})
	if dup.MessageID != first.MessageID || dup.SequenceNumber != first.SequenceNumber {
		t.Errorf("duplicate send = %+v, want the first message's id and sequence number %+v", dup, first)
	}
	clock.Advance(time.Minute)
	later := mustSend(t, s, "q.fifo", sqsqueue.SendInput{Body: "x3", GroupID: "g", DeduplicationID: "d1"})
	if later.MessageID == first.MessageID {
		t.Errorf("send after the 5-minute window was deduplicated")
	}
	var got []string
	for range 2 {
		msgs := receiveNow(t, s, "q.fifo", 10)
		got = append(got, bodies(msgs)...)
		for _, m := range msgs {
			if err := s.DeleteMessage("q.fifo", m.ReceiptHandle); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !cmp.Equal(got, []string{"x", "x3"}) {
		t.Errorf("bodies = %v, want [x x3]", got)
	}
	if _, err := s.Send("q.fifo", sqsqueue.SendInput{Body: "y", GroupID: "g"}); !errors.Is(err, sqsqueue.ErrInvalidParameterValue) {
		t.Errorf("send without dedup id on a queue without content-based dedup = %v, want ErrInvalidParameterValue", err)
	}
}

func TestContentBasedDeduplication(t *testing.T) {
	s := newService(t, newFakeClock())
	mustCreate(t, s, "q.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	a := mustSend(t, s, "q.fifo", sqsqueue.SendInput{Body: "same", GroupID: "g1"})
	b := mustSend(t, s, "q.fifo", sqsqueue.SendInput{Body: "same", GroupID: "g2"})
	c := mustSend(t, s, "q.fifo", sqsqueue.SendInput{Body: "other", GroupID: "g1"})
	if a.MessageID != b.MessageID || a.MessageID == c.MessageID {
		t.Errorf("ids = %s %s %s, want the first two equal (queue-scoped dedup) and the third new", a.MessageID, b.MessageID, c.MessageID)
	}
}

func TestLongPollWakesOnSend(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q", nil)
	done := make(chan []sqsqueue.Message)
	start := time.Now()
	go func() {
		msgs, _ := s.Receive(t.Context(), "q", sqsqueue.ReceiveInput{WaitTimeSeconds: intp(20)})
		done <- msgs
	}()
	time.Sleep(50 * time.Millisecond)
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "wake"})
	select {
	case msgs := <-done:
		if got := bodies(msgs); !cmp.Equal(got, []string{"wake"}) {
			t.Errorf("long poll returned %v, want [wake]", got)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("long poll took %v, want it woken by the send", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll was not woken by the send")
	}
}

func TestLongPollWakesWhenVisibilityExpires(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q", map[string]string{"VisibilityTimeout": "1"})
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "m"})
	receiveNow(t, s, "q", 1)
	start := time.Now()
	msgs, err := s.Receive(t.Context(), "q", sqsqueue.ReceiveInput{WaitTimeSeconds: intp(10)})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Receive = %v, %v; want the message back", bodies(msgs), err)
	}
	if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("message came back after %v, want about 1s", d)
	}
}

func TestLongPollTimesOutEmpty(t *testing.T) {
	s := newService(t, nil)
	mustCreate(t, s, "q", map[string]string{"ReceiveMessageWaitTimeSeconds": "1"})
	start := time.Now()
	msgs, err := s.Receive(t.Context(), "q", sqsqueue.ReceiveInput{})
	if err != nil || len(msgs) != 0 {
		t.Fatalf("Receive = %v, %v; want nothing", msgs, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("returned after %v, want the queue's 1s wait", d)
	}
}

func TestPurge(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	mustCreate(t, s, "q", nil)
	for range 3 {
		mustSend(t, s, "q", sqsqueue.SendInput{Body: "m"})
	}
	if err := s.PurgeQueue("q"); err != nil {
		t.Fatal(err)
	}
	if got := receiveNow(t, s, "q", 10); len(got) != 0 {
		t.Errorf("after purge got %d messages", len(got))
	}
	if err := s.PurgeQueue("q"); !errors.Is(err, sqsqueue.ErrPurgeQueueInProgress) {
		t.Errorf("second purge = %v, want ErrPurgeQueueInProgress", err)
	}
	clock.Advance(time.Minute)
	if err := s.PurgeQueue("q"); err != nil {
		t.Errorf("purge after 60s = %v", err)
	}
}

func TestDeleteMessage(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	mustCreate(t, s, "q", nil)
	mustSend(t, s, "q", sqsqueue.SendInput{Body: "m"})
	got := receiveNow(t, s, "q", 1)
	if err := s.DeleteMessage("q", got[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMessage("q", got[0].ReceiptHandle); err != nil {
		t.Errorf("deleting again = %v, want success as SQS does", err)
	}
	if err := s.DeleteMessage("q", "not-a-handle"); !errors.Is(err, sqsqueue.ErrReceiptHandleIsInvalid) {
		t.Errorf("DeleteMessage(garbage) = %v, want ErrReceiptHandleIsInvalid", err)
	}
	clock.Advance(time.Hour)
	if got := receiveNow(t, s, "q", 1); len(got) != 0 {
		t.Errorf("deleted message came back")
	}
}

func TestSendValidation(t *testing.T) {
	big := make([]byte, 2000)
	for i := range big {
		big[i] = 'x'
	}
	tests := []struct {
		name  string
		queue string
		in    sqsqueue.SendInput
		want  error
	}{
		{"empty body", "q", sqsqueue.SendInput{}, sqsqueue.ErrMissingParameter},
		{"invalid characters", "q", sqsqueue.SendInput{Body: "a\x00b"}, sqsqueue.ErrInvalidMessageContents},
		{"too large", "q", sqsqueue.SendInput{Body: string(big)}, sqsqueue.ErrInvalidParameterValue},
		{"delay out of range", "q", sqsqueue.SendInput{Body: "m", DelaySeconds: intp(901)}, sqsqueue.ErrInvalidParameterValue},
		{"dedup id on standard queue", "q", sqsqueue.SendInput{Body: "m", DeduplicationID: "d"}, sqsqueue.ErrInvalidParameterValue},
		{"unknown queue", "nope", sqsqueue.SendInput{Body: "m"}, sqsqueue.ErrQueueDoesNotExist},
		{"fifo without group", "q.fifo", sqsqueue.SendInput{Body: "m", DeduplicationID: "d"}, sqsqueue.ErrMissingParameter},
		{"fifo with message delay", "q.fifo", sqsqueue.SendInput{Body: "m", GroupID: "g", DeduplicationID: "d", DelaySeconds: intp(1)}, sqsqueue.ErrInvalidParameterValue},
		{"attribute without type", "q", sqsqueue.SendInput{Body: "m", Attributes: map[string]sqsqueue.MessageAttribute{"a": {StringValue: "v"}}}, sqsqueue.ErrInvalidParameterValue},
		{"attribute bad number", "q", sqsqueue.SendInput{Body: "m", Attributes: map[string]sqsqueue.MessageAttribute{"a": {DataType: "Number", StringValue: "x"}}}, sqsqueue.ErrInvalidParameterValue},
		{"attribute reserved name", "q", sqsqueue.SendInput{Body: "m", Attributes: map[string]sqsqueue.MessageAttribute{"AWS.x": {DataType: "String", StringValue: "v"}}}, sqsqueue.ErrInvalidParameterValue},
		{"empty binary attribute", "q", sqsqueue.SendInput{Body: "m", Attributes: map[string]sqsqueue.MessageAttribute{"b": {DataType: "Binary"}}}, sqsqueue.ErrInvalidParameterValue},
	}
	s := newService(t, newFakeClock())
	mustCreate(t, s, "q", map[string]string{"MaximumMessageSize": "1024"})
	mustCreate(t, s, "q.fifo", map[string]string{"FifoQueue": "true"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Send(tt.queue, tt.in); !errors.Is(err, tt.want) {
				t.Errorf("Send = %v, want %v", err, tt.want.(*sqsqueue.Error).Code)
			}
		})
	}
}

func TestCreateQueueValidation(t *testing.T) {
	tests := []struct {
		name  string
		queue string
		attrs map[string]string
		want  error
	}{
		{"bad name", "a b", nil, sqsqueue.ErrInvalidParameterValue},
		{"too long", string(make([]byte, 81)), nil, sqsqueue.ErrInvalidParameterValue},
		{"fifo attribute without suffix", "q", map[string]string{"FifoQueue": "true"}, sqsqueue.ErrInvalidParameterValue},
		{"unknown attribute", "q", map[string]string{"Colour": "blue"}, sqsqueue.ErrInvalidAttributeName},
		{"visibility out of range", "q", map[string]string{"VisibilityTimeout": "43201"}, sqsqueue.ErrInvalidAttributeValue},
		{"bad redrive policy", "q", map[string]string{"RedrivePolicy": `{"maxReceiveCount":0}`}, sqsqueue.ErrInvalidParameterValue},
		{"content dedup on standard", "q", map[string]string{"ContentBasedDeduplication": "true"}, sqsqueue.ErrInvalidAttributeName},
		{"different attributes", "existing", map[string]string{"VisibilityTimeout": "5"}, sqsqueue.ErrQueueNameExists},
	}
	s := newService(t, newFakeClock())
	mustCreate(t, s, "existing", map[string]string{"VisibilityTimeout": "10"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.CreateQueue(tt.queue, tt.attrs); !errors.Is(err, tt.want) {
				t.Errorf("CreateQueue = %v, want %v", err, tt.want.(*sqsqueue.Error).Code)
			}
		})
	}
	if _, err := s.CreateQueue("existing", map[string]string{"VisibilityTimeout": "10"}); err != nil {
		t.Errorf("re-creating with the same attributes = %v, want success", err)
	}
}

func TestQueueAttributes(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	mustCreate(t, s, "dlq.fifo", map[string]string{"FifoQueue": "true"})
	mustCreate(t, s, "q.fifo", map[string]string{
		"FifoQueue": "true", "VisibilityTimeout": "45",
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq.fifo","maxReceiveCount":5}`,
	})
	got, err := s.QueueAttributes("q.fifo", []string{"QueueArn", "VisibilityTimeout", "RedrivePolicy", "FifoQueue", "ApproximateNumberOfMessages"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"QueueArn":                    "arn:aws:sqs:us-east-1:123456789012:q.fifo",
		"VisibilityTimeout":           "45",
		"RedrivePolicy":               `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq.fifo","maxReceiveCount":5}`,
		"FifoQueue":                   "true",
		"ApproximateNumberOfMessages": "0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	if _, err := s.QueueAttributes("q.fifo", []string{"Nope"}); !errors.Is(err, sqsqueue.ErrInvalidAttributeName) {
		t.Errorf("unknown attribute = %v, want ErrInvalidAttributeName", err)
	}
	all, _ := s.QueueAttributes("q.fifo", []string{"All"})
	for _, k := range []string{"CreatedTimestamp", "LastModifiedTimestamp", "MaximumMessageSize", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "ContentBasedDeduplication", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"} {
		if _, ok := all[k]; !ok {
			t.Errorf("All lacks %s", k)
		}
	}
}

func TestListAndDeleteQueues(t *testing.T) {
	s := newService(t, nil)
	for _, n := range []string{"orders-a", "orders-b", "payments"} {
		mustCreate(t, s, n, nil)
	}
	want := []string{"http://127.0.0.1:4566/123456789012/orders-a", "http://127.0.0.1:4566/123456789012/orders-b"}
	if got := s.ListQueues("orders"); !cmp.Equal(got, want) {
		t.Errorf("ListQueues(orders) = %v, want %v", got, want)
	}
	if err := s.DeleteQueue("payments"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.QueueURL("payments"); !errors.Is(err, sqsqueue.ErrQueueDoesNotExist) {
		t.Errorf("QueueURL after delete = %v, want ErrQueueDoesNotExist", err)
	}
}

func TestManyMessagesDeliveredOnce(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	mustCreate(t, s, "q", map[string]string{"MessageRetentionPeriod": "60"})
	for i := range 150 {
		mustSend(t, s, "q", sqsqueue.SendInput{Body: "old" + strconv.Itoa(i)})
	}
	clock.Advance(30 * time.Second)
	for i := range 300 {
		mustSend(t, s, "q", sqsqueue.SendInput{Body: "new" + strconv.Itoa(i)})
	}
	seen := map[string]int{}
	for round := 0; ; round++ {
		msgs := receiveNow(t, s, "q", 10)
		if len(msgs) == 0 {
			break
		}
		if round == 5 {
			clock.Advance(30 * time.Second) // the 150 old messages expire mid-scan
		}
		for _, m := range msgs {
			seen[m.Body]++
			if err := s.DeleteMessage("q", m.ReceiptHandle); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 300 {
		if n := seen["new"+strconv.Itoa(i)]; n != 1 {
			t.Errorf("new%d delivered %d times, want 1", i, n)
		}
	}
	if len(seen) > 300+150 {
		t.Errorf("unexpected bodies: %d", len(seen))
	}
}
