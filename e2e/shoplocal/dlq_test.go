package shoplocal

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/local/sdk"
)

// TestDeadLetterQueuesAreSeen proves that the invariants' DLQ check would see a message: it
// sends one to a dead-letter queue of the template, sees shoptest.DLQDepths count it, and
// takes it out again.
func TestDeadLetterQueuesAreSeen(t *testing.T) {
	if len(target.DeadLetterQueues) == 0 {
		t.Fatal("the template has no dead-letter queue")
	}
	ctx := context.Background()
	c := sdk.SQS(rt.EdgeURL())
	url := target.DeadLetterQueues[0]
	before := shoptest.DLQDepths(t)[url]
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(`{"probe":true}`)}); err != nil {
		t.Fatal(err)
	}
	if got := shoptest.DLQDepths(t)[url]; got != before+1 {
		t.Errorf("dead-letter queue %s: depth %d after one SendMessage, want %d", url, got, before+1)
	}
	// Receive until the probe is taken out: a receive whose answer is lost in transit (the SDK
	// retries it) leaves the probe in flight, for a 2 s visibility timeout, not the queue's.
	deadline := time.Now().Add(10 * time.Second)
	for probed := false; !probed; {
		if time.Now().After(deadline) {
			t.Fatalf("dead-letter queue %s: the probe not received within 10 s", url)
		}
		msgs, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs.Messages {
			if aws.ToString(m.Body) != `{"probe":true}` {
				t.Errorf("dead-letter queue %s held a message of the stack: %s", url, aws.ToString(m.Body))
			} else {
				probed = true
			}
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	shoptest.CheckDLQsEmpty(t)
}
