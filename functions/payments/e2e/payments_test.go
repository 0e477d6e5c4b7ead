package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
)

type paymentJSON struct {
	OrderID string       `json:"orderId"`
	Status  string       `json:"status"`
	Amount  amount.Money `json:"amount"`
	Reason  string       `json:"reason"`
}

func status(want string) func([]byte) bool {
	return func(b []byte) bool {
		var p paymentJSON
		return json.Unmarshal(b, &p) == nil && p.Status == want
	}
}

// The payment's part of the saga through the deployed shape: StockReserved (delivered twice)
// charges once and publishes PaymentSucceeded in the order's chain of work; a declined card
// publishes PaymentFailed; OrderCancelled (twice) refunds once; the customer sees their
// payment and another customer gets 404.
func TestChargeAndRefund(t *testing.T) {
	run := time.Now().UnixNano()
	customer := fmt.Sprintf("e2e-customer-%d", run)
	paid, declined := fmt.Sprintf("order-paid-%d", run), fmt.Sprintf("order-declined-%d", run)
	tok, stranger := st.Token(t, customer, ""), st.Token(t, customer+"-other", "")
	events := st.Tap(t, paymentevents.Source)
	total := amount.Money{Amount: 2998, Currency: "USD"}
	address := orderevents.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"}
	reserved := func(order, token string) inventoryevents.StockReservedV1 {
		return inventoryevents.StockReservedV1{OrderID: order, CustomerID: customer, Total: total, PaymentToken: token,
			Lines: []inventoryevents.Line{{ProductID: "p1", Quantity: 2}}, ShippingAddress: address}
	}

	first := put(t, inventoryevents.Source, "corr-"+paid, reserved(paid, "tok_visa"))
	st.Put(t, first) // redelivered
	put(t, inventoryevents.Source, "corr-"+declined, reserved(declined, "tok_chargeDeclined"))

	eventually(t, "/payments/"+paid, tok, 200, status("SUCCEEDED"))
	body := eventually(t, "/payments/"+declined, tok, 200, status("DECLINED"))
	var p paymentJSON
	_ = json.Unmarshal(body, &p)
	if diff := cmp.Diff(paymentJSON{OrderID: declined, Status: "DECLINED", Amount: total, Reason: "card_declined"}, p); diff != "" {
		t.Errorf("declined payment (-want +got):\n%s", diff)
	}
	if code, _ := st.Request(t, "GET", "/payments/"+paid, stranger, "", nil); code != 404 {
		t.Errorf("another customer's payment: %d, want 404", code)
	}
	if code, _ := st.Request(t, "GET", "/payments/"+paid, "", "", nil); code != 401 {
		t.Errorf("without a token: %d, want 401", code)
	}

	cancel := put(t, orderevents.Source, "corr-"+paid, orderevents.OrderCancelledV1{OrderID: paid, CustomerID: customer})
	st.Put(t, cancel)
	eventually(t, "/payments/"+paid, tok, 200, status("REFUNDED"))

	// Three events, each once, in the order's chain of work; then two more seconds on the same
	// tap, which delivered the three, for a duplicate to show up.
	got := events.Collect(t, 3, 20*time.Second)
	got = append(got, events.Collect(t, 1, 2*time.Second)...)
	byType := map[string][]envelope.Envelope{}
	for _, env := range got {
		byType[env.Type] = append(byType[env.Type], env)
	}
	if len(got) != 3 || len(byType["PaymentSucceeded"]) != 1 || len(byType["PaymentFailed"]) != 1 || len(byType["PaymentRefunded"]) != 1 {
		t.Fatalf("events: %v, want one PaymentSucceeded, PaymentFailed and PaymentRefunded", byType)
	}
	succeeded, _ := envelope.Data[paymentevents.PaymentSucceededV1](byType["PaymentSucceeded"][0])
	want := paymentevents.PaymentSucceededV1{OrderID: paid, CustomerID: customer, Amount: total, ItemCount: 2, ShippingAddress: address}
	if diff := cmp.Diff(want, succeeded); diff != "" {
		t.Errorf("PaymentSucceeded (-want +got):\n%s", diff)
	}
	if env := byType["PaymentSucceeded"][0]; env.CorrelationID != "corr-"+paid || env.CausationID != first.ID {
		t.Errorf("PaymentSucceeded correlation %q, causation %q; want %q, %q", env.CorrelationID, env.CausationID, "corr-"+paid, first.ID)
	}
	if env := byType["PaymentFailed"][0]; env.CorrelationID != "corr-"+declined {
		t.Errorf("PaymentFailed correlation %q", env.CorrelationID)
	}
}
