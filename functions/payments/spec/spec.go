// Package paymentsspec is the payments service's one description of its routes, table,
// outbox publisher and consumers (shared/spec), shared by its code and by infra.
package paymentsspec

import (
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/shared/spec"
)

// Name is the service's name: its folder under functions/ and its functions' prefix.
const Name = "payments"

// The payments functions; each is the main package functions/payments/cmd/<name>.
const (
	GetPayment = "payments-get-payment"
	// Charge charges an order on StockReserved.
	Charge = "payments-charge"
	// Refund refunds a paid order on OrderCancelled.
	Refund = "payments-refund"
	// PublishEvents sends the outbox rows of the table's stream to the bus.
	PublishEvents = "payments-publish-events"
)

// Route keys.
const RouteGetPayment = "GET /payments/{orderId}"

// KeyID is the table's partition key: "payment#<orderId>" for a payment, "outbox#<orderId>" for
// the order's outbox row.
const KeyID = "id"

// Service returns the payments spec.
func Service() spec.Service {
	return spec.Service{
		Name: Name,
		Routes: []spec.Route{
			{Function: GetPayment, Method: "GET", Path: "/payments/{orderId}", Access: spec.Customer},
		},
		Table: spec.Table{
			PartitionKey: spec.Key{Name: KeyID, Type: spec.String},
			TTLAttribute: spec.TTLAttribute,
			Stream:       spec.StreamNewImage,
		},
		Publisher: PublishEvents,
		Consumers: []spec.Consumer{
			{Function: Charge, Sources: []string{inventoryevents.Source}, DetailTypes: []string{inventoryevents.TypeStockReserved}},
			{Function: Refund, Sources: []string{orderevents.Source}, DetailTypes: []string{orderevents.TypeOrderCancelled}},
		},
	}
}
