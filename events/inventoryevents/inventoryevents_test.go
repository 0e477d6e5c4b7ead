package inventoryevents_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/eventtest"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
)

var (
	_ envelope.Event = inventoryevents.StockReservedV1{}
	_ envelope.Event = inventoryevents.StockRejectedV1{}
	_ envelope.Event = inventoryevents.StockReleasedV1{}
)

// Every event round-trips through its golden fixture (-update rewrites them).
func TestRoundTrip(t *testing.T) {
	const (
		orderID    = "01JF7QZK2M3N4P5Q6R7S8T9V0W"
		customerID = "6b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
	)
	lines := []inventoryevents.Line{
		{ProductID: "3f9a0c7e5b2d4e6f8a1b0c9d8e7f6a5b", Quantity: 2},
		{ProductID: "7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29", Quantity: 1},
	}
	eventtest.RoundTrip(t, eventtest.Fixture{
		Source:        inventoryevents.Source,
		ID:            "5e0c4b1a-8d2f-4e3a-9b7c-1a2b3c4d5e6f",
		CorrelationID: "Kq3Xq2aBIAMEVJQ=",
		CausationID:   "0b9e8a4c-3f2d-4c1b-9a7e-5d6f7a8b9c0d",
	}, []eventtest.Case{
		eventtest.Event("StockReserved.v1.json", inventoryevents.StockReservedV1{
			OrderID: orderID, CustomerID: customerID, Lines: lines,
			Total:        amount.Money{Amount: 3897, Currency: "USD"},
			PaymentToken: "tok_visa",
			ShippingAddress: orderevents.Address{
				Name: "Ada Lovelace", Line1: "12 St James's Square", Line2: "Flat 3",
				City: "London", PostalCode: "SW1Y 4JH", Country: "GB",
			},
		}),
		eventtest.Event("StockRejected.v1.json", inventoryevents.StockRejectedV1{
			OrderID: orderID, CustomerID: customerID, Reason: "out_of_stock",
			ProductID: "7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29",
		}),
		eventtest.Event("StockReleased.v1.json", inventoryevents.StockReleasedV1{OrderID: orderID, CustomerID: customerID, Lines: lines}),
	})
}

// A StockRejected for an unknown product may name none: productId is left out, not sent empty.
func TestRejectedWithoutProductOmitsIt(t *testing.T) {
	b, err := json.Marshal(inventoryevents.StockRejectedV1{OrderID: "o", CustomerID: "c", Reason: "unknown_product"})
	if err != nil {
		t.Fatal(err)
	}
	got := eventtest.JSONValue(t, b)
	want := map[string]any{"orderId": "o", "customerId": "c", "reason": "unknown_product"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
