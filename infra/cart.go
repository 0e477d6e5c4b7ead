package infra

import (
	cartspec "github.com/microshop/microshop/functions/cart/spec"
)

// Cart returns the cart service (functions/cart/spec): four customer routes and two consumers
// on the cart table. The cart emits no events, so it has no outbox.
func Cart() ServiceDef {
	return ServiceDef{ID: "Cart", Spec: cartspec.Service(), Define: defineCart}
}

// defineCart gives each cart function the table access its store calls need
// (functions/cart/internal/ddb).
func defineCart(s *Service) {
	// Reading a cart prices it: the cart item (GetItem) and its products (BatchGetItem).
	read := []string{"dynamodb:GetItem", "dynamodb:BatchGetItem"}
	// A change reads the cart, checks the product and puts the cart on its version.
	write := append(read, "dynamodb:PutItem")
	s.AddRoutes(map[string]Grant{
		cartspec.GetCart:    ItemActions(read...),
		cartspec.PutItem:    ItemActions(write...),
		cartspec.RemoveItem: ItemActions(write...),
		cartspec.ClearCart:  ItemActions("dynamodb:GetItem", "dynamodb:PutItem"),
	})
	// The replica: a conditional put of each product version, a put of a deletion's tombstone.
	s.AddConsumer(cartspec.ApplyProductEvents, ItemActions("dynamodb:PutItem"))
	// OrderPlaced: read the cart and put it on its version.
	s.AddConsumer(cartspec.ClearOrdered, ItemActions("dynamodb:GetItem", "dynamodb:PutItem"))
}
