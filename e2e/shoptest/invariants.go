package shoptest

import (
	"context"
	"fmt"
	"sort"
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

// CheckInvariants waits until every order the suite placed is final, reads what the invariants
// need from the API and the SQS API only, and fails the test with each one that breaks (see
// Violations).
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

	var f Facts
	for id, u := range orders {
		o := AwaitFinal(t, u, id)
		p, paid := GetPayment(t, u, id)
		f.Orders = append(f.Orders, OrderFacts{ID: id, Found: true, Order: o, Payment: p, Paid: paid, Delivered: done[id]})
	}
	for id, set := range onHand {
		f.Products = append(f.Products, ProductFacts{ID: id, Set: set, Stock: GetStock(t, id)})
	}
	f.DLQDepths = DLQDepths(t)
	for _, v := range Violations(f) {
		t.Errorf("invariant: %s", v)
	}
	t.Logf("invariants hold: %d orders, %d products, %d dead-letter queues", len(orders), len(onHand), len(target.DeadLetterQueues))
}

// Facts is what the invariants are computed from, read from the outside after a run.
type Facts struct {
	// Orders are the orders the API accepted (201), each as last read.
	Orders []OrderFacts
	// Products are the products whose stock the run set, and their stock now.
	Products []ProductFacts
	// DLQDepths are the dead-letter queues' depths by URL.
	DLQDepths map[string]int
}

// OrderFacts is an accepted order as read back: GET /orders/{id} and GET /payments/{id}.
type OrderFacts struct {
	ID string
	// Found is false when GET /orders/{id} answered 404: the accepted order was lost.
	Found bool
	Order Order
	// Payment is the order's payment when Paid (GET /payments/{id} answered 200).
	Payment Payment
	Paid    bool
	// Delivered: the admin delivered the order's shipment (its stock is committed).
	Delivered bool
}

// ProductFacts is a product whose stock was set to Set, and its stock as read back.
type ProductFacts struct {
	ID    string
	Set   int
	Stock Stock
}

// Violations returns each invariant f breaks, as a sentence (none: they hold):
//   - every accepted order is still there (not lost) and in a final state;
//   - per product: onHand = available + reserved, available ≥ 0; reserved = the quantities of
//     the orders that hold a reservation (CONFIRMED and not delivered); onHand = the stock set
//     minus the quantities delivered (stock is conserved);
//   - payments: each CONFIRMED order has one SUCCEEDED payment of its total, a CANCELLED one
//     none or a REFUNDED one, a FAILED one none or a DECLINED one; so successful charges −
//     refunds = the totals of the CONFIRMED orders;
//   - every dead-letter queue is empty.
func Violations(f Facts) []string {
	var out []string
	reserved := map[string]int{}
	shipped := map[string]int{}
	var confirmedTotals, charged int64
	for _, of := range f.Orders {
		id, o, p, paid := of.ID, of.Order, of.Payment, of.Paid
		if !of.Found {
			out = append(out, fmt.Sprintf("order %s was accepted but is lost (404)", id))
			continue
		}
		if !Final(o.Status) {
			out = append(out, fmt.Sprintf("order %s is %s, not in a final state", id, o.Status))
		}
		switch o.Status {
		case Confirmed, Delivered:
			confirmedTotals += o.Total.Amount
			for _, l := range o.Lines {
				if of.Delivered {
					shipped[l.ProductID] += l.Quantity
				} else {
					reserved[l.ProductID] += l.Quantity
				}
			}
			if !paid || p.Status != "SUCCEEDED" || p.Amount != o.Total {
				out = append(out, fmt.Sprintf("CONFIRMED order %s (total %+v) has payment %+v (found %v), want SUCCEEDED of the total", id, o.Total, p, paid))
			}
		case Cancelled:
			if paid && p.Status != "REFUNDED" {
				out = append(out, fmt.Sprintf("CANCELLED order %s has payment %+v, want none or REFUNDED", id, p))
			}
		case Failed:
			if paid && p.Status != "DECLINED" {
				out = append(out, fmt.Sprintf("FAILED order %s has payment %+v, want none or DECLINED", id, p))
			}
		}
		if paid && p.Status == "SUCCEEDED" {
			charged += p.Amount.Amount
		}
	}
	if charged != confirmedTotals {
		out = append(out, fmt.Sprintf("successful charges − refunds = %d, want the CONFIRMED orders' totals %d", charged, confirmedTotals))
	}
	for _, pf := range f.Products {
		id, s, set := pf.ID, pf.Stock, pf.Set
		if s.OnHand != s.Available+s.Reserved || s.Available < 0 || s.Reserved < 0 {
			out = append(out, fmt.Sprintf("product %s stock %+v: want onHand = available + reserved, none negative", id, s))
		}
		if s.Reserved != reserved[id] {
			out = append(out, fmt.Sprintf("product %s reserved %d, want %d (the lines of the orders holding a reservation)", id, s.Reserved, reserved[id]))
		}
		if s.OnHand != set-shipped[id] {
			out = append(out, fmt.Sprintf("product %s onHand %d, want %d set − %d delivered", id, s.OnHand, set, shipped[id]))
		}
	}
	urls := make([]string, 0, len(f.DLQDepths))
	for u := range f.DLQDepths {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	for _, u := range urls {
		if n := f.DLQDepths[u]; n != 0 {
			out = append(out, fmt.Sprintf("dead-letter queue %s holds %d messages, want 0", u, n))
		}
	}
	return out
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
	depths, err := ReadDLQDepths(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return depths
}

// ReadDLQDepths is DLQDepths that returns its error, for tools outside tests.
func ReadDLQDepths(ctx context.Context) (map[string]int, error) {
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
			return nil, fmt.Errorf("GetQueueAttributes %s: %w", url, err)
		}
		for _, v := range out.Attributes {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("queue %s: attribute %q is not a number", url, v)
			}
			depths[url] += n
		}
	}
	return depths, nil
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
