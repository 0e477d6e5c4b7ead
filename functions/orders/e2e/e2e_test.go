// Package e2e drives the orders service end to end: the local runtime serves the synthesized
// CDK template (real function processes, the HTTP API with its JWT authorizer, the local
// DynamoDB engine, the bus, the consumers' queues and the outbox publisher), and the tests
// speak HTTP with real tokens, put upstream events on the bus with the EventBridge API, and
// read what the orders service publishes from a tap on the bus.
package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/local/stacktest"
	"github.com/microshop/microshop/shared/correlation"
)

var (
	st                   *stacktest.Stack
	aliceToken, bobToken string
	adminToken           string // sets stock through the inventory's admin route
)

func TestMain(m *testing.M) {
	os.Exit(stacktest.Main(m, "orders", nil, func(s *stacktest.Stack) (err error) {
		st = s
		if aliceToken, err = s.MintToken("e2e-alice", ""); err == nil {
			bobToken, err = s.MintToken("e2e-bob", "")
		}
		if err == nil {
			adminToken, err = s.MintToken("e2e-admin", "admin")
		}
		return err
	}))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type response struct {
	status int
	body   map[string]any
}

func do(t *testing.T, method, path, token string, header map[string]string, body string) response {
	t.Helper()
	status, b := st.Request(t, method, path, token, body, header)
	var v map[string]any
	_ = json.Unmarshal(b, &v) // API Gateway's own 401 body is JSON too; an empty body stays nil
	return response{status: status, body: v}
}

// waitUntil polls cond every 20 ms until it holds or the timeout passes.
func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// put sends ev as source's event on the bus, in an envelope with correlation id corr.
func put(t *testing.T, source string, ev envelope.Event, corr string) {
	t.Helper()
	st.Publish(t, correlation.With(context.Background(), corr), source, ev, time.Now())
}

// tap is a queue receiving every event the orders service publishes.
type tap struct{ *stacktest.Tap }

func newTap(t *testing.T) *tap {
	t.Helper()
	return &tap{st.Tap(t, orderevents.Source)}
}

// await receives until an event of type typ for order id has arrived, and returns it.
func (tp *tap) await(t *testing.T, typ, orderID string) envelope.Envelope {
	t.Helper()
	return tp.Await(t, typ+" for "+orderID, func(env envelope.Envelope) bool {
		return env.Type == typ && strings.Contains(string(env.Data), orderID)
	})
}

// newProduct puts a ProductCreated on the bus and waits until an order for it is accepted,
// which proves the orders service's replica has it. It returns the product id.
func newProduct(t *testing.T, amount int64) string {
	t.Helper()
	id := randomHex(16)
	put(t, catalogevents.Source, catalogevents.ProductCreatedV1{
		ID: id, Name: "E2E Mug", Price: catalogevents.Price{Amount: amount, Currency: "USD"}, Category: "e2e", Version: 1,
	}, "corr-"+id)
	return id
}

// stock sets the product's stock through the inventory service, which the whole stack runs
// beside orders: with stock, the real saga reserves, charges and ships the order; without,
// the inventory rejects it. The inventory knows the product once its replica has the
// ProductCreated newProduct put on the bus (404 before that).
func stock(t *testing.T, productID string, onHand int) {
	t.Helper()
	waitUntil(t, "the inventory to know product "+productID, 20*time.Second, func() bool {
		r := do(t, "PUT", "/inventory/"+productID, adminToken, nil, fmt.Sprintf(`{"onHand":%d}`, onHand))
		if r.status != http.StatusOK && r.status != http.StatusNotFound {
			t.Fatalf("PUT /inventory/%s: %d %v", productID, r.status, r.body)
		}
		return r.status == http.StatusOK
	})
}

func orderBody(productID string, quantity int) string {
	return fmt.Sprintf(`{"shippingAddress":{"name":"Ada","line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"},
		"paymentToken":"tok_visa","lines":[{"productId":%q,"quantity":%d}]}`, productID, quantity)
}

// place posts an order until the replica knows the product (a 422 before that), and returns
// the created order and the correlation id it was placed with.
func place(t *testing.T, productID string) (map[string]any, string) {
	t.Helper()
	corr := "e2e-" + randomHex(8)
	var created response
	waitUntil(t, "the replica to hold product "+productID, 20*time.Second, func() bool {
		created = do(t, "POST", "/orders", aliceToken, map[string]string{
			"Idempotency-Key": randomHex(8), correlation.Header: corr,
		}, orderBody(productID, 2))
		if created.status != http.StatusCreated && created.status != http.StatusUnprocessableEntity {
			t.Fatalf("POST /orders: %d %v", created.status, created.body)
		}
		return created.status == http.StatusCreated
	})
	return created.body, corr
}

func status(t *testing.T, id string) string {
	t.Helper()
	r := do(t, "GET", "/orders/"+id, aliceToken, nil, "")
	if r.status != http.StatusOK {
		t.Fatalf("GET /orders/%s: %d %v", id, r.status, r.body)
	}
	return r.body["status"].(string)
}

// TestLifecycle: an order placed over HTTP is PENDING and publishes OrderPlaced with the
// request's correlation id; ShipmentCreated (the real shipping's or the one put here) confirms it (OrderConfirmed), ShipmentDelivered
// delivers it, and a cancel after delivery is 409. Another customer sees 404 throughout.
func TestLifecycle(t *testing.T) {
	tp := newTap(t)
	product := newProduct(t, 1250)
	// The real saga confirms it too; the ShipmentCreated put below is then a duplicate, which
	// must change nothing.
	stock(t, product, 10)
	o, corr := place(t, product)
	id := o["id"].(string)
	if o["status"] != "PENDING" || o["total"].(map[string]any)["amount"] != float64(2*1250+598) {
		t.Errorf("placed order %v, want PENDING with total 3098", o)
	}
	placed := tp.await(t, orderevents.TypeOrderPlaced, id)
	if placed.CorrelationID != corr {
		t.Errorf("OrderPlaced correlation %q, want the request's %q", placed.CorrelationID, corr)
	}
	if r := do(t, "GET", "/orders/"+id, bobToken, nil, ""); r.status != http.StatusNotFound {
		t.Errorf("bob reads alice's order: %d, want 404", r.status)
	}

	put(t, shippingevents.Source, shippingevents.ShipmentCreatedV1{OrderID: id, CustomerID: "x", TrackingNumber: "T1"}, corr)
	confirmed := tp.await(t, orderevents.TypeOrderConfirmed, id)
	if confirmed.CorrelationID != corr || status(t, id) != "CONFIRMED" {
		t.Errorf("after ShipmentCreated: %s, OrderConfirmed correlation %q", status(t, id), confirmed.CorrelationID)
	}

	put(t, shippingevents.Source, shippingevents.ShipmentDeliveredV1{OrderID: id, CustomerID: "x", TrackingNumber: "T1"}, corr)
	waitUntil(t, "DELIVERED", 20*time.Second, func() bool { return status(t, id) == "DELIVERED" })
	r := do(t, "POST", "/orders/"+id+"/cancel", aliceToken, map[string]string{"Idempotency-Key": randomHex(8)}, "")
	if r.status != http.StatusConflict {
		t.Errorf("cancel after delivery: %d %v, want 409", r.status, r.body)
	}
}

// TestStockRejectedAndCancel: StockRejected fails an order with the reason and publishes
// OrderFailed; a customer's cancel of a pending order publishes OrderCancelled. (Redelivery is
// tested on the consumers with aws-lambda-go's SQS events: internal/consumer.)
func TestStockRejectedAndCancel(t *testing.T) {
	tp := newTap(t)
	product := newProduct(t, 500)
	// None in stock: the real inventory rejects the order for the same reason as the event
	// put here, whichever arrives first.
	stock(t, product, 0)
	failed, corr := place(t, product)
	failedID := failed["id"].(string)
	put(t, inventoryevents.Source, inventoryevents.StockRejectedV1{OrderID: failedID, CustomerID: "x", Reason: "out_of_stock", ProductID: product}, corr)
	ev := tp.await(t, orderevents.TypeOrderFailed, failedID)
	if d, err := envelope.Data[orderevents.OrderFailedV1](ev); err != nil || d.Reason != "out_of_stock" {
		t.Errorf("OrderFailed %+v (%v), want reason out_of_stock", d, err)
	}
	r := do(t, "GET", "/orders/"+failedID, aliceToken, nil, "")
	if r.body["status"] != "FAILED" || r.body["failureReason"] != "out_of_stock" {
		t.Errorf("failed order %v", r.body)
	}

	// An order the real saga accepts: cancellable while PENDING or CONFIRMED.
	inStock := newProduct(t, 500)
	stock(t, inStock, 10)
	pending, _ := place(t, inStock)
	pendingID := pending["id"].(string)
	key := randomHex(8)
	c := do(t, "POST", "/orders/"+pendingID+"/cancel", aliceToken, map[string]string{"Idempotency-Key": key}, "")
	if c.status != http.StatusOK || c.body["status"] != "CANCELLED" {
		t.Fatalf("cancel: %d %v", c.status, c.body)
	}
	tp.await(t, orderevents.TypeOrderCancelled, pendingID)
	if status(t, pendingID) != "CANCELLED" {
		t.Errorf("cancelled order reads %s", status(t, pendingID))
	}
}
