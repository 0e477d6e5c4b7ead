// Package cartspec is the cart service's one description of its routes, its table and its
// event consumers (shared/spec): the service's code names its functions and attributes from
// here, and infra builds the API routes, the table and the event wiring from it.
package cartspec

import (
	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/shared/spec"
)

// Name is the service's name: its folder under functions/ and its functions' prefix.
const Name = "cart"

// The cart's functions; each is the main package functions/cart/cmd/<name>.
const (
	GetCart    = "cart-get-cart"
	PutItem    = "cart-put-item"
	RemoveItem = "cart-remove-item"
	ClearCart  = "cart-clear-cart"
	// ApplyProductEvents keeps the cart's copy of the catalog from ProductCreated, ProductChanged
	// and ProductDeleted.
	ApplyProductEvents = "cart-apply-product-events"
	// ClearOrdered empties the ordered lines of a cart on OrderPlaced with fromCart.
	ClearOrdered = "cart-clear-ordered"
	// PublishEvents sends the carts' outbox rows (CartChanged) from the table's stream to the bus.
	PublishEvents = "cart-publish-events"
)

// KeyID is the table's partition key (S): "cart#<customerId>" for a customer's cart,
// "outbox#<customerId>" for its outbox row (shared/outbox) and "product#<productId>" for the
// cart's copy of a catalog product. Carts expire through the TTL attribute 30 days after
// their last change.
const KeyID = "id"

// Service returns the cart's spec: every route is a customer's (the token's sub).
func Service() spec.Service {
	return spec.Service{
		Name: Name,
		Routes: []spec.Route{
			{Function: GetCart, Method: "GET", Path: "/cart", Access: spec.Customer},
			{Function: PutItem, Method: "PUT", Path: "/cart/items/{productId}", Access: spec.Customer},
			{Function: RemoveItem, Method: "DELETE", Path: "/cart/items/{productId}", Access: spec.Customer},
			{Function: ClearCart, Method: "DELETE", Path: "/cart", Access: spec.Customer},
		},
		Table:     Table(),
		Publisher: PublishEvents,
		Consumers: []spec.Consumer{
			{
				Function: ApplyProductEvents, Sources: []string{catalogevents.Source},
				DetailTypes: []string{catalogevents.TypeProductCreated, catalogevents.TypeProductChanged, catalogevents.TypeProductDeleted},
			},
			{Function: ClearOrdered, Sources: []string{orderevents.Source}, DetailTypes: []string{orderevents.TypeOrderPlaced}},
		},
	}
}

// Table returns the cart table's schema: one string partition key, the shop's TTL attribute,
// and a stream of new images for the outbox.
func Table() spec.Table {
	return spec.Table{
		PartitionKey: spec.Key{Name: KeyID, Type: spec.String},
		TTLAttribute: spec.TTLAttribute,
		Stream:       spec.StreamNewImage,
	}
}
