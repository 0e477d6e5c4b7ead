package cartevents_test

import (
	"testing"

	"github.com/microshop/microshop/events/cartevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/eventtest"
)

var _ envelope.Event = cartevents.CartChangedV1{}

// Every event round-trips through its golden fixture (-update rewrites them).
func TestRoundTrip(t *testing.T) {
	eventtest.RoundTrip(t, eventtest.Fixture{
		Source:        cartevents.Source,
		ID:            "0b9e8a4c-3f2d-4c1b-9a7e-5d6f7a8b9c0d",
		CorrelationID: "Kq3Xq2aBIAMEVJQ=",
		CausationID:   "Kq3Xq2aBIAMEVJQ=",
	}, []eventtest.Case{
		eventtest.Event("CartChanged.v1.json", cartevents.CartChangedV1{
			CustomerID: "8d3f1a2b-4c5d-4e6f-9a8b-7c6d5e4f3a2b",
			Items: []cartevents.Item{
				{ProductID: "3f9a0c7e5b2d4e6f8a1b0c9d8e7f6a5b", Quantity: 2},
				{ProductID: "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d", Quantity: 1},
			},
			Version: 7,
		}),
		eventtest.Event("CartChanged.empty.v1.json", cartevents.CartChangedV1{
			CustomerID: "8d3f1a2b-4c5d-4e6f-9a8b-7c6d5e4f3a2b", Items: []cartevents.Item{}, Version: 8,
		}),
	})
}
