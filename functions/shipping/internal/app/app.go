// Package app holds the shipping service's use cases and the ports they need: quote a price,
// create a paid order's shipment, cancel it when the order is cancelled, deliver it (admin) and
// show it to its customer. The consumers and HTTP handlers call it; adapters (ddb, memstore)
// implement the ports.
//
// Every change is a conditional write: a shipment is created only if the order has none, and
// changed only from the version that was read, so duplicated, late and reordered events have
// no second effect. A cancellation that arrives before PaymentSucceeded leaves a tombstone, so
// the late payment creates no shipment.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/functions/shipping/internal/shipment"
	"github.com/microshop/microshop/functions/shipping/quote"
	"github.com/microshop/microshop/shared/metrics"
	"github.com/microshop/microshop/shared/money"
)

// Event is an event contract value (events/shippingevents) a store writes to its outbox in the
// same write as the shipment. It matches events/envelope's Event.
type Event interface {
	EventType() string
	EventVersion() int
}

// Store keeps shipments, one per order. Implementations: ddb.Store and memstore.Store; both
// pass the contract suite in package storetest.
type Store interface {
	// Get returns the shipment of order orderID, or an error wrapping shipment.ErrNotFound.
	Get(ctx context.Context, orderID string) (*shipment.Shipment, error)
	// Create stores s, the order's first shipment record, and ev (if not nil) in one write; or
	// returns an error wrapping shipment.ErrAlreadyExists and stores nothing.
	Create(ctx context.Context, s *shipment.Shipment, ev Event) error
	// Update stores s and ev (if not nil) in one write on condition that the stored shipment is
	// still at version s.Version()-1; or returns an error wrapping shipment.ErrConflict.
	Update(ctx context.Context, s *shipment.Shipment, ev Event) error
}

// Clock tells the current time; time.Now is one.
type Clock func() time.Time

// Shipping runs the use cases. Build it with New.
type Shipping struct {
	store       Store
	currency    money.Currency
	now         Clock
	newTracking func() string
}

// New returns the use cases; quotes are in currency, the shop's. A nil now means time.Now, a
// nil newTracking shipment.NewTrackingNumber.
func New(store Store, currency money.Currency, now Clock, newTracking func() string) *Shipping {
	if now == nil {
		now = time.Now
	}
	if newTracking == nil {
		newTracking = shipment.NewTrackingNumber
	}
	return &Shipping{store: store, currency: currency, now: now, newTracking: newTracking}
}

// attempts bounds the read-decide-write loops that lose a race to a concurrent write.
const attempts = 4

// Quote returns the price of shipping items items to country (see package quote).
func (s *Shipping) Quote(country string, items int) (money.Price, error) {
	return quote.Price(country, items, s.currency)
}

// Create creates the shipment of the order a PaymentSucceeded event paid, once, writing
// ShipmentCreated. An order that has a shipment record already (created, delivered, cancelled,
// or a tombstone of a cancellation that came first) gets nothing new.
func (s *Shipping) Create(ctx context.Context, ev paymentevents.PaymentSucceededV1) error {
	if _, err := s.store.Get(ctx, ev.OrderID); err == nil {
		return nil
	} else if !errors.Is(err, shipment.ErrNotFound) {
		return err
	}
	sh := shipment.New(ev.OrderID, ev.CustomerID, s.newTracking(), s.now())
	out := shippingevents.ShipmentCreatedV1{OrderID: ev.OrderID, CustomerID: ev.CustomerID, TrackingNumber: sh.TrackingNumber()}
	err := s.store.Create(ctx, sh, out)
	if err == nil {
		metrics.Count(ctx, metrics.ShipmentsCreated, 1)
		return nil
	}
	if errors.Is(err, shipment.ErrAlreadyExists) {
		return nil // a concurrent delivery of the same event created it
	}
	return err
}

// Cancel cancels the shipment of the order an OrderCancelled event names. A delivered shipment
// stays delivered (the orders service refuses to cancel a delivered order; an event that says
// otherwise lost a race, and goods delivered cannot be un-shipped). An order without a shipment
// gets a tombstone so that a late PaymentSucceeded ships nothing.
func (s *Shipping) Cancel(ctx context.Context, ev orderevents.OrderCancelledV1) error {
	for range attempts {
		sh, err := s.store.Get(ctx, ev.OrderID)
		if errors.Is(err, shipment.ErrNotFound) {
			err = s.store.Create(ctx, shipment.Tombstone(ev.OrderID, ev.CustomerID, s.now()), nil)
			if errors.Is(err, shipment.ErrAlreadyExists) {
				continue // created meanwhile: cancel that
			}
			return err
		}
		if err != nil {
			return err
		}
		changed, err := sh.Cancel(s.now())
		if errors.Is(err, shipment.ErrDelivered) || (err == nil && !changed) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.store.Update(ctx, sh, nil); !errors.Is(err, shipment.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("cancel shipment of order %s: %d attempts lost to concurrent writes: %w", ev.OrderID, attempts, shipment.ErrConflict)
}

// Deliver marks order orderID's shipment delivered, writing ShipmentDelivered once; delivering
// it again answers the delivered shipment and writes nothing. It returns an error wrapping
// shipment.ErrNotFound or shipment.ErrCancelled.
func (s *Shipping) Deliver(ctx context.Context, orderID string) (*shipment.Shipment, error) {
	for range attempts {
		sh, err := s.store.Get(ctx, orderID)
		if err != nil {
			return nil, err
		}
		changed, err := sh.Deliver(s.now())
		if err != nil {
			return nil, err
		}
		if !changed {
			return sh, nil
		}
		out := shippingevents.ShipmentDeliveredV1{OrderID: orderID, CustomerID: sh.CustomerID(), TrackingNumber: sh.TrackingNumber()}
		err = s.store.Update(ctx, sh, out)
		if err == nil {
			return sh, nil
		}
		if !errors.Is(err, shipment.ErrConflict) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("deliver shipment of order %s: %d attempts lost to concurrent writes: %w", orderID, attempts, shipment.ErrConflict)
}

// Get returns the shipment of order orderID if customerID placed it. Another customer's
// shipment, and the tombstone of an order cancelled before shipping, are shipment.ErrNotFound.
func (s *Shipping) Get(ctx context.Context, customerID, orderID string) (*shipment.Shipment, error) {
	sh, err := s.store.Get(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if sh.CustomerID() != customerID || sh.IsTombstone() {
		return nil, fmt.Errorf("shipment of order %s for customer %s: %w", orderID, customerID, shipment.ErrNotFound)
	}
	return sh, nil
}

// DefaultCurrency is the shop's currency when the stage names none (SHOP_CURRENCY unset).
const DefaultCurrency = "USD"

// ShopCurrency returns the currency with code, the stage's SHOP_CURRENCY, or DefaultCurrency
// for "".
func ShopCurrency(code string) (money.Currency, error) {
	if code == "" {
		code = DefaultCurrency
	}
	c, err := money.ParseCurrency(code)
	if err != nil {
		return money.Currency{}, fmt.Errorf("SHOP_CURRENCY: %w", err)
	}
	return c, nil
}
