// Package order is the orders service's domain: an order, its lines priced when it was placed,
// and the state machine its status follows. It is pure Go (no AWS, no tags); the store and the
// use cases (package app) decide how an order is kept and which events a transition emits.
//
//	PENDING ──ShipmentCreated──▶ CONFIRMED ──ShipmentDelivered──▶ DELIVERED
//	   │  ╲                          │
//	   │   ╲StockRejected/            │ cancel
//	   │    ╲PaymentFailed            ▼
//	   │     ▶ FAILED             CANCELLED
//	   └──────── cancel ────────────▲
//
// Every other move is refused with ErrIllegalTransition, so a duplicated, late or reordered
// event that asks for a move the order has already made (or can no longer make) changes nothing.
package order

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/money"
)

// Errors of the domain. The fault codes say how a caller sees them.
var (
	// ErrNotFound: no such order (or one of another customer).
	ErrNotFound = fault.New(fault.NotFound, "order not found")
	// ErrIllegalTransition: the order's status does not allow the move.
	ErrIllegalTransition = fault.New(fault.Conflict, "the order's status does not allow this")
	// ErrConflict: the order kept changing while a write tried to apply.
	ErrConflict = fault.New(fault.Conflict, "the order changed concurrently; retry")
	// ErrAlreadyExists: an order with the id exists.
	ErrAlreadyExists = errors.New("order already exists")
)

// ID identifies an order: 16 random bytes as 32 lowercase hex characters.
type ID string

// NewID returns a fresh random id.
func NewID() ID {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return ID(hex.EncodeToString(b[:]))
}

// ParseID returns s as an ID, or ErrNotFound when it cannot be one (a malformed id in a path
// names no order).
func ParseID(s string) (ID, error) {
	if len(s) != 32 {
		return "", ErrNotFound
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", ErrNotFound
		}
	}
	return ID(s), nil
}

// Status is where an order stands in its life.
type Status string

// The statuses.
const (
	Pending   Status = "PENDING"
	Confirmed Status = "CONFIRMED"
	Failed    Status = "FAILED"
	Cancelled Status = "CANCELLED"
	Delivered Status = "DELIVERED"
)

// ParseStatus returns s as a Status, or an Invalid fault.
func ParseStatus(s string) (Status, error) {
	switch st := Status(s); st {
	case Pending, Confirmed, Failed, Cancelled, Delivered:
		return st, nil
	}
	return "", fault.Errorf(fault.Invalid, "status %q: want PENDING, CONFIRMED, FAILED, CANCELLED or DELIVERED", s)
}

// Limits of an order.
const (
	MaxLines    = 50
	MaxQuantity = 99
	// MaxProductIDLen bounds a line's productId (catalog ids are 32 characters): a longer one
	// cannot even be looked up, as DynamoDB refuses a key over 2048 bytes.
	MaxProductIDLen = 64
)

// Line is one product of an order, priced when the order was placed.
type Line struct {
	ProductID string
	Name      string
	Quantity  int
	UnitPrice money.Price
	LineTotal money.Price
}

// NewLine prices quantity units of a product at unitPrice.
func NewLine(productID, name string, quantity int, unitPrice money.Price) (Line, error) {
	if quantity < 1 || quantity > MaxQuantity {
		return Line{}, fault.Errorf(fault.Invalid, "line %s: quantity must be 1..%d", productID, MaxQuantity)
	}
	total, err := unitPrice.Mul(int64(quantity))
	if err != nil {
		return Line{}, fault.Errorf(fault.Invalid, "line %s: %s", productID, "total out of range")
	}
	return Line{ProductID: productID, Name: name, Quantity: quantity, UnitPrice: unitPrice, LineTotal: total}, nil
}

// Address is where the order ships.
type Address struct {
	Name, Line1, Line2, City, PostalCode, Country string
}

