// Package e2e drives the inventory service end to end: the local runtime serves the
// synthesized CDK template (the inventory's real function processes, its HTTP routes behind
// the JWT authorizer, its consumers' rules and queues, its outbox publisher on the table's
// stream), the tests call the admin routes over HTTP with real tokens, put the saga's upstream
// events on the bus with the EventBridge API, and read the events the inventory emits from a
// tap queue on the bus.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/events/shippingevents"
	inventoryspec "github.com/microshop/microshop/functions/inventory/spec"
	"github.com/microshop/microshop/local/stacktest"
	"github.com/microshop/microshop/shared/correlation"
)

var (
	st            *stacktest.Stack
	adminToken    string
	customerToken string
)

func TestMain(m *testing.M) {
	os.Exit(stacktest.Main(m, "inventory", inventoryspec.Service().Functions(), func(s *stacktest.Stack) (err error) {
		st = s
		if adminToken, err = s.MintToken("inventory-admin", "admin"); err == nil {
			customerToken, err = s.MintToken("inventory-customer", "")
		}
		return err
	}))
}

// do sends a request with token ("" for none) and returns the status and body.
func do(t *testing.T, method, path, body, token string) (int, []byte) {
	t.Helper()
	return st.Request(t, method, path, token, body, nil)
}

type level struct {
	ProductID string `json:"productId"`
	OnHand    int64  `json:"onHand"`
	Reserved  int64  `json:"reserved"`
	Available int64  `json:"available"`
}

func getLevel(t *testing.T, id string) level {
	t.Helper()
	status, body := do(t, "GET", "/inventory/"+id, "", adminToken)
	if status != http.StatusOK {
		t.Fatalf("GET /inventory/%s: %d %s", id, status, body)
	}
	var l level
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func setStock(t *testing.T, id string, n int) {
	t.Helper()
	if status, body := do(t, "PUT", "/inventory/"+id, fmt.Sprintf(`{"onHand":%d}`, n), adminToken); status != http.StatusOK {
		t.Fatalf("PUT /inventory/%s: %d %s", id, status, body)
	}
}

// publish puts ev on the shop's bus as its service's outbox publisher would, under
// correlation id corr, and returns the envelope.
func publish(t *testing.T, source string, ev envelope.Event, corr string) envelope.Envelope {
	t.Helper()
	return st.Publish(t, correlation.With(context.Background(), corr), source, ev, time.Now())
}

// tap returns a function that waits (up to 20 s) for the next inventory event of order
// orderID on the bus and returns it.
func tap(t *testing.T) func(orderID string) envelope.Envelope {
	t.Helper()
	tp := st.Tap(t, inventoryevents.Source)
	return func(orderID string) envelope.Envelope {
		t.Helper()
		return tp.Await(t, "an inventory event for order "+orderID, func(env envelope.Envelope) bool {
			var d struct {
				OrderID string `json:"orderId"`
			}
			return json.Unmarshal(env.Data, &d) == nil && d.OrderID == orderID
		})
	}
}

// eventually polls the level of id until it equals want, for up to 20 s.
func eventually(t *testing.T, id string, want level) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var got level
	for time.Now().Before(deadline) {
		if got = getLevel(t, id); got == want {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not a wait for an outcome
	}
	t.Errorf("level of %s: got %+v, want %+v", id, got, want)
}

func TestAdminRoutes(t *testing.T) {
	setStock(t, "e2e-admin", 7)
	if diff := cmp.Diff(level{"e2e-admin", 7, 0, 7}, getLevel(t, "e2e-admin")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	tests := []struct {
		name, method, path, body, token string
		want                            int
	}{
		{"customer reads", "GET", "/inventory/e2e-admin", "", customerToken, 403},
		{"customer sets", "PUT", "/inventory/e2e-admin", `{"onHand":1}`, customerToken, 403},
		{"no token", "PUT", "/inventory/e2e-admin", `{"onHand":1}`, "", 401},
		{"unknown product", "GET", "/inventory/e2e-none", "", adminToken, 404},
		{"negative", "PUT", "/inventory/e2e-admin", `{"onHand":-3}`, adminToken, 400},
	}
	for _, tt := range tests {
		if status, body := do(t, tt.method, tt.path, tt.body, tt.token); status != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, status, body, tt.want)
		}
	}
	if diff := cmp.Diff(level{"e2e-admin", 7, 0, 7}, getLevel(t, "e2e-admin")); diff != "" {
		t.Errorf("refused calls changed the stock (-want +got):\n%s", diff)
	}
}

