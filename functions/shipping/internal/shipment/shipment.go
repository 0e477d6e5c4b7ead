// Package shipment is the shipping service's domain: the one shipment of a paid order, created
// with a tracking number, then delivered or cancelled. It is pure Go (no AWS, no tags).
package shipment

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/microshop/microshop/shared/fault"
)

// Status is where a shipment stands.
type Status string

// The statuses. A shipment is CREATED, then DELIVERED or CANCELLED, which are final.
const (
	Created   Status = "CREATED"
	Delivered Status = "DELIVERED"
	Cancelled Status = "CANCELLED"
)

// MaxOrderIDLen is the longest order id a shipment can belong to, in bytes. Order ids are 32
// characters; a longer one in a path names no shipment (404), and could not even be looked up:
// DynamoDB refuses a partition key over 2048 bytes (a 500 before this limit existed).
const MaxOrderIDLen = 128

// Errors.
var (
	ErrNotFound      = fault.New(fault.NotFound, "shipment not found")
	ErrAlreadyExists = fault.New(fault.Conflict, "the order already has a shipment")
	// ErrConflict: the shipment changed since it was read.
	ErrConflict = fault.New(fault.Conflict, "shipment is being changed by other requests; try again")
	// ErrCancelled: a cancelled shipment cannot be delivered.
	ErrCancelled = fault.New(fault.Conflict, "the shipment was cancelled; it cannot be delivered")
	// ErrDelivered: a delivered shipment cannot be cancelled.
	ErrDelivered = fault.New(fault.Conflict, "the shipment was delivered; it cannot be cancelled")
)

// Shipment is the shipment of one order. Build one with New, Cancelled before creation with
// Tombstone, or from storage with Restore.
type Shipment struct {
	orderID        string
	customerID     string
	trackingNumber string
	status         Status
	createdAt      time.Time
	updatedAt      time.Time
	version        int
}

// New returns the CREATED shipment of a paid order with tracking number tracking.
func New(orderID, customerID, tracking string, now time.Time) *Shipment {
	return &Shipment{orderID: orderID, customerID: customerID, trackingNumber: tracking, status: Created,
		createdAt: now.UTC(), updatedAt: now.UTC(), version: 1}
}

// Tombstone returns the CANCELLED record of an order cancelled before its shipment was
// created (its PaymentSucceeded is late or never comes): it has no tracking number, and it
// blocks a late creation.
func Tombstone(orderID, customerID string, now time.Time) *Shipment {
	return &Shipment{orderID: orderID, customerID: customerID, status: Cancelled,
		createdAt: now.UTC(), updatedAt: now.UTC(), version: 1}
}

// Stored is a shipment as a store keeps it.
type Stored struct {
	OrderID, CustomerID, TrackingNumber string
	Status                              Status
	CreatedAt, UpdatedAt                time.Time
	Version                             int
}

// Restore rebuilds a shipment from stored data.
func Restore(s Stored) (*Shipment, error) {
	switch s.Status {
	case Created, Delivered, Cancelled:
	default:
		return nil, fmt.Errorf("restore shipment of order %s: unknown status %q", s.OrderID, s.Status)
	}
	if s.OrderID == "" || s.Version < 1 {
		return nil, fmt.Errorf("restore shipment of order %q: no order id or version", s.OrderID)
	}
	return &Shipment{orderID: s.OrderID, customerID: s.CustomerID, trackingNumber: s.TrackingNumber,
		status: s.Status, createdAt: s.CreatedAt, updatedAt: s.UpdatedAt, version: s.Version}, nil
}

// Deliver marks a CREATED shipment DELIVERED. It returns ErrCancelled for a cancelled one; a
// delivered one is left as it is with changed false.
func (s *Shipment) Deliver(now time.Time) (changed bool, err error) {
	switch s.status {
	case Delivered:
		return false, nil
	case Cancelled:
		return false, fmt.Errorf("deliver shipment of order %s: %w", s.orderID, ErrCancelled)
	}
	s.status = Delivered
	s.updatedAt = now.UTC()
	s.version++
	return true, nil
}

// Cancel marks a CREATED shipment CANCELLED. It returns ErrDelivered for a delivered one; a
// cancelled one is left as it is with changed false.
func (s *Shipment) Cancel(now time.Time) (changed bool, err error) {
	switch s.status {
	case Cancelled:
		return false, nil
	case Delivered:
		return false, fmt.Errorf("cancel shipment of order %s: %w", s.orderID, ErrDelivered)
	}
	s.status = Cancelled
	s.updatedAt = now.UTC()
	s.version++
	return true, nil
}

// IsTombstone reports whether s only records that its order was cancelled before shipping.
func (s *Shipment) IsTombstone() bool { return s.trackingNumber == "" }

// OrderID returns the order shipped.
func (s *Shipment) OrderID() string { return s.orderID }

// CustomerID returns the customer who placed the order.
func (s *Shipment) CustomerID() string { return s.customerID }

// TrackingNumber returns the carrier's tracking number; "" for a Tombstone.
func (s *Shipment) TrackingNumber() string { return s.trackingNumber }

// Status returns the shipment's status.
func (s *Shipment) Status() Status { return s.status }

// CreatedAt returns when the shipment was recorded.
func (s *Shipment) CreatedAt() time.Time { return s.createdAt }

// UpdatedAt returns when the shipment last changed.
func (s *Shipment) UpdatedAt() time.Time { return s.updatedAt }

// Version counts the shipment's stored states, from 1; stores use it for optimistic locking.
func (s *Shipment) Version() int { return s.version }

// Snapshot returns the shipment as a store keeps it.
func (s *Shipment) Snapshot() Stored {
	return Stored{OrderID: s.orderID, CustomerID: s.customerID, TrackingNumber: s.trackingNumber,
		Status: s.status, CreatedAt: s.createdAt, UpdatedAt: s.updatedAt, Version: s.version}
}

// trackingAlphabet leaves out 0, 1, I and O, which people confuse when reading a number out.
const trackingAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// NewTrackingNumber returns a random tracking number: "MS" and 16 characters of
// trackingAlphabet (80 random bits).
func NewTrackingNumber() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	out := []byte("MS")
	for _, c := range b {
		out = append(out, trackingAlphabet[c%32])
	}
	return string(out)
}
