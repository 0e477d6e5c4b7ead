// Package app holds the payments service's use cases and the ports they need: charge an order
// when its stock is reserved, refund it when a paid order is cancelled, and show a customer the
// payment of their order. The consumers and the HTTP handler call it; adapters (ddb, memstore,
// card) implement the ports.
//
// An order is charged at most once: the payment record is created on condition that the order
// has none, and the processor is given the order id as its idempotency key, so a charge retried
// after a crash between the processor's answer and the write is the same charge (as with a real
// provider's idempotency keys). A cancellation that arrives before the charge leaves a Voided
// record, so a late StockReserved charges nothing.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/functions/payments/internal/payment"
	"github.com/microshop/microshop/shared/metrics"
	"github.com/microshop/microshop/shared/money"
)

// Event is an event contract value (events/paymentevents) a store writes to its outbox in the
// same write as the payment. It matches events/envelope's Event.
type Event interface {
	EventType() string
	EventVersion() int
}

// Store keeps payments, one per order. Implementations: ddb.Store and memstore.Store; both pass
// the contract suite in package storetest.
type Store interface {
	// Get returns the payment of order orderID, or an error wrapping payment.ErrNotFound.
	Get(ctx context.Context, orderID string) (*payment.Payment, error)
	// Create stores p, the order's first payment record, and ev (if not nil) in the same write;
	// or returns an error wrapping payment.ErrAlreadyExists and stores nothing.
	Create(ctx context.Context, p *payment.Payment, ev Event) error
	// Update stores p and ev in one write on condition that the stored payment is still at
	// version p.Version()-1; or returns an error wrapping payment.ErrConflict and stores nothing.
	Update(ctx context.Context, p *payment.Payment, ev Event) error
}

// ChargeRequest asks a processor to charge Amount to the card behind Token.
type ChargeRequest struct {
	// IdempotencyKey makes a retried request the same charge: the order id.
	IdempotencyKey string
	Token          string
	Amount         money.Price
}

// ChargeResult is a processor's answer: a charge id, or the reason the charge was declined.
type ChargeResult struct {
	ChargeID      string
	DeclineReason string // one of payment's Reason* codes; "" when charged
}

// Processor is the card processor. card.Simulated is one; a real provider's client can replace
// it. An error means the processor could not answer (the event is retried), never a decline.
type Processor interface {
	Charge(ctx context.Context, r ChargeRequest) (ChargeResult, error)
	// Refund refunds charge chargeID in full; idempotencyKey makes a retry the same refund.
	Refund(ctx context.Context, idempotencyKey, chargeID string, amt money.Price) error
}

// Clock tells the current time; time.Now is one.
type Clock func() time.Time

// Payments runs the use cases. Build it with New.
type Payments struct {
	store     Store
	processor Processor
	now       Clock
}

// New returns the use cases; a nil now means time.Now.
func New(store Store, processor Processor, now Clock) *Payments {
	if now == nil {
		now = time.Now
	}
	return &Payments{store: store, processor: processor, now: now}
}

// ErrBadEvent marks an event whose content cannot be acted on; retrying cannot help, so it
// ends in the dead-letter queue.
var ErrBadEvent = errors.New("event cannot be processed")

// attempts bounds the read-decide-write loops that lose a race to a concurrent write.
const attempts = 4

// Charge charges the order of a StockReserved event, once: a payment already recorded for the
// order (charged, declined, refunded or voided) means the event was seen before, or the order
// was cancelled first, and nothing happens. It writes PaymentSucceeded or PaymentFailed.
func (s *Payments) Charge(ctx context.Context, ev inventoryevents.StockReservedV1) error {
	total, err := toPrice(ev.Total)
	if err != nil {
		return fmt.Errorf("charge order %s: total: %w: %v", ev.OrderID, ErrBadEvent, err)
	}
	for range attempts {
		if _, err := s.store.Get(ctx, ev.OrderID); err == nil {
			return nil
		} else if !errors.Is(err, payment.ErrNotFound) {
			return err
		}
		res, err := s.processor.Charge(ctx, ChargeRequest{IdempotencyKey: ev.OrderID, Token: ev.PaymentToken, Amount: total})
		if err != nil {
			return fmt.Errorf("charge order %s: %w", ev.OrderID, err)
		}
		p, out := s.outcome(ev, total, res)
		err = s.store.Create(ctx, p, out)
		switch {
		case err == nil:
			if res.DeclineReason != "" {
				metrics.Count(ctx, metrics.PaymentsDeclined, 1)
			} else {
				metrics.Count(ctx, metrics.PaymentsSucceeded, 1)
			}
			return nil
		case errors.Is(err, payment.ErrAlreadyExists):
			// ErrAlreadyExists: a concurrent delivery of the same event (or a cancellation)
			// won; with the same idempotency key the processor made no second charge.
			return nil
		case !errors.Is(err, payment.ErrConflict):
			return err
		}
	}
	return fmt.Errorf("charge order %s: %d attempts lost to concurrent writes: %w", ev.OrderID, attempts, payment.ErrConflict)
}

