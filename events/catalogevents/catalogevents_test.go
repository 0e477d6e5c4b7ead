package catalogevents_test

import (
	"testing"

	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/eventtest"
)

var (
	_ envelope.Event = catalogevents.ProductCreatedV1{}
	_ envelope.Event = catalogevents.ProductChangedV1{}
	_ envelope.Event = catalogevents.ProductDeletedV1{}
)

// Every event round-trips through its golden fixture (-update rewrites them).
func TestRoundTrip(t *testing.T) {
	price := catalogevents.Price{Amount: 1250, Currency: "EUR"}
	eventtest.RoundTrip(t, eventtest.Fixture{
		Source:        catalogevents.Source,
		ID:            "0b9e8a4c-3f2d-4c1b-9a7e-5d6f7a8b9c0d",
		CorrelationID: "Kq3Xq2aBIAMEVJQ=",
		CausationID:   "Kq3Xq2aBIAMEVJQ=",
	}, []eventtest.Case{
		eventtest.Event("ProductCreated.v1.json", catalogevents.ProductCreatedV1{ID: "3f9a0c7e5b2d4e6f8a1b0c9d8e7f6a5b", Name: "Mug", Price: price, Category: "kitchen", Version: 1}),
		eventtest.Event("ProductChanged.v1.json", catalogevents.ProductChangedV1{ID: "3f9a0c7e5b2d4e6f8a1b0c9d8e7f6a5b", Name: "Big mug", Price: price, Category: "kitchen", Version: 2}),
		eventtest.Event("ProductDeleted.v1.json", catalogevents.ProductDeletedV1{ID: "3f9a0c7e5b2d4e6f8a1b0c9d8e7f6a5b"}),
	})
}
