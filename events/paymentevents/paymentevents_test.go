package paymentevents_test

import (
	"testing"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/eventtest"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
)

var (
	_ envelope.Event = paymentevents.PaymentSucceededV1{}
	_ envelope.Event = paymentevents.PaymentFailedV1{}
	_ envelope.Event = paymentevents.PaymentRefundedV1{}
)

// Every event round-trips through its golden fixture (-update rewrites them).
func TestRoundTrip(t *testing.T) {
	total := amount.Money{Amount: 3497, Currency: "USD"}
	eventtest.RoundTrip(t, eventtest.Fixture{
		Source:        paymentevents.Source,
		ID:            "0b9e8a4c-3f2d-4c1b-9a7e-5d6f7a8b9c0d",
		CorrelationID: "Kq3Xq2aBIAMEVJQ=",
		CausationID:   "5d2c7b1a-9e8f-4a3b-8c6d-1e2f3a4b5c6d", // the event that caused it
	}, []eventtest.Case{
		eventtest.Event("PaymentSucceeded.v1.json", paymentevents.PaymentSucceededV1{OrderID: "01JEQ8Z3V4W5X6Y7Z8A9B0C1D2", CustomerID: "8c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
			Amount: total, ItemCount: 3, ShippingAddress: orderevents.Address{Name: "Ada Lovelace", Line1: "12 St James's Square",
				Line2: "Flat 3", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"}}),
		eventtest.Event("PaymentFailed.v1.json", paymentevents.PaymentFailedV1{OrderID: "01JEQ8Z3V4W5X6Y7Z8A9B0C1D2", CustomerID: "8c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", Reason: "insufficient_funds"}),
		eventtest.Event("PaymentRefunded.v1.json", paymentevents.PaymentRefundedV1{OrderID: "01JEQ8Z3V4W5X6Y7Z8A9B0C1D2", CustomerID: "8c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", Amount: total}),
	})
}
