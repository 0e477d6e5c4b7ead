// Package shippingspec is the shipping service's one description of its routes, table, outbox
// publisher and consumers (shared/spec), shared by its code and by infra.
package shippingspec

import (
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/shared/spec"
)

// Name is the service's name: its folder under functions/ and its functions' prefix.
const Name = "shipping"

// The shipping functions; each is the main package functions/shipping/cmd/<name>.
const (
	Quote           = "shipping-quote"
	GetShipment     = "shipping-get-shipment"
	DeliverShipment = "shipping-deliver-shipment"
	// CreateShipment creates a paid order's shipment on PaymentSucceeded.
	CreateShipment = "shipping-create-shipment"
	// CancelShipment cancels an order's shipment on OrderCancelled.
	CancelShipment = "shipping-cancel-shipment"
	// PublishEvents sends the outbox rows of the table's stream to the bus.
	PublishEvents = "shipping-publish-events"
)

// Route keys.
const (
	RouteQuote           = "POST /shipping/quote"
	RouteGetShipment     = "GET /shipments/{orderId}"
	RouteDeliverShipment = "POST /shipments/{orderId}/deliver"
)

// KeyID is the table's partition key: "shipment#<orderId>" for a shipment, "outbox#<orderId>"
// for the order's outbox row.
const KeyID = "id"

// Service returns the shipping spec. Quotes are public; a shipment is its customer's; delivery
// is for admins (the handler requires the admin group).
func Service() spec.Service {
	return spec.Service{
		Name: Name,
		Routes: []spec.Route{
			{Function: Quote, Method: "POST", Path: "/shipping/quote", Access: spec.Public},
			{Function: GetShipment, Method: "GET", Path: "/shipments/{orderId}", Access: spec.Customer},
			{Function: DeliverShipment, Method: "POST", Path: "/shipments/{orderId}/deliver", Access: spec.Admin},
		},
		Table: spec.Table{
			PartitionKey: spec.Key{Name: KeyID, Type: spec.String},
			TTLAttribute: spec.TTLAttribute,
			Stream:       spec.StreamNewImage,
		},
		Publisher: PublishEvents,
		Consumers: []spec.Consumer{
			{Function: CreateShipment, Sources: []string{paymentevents.Source}, DetailTypes: []string{paymentevents.TypePaymentSucceeded}},
			{Function: CancelShipment, Sources: []string{orderevents.Source}, DetailTypes: []string{orderevents.TypeOrderCancelled}},
		},
	}
}
