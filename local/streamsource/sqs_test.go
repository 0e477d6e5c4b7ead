package streamsource_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/sqsqueue"
	"github.com/microshop/microshop/local/streamsource"
)

// TestOnFailureToSQSQueue wires the destination the way the runtime does: the on-failure
// record becomes the body of a message in the destination queue.
func TestOnFailureToSQSQueue(t *testing.T) {
	e := newEngine(t, "NEW_IMAGE", ddbengine.Options{})
	queues := sqsqueue.New(sqsqueue.Options{})
	if _, err := queues.CreateQueue("orders-stream-dlq", nil); err != nil {
		t.Fatal(err)
	}
	arn, err := queues.QueueARN("orders-stream-dlq")
	if err != nil {
		t.Fatal(err)
	}
	put(t, e, "poison")
	fn := &function{respond: func(_ int, recs []events.DynamoDBEventRecord) *lambdahost.Result {
		if slices.Contains(ids(recs), "poison") {
			return fail()
		}
		return nil
	}}
	cfg := config(e, fn, streamsource.TrimHorizon)
	cfg.MaximumRetryAttempts = new(0)
	cfg.DestinationARN = arn
	cfg.OnFailure = func(_ context.Context, info []byte) error {
		_, err := queues.Send("orders-stream-dlq", sqsqueue.SendInput{Body: string(info)})
		return err
	}
	start(t, cfg)

	wait := 5
	msgs, err := queues.Receive(context.Background(), "orders-stream-dlq", sqsqueue.ReceiveInput{WaitTimeSeconds: &wait})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Receive: %v, %d messages", err, len(msgs))
	}
	var fr streamsource.FailureRecord
	if err := json.Unmarshal([]byte(msgs[0].Body), &fr); err != nil {
		t.Fatal(err)
	}
	if fr.RequestContext.Condition != streamsource.RetryAttemptsExhausted || fr.DDBStreamBatchInfo.StreamARN != e.StreamARN(table) {
		t.Errorf("on-failure record %+v", fr)
	}
}
