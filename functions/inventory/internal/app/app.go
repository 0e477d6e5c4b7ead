// Package app holds the inventory's use cases — set and read a product's stock (admin), and
// reserve, release and commit an order's stock as the saga's events arrive — and declares the
// port they need: the Store. HTTP handlers (package api) and event consumers (package consume)
// call it; the DynamoDB adapter (package ddb) implements the port.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/inventory/internal/stock"
	"github.com/microshop/microshop/shared/metrics"
)

// Store keeps stock levels and reservations, and writes each reservation change together with
// its outbox event in one transaction. ddb.Store implements it.
type Store interface {
	// SetOnHand sets product id's on-hand quantity to n, creating its level, and returns the
	// level; or an error wrapping stock.ErrBelowReserved when n is below its reserved quantity.
	SetOnHand(ctx context.Context, id stock.ProductID, n int64) (stock.Level, error)
	// Get returns product id's level, or an error wrapping stock.ErrNotFound.
	Get(ctx context.Context, id stock.ProductID) (stock.Level, error)
	// Reserve holds every line of r (merged lines) and records r as Reserved, with event in
	// the order's outbox, all in one transaction — or changes nothing. It returns
	// (true, nil) when it reserved; (false, nil) when the order already has a reservation
	// record (a duplicate or late event); and a *stock.Rejection error when a product's
	// stock is unknown or short (nothing is written then).
	Reserve(ctx context.Context, r stock.Reservation, event envelope.Envelope) (bool, error)
	// Reject records order r as Rejected with event in its outbox, unless the order already
	// has a reservation record; it reports whether it wrote.
	Reject(ctx context.Context, r stock.Reservation, event envelope.Envelope) (bool, error)
	// Release gives back the stock held for orderID and records it as Released, with the
	// event that makeEvent builds from the reservation in the order's outbox. If the order
	// has no reservation yet, it records a Released one without an event, so the order is
	// never reserved later. A reservation already Rejected, Released or Committed is left
	// alone. It reports whether stock was released.
	Release(ctx context.Context, orderID, customerID string, makeEvent func(stock.Reservation) (envelope.Envelope, error)) (bool, error)
	// Commit takes the stock held for orderID out of the warehouse (onHand and reserved both
	// shrink) and records it as Committed; it reports whether it did. A Committed, Released
	// or Rejected reservation is left alone; a missing one is an error wrapping
	// stock.ErrNotFound.
	Commit(ctx context.Context, orderID string) (bool, error)
}

// Inventory runs the use cases. Build it with New.
type Inventory struct {
	store Store
	now   func() time.Time
}

// New returns the use cases over store; a nil now means time.Now.
func New(store Store, now func() time.Time) *Inventory {
	if now == nil {
		now = time.Now
	}
	return &Inventory{store: store, now: now}
}

// SetOnHand sets the on-hand quantity of product id (admin).
func (inv *Inventory) SetOnHand(ctx context.Context, id string, onHand int64) (stock.Level, error) {
	pid, err := stock.ParseProductID(id)
	if err != nil {
		return stock.Level{}, err
	}
	if err := stock.CheckOnHand(onHand); err != nil {
		return stock.Level{}, err
	}
	return inv.store.SetOnHand(ctx, pid, onHand)
}

// Get returns product id's stock level.
func (inv *Inventory) Get(ctx context.Context, id string) (stock.Level, error) {
	pid, err := stock.ParseProductID(id)
	if err != nil {
		return stock.Level{}, err
	}
	return inv.store.Get(ctx, pid)
}

// Reserve handles OrderPlaced: it reserves every line of the order, or none, and emits
// StockReserved or StockRejected through the outbox. A duplicate, or an order cancelled
// before it was placed here, emits nothing. ctx should carry the event's correlation and
// causation (envelope.Envelope.Context).
func (inv *Inventory) Reserve(ctx context.Context, placed orderevents.OrderPlacedV1) error {
	if placed.OrderID == "" {
		return stock.ErrInvalidOrderID
	}
	in := make([]stock.Line, len(placed.Lines))
	for i, l := range placed.Lines {
		in[i] = stock.Line{ProductID: stock.ProductID(l.ProductID), Quantity: int64(l.Quantity)}
	}
	lines, err := stock.Merge(in)
	if err != nil {
		return fmt.Errorf("reserve order %s: %w", placed.OrderID, err)
	}
	r := stock.Reservation{OrderID: placed.OrderID, CustomerID: placed.CustomerID, Status: stock.Reserved, Lines: lines}
	reserved, err := inv.event(ctx, inventoryevents.StockReservedV1{
		OrderID: placed.OrderID, CustomerID: placed.CustomerID, Lines: contractLines(lines),
		Total: placed.Total, PaymentToken: placed.PaymentToken, ShippingAddress: placed.ShippingAddress,
	})
	if err != nil {
		return err
	}
	ok, err := inv.store.Reserve(ctx, r, reserved)
	if err == nil && ok {
		metrics.Count(ctx, metrics.StockReserved, 1)
	}
	var rejection *stock.Rejection
	if !errors.As(err, &rejection) {
		return err
	}
	rejected, err := inv.event(ctx, inventoryevents.StockRejectedV1{
		OrderID: placed.OrderID, CustomerID: placed.CustomerID,
		Reason: rejection.Reason, ProductID: string(rejection.ProductID),
	})
	if err != nil {
		return err
	}
	r.Status = stock.Rejected
	_, err = inv.store.Reject(ctx, r, rejected)
	return err
}

// Release handles PaymentFailed and OrderCancelled: it gives back the order's held stock and
// emits StockReleased; after a commit, rejection or earlier release it does nothing.
func (inv *Inventory) Release(ctx context.Context, orderID, customerID string) error {
	if orderID == "" {
		return stock.ErrInvalidOrderID
	}
	_, err := inv.store.Release(ctx, orderID, customerID, func(r stock.Reservation) (envelope.Envelope, error) {
		return inv.event(ctx, inventoryevents.StockReleasedV1{OrderID: r.OrderID, CustomerID: r.CustomerID, Lines: contractLines(r.Lines)})
	})
	return err
}

// Commit handles ShipmentDelivered: the order's units leave the warehouse.
func (inv *Inventory) Commit(ctx context.Context, orderID string) error {
	if orderID == "" {
		return stock.ErrInvalidOrderID
	}
	_, err := inv.store.Commit(ctx, orderID)
	return err
}

// event wraps ev in an envelope from the inventory, stamped now, carrying ctx's correlation
// and causation.
func (inv *Inventory) event(ctx context.Context, ev envelope.Event) (envelope.Envelope, error) {
	return envelope.New(ctx, inventoryevents.Source, ev, inv.now())
}

func contractLines(lines []stock.Line) []inventoryevents.Line {
	out := make([]inventoryevents.Line, len(lines))
	for i, l := range lines {
		out[i] = inventoryevents.Line{ProductID: string(l.ProductID), Quantity: int(l.Quantity)}
	}
	return out
}
