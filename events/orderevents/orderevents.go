// Package orderevents holds the orders service's event contracts (source "microshop.orders"):
// one Go type per event per version. Within a version, changes are additive only.
//
// OrderPlaced starts the saga and carries what every later step needs (lines, total, payment
// token, shipping address), so no service has to call the orders service back.
package orderevents

import "github.com/microshop/microshop/events/amount"

// Source is the envelope source and EventBridge source of every orders event.
const Source = "microshop.orders"

// Event types (envelope type and EventBridge detail-type).
const (
	TypeOrderPlaced    = "OrderPlaced"
	TypeOrderConfirmed = "OrderConfirmed"
	TypeOrderFailed    = "OrderFailed"
	TypeOrderCancelled = "OrderCancelled"
)

// Line is one order line, priced when the order was placed.
type Line struct {
	ProductID string       `json:"productId"`
	Name      string       `json:"name"`
	Quantity  int          `json:"quantity"`
	UnitPrice amount.Money `json:"unitPrice"`
	LineTotal amount.Money `json:"lineTotal"`
}

// Address is a shipping address.
type Address struct {
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
}

// OrderPlacedV1: a customer placed an order (status PENDING).
type OrderPlacedV1 struct {
	OrderID         string       `json:"orderId"`
	CustomerID      string       `json:"customerId"`
	Lines           []Line       `json:"lines"`
	Shipping        amount.Money `json:"shipping"`
	Total           amount.Money `json:"total"`
	PaymentToken    string       `json:"paymentToken"`
	ShippingAddress Address      `json:"shippingAddress"`
	// FromCart is true when the lines were taken from the customer's cart, which the cart
	// service then empties of the ordered lines not changed since CartVersion.
	FromCart bool `json:"fromCart"`
	// CartVersion is the version of the cart (cartevents.CartChangedV1.Version) the lines
	// were taken from; 0 when FromCart is false.
	CartVersion int `json:"cartVersion,omitempty"`
}

// OrderConfirmedV1: the order was paid and its shipment created (status CONFIRMED).
type OrderConfirmedV1 struct {
	OrderID    string `json:"orderId"`
	CustomerID string `json:"customerId"`
}

// OrderFailedV1: the order failed (status FAILED); Reason is a code such as "out_of_stock",
// "card_declined", "insufficient_funds" or "invalid_payment_token".
type OrderFailedV1 struct {
	OrderID    string `json:"orderId"`
	CustomerID string `json:"customerId"`
	Reason     string `json:"reason"`
}

// OrderCancelledV1: the customer cancelled the order (status CANCELLED); stock is released,
// a payment refunded and a shipment cancelled by their services.
type OrderCancelledV1 struct {
	OrderID    string `json:"orderId"`
	CustomerID string `json:"customerId"`
}

func (OrderPlacedV1) EventType() string    { return TypeOrderPlaced }
func (OrderPlacedV1) EventVersion() int    { return 1 }
func (OrderConfirmedV1) EventType() string { return TypeOrderConfirmed }
func (OrderConfirmedV1) EventVersion() int { return 1 }
func (OrderFailedV1) EventType() string    { return TypeOrderFailed }
func (OrderFailedV1) EventVersion() int    { return 1 }
func (OrderCancelledV1) EventType() string { return TypeOrderCancelled }
func (OrderCancelledV1) EventVersion() int { return 1 }
