package sdk

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// QueueReader receives from one SQS queue as a consumer must: at least once. A receive whose
// answer is lost on the way (Go's transport can close the connection while the SDK reads a
// 200; aws-sdk-go-v2 #1825, #2737) is retried by the SDK, and the first receive's messages
// stay in flight for its visibility timeout. So the reader's receives ask for a short one,
// and a message received again (the same message id) is returned once. A sender's duplicate
// deliveries are separate messages with their own ids, and are returned.
type QueueReader struct {
	Client *sqs.Client
	URL    string
	// VisibilityTimeout of each receive, in seconds; the queue's own when 0.
	VisibilityTimeout int32
	// Delete deletes every message received (a reader that drains the queue); otherwise a
	// message comes back after the timeout and is skipped then.
	Delete bool

	seen map[string]bool
}

// Receive long-polls the queue once, for up to wait seconds and at most max messages, and
// returns the messages it has not returned before.
func (r *QueueReader) Receive(ctx context.Context, max, wait int32) ([]types.Message, error) {
	out, err := r.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(r.URL), MaxNumberOfMessages: max, WaitTimeSeconds: wait,
		VisibilityTimeout: r.VisibilityTimeout,
	})
	if err != nil {
		return nil, err
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	var fresh []types.Message
	for _, m := range out.Messages {
		if r.Delete {
			if _, err := r.Client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(r.URL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return nil, err
			}
		}
		if id := aws.ToString(m.MessageId); !r.seen[id] {
			r.seen[id] = true
			fresh = append(fresh, m)
		}
	}
	return fresh, nil
}
