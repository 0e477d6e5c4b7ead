// Package consume is the cart's event consumers (shared/consume Handlers): the catalog's
// product events keep the cart's product replica, and OrderPlaced empties the ordered lines
// of a cart the order was placed from. Both are safe to run twice and out of order: the
// replica keeps the highest product version and never revives a deleted product, and an
// order removes only lines not changed since the cart version it was taken from.
package consume

import (
	"context"
	"fmt"

	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/cart/internal/app"
	"github.com/microshop/microshop/functions/cart/internal/cart"
	sharedconsume "github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/money"
)

// ProductEvents handles ProductCreated, ProductChanged and ProductDeleted.
func ProductEvents(carts *app.Carts) sharedconsume.Handler {
	return func(ctx context.Context, ev sharedconsume.Event) error {
		env, err := envelope.Decode(ev.Envelope)
		if err != nil {
			return err
		}
		switch {
		case envelope.Is[catalogevents.ProductCreatedV1](env):
			e, err := envelope.Data[catalogevents.ProductCreatedV1](env)
			if err != nil {
				return err
			}
			return changed(ctx, carts, e.ID, e.Name, e.Price, e.Version)
		case envelope.Is[catalogevents.ProductChangedV1](env):
			e, err := envelope.Data[catalogevents.ProductChangedV1](env)
			if err != nil {
				return err
			}
			return changed(ctx, carts, e.ID, e.Name, e.Price, e.Version)
		case envelope.Is[catalogevents.ProductDeletedV1](env):
			e, err := envelope.Data[catalogevents.ProductDeletedV1](env)
			if err != nil {
				return err
			}
			id, err := cart.ParseProductID(e.ID)
			if err != nil {
				return err
			}
			return carts.ProductDeleted(ctx, id)
		}
		return fmt.Errorf("product events: %w: %s v%d", envelope.ErrOtherEvent, env.Type, env.Version)
	}
}

func changed(ctx context.Context, carts *app.Carts, id, name string, p catalogevents.Price, version int) error {
	pid, err := cart.ParseProductID(id)
	if err != nil {
		return err
	}
	cur, err := money.ParseCurrency(p.Currency)
	if err != nil {
		return fmt.Errorf("product %s: %w", id, err)
	}
	price, err := money.NewPrice(money.Cents(p.Amount), cur)
	if err != nil {
		return fmt.Errorf("product %s: %w", id, err)
	}
	return carts.ProductChanged(ctx, cart.Product{ID: pid, Name: name, Price: price, Version: version})
}

// OrderPlaced handles OrderPlaced.
func OrderPlaced(carts *app.Carts) sharedconsume.Handler {
	return func(ctx context.Context, ev sharedconsume.Event) error {
		env, err := envelope.Decode(ev.Envelope)
		if err != nil {
			return err
		}
		placed, err := envelope.Data[orderevents.OrderPlacedV1](env)
		if err != nil {
			return err
		}
		return carts.OrderPlaced(env.Context(ctx), placed)
	}
}
