package sqsqueue_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/sqsqueue"
)

// These tests drive the behaviours issue 13 names through the real SDK (SQS's JSON
// protocol) and, where the Go SDK cannot send a value (it never sends a zero DelaySeconds or
// MaxNumberOfMessages), through the AWS CLI.

// startSDK serves a fresh Service as startAPI does and returns an SDK client for it.
func startSDK(t *testing.T) (*sqs.Client, client) {
	t.Helper()
	_, c := startAPI(t)
	return sdk.SQS(c.endpoint), c
}

// sdkError is what an SDK caller sees of an error: its code and message.
type sdkError struct{ Code, Message string }

func errorOf(t *testing.T, err error) sdkError {
	t.Helper()
	if err == nil {
		return sdkError{}
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	return sdkError{ae.ErrorCode(), ae.ErrorMessage()}
}

func mustCreateQueue(t *testing.T, c *sqs.Client, name string, attrs map[string]string) (url, arn string) {
	t.Helper()
	out, err := c.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue(%s): %v", name, err)
	}
	a, err := c.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]
}

func queueAttributes(t *testing.T, c *sqs.Client, url string) map[string]string {
	t.Helper()
	out, err := c.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatalf("GetQueueAttributes: %v", err)
	}
	return out.Attributes
}

func TestFIFOAcceptsAnExplicitZeroDelay(t *testing.T) {
	t.Parallel()
	c, raw := startSDK(t)
	url, _ := mustCreateQueue(t, c, "zero.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})

	t.Run("aws cli", func(t *testing.T) {
		if _, errOut, ok := awsCLI(t, raw.endpoint, "send-message", "--queue-url", url, "--message-body", "single",
			"--message-group-id", "g", "--delay-seconds", "0"); !ok {
			t.Errorf("send-message --delay-seconds 0: %s", errOut)
		}
		out, errOut, ok := awsCLI(t, raw.endpoint, "send-message-batch", "--queue-url", url, "--entries",
			`[{"Id":"a","MessageBody":"batch a","MessageGroupId":"g","DelaySeconds":0},{"Id":"b","MessageBody":"batch b","MessageGroupId":"g","DelaySeconds":0}]`)
		if !ok {
			t.Fatalf("send-message-batch: %s", errOut)
		}
		var res batchResult
		if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Successful) != 2 || len(res.Failed) != 0 {
			t.Errorf("send-message-batch with DelaySeconds 0 = %s (%v), want both sent", out, err)
		}
		// A delay other than 0 is still refused, as SQS refuses it: per-message delays are
		// not for FIFO queues.
		_, errOut, ok = awsCLI(t, raw.endpoint, "send-message", "--queue-url", url, "--message-body", "late",
			"--message-group-id", "g", "--delay-seconds", "5")
		if ok || !strings.Contains(errOut, "InvalidParameterValue") || !strings.Contains(errOut, "Value 5 for parameter DelaySeconds is invalid.") {
			t.Errorf("send-message --delay-seconds 5: ok=%v %s, want InvalidParameterValue", ok, errOut)
		}
	})

	// The three sent messages are all receivable at once: no delay applied.
	got, err := c.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range got.Messages {
		bodies = append(bodies, aws.ToString(m.Body))
	}
	if diff := cmp.Diff([]string{"single", "batch a", "batch b"}, bodies); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}

	_, err = c.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageGroupId: aws.String("g"), DelaySeconds: 3})
	if got := errorOf(t, err).Code; got != "InvalidParameterValue" {
		t.Errorf("SDK SendMessage DelaySeconds=3 on FIFO: %v, want InvalidParameterValue", err)
	}
}

