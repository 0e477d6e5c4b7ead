// Package consumer turns the events the orders service consumes into use-case calls
// (package app): the saga's events that move an order, the catalog's events that keep the
// orders service's copy of the catalog, and the cart's that keep its copy of the carts. Each handler is a shared/consume.Handler; a returned
// error fails the message, so it is retried and, in the end, lands in the DLQ. An event that
// the order's state makes meaningless (duplicate, late, overtaken) is done, not an error: the
// use cases' conditional transitions see to that.
package consumer

import (
	"context"
	"errors"
	"fmt"

	"github.com/microshop/microshop/events/cartevents"
	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/shared/consume"
)

// ErrUnexpected: the event is not one this consumer's rule routes to it.
var ErrUnexpected = errors.New("unexpected event")

// decode reads the envelope and returns ctx as its handler should run: the events it causes
// carry its correlation id and name it as their cause.
func decode(ctx context.Context, ev consume.Event) (context.Context, envelope.Envelope, error) {
	env, err := envelope.Decode(ev.Envelope)
	if err != nil {
		return ctx, env, fmt.Errorf("event %s: %w", ev.ID, err)
	}
	return env.Context(ctx), env, nil
}

// Saga handles StockRejected, PaymentFailed, ShipmentCreated and ShipmentDelivered.
func Saga(s *app.Service) consume.Handler {
	return func(ctx context.Context, ev consume.Event) error {
		ctx, env, err := decode(ctx, ev)
		if err != nil {
			return err
		}
		switch {
		case envelope.Is[inventoryevents.StockRejectedV1](env):
			d, err := envelope.Data[inventoryevents.StockRejectedV1](env)
			if err != nil {
				return err
			}
			return s.OnStockRejected(ctx, d.OrderID, d.Reason)
		case envelope.Is[paymentevents.PaymentFailedV1](env):
			d, err := envelope.Data[paymentevents.PaymentFailedV1](env)
			if err != nil {
				return err
			}
			return s.OnPaymentFailed(ctx, d.OrderID, d.Reason)
		case envelope.Is[shippingevents.ShipmentCreatedV1](env):
			d, err := envelope.Data[shippingevents.ShipmentCreatedV1](env)
			if err != nil {
				return err
			}
			return s.OnShipmentCreated(ctx, d.OrderID)
		case envelope.Is[shippingevents.ShipmentDeliveredV1](env):
			d, err := envelope.Data[shippingevents.ShipmentDeliveredV1](env)
			if err != nil {
				return err
			}
			return s.OnShipmentDelivered(ctx, d.OrderID)
		}
		return fmt.Errorf("event %s: %w: %s v%d from %s", env.ID, ErrUnexpected, env.Type, env.Version, env.Source)
	}
}

// Products handles ProductCreated, ProductChanged and ProductDeleted.
func Products(s *app.Service) consume.Handler {
	return func(ctx context.Context, ev consume.Event) error {
		ctx, env, err := decode(ctx, ev)
		if err != nil {
			return err
		}
		switch {
		case envelope.Is[catalogevents.ProductCreatedV1](env):
			d, err := envelope.Data[catalogevents.ProductCreatedV1](env)
			if err != nil {
				return err
			}
			return s.OnProductUpserted(ctx, d.ID, d.Name, d.Price, d.Version)
		case envelope.Is[catalogevents.ProductChangedV1](env):
			d, err := envelope.Data[catalogevents.ProductChangedV1](env)
			if err != nil {
				return err
			}
			return s.OnProductUpserted(ctx, d.ID, d.Name, d.Price, d.Version)
		case envelope.Is[catalogevents.ProductDeletedV1](env):
			d, err := envelope.Data[catalogevents.ProductDeletedV1](env)
			if err != nil {
				return err
			}
			return s.OnProductDeleted(ctx, d.ID)
		}
		return fmt.Errorf("event %s: %w: %s v%d from %s", env.ID, ErrUnexpected, env.Type, env.Version, env.Source)
	}
}

// Carts handles CartChanged: the copy of the customer's cart keeps the highest version.
func Carts(s *app.Service) consume.Handler {
	return func(ctx context.Context, ev consume.Event) error {
		ctx, env, err := decode(ctx, ev)
		if err != nil {
			return err
		}
		if !envelope.Is[cartevents.CartChangedV1](env) {
			return fmt.Errorf("event %s: %w: %s v%d from %s", env.ID, ErrUnexpected, env.Type, env.Version, env.Source)
		}
		d, err := envelope.Data[cartevents.CartChangedV1](env)
		if err != nil {
			return err
		}
		if d.CustomerID == "" || d.Version < 1 {
			return fmt.Errorf("event %s: CartChanged without a customer or a version", env.ID)
		}
		c := app.Cart{CustomerID: d.CustomerID, Version: d.Version}
		for _, it := range d.Items {
			c.Items = append(c.Items, app.LineRequest{ProductID: it.ProductID, Quantity: it.Quantity})
		}
		return s.OnCartChanged(ctx, c)
	}
}
