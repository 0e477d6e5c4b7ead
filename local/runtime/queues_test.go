package runtime_test

import (
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// A queue is created after its dead-letter queue, even down a chain of them (SQS refuses a
// RedrivePolicy naming a missing queue); a dead-letter queue outside the template leaves its
// queue served without redrive.
func TestTemplateQueuesWithDeadLetterQueues(t *testing.T) {
	rt := startRuntime(t, runtime.Config{Template: filepath.Join("testdata", "Queues.template.json")})
	c := sdk.SQS(rt.EdgeURL())
	got := map[string]string{}
	for _, name := range []string{"first", "second", "third", "external"} {
		u, err := c.GetQueueUrl(t.Context(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatalf("queue %s: %v", name, err)
		}
		a, err := c.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameRedrivePolicy}})
		if err != nil {
			t.Fatal(err)
		}
		got[name] = a.Attributes["RedrivePolicy"]
	}
	want := map[string]string{
		"first":    `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:second","maxReceiveCount":3}`,
		"second":   `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:third","maxReceiveCount":5}`,
		"third":    "",
		"external": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("redrive policies (-want +got):\n%s", diff)
	}
}
