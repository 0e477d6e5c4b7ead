package infra

import (
	inventoryspec "github.com/microshop/microshop/functions/inventory/spec"
)

// Inventory returns the inventory service (functions/inventory/spec): two admin routes, three
// saga consumers and the outbox publisher on the inventory table.
func Inventory() ServiceDef {
	return ServiceDef{ID: "Inventory", Spec: inventoryspec.Service(), Define: defineInventory}
}

// defineInventory gives each inventory function the table access its store calls need
// (functions/inventory/internal/ddb) and adds the outbox. TransactWriteItems needs no action
// of its own: IAM checks each Put as PutItem and each Update as UpdateItem.
func defineInventory(s *Service) {
	s.AddRoutes(map[string]Grant{
		// Set: one conditional UpdateItem (onHand, available = onHand - reserved).
		inventoryspec.SetStock: ItemActions("dynamodb:UpdateItem"),
		inventoryspec.GetStock: ItemActions("dynamodb:GetItem"),
	})
	// Reserve: one transaction putting the reservation and outbox row and updating each line's
	// stock; on a rejection it reads the short product's stock, then puts the rejected
	// reservation and its outbox row.
	s.AddConsumer(inventoryspec.ReserveStock, ItemActions("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"))
	// Release: read the reservation, then update it and the stock and put the outbox row (or
	// put a Released reservation for an order not seen yet).
	s.AddConsumer(inventoryspec.ReleaseStock, ItemActions("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"))
	// Commit: read the reservation, then update it and the stock.
	s.AddConsumer(inventoryspec.CommitStock, ItemActions("dynamodb:GetItem", "dynamodb:UpdateItem"))
	s.AddOutbox()
}
