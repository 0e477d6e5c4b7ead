// Package ordersspec is the orders service's one description of its routes, its table, its
// consumers and its functions (shared/spec): the service's code names its indexes and
// attributes from here, infra builds the routes, the table and the event wiring from here.
package ordersspec

import (
	"github.com/microshop/microshop/events/cartevents"
	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/shared/spec"
)

// Name is the service's name: its folder under functions/ and its functions' prefix.
const Name = "orders"

// The orders functions; each is the main package functions/orders/cmd/<name>.
const (
	PlaceOrder      = "orders-place-order"
	GetOrder        = "orders-get-order"
	ListOrders      = "orders-list-orders"
	CancelOrder     = "orders-cancel-order"
	AdminListOrders = "orders-admin-list-orders"
	// PublishEvents sends the outbox rows of the table's stream to the bus.
	PublishEvents = "orders-publish-events"
	// OnSaga consumes the saga's events that move an order: StockRejected, PaymentFailed,
	// ShipmentCreated, ShipmentDelivered.
	OnSaga = "orders-on-saga"
	// OnProduct keeps the catalog replica from ProductCreated, ProductChanged, ProductDeleted.
	OnProduct = "orders-on-product"
	// OnCart keeps the cart replica (an order from the cart orders it) from CartChanged.
	OnCart = "orders-on-cart"
	// SendConfirmation emails the customer on OrderConfirmed, once per order, through SES.
	SendConfirmation = "orders-send-confirmation"
)

// DefaultMailFrom is the sender of the service's emails when none is configured (MAIL_FROM,
// from the stack's mailFrom context): the local runtime's mailbox accepts it; on AWS, SES
// refuses it until the stack is deployed with -c mailFrom=<a verified identity>.
const DefaultMailFrom = "Microshop <no-reply@microshop.local>"

// Attribute and index names of the orders table.
const (
	// KeyID is the partition key: "order#<id>", "product#<id>" (the catalog replica),
	// "cart#<customerId>" (the cart replica), "outbox#<orderId>", "idempotency#<hash>" and
	// "processed#<event id>" ("processed#confirmation-email#<orderId>": its email was sent).
	KeyID = "id"
	// AttrCustomerID is byCustomer's partition key (only orders have it).
	AttrCustomerID = "customerId"
	// AttrStatus is byStatus's partition key (only orders have it).
	AttrStatus = "status"
	// AttrListKey is byNewest's partition key, always "ORDER".
	AttrListKey = "listKey"
	// AttrSortKey is every index's sort key: createdAt (RFC 3339, UTC, 9-digit nanoseconds) +
	// "#" + id, so a descending query lists newest first.
	AttrSortKey = "sortKey"

	IndexByCustomer = "byCustomer"
	IndexByStatus   = "byStatus"
	IndexByNewest   = "byNewest"
)

// Service returns the orders spec. Customer routes need a token; the admin route's handler
// also requires the admin group.
func Service() spec.Service {
	return spec.Service{
		Name: Name,
		Routes: []spec.Route{
			{Function: PlaceOrder, Method: "POST", Path: "/orders", Access: spec.Customer},
			{Function: ListOrders, Method: "GET", Path: "/orders", Access: spec.Customer},
			{Function: GetOrder, Method: "GET", Path: "/orders/{id}", Access: spec.Customer},
			{Function: CancelOrder, Method: "POST", Path: "/orders/{id}/cancel", Access: spec.Customer},
			{Function: AdminListOrders, Method: "GET", Path: "/admin/orders", Access: spec.Admin},
		},
		Table:     Table(),
		Publisher: PublishEvents,
		Consumers: []spec.Consumer{
			{
				Function: OnSaga,
				Sources:  []string{inventoryevents.Source, paymentevents.Source, shippingevents.Source},
				DetailTypes: []string{
					inventoryevents.TypeStockRejected, paymentevents.TypePaymentFailed,
					shippingevents.TypeShipmentCreated, shippingevents.TypeShipmentDelivered,
				},
			},
			{
				Function: OnProduct,
				Sources:  []string{catalogevents.Source},
				DetailTypes: []string{
					catalogevents.TypeProductCreated, catalogevents.TypeProductChanged, catalogevents.TypeProductDeleted,
				},
			},
			{Function: OnCart, Sources: []string{cartevents.Source}, DetailTypes: []string{cartevents.TypeCartChanged}},
			{Function: SendConfirmation, Sources: []string{orderevents.Source}, DetailTypes: []string{orderevents.TypeOrderConfirmed}},
		},
	}
}

// Table returns the orders table's schema: sparse indexes over the order items only.
func Table() spec.Table {
	sortKey := spec.Key{Name: AttrSortKey, Type: spec.String}
	index := func(name, pk string) spec.Index {
		return spec.Index{
			Name: name, PartitionKey: spec.Key{Name: pk, Type: spec.String}, SortKey: sortKey,
			Projection: spec.ProjectAll,
		}
	}
	return spec.Table{
		PartitionKey: spec.Key{Name: KeyID, Type: spec.String},
		Indexes: []spec.Index{
			index(IndexByCustomer, AttrCustomerID),
			index(IndexByStatus, AttrStatus),
			index(IndexByNewest, AttrListKey),
		},
		TTLAttribute: spec.TTLAttribute,
		Stream:       spec.StreamNewImage,
	}
}
