package shopfaults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/local/faults"
	"github.com/microshop/microshop/local/sdk"
)

// step is one step of the order saga and where its faults go.
type step struct {
	name     string
	function string // the function that runs the step
	table    string // logical id prefix of the table it writes
	api      bool   // called synchronously by the HTTP API (no event source)
}

// steps are the saga's steps: the HTTP call that places the order, the consumers of its
// events, and the publishers that carry every service's outbox to the bus (the orders
// service's stands for them: its stream carries OrderPlaced, OrderConfirmed, OrderFailed,
// OrderCancelled).
var steps = []step{
	{name: "place-order", function: "orders-place-order", table: "OrdersTable", api: true},
	{name: "reserve", function: "inventory-reserve-stock", table: "InventoryTable"},
	{name: "charge", function: "payments-charge", table: "PaymentsTable"},
	{name: "create-shipment", function: "shipping-create-shipment", table: "ShippingTable"},
	{name: "orders-on-saga", function: "orders-on-saga", table: "OrdersTable"},
	{name: "publishers", function: "orders-publish-events", table: "OrdersTable"},
}

// sourceOf is the event source (queue name, or table name for a stream) of a function's
// event source mapping.
func sourceOf(t *testing.T, function string) string {
	t.Helper()
	m := rt.Model()
	for _, esm := range m.EventSourceMappings {
		fn := m.Functions[esm.Function]
		if fn == nil || fn.Name != function {
			continue
		}
		for _, q := range m.Queues {
			if q.ARN == esm.EventSourceARN {
				return q.Name
			}
		}
		for _, tb := range m.Tables {
			if tb.StreamARN != "" && tb.StreamARN == esm.EventSourceARN {
				return tb.Name
			}
		}
	}
	t.Fatalf("function %s has no event source mapping of the template", function)
	return ""
}

// tableName is the name of the table whose logical id starts with prefix.
func tableName(t *testing.T, prefix string) string {
	t.Helper()
	for _, tb := range rt.Model().Tables {
		if strings.HasPrefix(tb.LogicalID, prefix) {
			return tb.Name
		}
	}
	t.Fatalf("no table %s* in the template", prefix)
	return ""
}

// sagaBound bounds how long an order may take to reach its final state (and its events to
// arrive); make chaos, whose orders may meet several faults, allows more.
var sagaBound = shoptest.SagaTimeout

// The events each kind of journey publishes about its order, exactly once each (distinct
// event ids; a redelivered event keeps its id).
var (
	confirmedEvents = map[string]int{"OrderPlaced": 1, "StockReserved": 1, "PaymentSucceeded": 1, "ShipmentCreated": 1, "OrderConfirmed": 1}
	failedEvents    = map[string]int{"OrderPlaced": 1, "StockReserved": 1, "PaymentFailed": 1, "OrderFailed": 1, "StockReleased": 1}
	cancelledEvents = map[string]int{"OrderPlaced": 1, "StockReserved": 1, "PaymentSucceeded": 1, "ShipmentCreated": 1, "OrderConfirmed": 1,
		"OrderCancelled": 1, "PaymentRefunded": 1, "StockReleased": 1}
)

// journeys runs n rounds of three orders at once on product p (made before the faults, as
// the admin's calls are not under test): one CONFIRMED, one whose
// charge is declined (FAILED: the reservation is released), one CONFIRMED then CANCELLED
// (refunded, released). Each must reach its final state within shoptest.SagaTimeout and
// publish exactly its events: none lost, no step or compensation twice.
func journeys(t *testing.T, p shoptest.Product, n int) {
	t.Helper()
	t.Run("orders", func(t *testing.T) {
		for i := range n {
			t.Run("confirmed-"+shoptest.Itoa(i), func(t *testing.T) {
				t.Parallel()
				c := shoptest.Customer(t)
				o := placeOrder(t, c, shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 1)))
				awaitStatus(t, c, o.ID, shoptest.Confirmed)
				bus.expectEvents(t, o.ID, confirmedEvents)
			})
			t.Run("declined-"+shoptest.Itoa(i), func(t *testing.T) {
				t.Parallel()
				c := shoptest.Customer(t)
				o := placeOrder(t, c, shoptest.OrderBody("tok_chargeDeclined", shoptest.LineOf(p.ID, 2)))
				awaitStatus(t, c, o.ID, shoptest.Failed)
				bus.expectEvents(t, o.ID, failedEvents)
			})
			t.Run("cancelled-"+shoptest.Itoa(i), func(t *testing.T) {
				t.Parallel()
				c := shoptest.Customer(t)
				o := placeOrder(t, c, shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 3)))
				awaitStatus(t, c, o.ID, shoptest.Confirmed)
				cancel(t, c, o.ID)
				awaitStatus(t, c, o.ID, shoptest.Cancelled)
				bus.expectEvents(t, o.ID, cancelledEvents)
			})
		}
	})
}

