package shoplocal

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/local/sdk"
)

// busName is the shop's event bus (infra.EventBusName; not imported, to keep the CDK app out
// of this test binary).
const busName = "microshop"

// everything matches every event the shop's services publish.
const everything = `{"source":["microshop.catalog","microshop.cart","microshop.orders","microshop.inventory","microshop.payments","microshop.shipping"]}`

// TestRedeliveryChangesNothing runs two sagas to their end through the running stack — an
// order from the cart that is CONFIRMED (and empties the cart), and an order that is
// CONFIRMED and then CANCELLED (refunded, stock released, shipment cancelled) — while a tap
// records every event the services published for them. Then it puts every recorded event on
// the bus again, twice, in reverse order, so each consumer receives each of its events twice
// more and out of order, and checks that nothing changed: the orders (status, timestamps,
// lines), the stock, the payments, the shipments, the cart, and no event was published
// anew.
//
// That the redelivery reached the consumers is proved by their invocation counts: every
// consumer whose rule matches a redelivered event ran again, and its queue was drained. That
// a new event would have been seen is proved by a sentinel order placed afterwards: its
// events pass every publisher and arrive on the same tap. The local runtime's streams have
// one shard per table, so a publisher sends a row written while redelivered events were
// consumed before the sentinel's rows.
func TestRedeliveryChangesNothing(t *testing.T) {
	shoptest.AfterScenario(t)
	recorder := newTap(t)
	p := shoptest.NewProduct(t, "Redelivered Radio", 4200, 10)
	c := shoptest.Customer(t)

	// The order from the cart: CONFIRMED, the cart emptied.
	cart := shoptest.PutCartItem(t, c, p.ID, 2)
	fromCart := shoptest.PlaceCartOrder(t, c, "tok_visa", cart.Version)
	shoptest.AwaitStatus(t, c, fromCart.ID, shoptest.Confirmed)
	emptied := shoptest.AwaitEmptyCart(t, c)
	// The cancelled order.
	cancelled := shoptest.PlaceOrder(t, c, shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 3)))
	shoptest.AwaitStatus(t, c, cancelled.ID, shoptest.Confirmed)
	if r := shoptest.Call(t, c, "POST", "/orders/"+cancelled.ID+"/cancel", nil, "Idempotency-Key", shoptest.NewKey()); r.Status != http.StatusOK {
		t.Fatalf("cancel: %s", r)
	}
	shoptest.AwaitStatus(t, c, cancelled.ID, shoptest.Cancelled)

	// Record every event of the two sagas, the product and the cart.
	ours := func(env envelope.Envelope) bool {
		return mentions(env, fromCart.ID, cancelled.ID, c.Sub, p.ID)
	}
	want := map[string]int{
		"ProductCreated": 1, "CartChanged": 2,
		"OrderPlaced": 2, "StockReserved": 2, "PaymentSucceeded": 2, "ShipmentCreated": 2, "OrderConfirmed": 2,
		"OrderCancelled": 1, "PaymentRefunded": 1, "StockReleased": 1,
	}
	recorded := recorder.collect(t, ours, want)
	if cart.Version+1 != emptied.Version {
		t.Errorf("cart versions %d then %d: want the order to empty it in one change", cart.Version, emptied.Version)
	}

	before := snapshot(t, c, fromCart.ID, cancelled.ID, p.ID)
	if before.Payments[cancelled.ID].Status != "REFUNDED" || before.Shipments[cancelled.ID].Status != "CANCELLED" ||
		before.Stock.Reserved != 2 || before.Payments[fromCart.ID].Status != "SUCCEEDED" || len(before.Cart.Items) != 0 {
		t.Fatalf("before the redelivery: %+v, want the cancelled order refunded with its shipment cancelled, 2 reserved for the other, an empty cart", before)
	}
	consumers := consumersOf(t, recorded)
	invoked := invocations(t, consumers)

	// Redeliver: every event twice, newest first.
	watcher := newTap(t)
	slices.Reverse(recorded)
	for range 2 {
		for _, env := range recorded {
			put(t, env)
		}
	}
	shoptest.Eventually(t, shoptest.SagaTimeout, "every consumer ran again and its queue is drained", func() (bool, string) {
		now := invocations(t, consumers)
		var waiting []string
		for _, fn := range consumers {
			if now[fn] == invoked[fn] {
				waiting = append(waiting, fn+" not invoked")
			}
		}
		for _, q := range consumerQueues(t) {
			if n := depth(t, q); n != 0 {
				waiting = append(waiting, fmt.Sprintf("%s holds %d", q, n))
			}
		}
		return len(waiting) == 0, strings.Join(waiting, "; ")
	})

	// The sentinel: a new order of another customer for another product, after the
	// redelivered events were consumed.
	sp := shoptest.NewProduct(t, "Sentinel Speaker", 100, 1)
	sc := shoptest.Customer(t)
	sentinel := shoptest.PlaceOrder(t, sc, shoptest.OrderBody("tok_visa", shoptest.LineOf(sp.ID, 1)))
	shoptest.AwaitStatus(t, sc, sentinel.ID, shoptest.Confirmed)
	watched := watcher.collect(t, func(env envelope.Envelope) bool {
		return ours(env) || (env.Type == "OrderConfirmed" && mentions(env, sentinel.ID))
	}, map[string]int{"OrderConfirmed": 2*want["OrderConfirmed"] + 1})

	again := map[string]int{}
	for _, env := range watched {
		again[env.ID]++
	}
	for _, env := range recorded {
		if again[env.ID] != 2 {
			t.Errorf("%s %s came back %d times from the bus, want 2", env.Type, env.ID, again[env.ID])
		}
		delete(again, env.ID)
	}
	for _, env := range watched {
		if again[env.ID] > 0 && !mentions(env, sentinel.ID) {
			t.Errorf("a redelivery published a new event: %s %s %s", env.Type, env.ID, env.Data)
		}
	}
	if diff := cmp.Diff(before, snapshot(t, c, fromCart.ID, cancelled.ID, p.ID)); diff != "" {
		t.Errorf("the redelivery changed the shop (-before +after):\n%s", diff)
	}
	t.Logf("%d events redelivered twice to %d consumers", len(recorded), len(consumers))
}

