package shoplocal

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/local/sdk"
)

// TestIdempotentOrderPublishesOnce runs the idempotency scenario (one key sent 20 times at
// once) with taps on the bus: its order's OrderPlaced and PaymentSucceeded went out once each.
// The order is CONFIRMED when the scenario returns, so both have been published; a duplicate
// would have gone out with them.
func TestIdempotentOrderPublishesOnce(t *testing.T) {
	shoptest.AfterScenario(t)
	placed := tap(t, `{"source":["microshop.orders"],"detail-type":["OrderPlaced"]}`)
	charged := tap(t, `{"source":["microshop.payments"],"detail-type":["PaymentSucceeded"]}`)
	_, o := shoptest.IdempotentOrder(t)
	if got := countEvents(t, placed, o.ID); got != 1 {
		t.Errorf("OrderPlaced events for order %s: %d, want 1", o.ID, got)
	}
	if got := countEvents(t, charged, o.ID); got != 1 {
		t.Errorf("PaymentSucceeded events for order %s: %d, want 1", o.ID, got)
	}
}

// tap routes the bus's events that match pattern to a new queue (rt.Tap) and returns its URL.
func tap(t *testing.T, pattern string) string {
	t.Helper()
	url, err := rt.Tap("microshop", []byte(pattern))
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// countEvents drains the tap queue and counts the events whose data names orderID.
func countEvents(t *testing.T, queueURL, orderID string) int {
	t.Helper()
	ctx := context.Background()
	c := sdk.SQS(rt.EdgeURL())
	n := 0
	for {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return n
		}
		for _, m := range out.Messages {
			var ev struct {
				Detail struct {
					Data struct {
						OrderID string `json:"orderId"`
					} `json:"data"`
				} `json:"detail"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil {
				t.Fatalf("tap message %s: %v", aws.ToString(m.Body), err)
			}
			if ev.Detail.Data.OrderID == orderID {
				n++
			}
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}
