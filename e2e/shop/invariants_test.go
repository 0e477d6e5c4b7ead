package shop

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/microshop/microshop/local/sdk"
)

// ledger is what the suite did to the shop: the products it stocked and the orders it placed,
// so the invariants can be computed from the outside.
type ledger struct {
	mu        sync.Mutex
	onHand    map[string]int // product id → stock set at creation
	orders    map[string]*user
	delivered map[string]bool // order ids whose shipment the admin delivered
}

var tracked = &ledger{onHand: map[string]int{}, orders: map[string]*user{}, delivered: map[string]bool{}}

func (l *ledger) addProduct(id string, onHand int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onHand[id] = onHand
}

func (l *ledger) addOrder(u *user, o order) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.orders[o.ID] = u
}

func (l *ledger) deliver(orderID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.delivered[orderID] = true
}

// checkInvariants waits until every order the suite placed is final and then checks, from the
// API and the SQS API only:
//   - per product: onHand = available + reserved, available ≥ 0; reserved = the quantities of
//     the orders that hold a reservation (CONFIRMED and not delivered); onHand = the stock set
//     minus the quantities delivered;
//   - payments: each CONFIRMED order has one SUCCEEDED payment of its total, a CANCELLED one
//     none or a REFUNDED one, a FAILED one none or a DECLINED one; so successful charges −
//     refunds = the totals of the CONFIRMED orders;
//   - every dead-letter queue of the template is empty.
func checkInvariants(t *testing.T) {
	t.Helper()
	tracked.mu.Lock()
	orders := make(map[string]*user, len(tracked.orders))
	for id, u := range tracked.orders {
		orders[id] = u
	}
	onHand := make(map[string]int, len(tracked.onHand))
	for id, n := range tracked.onHand {
		onHand[id] = n
	}
	done := make(map[string]bool, len(tracked.delivered))
	for id := range tracked.delivered {
		done[id] = true
	}
	tracked.mu.Unlock()

	payments := hasAll(paymentRoutes)
	reserved := map[string]int{}
	shipped := map[string]int{}
	var confirmedTotals, charged int64
	for id, u := range orders {
		o := awaitFinal(t, u, id)
		if !payments {
			// Without payments an order ends only by failing for stock; it holds no stock.
			continue
		}
		p, paid := getPayment(t, u, id)
		switch o.Status {
		case confirmed, delivered:
			confirmedTotals += o.Total.Amount
			for _, l := range o.Lines {
				if done[id] {
					shipped[l.ProductID] += l.Quantity
				} else {
					reserved[l.ProductID] += l.Quantity
				}
			}
			if !paid || p.Status != "SUCCEEDED" || p.Amount != o.Total {
				t.Errorf("invariant: CONFIRMED order %s (total %+v) has payment %+v (found %v), want SUCCEEDED of the total", id, o.Total, p, paid)
			}
		case cancelled:
			if paid && p.Status != "REFUNDED" {
				t.Errorf("invariant: CANCELLED order %s has payment %+v, want none or REFUNDED", id, p)
			}
		case failed:
			if paid && p.Status != "DECLINED" {
				t.Errorf("invariant: FAILED order %s has payment %+v, want none or DECLINED", id, p)
			}
		}
		if paid && p.Status == "SUCCEEDED" {
			charged += p.Amount.Amount
		}
	}
	if charged != confirmedTotals {
		t.Errorf("invariant: successful charges − refunds = %d, want the CONFIRMED orders' totals %d", charged, confirmedTotals)
	}
	for id, set := range onHand {
		s := getStock(t, id)
		if s.OnHand != s.Available+s.Reserved || s.Available < 0 || s.Reserved < 0 {
			t.Errorf("invariant: product %s stock %+v: want onHand = available + reserved, none negative", id, s)
		}
		if s.Reserved != reserved[id] {
			t.Errorf("invariant: product %s reserved %d, want %d (the lines of the orders holding a reservation)", id, s.Reserved, reserved[id])
		}
		if s.OnHand != set-shipped[id] {
			t.Errorf("invariant: product %s onHand %d, want %d set − %d delivered", id, s.OnHand, set, shipped[id])
		}
	}
	checkDLQsEmpty(t)
	t.Logf("invariants hold: %d orders, %d products, %d dead-letter queues", len(orders), len(onHand), len(deadLetterQueues()))
}

// afterScenario registers the invariants to run when the scenario ends.
func afterScenario(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		if !t.Failed() {
			checkInvariants(t)
		}
	})
}

// deadLetterQueues returns the names of the template's dead-letter queues: the targets of the
// queues' redrive policies and of the functions' DeadLetterConfig.
func deadLetterQueues() []string {
	arns := map[string]bool{}
	for _, q := range rt.Model().Queues {
		if q.RedrivePolicy != nil {
			arns[q.RedrivePolicy.DeadLetterTargetARN] = true
		}
	}
	for _, fn := range rt.Model().Functions {
		if fn.DeadLetterTargetARN != "" {
			arns[fn.DeadLetterTargetARN] = true
		}
	}
	var names []string
	for arn := range arns {
		if strings.HasPrefix(arn, "arn:aws:sqs:") {
			names = append(names, arn[strings.LastIndex(arn, ":")+1:])
		}
	}
	return names
}

// dlqDepths reads each dead-letter queue's depth through the SQS API: messages visible plus
// in flight, by queue name.
func dlqDepths(t *testing.T) map[string]int {
	t.Helper()
	ctx := context.Background()
	c := sdk.SQS(rt.EdgeURL())
	depths := map[string]int{}
	for _, name := range deadLetterQueues() {
		u, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatalf("GetQueueUrl %s: %v", name, err)
		}
		out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: u.QueueUrl,
			AttributeNames: []sqstypes.QueueAttributeName{
				sqstypes.QueueAttributeNameApproximateNumberOfMessages,
				sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
			},
		})
		if err != nil {
			t.Fatalf("GetQueueAttributes %s: %v", name, err)
		}
		for _, v := range out.Attributes {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("queue %s: attribute %q is not a number", name, v)
			}
			depths[name] += n
		}
	}
	return depths
}

// checkDLQsEmpty wants every dead-letter queue empty.
func checkDLQsEmpty(t *testing.T) {
	t.Helper()
	for name, n := range dlqDepths(t) {
		if n != 0 {
			t.Errorf("invariant: dead-letter queue %s holds %d messages, want 0", name, n)
		}
	}
}

// TestDeadLetterQueuesAreSeen proves that the DLQ check would see a message: it sends one to a
// dead-letter queue of the template, sees dlqDepths count it, and takes it out again.
func TestDeadLetterQueuesAreSeen(t *testing.T) {
	names := deadLetterQueues()
	if len(names) == 0 {
		t.Fatal("the template has no dead-letter queue")
	}
	ctx := context.Background()
	c := sdk.SQS(rt.EdgeURL())
	u, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(names[0])})
	if err != nil {
		t.Fatal(err)
	}
	before := dlqDepths(t)[names[0]]
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: u.QueueUrl, MessageBody: aws.String(`{"probe":true}`)}); err != nil {
		t.Fatal(err)
	}
	if got := dlqDepths(t)[names[0]]; got != before+1 {
		t.Errorf("dead-letter queue %s: depth %d after one SendMessage, want %d", names[0], got, before+1)
	}
	msgs, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: u.QueueUrl, MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs.Messages {
		if aws.ToString(m.Body) != `{"probe":true}` {
			t.Errorf("dead-letter queue %s held a message of the stack: %s", names[0], aws.ToString(m.Body))
		}
		if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: u.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	checkDLQsEmpty(t)
}
