package shopfaults

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/local/sdk"
)

// busName is the shop's event bus (infra.EventBusName; not imported, to keep the CDK app out
// of this test binary).
const busName = "microshop"

// everything matches every event the shop's services publish.
const everything = `{"source":["microshop.catalog","microshop.cart","microshop.orders","microshop.inventory","microshop.payments","microshop.shipping"]}`

// tap collects every event on the bus (runtime.Tap) in the background, so a test can count
// the distinct events that name an order.
type tap struct {
	mu     sync.Mutex
	events []envelope.Envelope
	cancel context.CancelFunc
	done   chan struct{}
}

func newTap(ctx context.Context) (*tap, error) {
	url, err := rt.Tap(busName, []byte(everything))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	b := &tap{cancel: cancel, done: make(chan struct{})}
	q := sdk.SQS(rt.EdgeURL())
	go func() {
		defer close(b.done)
		for ctx.Err() == nil {
			// A short visibility timeout: a receive whose answer is lost in transit (the SDK
			// retries it) leaves its messages in flight for that long only, not for the
			// queue's 30 s, longer than a saga's bound; distinct counts a redelivery once.
			out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 3})
			if err != nil {
				continue
			}
			for _, m := range out.Messages {
				b.add(aws.ToString(m.Body))
				_, _ = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
			}
		}
	}()
	return b, nil
}

func (b *tap) stop() {
	b.cancel()
	<-b.done
}

// add records one EventBridge event delivered to the tap queue.
func (b *tap) add(body string) {
	var eb struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal([]byte(body), &eb) != nil {
		return
	}
	env, err := envelope.Decode(eb.Detail)
	if err != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, env)
}

// distinct returns, per type, how many distinct events naming the order arrived.
func (b *tap) distinct(orderID string) map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := map[string]map[string]bool{}
	q := strconv.Quote(orderID)
	for _, env := range b.events {
		if !strings.Contains(string(env.Data), q) {
			continue
		}
		if ids[env.Type] == nil {
			ids[env.Type] = map[string]bool{}
		}
		ids[env.Type][env.ID] = true
	}
	out := map[string]int{}
	for typ, set := range ids {
		out[typ] = len(set)
	}
	return out
}

// expectEvents waits until the order's events include want (distinct event ids by type) and
// wants exactly want: a type missing is a lost event, a second distinct event of a type is
// a step (a charge, a compensation) done twice. Redeliveries of one event id are allowed.
func (b *tap) expectEvents(t *testing.T, orderID string, want map[string]int) {
	t.Helper()
	var got map[string]int
	shoptest.Eventually(t, sagaBound, "events of order "+orderID, func() (bool, string) {
		got = b.distinct(orderID)
		for typ, n := range want {
			if got[typ] < n {
				return false, fmt.Sprintf("%v", got)
			}
		}
		return true, ""
	})
	for typ, n := range got {
		if n != want[typ] {
			t.Errorf("order %s: %d distinct %s events, want %d (all: %v)", orderID, n, typ, want[typ], got)
		}
	}
}