func TestRedrivePolicyIsValidated(t *testing.T) {
	t.Parallel()
	c, _ := startSDK(t)
	_, stdDLQ := mustCreateQueue(t, c, "std-dlq", nil)
	_, fifoDLQ := mustCreateQueue(t, c, "fifo-dlq.fifo", nil)
	policy := func(arn string, count any) string {
		b, _ := json.Marshal(map[string]any{"deadLetterTargetArn": arn, "maxReceiveCount": count})
		return string(b)
	}
	missing := strings.Replace(stdDLQ, "std-dlq", "nope", 1)
	otherRegion := strings.Replace(stdDLQ, "us-east-1", "eu-west-1", 1)
	invalid := func(p, reason string) sdkError {
		return sdkError{"InvalidParameterValue", "Value " + p + " for parameter RedrivePolicy is invalid. Reason: " + reason}
	}
	tests := []struct {
		name   string
		queue  string
		policy string
		want   sdkError // zero: accepted
	}{
		{"standard to standard", "src", policy(stdDLQ, 5), sdkError{}},
		{"count as a string", "src", policy(stdDLQ, "1000"), sdkError{}},
		{"fifo to fifo", "src.fifo", policy(fifoDLQ, 1), sdkError{}},
		{"missing queue", "src", policy(missing, 5), invalid(policy(missing, 5), "Dead letter target does not exist.")},
		{"queue of another region", "src", policy(otherRegion, 5), invalid(policy(otherRegion, 5), "Dead letter target does not exist.")},
		{"fifo to standard", "src.fifo", policy(stdDLQ, 5), invalid(policy(stdDLQ, 5), "Dead-letter queue must be same type of queue as the source..")},
		{"standard to fifo", "src", policy(fifoDLQ, 5), invalid(policy(fifoDLQ, 5), "Dead-letter queue must be same type of queue as the source..")},
		{"count 0", "src", policy(stdDLQ, 0), invalid(policy(stdDLQ, 0), "Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.")},
		{"count 1001", "src", policy(stdDLQ, 1001), invalid(policy(stdDLQ, 1001), "Invalid value for maxReceiveCount: 1001, valid values are from 1 to 1000 both inclusive.")},
		{"no count", "src", `{"deadLetterTargetArn":"` + stdDLQ + `"}`, invalid(`{"deadLetterTargetArn":"`+stdDLQ+`"}`, "Redrive policy does not contain mandatory attribute: maxReceiveCount.")},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// CreateQueue: an invalid policy creates no queue.
			name := fmt.Sprintf("%s%d", strings.TrimSuffix(tt.queue, ".fifo"), i)
			if strings.HasSuffix(tt.queue, ".fifo") {
				name += ".fifo"
			}
			out, err := c.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{"RedrivePolicy": tt.policy}})
			if diff := cmp.Diff(tt.want, errorOf(t, err)); diff != "" {
				t.Errorf("CreateQueue error (-want +got):\n%s", diff)
			}
			_, err = c.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
			if exists := err == nil; exists != (tt.want == sdkError{}) {
				t.Errorf("queue exists after CreateQueue = %v, want %v", exists, tt.want == sdkError{})
			}

			// SetQueueAttributes: an invalid policy changes nothing.
			if out == nil {
				o, err := c.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(name)})
				if err != nil {
					t.Fatal(err)
				}
				out = o
			} else if _, err := c.SetQueueAttributes(t.Context(), &sqs.SetQueueAttributesInput{QueueUrl: out.QueueUrl, Attributes: map[string]string{"RedrivePolicy": ""}}); err != nil {
				t.Fatalf("removing the policy: %v", err)
			}
			_, err = c.SetQueueAttributes(t.Context(), &sqs.SetQueueAttributesInput{QueueUrl: out.QueueUrl, Attributes: map[string]string{"RedrivePolicy": tt.policy, "VisibilityTimeout": "7"}})
			if diff := cmp.Diff(tt.want, errorOf(t, err)); diff != "" {
				t.Errorf("SetQueueAttributes error (-want +got):\n%s", diff)
			}
			attrs := queueAttributes(t, c, aws.ToString(out.QueueUrl))
			_, hasPolicy := attrs["RedrivePolicy"]
			if accepted := tt.want == (sdkError{}); hasPolicy != accepted || (attrs["VisibilityTimeout"] == "7") != accepted {
				t.Errorf("after SetQueueAttributes: RedrivePolicy set %v, VisibilityTimeout %s; want the whole change applied only when accepted (%v)", hasPolicy, attrs["VisibilityTimeout"], accepted)
			}
		})
	}
}

