package infra

import (
	cartspec "github.com/microshop/microshop/functions/cart/spec"
)

// Cart returns the cart service (functions/cart/spec): four customer routes, two consumers on
// the cart table, and the outbox that publishes CartChanged.
func Cart() ServiceDef {
	return ServiceDef{ID: "Cart", Spec: cartspec.Service(), Define: defineCart}
}

// defineCart gives each cart function the table access its store calls need
// (functions/cart/internal/ddb) and adds the outbox.
func defineCart(s *Service) {
	// Reading a cart prices it: the cart item (GetItem) and its products (BatchGetItem).
	read := []string{"dynamodb:GetItem", "dynamodb:BatchGetItem"}
	// A change reads the cart, checks the product and, in one transaction, puts the cart on
	// its version and its outbox row (PutItem each).
	write := append(read, "dynamodb:PutItem")
	s.AddRoutes(map[string]Grant{
		cartspec.GetCart:    ItemActions(read...),
		cartspec.PutItem:    ItemActions(write...),
		cartspec.RemoveItem: ItemActions(write...),
		cartspec.ClearCart:  ItemActions("dynamodb:GetItem", "dynamodb:PutItem"),
	})
	// The replica: a conditional put of each product version, a put of a deletion's tombstone.
	s.AddConsumer(cartspec.ApplyProductEvents, ItemActions("dynamodb:PutItem"))
	// OrderPlaced: read the cart and put it on its version with its outbox row.
	s.AddConsumer(cartspec.ClearOrdered, ItemActions("dynamodb:GetItem", "dynamodb:PutItem"))
	s.AddOutbox()
}