// state is what a redelivery must not change.
type state struct {
	Orders    map[string]shoptest.Order
	Payments  map[string]shoptest.Payment
	Shipments map[string]shoptest.Shipment
	Stock     shoptest.Stock
	Cart      shoptest.Cart
	Listed    int
}

func snapshot(t *testing.T, c *shoptest.User, fromCart, cancelled, productID string) state {
	t.Helper()
	s := state{Orders: map[string]shoptest.Order{}, Payments: map[string]shoptest.Payment{}, Shipments: map[string]shoptest.Shipment{}}
	for _, id := range []string{fromCart, cancelled} {
		s.Orders[id] = shoptest.GetOrder(t, c, id)
		s.Payments[id], _ = shoptest.GetPayment(t, c, id)
		s.Shipments[id], _ = shoptest.GetShipment(t, c, id)
	}
	s.Stock = shoptest.GetStock(t, productID)
	s.Cart = shoptest.GetCart(t, c)
	s.Listed = len(shoptest.ListOrders(t, c, "limit=100"))
	return s
}

// mentions reports whether the event's data names one of ids.
func mentions(env envelope.Envelope, ids ...string) bool {
	for _, id := range ids {
		if strings.Contains(string(env.Data), strconv.Quote(id)) {
			return true
		}
	}
	return false
}

// busTap is a queue receiving every event the services publish (rt.Tap).
type busTap struct{ url string }

