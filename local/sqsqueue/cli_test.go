package sqsqueue_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// aws runs the AWS CLI against the endpoint with dummy credentials and returns its stdout,
// stderr and whether it succeeded. The CLI is a real SQS JSON protocol client: it maps
// errors by the x-amzn-query-error header, as the SDKs do.
func awsCLI(t *testing.T, endpoint string, args ...string) (stdout, stderr string, ok bool) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "aws", append([]string{"sqs", "--endpoint-url", endpoint, "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_PAGER=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err == nil
}

func TestAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the AWS CLI is not installed: these tests drive the API as a user would, with `aws`")
	}
	t.Parallel()
	_, c := startAPI(t)

	out, errOut, ok := awsCLI(t, c.endpoint, "create-queue", "--queue-name", "cli-q", "--attributes", "VisibilityTimeout=5")
	if !ok {
		t.Fatalf("create-queue: %s", errOut)
	}
	var created struct{ QueueUrl string }
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.QueueUrl != c.endpoint+"/000000000000/cli-q" {
		t.Fatalf("create-queue output %q (%v)", out, err)
	}

	out, errOut, ok = awsCLI(t, c.endpoint, "send-message", "--queue-url", created.QueueUrl, "--message-body", "hello cli",
		"--message-attributes", `{"kind":{"DataType":"String","StringValue":"greeting"}}`)
	if !ok {
		t.Fatalf("send-message: %s", errOut)
	}
	var sent struct{ MessageId, MD5OfMessageBody, MD5OfMessageAttributes string }
	if err := json.Unmarshal([]byte(out), &sent); err != nil || sent.MD5OfMessageBody != md5Of("hello cli") || sent.MD5OfMessageAttributes == "" {
		t.Fatalf("send-message output %q (%v)", out, err)
	}

	out, errOut, ok = awsCLI(t, c.endpoint, "receive-message", "--queue-url", created.QueueUrl,
		"--message-attribute-names", "All", "--attribute-names", "All", "--wait-time-seconds", "1")
	if !ok {
		t.Fatalf("receive-message: %s", errOut)
	}
	var recv receiveOutput
	if err := json.Unmarshal([]byte(out), &recv); err != nil || len(recv.Messages) != 1 {
		t.Fatalf("receive-message output %q (%v)", out, err)
	}
	m := recv.Messages[0]
	if m.MessageId != sent.MessageId || m.Body != "hello cli" || m.MessageAttributes["kind"].StringValue != "greeting" ||
		m.MD5OfMessageAttributes != sent.MD5OfMessageAttributes || m.Attributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("received %+v", m)
	}

	if _, errOut, ok = awsCLI(t, c.endpoint, "delete-message", "--queue-url", created.QueueUrl, "--receipt-handle", m.ReceiptHandle); !ok {
		t.Errorf("delete-message: %s", errOut)
	}

	_, errOut, ok = awsCLI(t, c.endpoint, "get-queue-url", "--queue-name", "nope")
	if ok || !strings.Contains(errOut, "AWS.SimpleQueueService.NonExistentQueue") {
		t.Errorf("get-queue-url of a missing queue: ok=%v stderr=%q, want AWS.SimpleQueueService.NonExistentQueue", ok, errOut)
	}
	_, errOut, ok = awsCLI(t, c.endpoint, "delete-message", "--queue-url", created.QueueUrl, "--receipt-handle", "bogus")
	if ok || !strings.Contains(errOut, "ReceiptHandleIsInvalid") {
		t.Errorf("delete-message with a bad handle: ok=%v stderr=%q, want ReceiptHandleIsInvalid", ok, errOut)
	}
}
