package sqsqueue_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/sqsqueue"
	"github.com/microshop/microshop/local/template"
)

func TestTemplateAttributes(t *testing.T) {
	m, err := template.Parse([]byte(`{"Resources": {
		"Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "orders-dlq.fifo", "FifoQueue": true}},
		"Orders": {"Type": "AWS::SQS::Queue", "Properties": {
			"QueueName": "orders.fifo", "FifoQueue": true, "ContentBasedDeduplication": true,
			"VisibilityTimeout": 180, "MessageRetentionPeriod": "1209600", "SqsManagedSseEnabled": true,
			"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}, "maxReceiveCount": 3},
			"RedriveAllowPolicy": {"redrivePermission": "denyAll"},
			"Tags": [{"Key": "k", "Value": "v"}]}}}}`), template.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := sqsqueue.TemplateAttributes(m.Queues[1])
	want := map[string]string{
		"FifoQueue":                 "true",
		"ContentBasedDeduplication": "true",
		"VisibilityTimeout":         "180",
		"MessageRetentionPeriod":    "1209600",
		"SqsManagedSseEnabled":      "true",
		"RedrivePolicy":             `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:orders-dlq.fifo","maxReceiveCount":3}`,
		"RedriveAllowPolicy":        `{"redrivePermission":"denyAll"}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	// The local service takes them: the attributes are valid SQS attributes.
	s := sqsqueue.New(sqsqueue.Options{}) // the template's account and region
	mustCreate(t, s, "orders-dlq.fifo", sqsqueue.TemplateAttributes(m.Queues[0]))
	mustCreate(t, s, "orders.fifo", got)
}
