package runtime_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// awsCLI runs the AWS CLI against the runtime's edge with dummy credentials and returns its
// output, failing the test when the command fails.
func awsCLI(t *testing.T, rt *runtime.Runtime, args ...string) string {
	t.Helper()
	cmd := exec.Command("aws", append(args, "--endpoint-url", rt.EdgeURL(), "--output", "json")...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// receiveBodies long-polls queueURL until it has n messages or 10 seconds pass, reading at
// least once (sdk.QueueReader, a 2 s visibility timeout: under the deadline).
func receiveBodies(t *testing.T, rt *runtime.Runtime, queueURL string, n int) []string {
	t.Helper()
	r := sdk.QueueReader{Client: sdk.SQS(rt.EdgeURL()), URL: queueURL, VisibilityTimeout: 2}
	var bodies []string
	deadline := time.Now().Add(10 * time.Second)
	for len(bodies) < n && time.Now().Before(deadline) {
		msgs, err := r.Receive(context.Background(), 10, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			bodies = append(bodies, aws.ToString(m.Body))
		}
	}
	return bodies
}

// A developer taps the running stack's bus with the AWS CLI: their own queue, a rule with
// put-rule and put-targets, and the bus's events land in the queue. A rule added at run
// time reaches the template's functions too.
func TestTapTheBusWithTheAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the AWS CLI is not installed: this test drives the stack as a developer would, with `aws`")
	}
	rt, _ := startEvents(t)
	var queue struct{ QueueUrl string }
	if err := json.Unmarshal([]byte(awsCLI(t, rt, "sqs", "create-queue", "--queue-name", "my-tap")), &queue); err != nil {
		t.Fatal(err)
	}
	var attrs struct{ Attributes struct{ QueueArn string } }
	if err := json.Unmarshal([]byte(awsCLI(t, rt, "sqs", "get-queue-attributes", "--queue-url", queue.QueueUrl,
		"--attribute-names", "QueueArn")), &attrs); err != nil {
		t.Fatal(err)
	}
	awsCLI(t, rt, "events", "put-rule", "--name", "my-tap", "--event-bus-name", "shop-bus",
		"--event-pattern", `{"source":["shop.catalog"],"detail-type":["ProductChanged"]}`)
	sink, err := rt.Lookup("sink")
	if err != nil {
		t.Fatal(err)
	}
	awsCLI(t, rt, "events", "put-targets", "--rule", "my-tap", "--event-bus-name", "shop-bus", "--targets",
		`[{"Id":"queue","Arn":"`+attrs.Attributes.QueueArn+`","InputPath":"$.detail"},`+
			`{"Id":"fn","Arn":"`+sink.ARN+`","Input":"{\"tapped\":\"by-cli\"}"}]`)

	put := func(detailType, id string) {
		t.Helper()
		awsCLI(t, rt, "events", "put-events", "--entries",
			`[{"EventBusName":"shop-bus","Source":"shop.catalog","DetailType":"`+detailType+`","Detail":"{\"productId\":\"`+id+`\"}"}]`)
	}
	put("ProductCreated", "p-0") // does not match; the matching one after it is the only message
	put("ProductChanged", "p-1")
	bodies := receiveBodies(t, rt, queue.QueueUrl, 1)
	if len(bodies) != 1 || bodies[0] != `{"productId":"p-1"}` {
		t.Errorf("tapped queue got %q, want the one matching event's detail", bodies)
	}
	sunk(t, rt, containing(`{"tapped":"by-cli"}`, 1))
}

// Runtime.Tap is the same tap in Go, for benchmarks.
func TestRuntimeTap(t *testing.T) {
	rt, _ := startEvents(t)
	url, err := rt.Tap("shop-bus", []byte(`{"source":["shop.catalog"]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = sdk.EventBridge(rt.EdgeURL()).PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String("shop-bus"), Source: aws.String("shop.other"), DetailType: aws.String("X"), Detail: aws.String(`{"n":0}`)},
		{EventBusName: aws.String("shop-bus"), Source: aws.String("shop.catalog"), DetailType: aws.String("X"), Detail: aws.String(`{"n":1}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	bodies := receiveBodies(t, rt, url, 1)
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"detail":{"n":1}`) {
		t.Errorf("tap got %q, want the matching event", bodies)
	}
}

// The template's FilterCriteria reach the queue mapping: a message that matches no filter is
// deleted without invoking the function, and one sent after it is delivered.
func TestQueueMappingAppliesTheTemplateFilters(t *testing.T) {
	rt, _ := startEvents(t)
	q := sdk.SQS(rt.EdgeURL())
	url, err := q.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("picky")})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"keep":false,"id":"picky-drop"}`, `not json picky-plain`, `{"keep":true,"id":"picky-keep"}`} {
		if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: url.QueueUrl, MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	sunk(t, rt, containing("picky-keep", 1))
	// Dropped messages are deleted, not left to come back.
	waitUntil(t, "the picky queue to be empty", 10*time.Second, func() bool {
		attrs, err := q.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			t.Fatal(err)
		}
		return attrs.Attributes["ApproximateNumberOfMessages"] == "0" && attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
	})
	// Every message is handled now; none of the dropped ones reached the function.
	for _, e := range sunk(t, rt, containing("picky-keep", 1)) {
		if strings.Contains(e, "picky-drop") || strings.Contains(e, "picky-plain") {
			t.Errorf("a message the filters drop reached the function: %s", e)
		}
	}
}
