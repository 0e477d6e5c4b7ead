package orderevents_test

import (
	"testing"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/eventtest"
	"github.com/microshop/microshop/events/orderevents"
)

var (
	_ envelope.Event = orderevents.OrderPlacedV1{}
	_ envelope.Event = orderevents.OrderConfirmedV1{}
	_ envelope.Event = orderevents.OrderFailedV1{}
	_ envelope.Event = orderevents.OrderCancelledV1{}
)

const (
	orderID    = "5e2b7c1d9a0f4e3b8c6d2a1f0e9b8c7d"
	customerID = "8d3f1a2b-4c5d-4e6f-9a8b-7c6d5e4f3a2b"
)

func usd(a int64) amount.Money { return amount.Money{Amount: a, Currency: "USD"} }

// Every event round-trips through its golden fixture (-update rewrites them).
func TestRoundTrip(t *testing.T) {
	eventtest.RoundTrip(t, eventtest.Fixture{
		Source:        orderevents.Source,
		ID:            "0b9e8a4c-3f2d-4c1b-9a7e-5d6f7a8b9c0d",
		CorrelationID: "Kq3Xq2aBIAMEVJQ=",
		CausationID:   "Kq3Xq2aBIAMEVJQ=",
	}, []eventtest.Case{
		eventtest.Event("OrderPlaced.v1.json", orderevents.OrderPlacedV1{
			OrderID: orderID, CustomerID: customerID,
			Lines: []orderevents.Line{
				{ProductID: "3f9a0c7e5b2d4e6f8a1b0c9d8e7f6a5b", Name: "Mug", Quantity: 2, UnitPrice: usd(1250), LineTotal: usd(2500)},
				{ProductID: "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d", Name: "Tea", Quantity: 1, UnitPrice: usd(800), LineTotal: usd(800)},
			},
			Shipping: usd(697), Total: usd(3997), PaymentToken: "tok_visa",
			ShippingAddress: orderevents.Address{
				Name: "Ada Lovelace", Line1: "1 Main St", Line2: "Apt 2", City: "Springfield", PostalCode: "12345", Country: "US",
			},
			FromCart: false,
		}),
		eventtest.Event("OrderPlaced.fromCart.v1.json", orderevents.OrderPlacedV1{
			OrderID: orderID, CustomerID: customerID,
			Lines: []orderevents.Line{
				{ProductID: "3f9a0c7e5b2d4e6f8a1b0c9d8e7f6a5b", Name: "Mug", Quantity: 2, UnitPrice: usd(1250), LineTotal: usd(2500)},
			},
			Shipping: usd(697), Total: usd(3197), PaymentToken: "tok_visa",
			ShippingAddress: orderevents.Address{
				Name: "Ada Lovelace", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US",
			},
			FromCart: true, CartVersion: 7,
		}),
		eventtest.Event("OrderConfirmed.v1.json", orderevents.OrderConfirmedV1{OrderID: orderID, CustomerID: customerID}),
		eventtest.Event("OrderFailed.v1.json", orderevents.OrderFailedV1{OrderID: orderID, CustomerID: customerID, Reason: "out_of_stock"}),
		eventtest.Event("OrderCancelled.v1.json", orderevents.OrderCancelledV1{OrderID: orderID, CustomerID: customerID}),
	})
}
