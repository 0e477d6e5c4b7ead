package sdk_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/sqsqueue"
)

// queue serves SQS behind the edge router, as the local runtime does, and creates a queue.
func queue(t *testing.T) (*sqs.Client, string) {
	t.Helper()
	e := edge.New()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	e.Handle(edge.SQS, sqsqueue.New(sqsqueue.Options{Region: sdk.Region, AccountID: "000000000000", BaseURL: srv.URL}))
	c := sdk.SQS(srv.URL)
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	return c, aws.ToString(out.QueueUrl)
}

func send(t *testing.T, c *sqs.Client, url, body string) {
	t.Helper()
	if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
}

// counts is the queue's messages waiting and in flight.
func counts(t *testing.T, c *sqs.Client, url string) (visible, inFlight string) {
	t.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{
		types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	}})
	if err != nil {
		t.Fatal(err)
	}
	a := out.Attributes
	return a[string(types.QueueAttributeNameApproximateNumberOfMessages)], a[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)]
}

func bodies(msgs []types.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, aws.ToString(m.Body))
	}
	return out
}

func TestQueueReaderReturnsEachMessageOnce(t *testing.T) {
	c, url := queue(t)
	ctx := context.Background()
	r := sdk.QueueReader{Client: c, URL: url, VisibilityTimeout: 1}
	send(t, c, url, "a")
	send(t, c, url, "b")
	got, err := r.Receive(ctx, 10, 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("first receive: %q, %v; want a and b", bodies(got), err)
	}
	if v, f := counts(t, c, url); v != "0" || f != "2" {
		t.Fatalf("after the first receive: %s waiting, %s in flight; want 0 and 2 (its visibility timeout)", v, f)
	}

	// After the visibility timeout both come back: the reader receives them (in flight again)
	// and returns neither.
	time.Sleep(1100 * time.Millisecond)
	got, err = r.Receive(ctx, 10, 0)
	if err != nil || len(got) != 0 {
		t.Fatalf("second receive: %q, %v; want nothing new", bodies(got), err)
	}
	if v, f := counts(t, c, url); v != "0" || f != "2" {
		t.Fatalf("after the second receive: %s waiting, %s in flight; want 0 and 2 (received again)", v, f)
	}

	// A message sent again is a new message, with its own id: returned.
	send(t, c, url, "a")
	got, err = r.Receive(ctx, 10, 0)
	if err != nil || len(got) != 1 || aws.ToString(got[0].Body) != "a" {
		t.Fatalf("third receive: %q, %v; want the second a", bodies(got), err)
	}
}

func TestQueueReaderDeletes(t *testing.T) {
	c, url := queue(t)
	r := sdk.QueueReader{Client: c, URL: url, VisibilityTimeout: 30, Delete: true}
	send(t, c, url, "a")
	got, err := r.Receive(context.Background(), 10, 1)
	if err != nil || len(got) != 1 || aws.ToString(got[0].Body) != "a" {
		t.Fatalf("receive: %q, %v; want a", bodies(got), err)
	}
	if v, f := counts(t, c, url); v != "0" || f != "0" {
		t.Fatalf("after a deleting receive: %s waiting, %s in flight; want none", v, f)
	}
}
