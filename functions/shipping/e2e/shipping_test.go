package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/events/shippingevents"
)

type shipmentJSON struct {
	OrderID        string `json:"orderId"`
	TrackingNumber string `json:"trackingNumber"`
	Status         string `json:"status"`
}

func status(want string) func([]byte) bool {
	return func(b []byte) bool {
		var s shipmentJSON
		return json.Unmarshal(b, &s) == nil && s.Status == want
	}
}

// The quote is public and prices by destination and item count.
func TestQuote(t *testing.T) {
	code, body := st.Request(t, "POST", "/shipping/quote", "", `{"country":"DE","items":2}`, nil)
	var got struct {
		Country string       `json:"country"`
		Items   int          `json:"items"`
		Price   amount.Money `json:"price"`
	}
	if err := json.Unmarshal(body, &got); err != nil || code != 200 {
		t.Fatalf("quote: %d %s", code, body)
	}
	if got.Price != (amount.Money{Amount: 1499 + 299, Currency: "USD"}) || got.Country != "DE" || got.Items != 2 {
		t.Errorf("quote: %+v", got)
	}
	if code, _ := st.Request(t, "POST", "/shipping/quote", "", `{"country":"germany","items":2}`, nil); code != 400 {
		t.Errorf("bad country: %d, want 400", code)
	}
}

// The shipment's part of the saga through the deployed shape: PaymentSucceeded (twice)
// creates one shipment and publishes ShipmentCreated in the order's chain of work; the admin
// delivers it (ShipmentDelivered, once); a later OrderCancelled leaves it delivered. Another
// order is cancelled: its shipment is CANCELLED and cannot be delivered (409).
func TestShipDeliverCancel(t *testing.T) {
	run := time.Now().UnixNano()
	customer := fmt.Sprintf("e2e-customer-%d", run)
	shipped, cancelled := fmt.Sprintf("order-shipped-%d", run), fmt.Sprintf("order-cancelled-%d", run)
	tok, stranger, admin := st.Token(t, customer, ""), st.Token(t, customer+"-other", ""), st.Token(t, "e2e-admin", "admin")
	events := st.Tap(t, shippingevents.Source)
	paid := func(order string) paymentevents.PaymentSucceededV1 {
		return paymentevents.PaymentSucceededV1{OrderID: order, CustomerID: customer, ItemCount: 1,
			Amount: amount.Money{Amount: 1000, Currency: "USD"}}
	}

	first := put(t, paymentevents.Source, "corr-"+shipped, paid(shipped))
	st.Put(t, first) // redelivered
	put(t, paymentevents.Source, "corr-"+cancelled, paid(cancelled))
	body := eventually(t, "/shipments/"+shipped, tok, 200, status("CREATED"))
	var sh shipmentJSON
	_ = json.Unmarshal(body, &sh)
	eventually(t, "/shipments/"+cancelled, tok, 200, status("CREATED"))
	if code, _ := st.Request(t, "GET", "/shipments/"+shipped, stranger, "", nil); code != 404 {
		t.Errorf("another customer's shipment: %d, want 404", code)
	}

	if code, _ := st.Request(t, "POST", "/shipments/"+shipped+"/deliver", tok, "", nil); code != 403 {
		t.Errorf("deliver as a customer: %d, want 403", code)
	}
	for range 2 {
		if code, body := st.Request(t, "POST", "/shipments/"+shipped+"/deliver", admin, "", nil); code != 200 || !status("DELIVERED")(body) {
			t.Errorf("deliver: %d %s", code, body)
		}
	}
	put(t, orderevents.Source, "corr-"+cancelled, orderevents.OrderCancelledV1{OrderID: cancelled, CustomerID: customer})
	eventually(t, "/shipments/"+cancelled, tok, 200, status("CANCELLED"))
	if code, _ := st.Request(t, "POST", "/shipments/"+cancelled+"/deliver", admin, "", nil); code != 409 {
		t.Errorf("deliver a cancelled shipment: %d, want 409", code)
	}
	// A cancellation after delivery changes nothing; the cancelled order, handled after it on
	// the same queue, shows the consumer has run.
	put(t, orderevents.Source, "corr-"+shipped, orderevents.OrderCancelledV1{OrderID: shipped, CustomerID: customer})
	put(t, orderevents.Source, "corr-"+cancelled+"-again", orderevents.OrderCancelledV1{OrderID: cancelled, CustomerID: customer})

	// Three events, each once; then two more seconds on the same tap, which delivered the
	// three, for a duplicate to show up.
	got := events.Collect(t, 3, 20*time.Second)
	got = append(got, events.Collect(t, 1, 2*time.Second)...)
	var types []string
	for _, env := range got {
		types = append(types, env.Type+" "+orderOf(t, env))
	}
	want := []string{"ShipmentCreated " + shipped, "ShipmentCreated " + cancelled, "ShipmentDelivered " + shipped}
	if diff := cmp.Diff(want, types, cmpSorted); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, env := range got {
		if env.Type == shippingevents.TypeShipmentCreated && orderOf(t, env) == shipped {
			if env.CorrelationID != "corr-"+shipped || env.CausationID != first.ID {
				t.Errorf("ShipmentCreated correlation %q, causation %q", env.CorrelationID, env.CausationID)
			}
			created, _ := envelope.Data[shippingevents.ShipmentCreatedV1](env)
			if created.TrackingNumber != sh.TrackingNumber || created.CustomerID != customer {
				t.Errorf("ShipmentCreated %+v, want tracking number %s", created, sh.TrackingNumber)
			}
		}
	}
	if body := eventually(t, "/shipments/"+shipped, tok, 200, func([]byte) bool { return true }); !status("DELIVERED")(body) {
		t.Errorf("after a late OrderCancelled: %s, want DELIVERED", body)
	}
}

func orderOf(t *testing.T, env envelope.Envelope) string {
	t.Helper()
	var d struct {
		OrderID string `json:"orderId"`
	}
	if err := json.Unmarshal(env.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d.OrderID
}

var cmpSorted = cmpopts.SortSlices(func(a, b string) bool { return a < b })
