// Package app holds the catalog's use cases (create, get, list, replace and delete a product)
// and declares the ports they need: the product store, a clock and an id source. Transports
// call it — the HTTP handlers in package api today, event consumers later — so every rule
// about a change lives here once; adapters (ddb, memstore) implement the ports.
package app

import (
	"context"
	"fmt"
	"time"

	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/money"
)

// UpdateAttempts bounds how often Products.Update tries its read-modify-write before it gives
// up with product.ErrConflict. A conflict means another writer succeeded meanwhile, so each
// retry starts from fresher state; a few attempts absorb ordinary contention, and a product
// still contended after that is better reported to the caller than retried without end.
const UpdateAttempts = 4

// Products is the product store. Implementations: ddb.Store (DynamoDB) and memstore.Store (in
// memory); both pass the contract suite in package storetest.
type Products interface {
	// Get returns the product with id, or an error wrapping product.ErrNotFound.
	Get(ctx context.Context, id product.ID) (*product.Product, error)
	// Create stores a new product, or returns an error wrapping product.ErrAlreadyExists.
	Create(ctx context.Context, p *product.Product) error
	// Update reads product id, applies fn to it and stores the result on condition that the
	// product has not changed since the read (optimistic locking). If it has, Update reads it
	// again and calls fn again, up to UpdateAttempts times, so fn must decide from the product
	// it is given, not from an earlier read. It returns the stored product; or an error wrapping
	// product.ErrNotFound (fn is not called then), product.ErrConflict (every attempt lost a
	// race), or fn's own error unchanged. In every error case nothing is stored.
	Update(ctx context.Context, id product.ID, fn func(*product.Product) error) (*product.Product, error)
	// Delete removes product id, or returns an error wrapping product.ErrNotFound.
	Delete(ctx context.Context, id product.ID) error
	// List returns one page of q in list order (see product.Position).
	List(ctx context.Context, q product.ListQuery) (product.Page, error)
}

// Clock tells the current time; time.Now is one.
type Clock func() time.Time

// IDSource assigns ids to new products; product.NewID is one.
type IDSource func() product.ID

// Catalog runs the catalog's use cases. Build it with New.
type Catalog struct {
	products Products
	currency money.Currency
	now      Clock
	newID    IDSource
}

// New returns the use cases over products, for a shop that sells in currency (every price must
// be in it). A nil now or newID means time.Now or product.NewID.
func New(products Products, currency money.Currency, now Clock, newID IDSource) *Catalog {
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = product.NewID
	}
	return &Catalog{products: products, currency: currency, now: now, newID: newID}
}

// Create adds a product with details d under a new id. It returns the stored product, a
// validation error (fault code Invalid), a price in another currency than the shop's (fault
// code Unprocessable), or the store's error.
func (c *Catalog) Create(ctx context.Context, d product.Details) (*product.Product, error) {
	if err := c.checkCurrency(d); err != nil {
		return nil, err
	}
	p, err := product.New(c.newID(), d, c.now())
	if err != nil {
		return nil, err
	}
	if err := c.products.Create(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Get returns product id, or an error wrapping product.ErrNotFound.
func (c *Catalog) Get(ctx context.Context, id product.ID) (*product.Product, error) {
	return c.products.Get(ctx, id)
}

// List returns one page of q.
func (c *Catalog) List(ctx context.Context, q product.ListQuery) (product.Page, error) {
	return c.products.List(ctx, q)
}

// Replace sets every client-chosen field of product id to d, provided the product is still at
// version expected: the version the caller read (an HTTP If-Match). Otherwise it returns an
// error wrapping product.ErrVersionMismatch and changes nothing, so no caller overwrites a
// change it has not seen. Invalid details are reported before the product is looked up.
//
// The version check runs inside the store's update function: when the store retries after a
// concurrent write, the check sees that write and refuses, instead of applying d over it.
func (c *Catalog) Replace(ctx context.Context, id product.ID, expected int, d product.Details) (*product.Product, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if err := c.checkCurrency(d); err != nil {
		return nil, err
	}
	return c.products.Update(ctx, id, func(p *product.Product) error {
		if p.Version() != expected {
			return fmt.Errorf("replace product %s at version %d (stored: %d): %w", id, expected, p.Version(), product.ErrVersionMismatch)
		}
		return p.Replace(d, c.now())
	})
}

// checkCurrency refuses a price in another currency than the shop's: the request is well
// formed, but the shop cannot sell in that currency (a 422, not a 400).
func (c *Catalog) checkCurrency(d product.Details) error {
	if got := d.Price.Currency(); got != c.currency {
		return fault.Errorf(fault.Unprocessable, "price.currency is %s, but the shop sells in %s", got, c.currency)
	}
	return nil
}

// Delete removes product id, or returns an error wrapping product.ErrNotFound.
func (c *Catalog) Delete(ctx context.Context, id product.ID) error {
	return c.products.Delete(ctx, id)
}
