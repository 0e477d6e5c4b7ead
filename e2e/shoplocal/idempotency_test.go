package shoplocal

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

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
//
// It reads at least once (sdk.QueueReader): a receive whose answer is lost in transit leaves
// its messages in flight, so an empty receive ends the drain only once the queue holds
// nothing waiting or in flight.
func countEvents(t *testing.T, queueURL, orderID string) int {
	t.Helper()
	ctx := context.Background()
	c := sdk.SQS(rt.EdgeURL())
	r := sdk.QueueReader{Client: c, URL: queueURL, VisibilityTimeout: 2, Delete: true}
	n := 0
	deadline := time.Now().Add(20 * time.Second)
	for {
		msgs, err := r.Receive(ctx, 10, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL), AttributeNames: []sqstypes.QueueAttributeName{
				sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
			}})
			if err != nil {
				t.Fatal(err)
			}
			a := attrs.Attributes
			if a[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)] == "0" && a[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)] == "0" {
				return n
			}
			if time.Now().After(deadline) {
				t.Fatalf("tap queue not drained after 20 s: %v", a)
			}
			continue
		}
		for _, m := range msgs {
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
		}
	}
}
