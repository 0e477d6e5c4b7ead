package shippingevents_test

import (
	"testing"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/eventtest"
	"github.com/microshop/microshop/events/shippingevents"
)

var (
	_ envelope.Event = shippingevents.ShipmentCreatedV1{}
	_ envelope.Event = shippingevents.ShipmentDeliveredV1{}
)

// Every event round-trips through its golden fixture (-update rewrites them).
func TestRoundTrip(t *testing.T) {
	eventtest.RoundTrip(t, eventtest.Fixture{
		Source:        shippingevents.Source,
		ID:            "0b9e8a4c-3f2d-4c1b-9a7e-5d6f7a8b9c0d",
		CorrelationID: "Kq3Xq2aBIAMEVJQ=",
		CausationID:   "5d2c7b1a-9e8f-4a3b-8c6d-1e2f3a4b5c6d", // the event that caused it
	}, []eventtest.Case{
		eventtest.Event("ShipmentCreated.v1.json", shippingevents.ShipmentCreatedV1{OrderID: "01JEQ8Z3V4W5X6Y7Z8A9B0C1D2", CustomerID: "8c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", TrackingNumber: "MS7K2M9QX4HPZ8RWT3"}),
		eventtest.Event("ShipmentDelivered.v1.json", shippingevents.ShipmentDeliveredV1{OrderID: "01JEQ8Z3V4W5X6Y7Z8A9B0C1D2", CustomerID: "8c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", TrackingNumber: "MS7K2M9QX4HPZ8RWT3"}),
	})
}