func newTap(t *testing.T) *busTap {
	t.Helper()
	url, err := rt.Tap(busName, []byte(everything))
	if err != nil {
		t.Fatal(err)
	}
	// A short visibility timeout: a receive whose answer the SDK retried (a slow or reset
	// connection on a loaded machine) leaves its messages in flight, and they must come back
	// within the wait rather than after SQS's default 30 s; collect counts each message once.
	_, err = sdk.SQS(rt.EdgeURL()).SetQueueAttributes(context.Background(), &sqs.SetQueueAttributesInput{
		QueueUrl: aws.String(url), Attributes: map[string]string{"VisibilityTimeout": "2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &busTap{url: url}
}

// collect receives until the events for which keep holds include want[type] of each type,
// and returns those events in arrival order; more of a type than wanted fails the test.
func (b *busTap) collect(t *testing.T, keep func(envelope.Envelope) bool, want map[string]int) []envelope.Envelope {
	t.Helper()
	var got []envelope.Envelope
	count := map[string]int{}
	// At least once, draining (a message received again counts once), with a visibility
	// timeout well under SagaTimeout.
	r := sdk.QueueReader{Client: sdk.SQS(rt.EdgeURL()), URL: b.url, VisibilityTimeout: 3, Delete: true}
	shoptest.Eventually(t, shoptest.SagaTimeout, "events on the bus", func() (bool, string) {
		msgs, err := r.Receive(context.Background(), 10, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			var eb struct {
				Detail json.RawMessage `json:"detail"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &eb); err != nil {
				t.Fatal(err)
			}
			env, err := envelope.Decode(eb.Detail)
			if err != nil {
				t.Fatal(err)
			}
			if keep(env) {
				got = append(got, env)
				count[env.Type]++
			}
		}
		for typ, n := range want {
			if count[typ] < n {
				return false, fmt.Sprintf("%v", count)
			}
		}
		return true, ""
	})
	for typ, n := range count {
		if wanted, ok := want[typ]; ok && n > wanted {
			t.Errorf("%d %s events, want %d", n, typ, wanted)
		}
	}
	return got
}

// put puts env on the bus again with the EventBridge API, as a redelivery.
func put(t *testing.T, env envelope.Envelope) {
	t.Helper()
	detail, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sdk.EventBridge(rt.EdgeURL()).PutEvents(context.Background(), &eventbridge.PutEventsInput{
		Entries: []ebtypes.PutEventsRequestEntry{{
			EventBusName: aws.String(busName), Source: aws.String(env.Source),
			DetailType: aws.String(env.Type), Detail: aws.String(string(detail)),
		}},
	})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents %s: %v (%d failed)", env.Type, err, out.FailedEntryCount)
	}
}

// consumersOf returns the functions behind the template's rules (rule → queue → function)
// whose pattern matches one of envs. The shop's rules match on source and detail-type only.
func consumersOf(t *testing.T, envs []envelope.Envelope) []string {
	t.Helper()
	m := rt.Model()
	byQueue := map[string]string{} // queue ARN → function name
	for _, mp := range m.EventSourceMappings {
		for _, fn := range m.Functions {
			if fn.LogicalID == mp.Function && strings.HasPrefix(mp.EventSourceARN, "arn:aws:sqs:") {
				byQueue[mp.EventSourceARN] = fn.Name
			}
		}
	}
	var fns []string
	for _, r := range m.Rules {
		if r.EventBusName != busName || r.EventPattern == nil {
			continue
		}
		var p struct {
			Source     []string `json:"source"`
			DetailType []string `json:"detail-type"`
		}
		if err := json.Unmarshal(r.EventPattern, &p); err != nil {
			t.Fatalf("rule %s: %v", r.Name, err)
		}
		matches := slices.ContainsFunc(envs, func(env envelope.Envelope) bool {
			return slices.Contains(p.Source, env.Source) && (p.DetailType == nil || slices.Contains(p.DetailType, env.Type))
		})
		for _, tg := range r.Targets {
			if fn, ok := byQueue[tg.ARN]; ok && matches && !slices.Contains(fns, fn) {
				fns = append(fns, fn)
			}
		}
	}
	slices.Sort(fns)
	if len(fns) < 8 {
		t.Fatalf("consumers of the recorded events: %v; want the saga's and the replicas' consumers", fns)
	}
	return fns
}

// invocations returns each function's invocation count so far.
func invocations(t *testing.T, fns []string) map[string]int64 {
	t.Helper()
	n := map[string]int64{}
	for _, fn := range fns {
		s, ok := rt.Manager().Stats(fn)
		if !ok {
			t.Fatalf("function %s is not running", fn)
		}
		n[fn] = s.Invocations
	}
	return n
}

// consumerQueues returns the URLs of the queues that feed functions.
func consumerQueues(t *testing.T) []string {
	t.Helper()
	var urls []string
	for _, mp := range rt.Model().EventSourceMappings {
		if !strings.HasPrefix(mp.EventSourceARN, "arn:aws:sqs:") {
			continue
		}
		name := mp.EventSourceARN[strings.LastIndex(mp.EventSourceARN, ":")+1:]
		out, err := sdk.SQS(rt.EdgeURL()).GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatalf("GetQueueUrl %s: %v", name, err)
		}
		urls = append(urls, aws.ToString(out.QueueUrl))
	}
	return urls
}

// depth is a queue's messages, visible and in flight.
func depth(t *testing.T, url string) int {
	t.Helper()
	out, err := sdk.SQS(rt.EdgeURL()).GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{
			sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range out.Attributes {
		k, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		n += k
	}
	return n
}
