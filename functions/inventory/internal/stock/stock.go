// Package stock is the inventory's domain: a product's stock level (on hand, reserved,
// available), the lines of an order to reserve, and the life of an order's reservation. It is
// pure Go; the rules that must hold under concurrency (available never below zero) are
// enforced by the store's conditional writes, which this package names.
package stock

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"

	"github.com/microshop/microshop/shared/fault"
)

// Limits of the admin API.
const (
	// MaxOnHand is the largest stock level an admin may set.
	MaxOnHand = 1_000_000_000
	// MaxLines is the most distinct products one reservation may hold: DynamoDB's
	// TransactWriteItems takes at most 100 actions, and a reservation also writes its own
	// record and its outbox row.
	MaxLines = 98
)

// Errors of the inventory's use cases.
var (
	// ErrNotFound: no stock level was ever set for the product.
	ErrNotFound = fault.New(fault.NotFound, "no stock is recorded for this product")
	// ErrBelowReserved: the new on-hand quantity is below what is reserved for orders, which
	// would make available stock negative.
	ErrBelowReserved = fault.New(fault.Conflict, "onHand cannot be set below the quantity reserved for orders")
	// ErrInvalidProductID: the product id is empty, too long, or holds other characters than
	// letters, digits, '-' and '_'.
	ErrInvalidProductID = fault.New(fault.Invalid, "productId must be 1 to 64 letters, digits, '-' or '_'")
	// ErrInvalidOnHand: onHand is negative or above MaxOnHand.
	ErrInvalidOnHand = fault.Errorf(fault.Invalid, "onHand must be an integer from 0 to %d", MaxOnHand)
	// ErrInvalidLines: an order's lines cannot be reserved as given (none, a quantity below
	// one, or more than MaxLines products). OrderPlaced never carries such lines.
	ErrInvalidLines = fault.New(fault.Invalid, "an order's lines must name 1 to 98 products, each at least once")
	// ErrInvalidOrderID: an event names no order.
	ErrInvalidOrderID = fault.New(fault.Invalid, "an order id is required")
)

// ProductID identifies a product; the catalog assigns it, the inventory only checks its shape.
type ProductID string

var productIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ParseProductID returns s as a ProductID, or ErrInvalidProductID.
func ParseProductID(s string) (ProductID, error) {
	if !productIDPattern.MatchString(s) {
		return "", ErrInvalidProductID
	}
	return ProductID(s), nil
}

// Level is a product's stock: OnHand units are in the warehouse, Reserved of them are held
// for orders not yet delivered, and the rest are available to new orders.
type Level struct {
	ProductID ProductID
	OnHand    int64
	Reserved  int64
}

// Available is what new orders may still reserve: OnHand - Reserved, never below zero while
// the store's conditions hold.
func (l Level) Available() int64 { return l.OnHand - l.Reserved }

// CheckOnHand returns ErrInvalidOnHand unless 0 <= n <= MaxOnHand.
func CheckOnHand(n int64) error {
	if n < 0 || n > MaxOnHand {
		return ErrInvalidOnHand
	}
	return nil
}

// Line is a quantity of one product in a reservation.
type Line struct {
	ProductID ProductID
	Quantity  int64
}

// Merge returns lines with one line per product (quantities added), sorted by product id, so
// that a transaction touches each stock item once and concurrent reservations touch items
// in the same order. It returns ErrInvalidLines for no lines, a quantity below one, or more
// than MaxLines products, and ErrInvalidProductID for a malformed product id.
func Merge(lines []Line) ([]Line, error) {
	sum := map[ProductID]int64{}
	for _, l := range lines {
		if _, err := ParseProductID(string(l.ProductID)); err != nil {
			return nil, err
		}
		if l.Quantity < 1 || l.Quantity > MaxOnHand {
			return nil, fmt.Errorf("product %s quantity %d: %w", l.ProductID, l.Quantity, ErrInvalidLines)
		}
		sum[l.ProductID] += l.Quantity
	}
	if len(sum) == 0 || len(sum) > MaxLines {
		return nil, fmt.Errorf("%d products: %w", len(sum), ErrInvalidLines)
	}
	merged := make([]Line, 0, len(sum))
	for id, q := range sum {
		merged = append(merged, Line{ProductID: id, Quantity: q})
	}
	slices.SortFunc(merged, func(a, b Line) int { return cmp.Compare(a.ProductID, b.ProductID) })
	return merged, nil
}

// Status is the state of an order's reservation. It only moves forward:
// Reserved -> Released or Committed; Rejected, Released and Committed are final.
type Status string

// The statuses of a reservation.
const (
	// Reserved: every line is held (reserved grew).
	Reserved Status = "RESERVED"
	// Rejected: a line could not be held; nothing was reserved.
	Rejected Status = "REJECTED"
	// Released: the hold was given back (payment failed or order cancelled), or the order was
	// cancelled before it was seen, so it must never be reserved.
	Released Status = "RELEASED"
	// Committed: the order was delivered; its units left the warehouse.
	Committed Status = "COMMITTED"
)

// Reservation is what the inventory remembers of an order.
type Reservation struct {
	OrderID    string
	CustomerID string
	Status     Status
	Lines      []Line
}

// Rejection says why an order's lines could not be reserved.
type Rejection struct {
	// Reason is ReasonOutOfStock or ReasonUnknownProduct (the StockRejected contract).
	Reason string
	// ProductID is the first product that was short or unknown.
	ProductID ProductID
}

// Reasons of a Rejection, as StockRejected carries them.
const (
	ReasonOutOfStock     = "out_of_stock"
	ReasonUnknownProduct = "unknown_product"
)

func (r *Rejection) Error() string {
	return fmt.Sprintf("cannot reserve product %s: %s", r.ProductID, r.Reason)
}