// outcome is the payment and the event of the processor's answer res.
func (s *Payments) outcome(ev inventoryevents.StockReservedV1, total money.Price, res ChargeResult) (*payment.Payment, Event) {
	if res.DeclineReason != "" {
		return payment.DeclinedCharge(ev.OrderID, ev.CustomerID, total, res.DeclineReason, s.now()),
			paymentevents.PaymentFailedV1{OrderID: ev.OrderID, CustomerID: ev.CustomerID, Reason: res.DeclineReason}
	}
	items := 0
	for _, l := range ev.Lines {
		items += l.Quantity
	}
	return payment.Charged(ev.OrderID, ev.CustomerID, total, res.ChargeID, s.now()),
		paymentevents.PaymentSucceededV1{OrderID: ev.OrderID, CustomerID: ev.CustomerID, Amount: ev.Total,
			ItemCount: items, ShippingAddress: ev.ShippingAddress}
}

// Refund refunds the order of an OrderCancelled event if it was paid, once, writing
// PaymentRefunded. A declined, refunded or voided payment is left alone; an order with no
// payment yet gets a Voided record so that a late StockReserved charges nothing.
func (s *Payments) Refund(ctx context.Context, ev orderevents.OrderCancelledV1) error {
	for range attempts {
		p, err := s.store.Get(ctx, ev.OrderID)
		if errors.Is(err, payment.ErrNotFound) {
			err = s.store.Create(ctx, payment.Void(ev.OrderID, ev.CustomerID, s.now()), nil)
			if errors.Is(err, payment.ErrAlreadyExists) {
				continue // charged meanwhile: refund that
			}
			return err
		}
		if err != nil {
			return err
		}
		if p.Status() != payment.Succeeded {
			return nil
		}
		if err := s.processor.Refund(ctx, "refund-"+ev.OrderID, p.ChargeID(), p.Amount()); err != nil {
			return fmt.Errorf("refund order %s: %w", ev.OrderID, err)
		}
		if err := p.Refund(s.now()); err != nil {
			return err
		}
		out := paymentevents.PaymentRefundedV1{OrderID: p.OrderID(), CustomerID: p.CustomerID(), Amount: toMoney(p.Amount())}
		err = s.store.Update(ctx, p, out)
		if errors.Is(err, payment.ErrConflict) {
			continue
		}
		return err
	}
	return fmt.Errorf("refund order %s: %d attempts lost to concurrent writes: %w", ev.OrderID, attempts, payment.ErrConflict)
}

// Get returns the payment of order orderID if customerID placed it; a payment of another
// customer's order, or of an order never charged, is payment.ErrNotFound, so ids leak nothing.
func (s *Payments) Get(ctx context.Context, customerID, orderID string) (*payment.Payment, error) {
	p, err := s.store.Get(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if p.CustomerID() != customerID || p.Status() == payment.Voided {
		return nil, fmt.Errorf("payment of order %s for customer %s: %w", orderID, customerID, payment.ErrNotFound)
	}
	return p, nil
}

func toPrice(m amount.Money) (money.Price, error) {
	c, err := money.ParseCurrency(m.Currency)
	if err != nil {
		return money.Price{}, err
	}
	return money.NewPrice(money.Cents(m.Amount), c)
}

func toMoney(p money.Price) amount.Money {
	return amount.Money{Amount: int64(p.Amount()), Currency: p.Currency().String()}
}
