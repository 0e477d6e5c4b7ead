// Package cartevents holds the contracts of the events the cart service emits onto the event
// bus, one Go type per event per version. Each travels in an events/envelope Envelope with
// source Source and the type's detail-type; testdata holds a golden envelope of each.
//
// The orders service keeps its own copy of each customer's cart from CartChanged, so that
// POST /orders without lines orders the cart without calling the cart service. Within a
// version, fields are only ever added.
package cartevents

// Source is the envelope source (and EventBridge Source) of every cart event.
const Source = "microshop.cart"

// TypeCartChanged is CartChanged's detail-type (the envelope's type).
const TypeCartChanged = "CartChanged"

// Item is one line of a cart: a product and how many of it. Prices are not part of a cart:
// whoever prices it uses the catalog's current price.
type Item struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

// CartChangedV1 says a customer's cart changed (a line set or removed, the cart emptied, or
// the ordered lines taken out after an order). It carries the whole cart as it now is, so a
// consumer needs no earlier event: the one with the highest Version wins.
type CartChangedV1 struct {
	CustomerID string `json:"customerId"`
	// Items are the cart's lines in the order they were added; empty when the cart is empty.
	Items []Item `json:"items"`
	// Version is the cart's version after the change: it grows by one with every change, so a
	// duplicate or late event has a version at most the one a consumer holds.
	Version int `json:"version"`
}

// EventType returns TypeCartChanged.
func (CartChangedV1) EventType() string { return TypeCartChanged }

// EventVersion returns 1.
func (CartChangedV1) EventVersion() int { return 1 }