func TestTagLimits(t *testing.T) {
	t.Parallel()
	c, _ := startSDK(t)
	url, _ := mustCreateQueue(t, c, "tagged", nil)
	tags := func(from, n int) map[string]string {
		m := map[string]string{}
		for i := range n {
			m[fmt.Sprintf("k%02d", from+i)] = "v"
		}
		return m
	}
	tag := func(m map[string]string) sdkError {
		_, err := c.TagQueue(t.Context(), &sqs.TagQueueInput{QueueUrl: aws.String(url), Tags: m})
		return errorOf(t, err)
	}
	count := func() int {
		out, err := c.ListQueueTags(t.Context(), &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Tags)
	}
	tooMany := sdkError{"InvalidParameterValue", "Too many tags added for queue tagged."}
	steps := []struct {
		name string
		tags map[string]string
		want sdkError
		n    int // tags on the queue afterwards
	}{
		{"none", map[string]string{}, sdkError{"MissingParameter", "The request must contain the parameter Tags."}, 0},
		{"51 at once", tags(0, 51), tooMany, 0},
		{"50", tags(0, 50), sdkError{}, 50},
		{"replacing one of the 50", tags(10, 1), sdkError{}, 50},
		{"a 51st", tags(50, 1), tooMany, 50},
	}
	for _, s := range steps {
		if diff := cmp.Diff(s.want, tag(s.tags)); diff != "" {
			t.Errorf("%s: TagQueue error (-want +got):\n%s", s.name, diff)
		}
		if got := count(); got != s.n {
			t.Errorf("%s: %d tags on the queue, want %d", s.name, got, s.n)
		}
	}
	_, err := c.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("born-tagged"), Tags: tags(0, 51)})
	if diff := cmp.Diff(sdkError{"InvalidParameterValue", "Too many tags added for queue born-tagged."}, errorOf(t, err)); diff != "" {
		t.Errorf("CreateQueue with 51 tags (-want +got):\n%s", diff)
	}
	if _, err := c.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String("born-tagged")}); err == nil {
		t.Error("CreateQueue with 51 tags created the queue")
	}
}

func TestPolicyAndPermissions(t *testing.T) {
	t.Parallel()
	c, _ := startSDK(t)
	url, arn := mustCreateQueue(t, c, "shared", nil)
	policyOf := func() (string, bool) {
		p, ok := queueAttributes(t, c, url)["Policy"]
		return p, ok
	}

	t.Run("Policy empty removes it", func(t *testing.T) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"SQS:SendMessage","Resource":"` + arn + `"}]}`
		if _, err := c.SetQueueAttributes(t.Context(), &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"Policy": doc}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := policyOf(); got != doc {
			t.Fatalf("Policy = %s, want %s", got, doc)
		}
		if _, err := c.SetQueueAttributes(t.Context(), &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"Policy": ""}}); err != nil {
			t.Fatal(err)
		}
		if got, ok := policyOf(); ok {
			t.Errorf("Policy after setting it empty = %q, want none", got)
		}
	})

	t.Run("AddPermission and RemovePermission", func(t *testing.T) {
		add := func(label string, accounts, actions []string) sdkError {
			_, err := c.AddPermission(t.Context(), &sqs.AddPermissionInput{QueueUrl: aws.String(url), Label: aws.String(label), AWSAccountIds: accounts, Actions: actions})
			return errorOf(t, err)
		}
		remove := func(label string) sdkError {
			_, err := c.RemovePermission(t.Context(), &sqs.RemovePermissionInput{QueueUrl: aws.String(url), Label: aws.String(label)})
			return errorOf(t, err)
		}
		if e := add("one", []string{"111122223333"}, []string{"SendMessage"}); e != (sdkError{}) {
			t.Fatalf("AddPermission: %v", e)
		}
		if e := add("two", []string{"111122223333", "444455556666"}, []string{"ReceiveMessage", "DeleteMessage"}); e != (sdkError{}) {
			t.Fatalf("AddPermission: %v", e)
		}
		want := `{"Version":"2012-10-17","Id":"` + arn + `/SQSDefaultPolicy","Statement":[` +
			`{"Sid":"one","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"SQS:SendMessage","Resource":"` + arn + `"},` +
			`{"Sid":"two","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::444455556666:root"]},"Action":["SQS:ReceiveMessage","SQS:DeleteMessage"],"Resource":"` + arn + `"}]}`
		if got, _ := policyOf(); got != want {
			t.Errorf("Policy =\n%s\nwant\n%s", got, want)
		}
		errs := []struct {
			name string
			got  sdkError
			want sdkError
		}{
			{"label again", add("one", []string{"111122223333"}, []string{"SendMessage"}), sdkError{"InvalidParameterValue", "Value one for parameter Label is invalid. Reason: Already exists."}},
			{"owner-only action", add("three", []string{"111122223333"}, []string{"CreateQueue"}), sdkError{"InvalidParameterValue", "Value SQS:CreateQueue for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action."}},
			{"eight actions", add("four", []string{"111122223333"}, []string{"SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl", "PurgeQueue", "ListDeadLetterSourceQueues"}), sdkError{"OverLimit", "8 Actions were found, maximum allowed is 7."}},
			{"remove one", remove("one"), sdkError{}},
			{"remove one again", remove("one"), sdkError{"InvalidParameterValue", "Value one for parameter Label is invalid. Reason: can't find label on existing policy."}},
		}
		for _, e := range errs {
			if diff := cmp.Diff(e.want, e.got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", e.name, diff)
			}
		}
		got, _ := policyOf()
		if strings.Contains(got, `"Sid":"one"`) || !strings.Contains(got, `"Sid":"two"`) {
			t.Errorf("Policy after removing one = %s, want only two", got)
		}
		if e := remove("two"); e != (sdkError{}) {
			t.Fatal(e)
		}
		if got, ok := policyOf(); ok {
			t.Errorf("Policy after removing every permission = %s, want none", got)
		}
	})
}

