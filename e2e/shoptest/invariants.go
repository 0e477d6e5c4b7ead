package shoptest

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Ledger is what the suite did to the shop: the products it stocked and the orders it placed,
// so the invariants can be computed from the outside.
type Ledger struct {
	mu         sync.Mutex
	onHand     map[string]int // product id → stock set at creation
	orders     map[string]*User
	handedOver map[string]bool // order ids whose shipment the admin delivered
}

// Tracked is the suite's ledger: NewProduct, PlaceOrder and PlaceCartOrder add to it.
var Tracked = &Ledger{onHand: map[string]int{}, orders: map[string]*User{}, handedOver: map[string]bool{}}

// AddProduct records a product stocked with onHand units.
func (l *Ledger) AddProduct(id string, onHand int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onHand[id] = onHand
}

// AddOrder records an order u placed.
func (l *Ledger) AddOrder(u *User, o Order) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.orders[o.ID] = u
}

// Deliver records that the admin delivered the order's shipment (its stock is committed).
func (l *Ledger) Deliver(orderID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.handedOver[orderID] = true
}

// CheckInvariants waits until every order the suite placed is final and then checks, from the
// API and the SQS API only:
//   - per product: onHand = available + reserved, available ≥ 0; reserved = the quantities of
//     the orders that hold a reservation (CONFIRMED and not delivered); onHand = the stock set
//     minus the quantities delivered;
//   - payments: each CONFIRMED order has one SUCCEEDED payment of its total, a CANCELLED one
//     none or a REFUNDED one, a FAILED one none or a DECLINED one; so successful charges −
//     refunds = the totals of the CONFIRMED orders;
//   - every dead-letter queue of the template is empty.
func CheckInvariants(t *testing.T) {
	t.Helper()
	Tracked.mu.Lock()
	orders := make(map[string]*User, len(Tracked.orders))
	for id, u := range Tracked.orders {
		orders[id] = u
	}
	onHand := make(map[string]int, len(Tracked.onHand))
	for id, n := range Tracked.onHand {
		onHand[id] = n
	}
	done := make(map[string]bool, len(Tracked.handedOver))
	for id := range Tracked.handedOver {
		done[id] = true
	}
	Tracked.mu.Unlock()

	reserved := map[string]int{}
	shipped := map[string]int{}
	var confirmedTotals, charged int64
	for id, u := range orders {
		o := AwaitFinal(t, u, id)
		p, paid := GetPayment(t, u, id)
		switch o.Status {
		case Confirmed, Delivered:
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
		case Cancelled:
			if paid && p.Status != "REFUNDED" {
				t.Errorf("invariant: CANCELLED order %s has payment %+v, want none or REFUNDED", id, p)
			}
		case Failed:
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
		s := GetStock(t, id)
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
	CheckDLQsEmpty(t)
	t.Logf("invariants hold: %d orders, %d products, %d dead-letter queues", len(orders), len(onHand), len(target.DeadLetterQueues))
}

// AfterScenario registers the invariants to run when the scenario ends.
func AfterScenario(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		if !t.Failed() {
			CheckInvariants(t)
		}
	})
}

// DLQDepths reads each dead-letter queue's depth (Target.DeadLetterQueues) through the SQS
// API: messages visible plus in flight, by queue URL.
func DLQDepths(t testing.TB) map[string]int {
	t.Helper()
	ctx := context.Background()
	depths := map[string]int{}
	for _, url := range target.DeadLetterQueues {
		out, err := clients.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(url),
			AttributeNames: []sqstypes.QueueAttributeName{
				sqstypes.QueueAttributeNameApproximateNumberOfMessages,
				sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
			},
		})
		if err != nil {
			t.Fatalf("GetQueueAttributes %s: %v", url, err)
		}
		for _, v := range out.Attributes {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("queue %s: attribute %q is not a number", url, v)
			}
			depths[url] += n
		}
	}
	return depths
}

// CheckDLQsEmpty wants every dead-letter queue empty.
func CheckDLQsEmpty(t *testing.T) {
	t.Helper()
	for name, n := range DLQDepths(t) {
		if n != 0 {
			t.Errorf("invariant: dead-letter queue %s holds %d messages, want 0", name, n)
		}
	}
}
