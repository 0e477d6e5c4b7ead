// Package consume is the inventory's event consumers: each turns one kind of saga event into a
// use case of package app. They are shared/consume Handlers; every function's main wires one
// of them behind its SQS queue. A handler returns an error for an event it cannot apply (it
// is retried, then lands in the dead-letter queue); duplicates and late events are no-ops
// because the use cases' writes are conditional.
package consume

import (
	"context"
	"fmt"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/functions/inventory/internal/app"
	"github.com/microshop/microshop/shared/consume"
)

// Reserve handles OrderPlaced.
func Reserve(inv *app.Inventory) consume.Handler {
	return func(ctx context.Context, ev consume.Event) error {
		env, err := envelope.Decode(ev.Envelope)
		if err != nil {
			return err
		}
		placed, err := envelope.Data[orderevents.OrderPlacedV1](env)
		if err != nil {
			return err
		}
		return inv.Reserve(env.Context(ctx), placed)
	}
}

// Release handles PaymentFailed and OrderCancelled.
func Release(inv *app.Inventory) consume.Handler {
	return func(ctx context.Context, ev consume.Event) error {
		env, err := envelope.Decode(ev.Envelope)
		if err != nil {
			return err
		}
		var orderID, customerID string
		switch {
		case envelope.Is[paymentevents.PaymentFailedV1](env):
			e, err := envelope.Data[paymentevents.PaymentFailedV1](env)
			if err != nil {
				return err
			}
			orderID, customerID = e.OrderID, e.CustomerID
		case envelope.Is[orderevents.OrderCancelledV1](env):
			e, err := envelope.Data[orderevents.OrderCancelledV1](env)
			if err != nil {
				return err
			}
			orderID, customerID = e.OrderID, e.CustomerID
		default:
			return fmt.Errorf("release stock: %w: %s v%d", envelope.ErrOtherEvent, env.Type, env.Version)
		}
		return inv.Release(env.Context(ctx), orderID, customerID)
	}
}

// Commit handles ShipmentDelivered.
func Commit(inv *app.Inventory) consume.Handler {
	return func(ctx context.Context, ev consume.Event) error {
		env, err := envelope.Decode(ev.Envelope)
		if err != nil {
			return err
		}
		delivered, err := envelope.Data[shippingevents.ShipmentDeliveredV1](env)
		if err != nil {
			return err
		}
		return inv.Commit(env.Context(ctx), delivered.OrderID)
	}
}