func TestMaxNumberOfMessagesIsValidated(t *testing.T) {
	t.Parallel()
	c, raw := startSDK(t)
	url, _ := mustCreateQueue(t, c, "many", nil)
	for i := range 12 {
		if _, err := c.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	invalid := func(n int) sdkError {
		return sdkError{"InvalidParameterValue", fmt.Sprintf("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", n)}
	}
	for _, n := range []int32{11, -1} {
		_, err := c.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: n})
		if diff := cmp.Diff(invalid(int(n)), errorOf(t, err)); diff != "" {
			t.Errorf("MaxNumberOfMessages %d (-want +got):\n%s", n, diff)
		}
	}
	// The Go SDK leaves a zero out; the CLI sends it.
	_, errOut, ok := awsCLI(t, raw.endpoint, "receive-message", "--queue-url", url, "--max-number-of-messages", "0")
	if ok || !strings.Contains(errOut, invalid(0).Message) {
		t.Errorf("receive-message --max-number-of-messages 0: ok=%v %s, want %s", ok, errOut, invalid(0).Message)
	}
	got, err := c.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 60})
	if err != nil || len(got.Messages) != 10 {
		t.Errorf("MaxNumberOfMessages 10: %d messages, %v; want 10", len(got.Messages), err)
	}
	got, err = c.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	if err != nil || len(got.Messages) != 1 {
		t.Errorf("MaxNumberOfMessages left out: %d messages, %v; want 1", len(got.Messages), err)
	}
}

func TestBatchErrorsNameTheEntryType(t *testing.T) {
	t.Parallel()
	c, _ := startSDK(t)
	url := aws.String(func() string { u, _ := mustCreateQueue(t, c, "batches", nil); return u }())
	ctx := t.Context()
	_, sendErr := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: []types.SendMessageBatchRequestEntry{}})
	_, deleteErr := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: []types.DeleteMessageBatchRequestEntry{}})
	_, changeErr := c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{}})
	empty := func(entry string) sdkError {
		return sdkError{"AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one " + entry + " in the request."}
	}
	got := []sdkError{errorOf(t, sendErr), errorOf(t, deleteErr), errorOf(t, changeErr)}
	want := []sdkError{empty("SendMessageBatchRequestEntry"), empty("DeleteMessageBatchRequestEntry"), empty("ChangeMessageVisibilityBatchRequestEntry")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("empty batches (-want +got):\n%s", diff)
	}
}