// Validate reports a missing field or a country that is not two upper-case letters.
func (a Address) Validate() error {
	for _, f := range []struct{ name, v string }{
		{"name", a.Name}, {"line1", a.Line1}, {"city", a.City}, {"postalCode", a.PostalCode}, {"country", a.Country},
	} {
		if f.v == "" || len(f.v) > 200 {
			return fault.Errorf(fault.Invalid, "shippingAddress.%s: required, at most 200 characters", f.name)
		}
	}
	if len(a.Line2) > 200 {
		return fault.New(fault.Invalid, "shippingAddress.line2: at most 200 characters")
	}
	if len(a.Country) != 2 || a.Country[0] < 'A' || a.Country[0] > 'Z' || a.Country[1] < 'A' || a.Country[1] > 'Z' {
		return fault.New(fault.Invalid, "shippingAddress.country: want an ISO 3166-1 alpha-2 code such as US")
	}
	return nil
}

// Order is one customer's order. Its fields are unexported: it changes only through its methods.
type Order struct {
	id            ID
	customerID    string
	status        Status
	lines         []Line
	shipping      money.Price
	total         money.Price
	address       Address
	paymentToken  string
	fromCart      bool
	cartVersion   int
	correlationID string
	failureReason string
	email         string
	createdAt     time.Time
	updatedAt     time.Time
	version       int
}

// Placement is what a customer's order is made of.
type Placement struct {
	CustomerID string
	// Email is where the customer is told about the order (the token's email claim); empty
	// when the caller's token carries none.
	Email        string
	Lines        []Line
	Shipping     money.Price
	Address      Address
	PaymentToken string
	FromCart     bool
	// CartVersion is the version of the cart the lines were taken from (FromCart).
	CartVersion int
	// CorrelationID names the order's chain of work: every event of the order carries it.
	CorrelationID string
}

// New places an order (PENDING, version 1) at now. The total is the lines' totals plus shipping,
// all in one currency.
func New(id ID, p Placement, now time.Time) (*Order, error) {
	if p.CustomerID == "" {
		return nil, errors.New("new order: no customer")
	}
	if len(p.Lines) == 0 {
		return nil, fault.New(fault.Invalid, "lines: want at least one line")
	}
	if len(p.Lines) > MaxLines {
		return nil, fault.Errorf(fault.Invalid, "lines: at most %d", MaxLines)
	}
	if err := p.Address.Validate(); err != nil {
		return nil, err
	}
	if p.PaymentToken == "" || len(p.PaymentToken) > 200 {
		return nil, fault.New(fault.Invalid, "paymentToken: required, at most 200 characters")
	}
	prices := []money.Price{p.Shipping}
	seen := map[string]bool{}
	for _, l := range p.Lines {
		if seen[l.ProductID] {
			return nil, fault.Errorf(fault.Invalid, "lines: product %s appears twice", l.ProductID)
		}
		seen[l.ProductID] = true
		prices = append(prices, l.LineTotal)
	}
	total, err := money.Sum(p.Shipping.Currency(), prices...)
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "order total: %s", "prices out of range or in different currencies")
	}
	now = now.UTC()
	return &Order{
		id: id, customerID: p.CustomerID, status: Pending, lines: append([]Line(nil), p.Lines...),
		shipping: p.Shipping, total: total, address: p.Address, paymentToken: p.PaymentToken,
		fromCart: p.FromCart, cartVersion: p.CartVersion, correlationID: p.CorrelationID, email: p.Email, createdAt: now, updatedAt: now, version: 1,
	}, nil
}

// Stored is an order as a store keeps it; Restore turns it back into an Order.
type Stored struct {
	ID            ID
	CustomerID    string
	Status        Status
	Lines         []Line
	Shipping      money.Price
	Total         money.Price
	Address       Address
	PaymentToken  string
	FromCart      bool
	CartVersion   int
	CorrelationID string
	FailureReason string
	Email         string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int
}

// Restore rebuilds a stored order without validating it again, so stored data stays readable
// when rules tighten.
func Restore(s Stored) *Order {
	return &Order{
		id: s.ID, customerID: s.CustomerID, status: s.Status, lines: append([]Line(nil), s.Lines...),
		shipping: s.Shipping, total: s.Total, address: s.Address, paymentToken: s.PaymentToken,
		fromCart: s.FromCart, cartVersion: s.CartVersion, correlationID: s.CorrelationID, failureReason: s.FailureReason, email: s.Email, createdAt: s.CreatedAt.UTC(),
		updatedAt: s.UpdatedAt.UTC(), version: s.Version,
	}
}

