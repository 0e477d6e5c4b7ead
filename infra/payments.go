package infra

import (
	paymentsspec "github.com/microshop/microshop/functions/payments/spec"
)

// Payments returns the payments service (functions/payments/spec): the customer's payment
// route, the outbox publisher and the consumers that charge and refund.
func Payments() ServiceDef {
	return ServiceDef{ID: "Payments", Spec: paymentsspec.Service(), Define: definePayments}
}

// definePayments gives each payments function the table access its store calls need
// (functions/payments/internal/ddb) and adds the outbox and the consumers.
func definePayments(s *Service) {
	s.AddRoutes(map[string]Grant{
		paymentsspec.GetPayment: ItemActions("dynamodb:GetItem"),
	})
	s.AddOutbox()
	// Charge and refund: read the payment, then one transaction putting it (conditional on
	// its absence or its version) and its outbox row.
	s.AddConsumer(paymentsspec.Charge, ItemActions("dynamodb:GetItem", "dynamodb:PutItem"))
	s.AddConsumer(paymentsspec.Refund, ItemActions("dynamodb:GetItem", "dynamodb:PutItem"))
}
