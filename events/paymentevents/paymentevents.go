// Package paymentevents holds the payments service's event contracts (source
// "microshop.payments"): one Go type per event per version. Within a version, changes are
// additive only.
package paymentevents

import (
	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/orderevents"
)

// Source is the envelope source and EventBridge source of every payments event.
const Source = "microshop.payments"

// Event types (envelope type and EventBridge detail-type).
const (
	TypePaymentSucceeded = "PaymentSucceeded"
	TypePaymentFailed    = "PaymentFailed"
	TypePaymentRefunded  = "PaymentRefunded"
)

// PaymentSucceededV1: the order's total was charged. It carries on what shipping needs.
type PaymentSucceededV1 struct {
	OrderID         string              `json:"orderId"`
	CustomerID      string              `json:"customerId"`
	Amount          amount.Money        `json:"amount"`
	ItemCount       int                 `json:"itemCount"`
	ShippingAddress orderevents.Address `json:"shippingAddress"`
}

// PaymentFailedV1: the charge was refused. Reason is "card_declined", "insufficient_funds" or
// "invalid_payment_token".
type PaymentFailedV1 struct {
	OrderID    string `json:"orderId"`
	CustomerID string `json:"customerId"`
	Reason     string `json:"reason"`
}

// PaymentRefundedV1: a paid order was cancelled and its charge refunded.
type PaymentRefundedV1 struct {
	OrderID    string       `json:"orderId"`
	CustomerID string       `json:"customerId"`
	Amount     amount.Money `json:"amount"`
}

func (PaymentSucceededV1) EventType() string { return TypePaymentSucceeded }
func (PaymentSucceededV1) EventVersion() int { return 1 }
func (PaymentFailedV1) EventType() string    { return TypePaymentFailed }
func (PaymentFailedV1) EventVersion() int    { return 1 }
func (PaymentRefundedV1) EventType() string  { return TypePaymentRefunded }
func (PaymentRefundedV1) EventVersion() int  { return 1 }