func placed(orderID, product string, q int) orderevents.OrderPlacedV1 {
	return orderevents.OrderPlacedV1{
		OrderID: orderID, CustomerID: "cust-e2e",
		Lines:        []orderevents.Line{{ProductID: product, Quantity: q}},
		Total:        amount.Money{Amount: 1000, Currency: "USD"},
		PaymentToken: "tok_visa",
		ShippingAddress: orderevents.Address{
			Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US",
		},
	}
}

// The saga's steps through the bus: reserve -> StockReserved carrying the order's payment and
// shipping details and its correlation id; out of stock -> StockRejected; payment failed ->
// StockReleased; delivered -> committed.
func TestSagaThroughTheBus(t *testing.T) {
	next := tap(t)
	setStock(t, "e2e-saga", 5)

	in := placed("e2e-o1", "e2e-saga", 3)
	cause := publish(t, orderevents.Source, in, "corr-o1")
	ev := next("e2e-o1")
	reserved, err := envelope.Data[inventoryevents.StockReservedV1](ev)
	if err != nil {
		t.Fatal(err)
	}
	want := inventoryevents.StockReservedV1{
		OrderID: "e2e-o1", CustomerID: "cust-e2e", Lines: []inventoryevents.Line{{ProductID: "e2e-saga", Quantity: 3}},
		Total: in.Total, PaymentToken: in.PaymentToken, ShippingAddress: in.ShippingAddress,
	}
	if diff := cmp.Diff(want, reserved); diff != "" {
		t.Errorf("StockReserved (-want +got):\n%s", diff)
	}
	if ev.CorrelationID != "corr-o1" || ev.CausationID != cause.ID {
		t.Errorf("correlation, causation = %s, %s; want corr-o1, %s", ev.CorrelationID, ev.CausationID, cause.ID)
	}
	eventually(t, "e2e-saga", level{"e2e-saga", 5, 3, 2})

	publish(t, orderevents.Source, placed("e2e-o2", "e2e-saga", 3), "corr-o2")
	rejected, err := envelope.Data[inventoryevents.StockRejectedV1](next("e2e-o2"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inventoryevents.StockRejectedV1{OrderID: "e2e-o2", CustomerID: "cust-e2e", Reason: "out_of_stock", ProductID: "e2e-saga"}, rejected); diff != "" {
		t.Errorf("StockRejected (-want +got):\n%s", diff)
	}

	publish(t, paymentevents.Source, paymentevents.PaymentFailedV1{OrderID: "e2e-o1", CustomerID: "cust-e2e", Reason: "card_declined"}, "corr-o1")
	if _, err := envelope.Data[inventoryevents.StockReleasedV1](next("e2e-o1")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "e2e-saga", level{"e2e-saga", 5, 0, 5})

	publish(t, orderevents.Source, placed("e2e-o3", "e2e-saga", 2), "corr-o3")
	if _, err := envelope.Data[inventoryevents.StockReservedV1](next("e2e-o3")); err != nil {
		t.Fatal(err)
	}
	publish(t, shippingevents.Source, shippingevents.ShipmentDeliveredV1{OrderID: "e2e-o3", CustomerID: "cust-e2e", TrackingNumber: "T-1"}, "corr-o3")
	eventually(t, "e2e-saga", level{"e2e-saga", 3, 0, 3})
}
