package infra

import (
	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
)

// Shipping returns the shipping service (functions/shipping/spec): the public quote, the
// customer's and the admins' shipment routes, the outbox publisher and the consumers that
// create and cancel shipments.
func Shipping() ServiceDef {
	return ServiceDef{ID: "Shipping", Spec: shippingspec.Service(), Define: defineShipping}
}

// defineShipping gives each shipping function the table access its store calls need
// (functions/shipping/internal/ddb) and adds the outbox and the consumers.
func defineShipping(s *Service) {
	// Read a shipment, then one transaction putting it (conditional on its absence or its
	// version) and, when it has an event, its outbox row.
	readWrite := ItemActions("dynamodb:GetItem", "dynamodb:PutItem")
	s.AddRoutes(map[string]Grant{
		shippingspec.Quote:           Grants(), // a pure price rule: no access at all
		shippingspec.GetShipment:     ItemActions("dynamodb:GetItem"),
		shippingspec.DeliverShipment: readWrite,
	})
	s.AddOutbox()
	s.AddConsumer(shippingspec.CreateShipment, readWrite)
	s.AddConsumer(shippingspec.CancelShipment, readWrite)
}