// placeOrder sends POST /orders until it is accepted, as a careful client does: a 5xx, 429
// or 409 (the first try still running) is retried with the same Idempotency-Key, so an
// order a crashed call made is found, not made twice; a 404 or 422 (the orders service has
// not heard of the product yet) with a new key.
func placeOrder(t *testing.T, u *shoptest.User, body map[string]any) shoptest.Order {
	t.Helper()
	key := shoptest.NewKey()
	var r shoptest.Response
	shoptest.Eventually(t, sagaBound, "POST /orders", func() (bool, string) {
		var err error
		if r, err = shoptest.Send(u, "POST", "/orders", body, "Idempotency-Key", key); err != nil {
			return false, err.Error()
		}
		if r.Status == http.StatusNotFound || r.Status == http.StatusUnprocessableEntity {
			key = shoptest.NewKey()
		}
		return r.Status == http.StatusCreated, r.String()
	})
	o := shoptest.Want[shoptest.Order](t, r, http.StatusCreated)
	shoptest.Tracked.AddOrder(u, o)
	return o
}

// cancel sends POST /orders/{id}/cancel until it answers 200, with one Idempotency-Key.
func cancel(t *testing.T, u *shoptest.User, id string) {
	t.Helper()
	key := shoptest.NewKey()
	shoptest.Eventually(t, sagaBound, "cancel "+id, func() (bool, string) {
		r, err := shoptest.Send(u, "POST", "/orders/"+id+"/cancel", nil, "Idempotency-Key", key)
		if err != nil {
			return false, err.Error()
		}
		return r.Status == http.StatusOK, r.String()
	})
}

// awaitStatus waits for the order's final state within sagaBound and wants it to be want.
func awaitStatus(t *testing.T, u *shoptest.User, id, want string) {
	t.Helper()
	var o shoptest.Order
	shoptest.Eventually(t, sagaBound, "order "+id+" final", func() (bool, string) {
		// A 5xx (a DynamoDB fault the SDK's retries did not absorb) is retried, as a
		// client does.
		r, err := shoptest.Send(u, "GET", "/orders/"+id, nil)
		if err != nil || r.Status != http.StatusOK {
			return false, fmt.Sprint(r, err)
		}
		if err := json.Unmarshal(r.Body, &o); err != nil {
			t.Fatalf("GET /orders/%s: %v: %s", id, err, r)
		}
		return shoptest.Final(o.Status), o.Status
	})
	if o.Status != want {
		t.Fatalf("order %s ended %s, want %s", id, o.Status, want)
	}
}

// withFaults applies rules while body runs, then wants each rule to have fired at least
// once (the cell's proof that its fault was injected) and the shop's invariants to hold.
func withFaults(t *testing.T, rules []faults.Rule, body func()) {
	t.Helper()
	if err := inj.Set(rules); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = inj.Set(nil) }()
	body()
	fired := inj.Fired()
	for _, r := range rules {
		t.Run(r.Name, func(t *testing.T) {
			if fired[r.Name] == 0 {
				t.Errorf("fault %s never fired", r.Name)
			}
			t.Logf("fired %d times", fired[r.Name])
		})
	}
	_ = inj.Set(nil)
	shoptest.CheckInvariants(t)
}