// Snapshot returns the order's state for a store.
func (o *Order) Snapshot() Stored {
	return Stored{
		ID: o.id, CustomerID: o.customerID, Status: o.status, Lines: o.Lines(), Shipping: o.shipping,
		Total: o.total, Address: o.address, PaymentToken: o.paymentToken, FromCart: o.fromCart,
		CartVersion: o.cartVersion, CorrelationID: o.correlationID, FailureReason: o.failureReason, Email: o.email, CreatedAt: o.createdAt, UpdatedAt: o.updatedAt, Version: o.version,
	}
}

// ID returns the order's id.
func (o *Order) ID() ID { return o.id }

// Email returns where the customer is told about the order; "" when unknown.
func (o *Order) Email() string { return o.email }

// CustomerID returns the sub of the customer who placed the order.
func (o *Order) CustomerID() string { return o.customerID }

// Status returns the order's status.
func (o *Order) Status() Status { return o.status }

// Lines returns a copy of the order's lines.
func (o *Order) Lines() []Line { return append([]Line(nil), o.lines...) }

// Shipping returns the shipping charge.
func (o *Order) Shipping() money.Price { return o.shipping }

// Total returns the lines' totals plus shipping.
func (o *Order) Total() money.Price { return o.total }

// Address returns the shipping address.
func (o *Order) Address() Address { return o.address }

// PaymentToken returns the card token payments charges.
func (o *Order) PaymentToken() string { return o.paymentToken }

// FromCart reports whether the lines were taken from the customer's cart.
func (o *Order) FromCart() bool { return o.fromCart }

// CartVersion is the version of the cart the lines were taken from (0 unless FromCart).
func (o *Order) CartVersion() int { return o.cartVersion }

// CorrelationID returns the id of the order's chain of work, carried by all its events.
func (o *Order) CorrelationID() string { return o.correlationID }

// FailureReason returns why the order failed, "" unless FAILED.
func (o *Order) FailureReason() string { return o.failureReason }

// CreatedAt returns when the order was placed (UTC).
func (o *Order) CreatedAt() time.Time { return o.createdAt }

// UpdatedAt returns when the order last changed (UTC).
func (o *Order) UpdatedAt() time.Time { return o.updatedAt }

// Version counts the order's writes, from 1; stores lock optimistically on it.
func (o *Order) Version() int { return o.version }

// ItemCount returns the number of units over all lines.
func (o *Order) ItemCount() int {
	n := 0
	for _, l := range o.lines {
		n += l.Quantity
	}
	return n
}

// move changes the status to next when the current status is one of from; otherwise it returns
// ErrIllegalTransition and changes nothing.
func (o *Order) move(next Status, now time.Time, from ...Status) error {
	for _, f := range from {
		if o.status == f {
			o.status = next
			o.updatedAt = now.UTC()
			o.version++
			return nil
		}
	}
	return fmt.Errorf("order %s: %s -> %s: %w", o.id, o.status, next, ErrIllegalTransition)
}

// Confirm records that the order is paid and its shipment exists: PENDING -> CONFIRMED.
func (o *Order) Confirm(now time.Time) error { return o.move(Confirmed, now, Pending) }

// Fail records why the order cannot go on: PENDING -> FAILED.
func (o *Order) Fail(reason string, now time.Time) error {
	if err := o.move(Failed, now, Pending); err != nil {
		return err
	}
	o.failureReason = reason
	return nil
}

// Cancel is the customer's cancellation: PENDING or CONFIRMED -> CANCELLED. A delivered or
// failed order cannot be cancelled; one that is cancelled already reports ErrIllegalTransition
// too (the use case treats that as done).
func (o *Order) Cancel(now time.Time) error { return o.move(Cancelled, now, Pending, Confirmed) }

// Deliver records the shipment's delivery: CONFIRMED -> DELIVERED.
func (o *Order) Deliver(now time.Time) error { return o.move(Delivered, now, Confirmed) }
