// Package inventoryevents holds the inventory service's event contracts (source
// "microshop.inventory"): one Go type per event per version. Within a version, changes are
// additive only.
package inventoryevents

import (
	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/orderevents"
)

// Source is the envelope source and EventBridge source of every inventory event.
const Source = "microshop.inventory"

// Event types (envelope type and EventBridge detail-type).
const (
	TypeStockReserved = "StockReserved"
	TypeStockRejected = "StockRejected"
	TypeStockReleased = "StockReleased"
)

// Line is a quantity of one product.
type Line struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

// StockReservedV1: every line of the order is reserved. It carries on what the payment and
// shipping steps need from OrderPlaced (event-carried state), so neither calls orders back.
type StockReservedV1 struct {
	OrderID         string              `json:"orderId"`
	CustomerID      string              `json:"customerId"`
	Lines           []Line              `json:"lines"`
	Total           amount.Money        `json:"total"`
	PaymentToken    string              `json:"paymentToken"`
	ShippingAddress orderevents.Address `json:"shippingAddress"`
}

// StockRejectedV1: at least one line could not be reserved; nothing was reserved.
// Reason is "out_of_stock" (ProductID names the first short product) or "unknown_product".
type StockRejectedV1 struct {
	OrderID    string `json:"orderId"`
	CustomerID string `json:"customerId"`
	Reason     string `json:"reason"`
	ProductID  string `json:"productId,omitempty"`
}

// StockReleasedV1: the order's reservation was released (payment failed or order cancelled).
type StockReleasedV1 struct {
	OrderID    string `json:"orderId"`
	CustomerID string `json:"customerId"`
	Lines      []Line `json:"lines"`
}

func (StockReservedV1) EventType() string { return TypeStockReserved }
func (StockReservedV1) EventVersion() int { return 1 }
func (StockRejectedV1) EventType() string { return TypeStockRejected }
func (StockRejectedV1) EventVersion() int { return 1 }
func (StockReleasedV1) EventType() string { return TypeStockReleased }
func (StockReleasedV1) EventVersion() int { return 1 }
