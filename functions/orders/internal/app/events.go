package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/orders/internal/order"
	"github.com/microshop/microshop/shared/money"
)

// The saga's effects on an order. Each is one conditional transition (Orders.Update): an event
// that asks for a move the order's status does not allow — a duplicate, a late event, or one
// overtaken by another (a cancellation) — changes nothing and is done, not an error, so it is
// neither retried nor sent to the DLQ. Each such skip is logged.

// OnStockRejected fails the order with the rejection's reason (PENDING -> FAILED).
func (s *Service) OnStockRejected(ctx context.Context, orderID, reason string) error {
	return s.fail(ctx, orderID, reason, "StockRejected")
}

// OnPaymentFailed fails the order with the payment's reason (PENDING -> FAILED).
func (s *Service) OnPaymentFailed(ctx context.Context, orderID, reason string) error {
	return s.fail(ctx, orderID, reason, "PaymentFailed")
}

func (s *Service) fail(ctx context.Context, orderID, reason, cause string) error {
	if reason == "" {
		reason = "unknown"
	}
	return s.transition(ctx, orderID, cause, func(o *order.Order) (*envelope.Envelope, error) {
		if err := o.Fail(reason, s.d.Now()); err != nil {
			return nil, err
		}
		return s.envelope(ctx, o, orderevents.OrderFailedV1{OrderID: string(o.ID()), CustomerID: o.CustomerID(), Reason: reason})
	})
}

// OnShipmentCreated confirms the order (PENDING -> CONFIRMED) and emits OrderConfirmed.
func (s *Service) OnShipmentCreated(ctx context.Context, orderID string) error {
	return s.transition(ctx, orderID, "ShipmentCreated", func(o *order.Order) (*envelope.Envelope, error) {
		if err := o.Confirm(s.d.Now()); err != nil {
			return nil, err
		}
		return s.envelope(ctx, o, orderevents.OrderConfirmedV1{OrderID: string(o.ID()), CustomerID: o.CustomerID()})
	})
}

// OnShipmentDelivered records the delivery (CONFIRMED -> DELIVERED); from then on the order
// cannot be cancelled. A delivery that overtakes its ShipmentCreated confirms the order first
// (emitting OrderConfirmed), since a delivered shipment was created.
func (s *Service) OnShipmentDelivered(ctx context.Context, orderID string) error {
	return s.transition(ctx, orderID, "ShipmentDelivered", func(o *order.Order) (*envelope.Envelope, error) {
		var ev *envelope.Envelope
		if o.Status() == order.Pending {
			if err := o.Confirm(s.d.Now()); err != nil {
				return nil, err
			}
			var err error
			if ev, err = s.envelope(ctx, o, orderevents.OrderConfirmedV1{OrderID: string(o.ID()), CustomerID: o.CustomerID()}); err != nil {
				return nil, err
			}
		}
		if err := o.Deliver(s.d.Now()); err != nil {
			return nil, err
		}
		return ev, nil
	})
}

// transition applies fn to order id; an illegal transition is logged and done.
func (s *Service) transition(ctx context.Context, id, cause string, fn func(*order.Order) (*envelope.Envelope, error)) error {
	oid, err := order.ParseID(id)
	if err != nil {
		return fmt.Errorf("%s for order %q: %w", cause, id, err)
	}
	fn, record := s.observe(fn)
	o, err := s.d.Orders.Update(ctx, oid, fn)
	if err == nil {
		record(ctx, o)
	}
	if errors.Is(err, order.ErrIllegalTransition) {
		s.d.Log.InfoContext(ctx, "event changes nothing: the order has moved on", "event", cause, "orderId", id, "reason", err.Error())
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s for order %s: %w", cause, id, err)
	}
	return nil
}

// OnProductUpserted keeps the replica's copy of a created or changed product, unless the copy
// is newer or the product was deleted. A price in another currency is kept too: placing an
// order for it is refused.
func (s *Service) OnProductUpserted(ctx context.Context, id, name string, price catalogevents.Price, version int) error {
	cur, err := money.ParseCurrency(price.Currency)
	if err != nil {
		return fmt.Errorf("product %s: %w", id, err)
	}
	p, err := money.NewPrice(money.Cents(price.Amount), cur)
	if err != nil {
		return fmt.Errorf("product %s: %w", id, err)
	}
	stored, err := s.d.Products.PutProduct(ctx, Product{ID: id, Name: name, Price: p, Version: version})
	if err != nil {
		return fmt.Errorf("product %s v%d: %w", id, version, err)
	}
	if !stored {
		s.d.Log.InfoContext(ctx, "product event changes nothing: the replica is newer", "productId", id, "version", version)
	}
	return nil
}

// OnProductDeleted removes the product from sale for good.
func (s *Service) OnProductDeleted(ctx context.Context, id string) error {
	if err := s.d.Products.DeleteProduct(ctx, id); err != nil {
		return fmt.Errorf("delete product %s: %w", id, err)
	}
	return nil
}
