package sqsqueue_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/sqsqueue"
)

func TestAttributesFromTemplate(t *testing.T) {
	props := map[string]any{
		"QueueName":                 "orders.fifo",
		"FifoQueue":                 true,
		"ContentBasedDeduplication": true,
		"VisibilityTimeout":         float64(180),
		"MessageRetentionPeriod":    "1209600",
		"RedrivePolicy":             map[string]any{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:orders-dlq.fifo", "maxReceiveCount": float64(3)},
		"Tags":                      []any{map[string]any{"Key": "k", "Value": "v"}},
	}
	got, err := sqsqueue.AttributesFromTemplate(props)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"FifoQueue":                 "true",
		"ContentBasedDeduplication": "true",
		"VisibilityTimeout":         "180",
		"MessageRetentionPeriod":    "1209600",
		"RedrivePolicy":             `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:orders-dlq.fifo","maxReceiveCount":3}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	s := newService(t, nil)
	mustCreate(t, s, "orders-dlq.fifo", map[string]string{"FifoQueue": "true"})
	mustCreate(t, s, "orders.fifo", got)
}
