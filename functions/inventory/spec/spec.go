// Package inventoryspec is the inventory service's one description of its routes, its table,
// its outbox publisher and its event consumers (shared/spec): the service's code names its
// functions and attributes from here, and infra builds the API routes, the table and the event
// wiring from it.
package inventoryspec

import (
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/shared/spec"
)

// Name is the service's name: its folder under functions/ and its functions' prefix.
const Name = "inventory"

// The inventory's functions; each is the main package functions/inventory/cmd/<name>.
const (
	// SetStock serves admin PUT /inventory/{productId}.
	SetStock = "inventory-set-stock"
	// GetStock serves admin GET /inventory/{productId}.
	GetStock = "inventory-get-stock"
	// ReserveStock consumes OrderPlaced.
	ReserveStock = "inventory-reserve-stock"
	// ReleaseStock consumes PaymentFailed and OrderCancelled.
	ReleaseStock = "inventory-release-stock"
	// CommitStock consumes ShipmentDelivered.
	CommitStock = "inventory-commit-stock"
	// PublishEvents sends the outbox rows of the table's stream to the bus.
	PublishEvents = "inventory-publish-events"
)

// KeyID is the table's partition key (S). Its values are "stock#<productId>" (a product's
// stock level), "reservation#<orderId>" (an order's reservation and its state) and
// "outbox#<orderId>" (the order's outbox row: inventory's events are per order).
const KeyID = "id"

// Service returns the inventory's spec. Both routes need a token and the handlers require the
// admin group.
func Service() spec.Service {
	return spec.Service{
		Name: Name,
		Routes: []spec.Route{
			{Function: SetStock, Method: "PUT", Path: "/inventory/{productId}", Access: spec.Admin},
			{Function: GetStock, Method: "GET", Path: "/inventory/{productId}", Access: spec.Admin},
		},
		Table:     Table(),
		Publisher: PublishEvents,
		Consumers: []spec.Consumer{
			{Function: ReserveStock, Sources: []string{orderevents.Source}, DetailTypes: []string{orderevents.TypeOrderPlaced}},
			{
				Function:    ReleaseStock,
				Sources:     []string{paymentevents.Source, orderevents.Source},
				DetailTypes: []string{paymentevents.TypePaymentFailed, orderevents.TypeOrderCancelled},
			},
			{Function: CommitStock, Sources: []string{shippingevents.Source}, DetailTypes: []string{shippingevents.TypeShipmentDelivered}},
		},
	}
}

// Table returns the inventory table's schema: one string partition key, a stream of new
// images for the outbox publisher, and the shop's TTL attribute for outbox rows.
func Table() spec.Table {
	return spec.Table{
		PartitionKey: spec.Key{Name: KeyID, Type: spec.String},
		TTLAttribute: spec.TTLAttribute,
		Stream:       spec.StreamNewImage,
	}
}