// TestMatrix injects each fault at each saga step (one round per fault, one rule per step,
// each firing once: probability 1, max 1) while three journeys run.
func TestMatrix(t *testing.T) {
	type cell struct {
		fault string
		steps func(step) bool
	}
	all := func(step) bool { return true }
	consumers := func(s step) bool { return !s.api }
	// The function timeout is the template's (10 s), so one step holds it in make test;
	// make chaos times out every step.
	charge := func(s step) bool { return s.name == "charge" }
	cells := []cell{
		{faults.CrashBefore, all}, {faults.CrashAfter, all}, {faults.Error, all},
		{faults.Latency, all}, {faults.Throttle, all}, {faults.Timeout, charge},
		{faults.Duplicate, consumers}, {faults.Reorder, consumers}, {"throttle-source", consumers},
		{faults.ThroughputExceeded, all}, {faults.TransactionConflict, all},
	}
	for i, c := range cells {
		t.Run(c.fault, func(t *testing.T) {
			var rules []faults.Rule
			seen := map[string]bool{}
			for j, s := range steps {
				if !c.steps(s) {
					continue
				}
				r := faults.Rule{Name: c.fault + "@" + s.name, Fault: c.fault, Probability: 1, Max: 1, Seed: uint64(100*i + j)}
				switch c.fault {
				case faults.Duplicate, faults.Reorder:
					r.Source = sourceOf(t, s.function)
				case "throttle-source":
					r.Fault, r.Source = faults.Throttle, sourceOf(t, s.function)
				case faults.ThroughputExceeded, faults.TransactionConflict:
					// One rule per table: the steps sharing a table share its rule.
					r.Table = tableName(t, s.table)
					if seen[r.Table] {
						continue
					}
					seen[r.Table] = true
					r.Name = c.fault + "@" + s.table
				case faults.Latency:
					r.Function, r.Latency = s.function, "300ms"
				default:
					r.Function = s.function
				}
				rules = append(rules, r)
			}
			p := shoptest.NewProduct(t, "Faulty Fan", 1500, 100)
			withFaults(t, rules, func() { journeys(t, p, 1) })
		})
	}
	t.Run(faults.PutEventsFail, func(t *testing.T) {
		// Every publisher's PutEvents: a third of the entries fail, up to 6.
		rules := []faults.Rule{{Name: "putevents-fail@publishers", Fault: faults.PutEventsFail, Probability: 0.34, Seed: 7, Max: 6}}
		p := shoptest.NewProduct(t, "Faulty Fan", 1500, 100)
		withFaults(t, rules, func() { journeys(t, p, 1) })
	})
}

// TestPoisonMessageToDLQ makes one consumer fail every delivery of an order's event: after
// the queue's maxReceiveCount the message is in the consumer's dead-letter queue, visible
// through the SQS API, and names the order; the order itself still completes. Moved back to
// its queue once the fault is gone (a redrive), it is consumed and the queue drains.
func TestPoisonMessageToDLQ(t *testing.T) {
	const fn = "payments-charge"
	queue := sourceOf(t, fn)
	var dlq string
	for _, q := range rt.Model().Queues {
		if q.Name == queue && q.RedrivePolicy != nil {
			dlq = q.RedrivePolicy.DeadLetterTargetARN[strings.LastIndex(q.RedrivePolicy.DeadLetterTargetARN, ":")+1:]
		}
	}
	if dlq == "" {
		t.Fatalf("queue %s has no dead-letter queue", queue)
	}
	ctx := context.Background()
	c := sdk.SQS(rt.EdgeURL())
	url := func(name string) *string {
		out, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return out.QueueUrl
	}
	dlqURL, srcURL := url(dlq), url(queue)

	p := shoptest.NewProduct(t, "Poisoned Pen", 900, 10)
	u := shoptest.Customer(t)
	if err := inj.Set([]faults.Rule{{Name: "poison", Fault: faults.Error, Function: fn, Probability: 1, Seed: 1}}); err != nil {
		t.Fatal(err)
	}
	o := placeOrder(t, u, shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 1)))
	var body string
	shoptest.Eventually(t, 30*time.Second, "the poison message in "+dlq, func() (bool, string) {
		// A 2 s visibility timeout: a receive whose answer is lost in transit (the SDK retries
		// it) leaves the message in flight for that long, not for the whole 30 s wait.
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlqURL, MaxNumberOfMessages: 10, VisibilityTimeout: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			if strings.Contains(aws.ToString(m.Body), o.ID) {
				body = aws.ToString(m.Body)
				if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: dlqURL, ReceiptHandle: m.ReceiptHandle}); err != nil {
					t.Fatal(err)
				}
				return true, ""
			}
		}
		return false, "not there yet"
	})
	fired := inj.Fired()["poison"]
	if err := inj.Set(nil); err != nil {
		t.Fatal(err)
	}
	if fired < 5 {
		t.Errorf("the charge failed %d times before the dead-letter queue, want the queue's maxReceiveCount (5)", fired)
	}
	if got := shoptest.GetOrder(t, u, o.ID).Status; got != shoptest.Pending {
		t.Errorf("order %s is %s while its charge sits in the DLQ, want PENDING", o.ID, got)
	}
	// Redrive: the message goes back to its queue; the order completes.
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: srcURL, MessageBody: aws.String(body)}); err != nil {
		t.Fatal(err)
	}
	awaitStatus(t, u, o.ID, shoptest.Confirmed)
	shoptest.CheckInvariants(t)
}
