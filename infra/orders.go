package infra

import (
	ordersspec "github.com/microshop/microshop/functions/orders/spec"
)

// Orders returns the orders service (functions/orders/spec): one function per route on the
// orders table, the outbox publisher, and the consumers of the saga's, the catalog's and the
// cart's events.
func Orders() ServiceDef {
	return ServiceDef{ID: "Orders", Spec: ordersspec.Service(), Define: defineOrders}
}

// defineOrders gives each orders function the table access its store calls need
// (functions/orders/internal/ddb, shared/idempotency) and adds the outbox and the consumers.
func defineOrders(s *Service) {
	// Idempotency-Key records: get, conditional put, delete when the request fails (5xx).
	idempotent := []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}
	s.AddRoutes(map[string]Grant{
		// Place: the replicas' cart and products (GetItem), then one transaction putting the order
		// (attribute_not_exists) and its outbox row (PutItem each).
		ordersspec.PlaceOrder: ItemActions(idempotent...),
		ordersspec.GetOrder:   ItemActions("dynamodb:GetItem"),
		ordersspec.ListOrders: QueryIndexes(ordersspec.IndexByCustomer),
		// Cancel: read the order, then put it on its version with its outbox row.
		ordersspec.CancelOrder:     ItemActions(idempotent...),
		ordersspec.AdminListOrders: QueryIndexes(ordersspec.IndexByStatus, ordersspec.IndexByNewest),
	})
	s.AddOutbox()
	// The saga's transitions: read the order, put it on its version (with its outbox row).
	s.AddConsumer(ordersspec.OnSaga, ItemActions("dynamodb:GetItem", "dynamodb:PutItem"))
	// The replica: conditional puts of product copies and tombstones only.
	s.AddConsumer(ordersspec.OnProduct, ItemActions("dynamodb:PutItem"))
	// The cart replica: conditional puts of cart copies only.
	s.AddConsumer(ordersspec.OnCart, ItemActions("dynamodb:PutItem"))
	// The confirmation email: read the order; claim it (conditional put of its
	// processed# row), delete the claim when the send fails; send from the mailFrom identity;
	// read the customer's email from the user pool when the order has none.
	s.AddConsumer(ordersspec.SendConfirmation, Grants(
		ItemActions("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"),
		SendEmailAs(contextString(s, MailFromContext), ordersspec.DefaultMailFrom),
		ReadUsers(),
	))
}
