// Package payment is the payments service's domain: the one payment of an order, charged at
// most once and refunded at most once. It is pure Go (no AWS, no tags).
package payment

import (
	"fmt"
	"time"

	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/money"
)

// Status is where a payment stands.
type Status string

// The statuses. Voided is internal: the order was cancelled before it was charged, so it never
// will be; the API shows no payment for it.
const (
	Succeeded Status = "SUCCEEDED"
	Declined  Status = "DECLINED"
	Refunded  Status = "REFUNDED"
	Voided    Status = "VOIDED"
)

// Reasons a charge is declined (PaymentFailed's reason).
const (
	ReasonCardDeclined        = "card_declined"
	ReasonInsufficientFunds   = "insufficient_funds"
	ReasonInvalidPaymentToken = "invalid_payment_token"
)

// MaxOrderIDLen is the longest order id a payment can belong to, in bytes. Order ids are 32
// characters; a longer one in a path names no payment (404), and could not even be looked up:
// DynamoDB refuses a partition key over 2048 bytes (a 500 before this limit existed).
const MaxOrderIDLen = 128

// Errors.
var (
	ErrNotFound      = fault.New(fault.NotFound, "payment not found")
	ErrAlreadyExists = fault.New(fault.Conflict, "the order already has a payment")
	// ErrConflict: the payment changed since it was read.
	ErrConflict = fault.New(fault.Conflict, "payment is being changed by other requests; try again")
	// ErrNotRefundable: only a SUCCEEDED payment can be refunded.
	ErrNotRefundable = fault.New(fault.Conflict, "payment is not in a state that can be refunded")
)

// Payment is the payment of one order. Its zero value is not valid; build one with Charged,
// DeclinedCharge, Void or Restore.
type Payment struct {
	orderID    string
	customerID string
	amount     money.Price
	status     Status
	reason     string
	chargeID   string
	createdAt  time.Time
	updatedAt  time.Time
	version    int
}

// Charged returns the payment of an order whose amount the processor charged as chargeID.
func Charged(orderID, customerID string, amount money.Price, chargeID string, now time.Time) *Payment {
	return &Payment{orderID: orderID, customerID: customerID, amount: amount, status: Succeeded,
		chargeID: chargeID, createdAt: now.UTC(), updatedAt: now.UTC(), version: 1}
}

// DeclinedCharge returns the payment of an order whose charge was declined for reason.
func DeclinedCharge(orderID, customerID string, amount money.Price, reason string, now time.Time) *Payment {
	return &Payment{orderID: orderID, customerID: customerID, amount: amount, status: Declined,
		reason: reason, createdAt: now.UTC(), updatedAt: now.UTC(), version: 1}
}

// Void returns the record of an order cancelled before it was charged: it blocks a late charge.
func Void(orderID, customerID string, now time.Time) *Payment {
	return &Payment{orderID: orderID, customerID: customerID, status: Voided,
		createdAt: now.UTC(), updatedAt: now.UTC(), version: 1}
}

// Stored is a payment as a store keeps it.
type Stored struct {
	OrderID, CustomerID  string
	Amount               money.Price // zero for a Voided payment
	Status               Status
	Reason, ChargeID     string
	CreatedAt, UpdatedAt time.Time
	Version              int
}

// Restore rebuilds a payment from stored data.
func Restore(s Stored) (*Payment, error) {
	switch s.Status {
	case Succeeded, Declined, Refunded, Voided:
	default:
		return nil, fmt.Errorf("restore payment of order %s: unknown status %q", s.OrderID, s.Status)
	}
	if s.OrderID == "" || s.Version < 1 {
		return nil, fmt.Errorf("restore payment of order %q: no order id or version", s.OrderID)
	}
	return &Payment{orderID: s.OrderID, customerID: s.CustomerID, amount: s.Amount, status: s.Status,
		reason: s.Reason, chargeID: s.ChargeID, createdAt: s.CreatedAt, updatedAt: s.UpdatedAt, version: s.Version}, nil
}

// Refund marks a SUCCEEDED payment REFUNDED, or returns ErrNotRefundable.
func (p *Payment) Refund(now time.Time) error {
	if p.status != Succeeded {
		return fmt.Errorf("refund payment of order %s (%s): %w", p.orderID, p.status, ErrNotRefundable)
	}
	p.status = Refunded
	p.updatedAt = now.UTC()
	p.version++
	return nil
}

// OrderID returns the order the payment is for.
func (p *Payment) OrderID() string { return p.orderID }

// CustomerID returns the customer who placed the order.
func (p *Payment) CustomerID() string { return p.customerID }

// Amount returns the amount charged (or attempted); zero for a Voided payment.
func (p *Payment) Amount() money.Price { return p.amount }

// Status returns the payment's status.
func (p *Payment) Status() Status { return p.status }

// Reason returns why the charge was declined, "" otherwise.
func (p *Payment) Reason() string { return p.reason }

// ChargeID returns the processor's id of the charge, "" if nothing was charged.
func (p *Payment) ChargeID() string { return p.chargeID }

// CreatedAt returns when the payment was recorded.
func (p *Payment) CreatedAt() time.Time { return p.createdAt }

// UpdatedAt returns when the payment last changed.
func (p *Payment) UpdatedAt() time.Time { return p.updatedAt }

// Version counts the payment's stored states, from 1; stores use it for optimistic locking.
func (p *Payment) Version() int { return p.version }

// Snapshot returns the payment as a store keeps it.
func (p *Payment) Snapshot() Stored {
	return Stored{OrderID: p.orderID, CustomerID: p.customerID, Amount: p.amount, Status: p.status,
		Reason: p.reason, ChargeID: p.chargeID, CreatedAt: p.createdAt, UpdatedAt: p.updatedAt, Version: p.version}
}
