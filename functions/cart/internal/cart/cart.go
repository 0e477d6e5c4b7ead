// Package cart is the cart service's domain: a customer's cart of product lines, and the
// cart's own copy of the catalog's products (name and current price) that it prices lines
// with. It is pure Go: no AWS, no tags.
package cart

import (
	"cmp"
	"regexp"
	"slices"
	"time"

	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/money"
)

// Limits of a cart.
const (
	// MaxQuantity is the most units of one product a line may hold.
	MaxQuantity = 99
	// MaxLines is the most distinct products a cart may hold.
	MaxLines = 50
	// TTL is how long a cart lives after its last change; DynamoDB's TTL then deletes it.
	TTL = 30 * 24 * time.Hour
)

// Errors of the cart's use cases.
var (
	ErrInvalidQuantity  = fault.Errorf(fault.Invalid, "quantity must be an integer from 1 to %d", MaxQuantity)
	ErrInvalidProductID = fault.New(fault.Invalid, "productId must be 1 to 64 letters, digits, '-' or '_'")
	ErrProductNotFound  = fault.New(fault.NotFound, "no such product")
	ErrTooManyLines     = fault.Errorf(fault.Conflict, "a cart holds at most %d different products", MaxLines)
	// ErrConflict: the cart kept changing under concurrent writes; the caller may retry.
	ErrConflict = fault.New(fault.Conflict, "the cart was changed concurrently; try again")
)

// ProductID identifies a catalog product.
type ProductID string

var productIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ParseProductID returns s as a ProductID, or ErrInvalidProductID.
func ParseProductID(s string) (ProductID, error) {
	if !productIDPattern.MatchString(s) {
		return "", ErrInvalidProductID
	}
	return ProductID(s), nil
}

// Line is a quantity of one product in a cart. AddedAt orders the lines; Version is the cart
// version in which the line last changed, so an order taken from an earlier version of the
// cart does not remove a later change (RemoveOrdered).
type Line struct {
	ProductID ProductID
	Quantity  int
	AddedAt   time.Time
	UpdatedAt time.Time
	Version   int
}

// Cart is a customer's cart. The zero Cart is not usable: use New or Restore.
type Cart struct {
	customerID string
	lines      map[ProductID]Line
	updatedAt  time.Time
	version    int
}

// New returns an empty cart of customerID that was never stored.
func New(customerID string) *Cart {
	return &Cart{customerID: customerID, lines: map[ProductID]Line{}}
}

// Restore rebuilds a stored cart; version is the stored version (0: never stored).
func Restore(customerID string, lines []Line, updatedAt time.Time, version int) *Cart {
	c := New(customerID)
	for _, l := range lines {
		c.lines[l.ProductID] = l
	}
	c.updatedAt, c.version = updatedAt, version
	return c
}

// CustomerID is the owner: the token's sub.
func (c *Cart) CustomerID() string { return c.customerID }

// Version is the stored version, for optimistic locking (0: never stored).
func (c *Cart) Version() int { return c.version }

// UpdatedAt is the time of the last change.
func (c *Cart) UpdatedAt() time.Time { return c.updatedAt }

// ExpiresAt is when the cart expires: TTL after its last change.
func (c *Cart) ExpiresAt() time.Time { return c.updatedAt.Add(TTL) }

// Expired reports whether the cart has expired at now. DynamoDB deletes expired items only
// eventually, so readers must not trust that an expired cart is gone.
func (c *Cart) Expired(now time.Time) bool {
	return c.version > 0 && !now.Before(c.ExpiresAt())
}

// Lines returns the lines in the order they were added.
func (c *Cart) Lines() []Line {
	lines := make([]Line, 0, len(c.lines))
	for _, l := range c.lines {
		lines = append(lines, l)
	}
	slices.SortFunc(lines, func(a, b Line) int {
		return cmp.Or(a.AddedAt.Compare(b.AddedAt), cmp.Compare(a.ProductID, b.ProductID))
	})
	return lines
}

// Set sets the quantity of product id to quantity (1..MaxQuantity), adding the line if needed.
func (c *Cart) Set(id ProductID, quantity int, now time.Time) error {
	if quantity < 1 || quantity > MaxQuantity {
		return ErrInvalidQuantity
	}
	l, ok := c.lines[id]
	if !ok {
		if len(c.lines) >= MaxLines {
			return ErrTooManyLines
		}
		l = Line{ProductID: id, AddedAt: now}
	}
	l.Quantity, l.UpdatedAt, l.Version = quantity, now, c.version+1
	c.lines[id] = l
	c.updatedAt = now
	return nil
}

// Remove removes product id's line; it reports whether there was one.
func (c *Cart) Remove(id ProductID, now time.Time) bool {
	if _, ok := c.lines[id]; !ok {
		return false
	}
	delete(c.lines, id)
	c.updatedAt = now
	return true
}

// Clear removes every line.
func (c *Cart) Clear(now time.Time) {
	clear(c.lines)
	c.updatedAt = now
}

// RemoveOrdered removes the lines of products ordered from version cartVersion of the cart
// that have not changed since (their Version is at most cartVersion): a line the customer
// changed or added after the order stays in the cart. It reports whether it removed any.
func (c *Cart) RemoveOrdered(ids []ProductID, cartVersion int, now time.Time) bool {
	removed := false
	for _, id := range ids {
		if l, ok := c.lines[id]; ok && l.Version <= cartVersion {
			delete(c.lines, id)
			removed = true
		}
	}
	if removed {
		c.updatedAt = now
	}
	return removed
}

// Product is the cart's copy of a catalog product: what it needs to show and price a line.
type Product struct {
	ID    ProductID
	Name  string
	Price money.Price
	// Version is the catalog's version of the product; older events are ignored.
	Version int
}