// An earlier receipt handle of a message received again: on a standard queue it still
// changes the visibility of, and deletes, the message (the handle names the message); on a
// FIFO queue only the current receive's handle works, the earlier one has expired.
func TestEarlierReceiptHandles(t *testing.T) {
	clock := newFakeClock()
	s := newService(t, clock)
	receive := func(queue string) sqsqueue.Message {
		t.Helper()
		got := receiveNow(t, s, queue, 1)
		if len(got) != 1 {
			t.Fatalf("Receive(%s): %d messages, want 1", queue, len(got))
		}
		return got[0]
	}
	inFlight := func(queue string) string {
		a, err := s.QueueAttributes(queue, []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"})
		if err != nil {
			t.Fatal(err)
		}
		return a["ApproximateNumberOfMessages"] + " visible, " + a["ApproximateNumberOfMessagesNotVisible"] + " in flight"
	}

	t.Run("standard", func(t *testing.T) {
		mustCreate(t, s, "std", map[string]string{"VisibilityTimeout": "10"})
		mustSend(t, s, "std", sqsqueue.SendInput{Body: "m"})
		first := receive("std")
		clock.Advance(11 * time.Second)
		second := receive("std") // the message again, with a new handle
		if first.ReceiptHandle == second.ReceiptHandle || second.Attributes["ApproximateReceiveCount"] != "2" {
			t.Fatalf("second receive: %+v", second)
		}
		if err := s.ChangeMessageVisibility("std", first.ReceiptHandle, 100); err != nil {
			t.Fatalf("ChangeMessageVisibility with the earlier handle: %v", err)
		}
		clock.Advance(50 * time.Second) // past the receive's 10 s, within the new 100 s
		if got := inFlight("std"); got != "0 visible, 1 in flight" {
			t.Errorf("after the change: %s, want the message still in flight", got)
		}
		if err := s.DeleteMessage("std", first.ReceiptHandle); err != nil {
			t.Fatalf("DeleteMessage with the earlier handle: %v", err)
		}
		if got := inFlight("std"); got != "0 visible, 0 in flight" {
			t.Errorf("after the delete: %s, want the message gone", got)
		}
	})

	t.Run("fifo", func(t *testing.T) {
		mustCreate(t, s, "q.fifo", map[string]string{"VisibilityTimeout": "10", "ContentBasedDeduplication": "true"})
		mustSend(t, s, "q.fifo", sqsqueue.SendInput{Body: "m", GroupID: "g"})
		first := receive("q.fifo")
		clock.Advance(11 * time.Second)
		expired := fmt.Sprintf("InvalidParameterValue: Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", first.ReceiptHandle)
		// Its visibility timeout over, the handle has expired even before another receive.
		if err := s.DeleteMessage("q.fifo", first.ReceiptHandle); err == nil || err.Error() != expired {
			t.Errorf("DeleteMessage after the timeout = %v, want %s", err, expired)
		}
		second := receive("q.fifo")
		for name, err := range map[string]error{
			"ChangeMessageVisibility": s.ChangeMessageVisibility("q.fifo", first.ReceiptHandle, 100),
			"DeleteMessage":           s.DeleteMessage("q.fifo", first.ReceiptHandle),
		} {
			if err == nil || err.Error() != expired {
				t.Errorf("%s with the earlier handle = %v, want %s", name, err, expired)
			}
		}
		if got := inFlight("q.fifo"); got != "0 visible, 1 in flight" {
			t.Errorf("after the refused calls: %s, want the message in flight, untouched", got)
		}
		if err := s.DeleteMessage("q.fifo", second.ReceiptHandle); err != nil {
			t.Fatalf("DeleteMessage with the current handle: %v", err)
		}
		if got := inFlight("q.fifo"); got != "0 visible, 0 in flight" {
			t.Errorf("after the delete: %s, want the message gone", got)
		}
	})
}
