// Package api is the catalog's HTTP API: one plain net/http handler per route, built by the
// maker functions in handlers.go and listed in routes.go. Each Lambda function serves a single
// route (see Handler); tests and tools may serve them all (see NewServer).
//
// Requests and responses are JSON; errors go through shared/httpapi, which maps them to HTTP
// statuses in one place.
package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/microshop/microshop/functions/catalog/internal/product"
)

// Store is what the handlers need from product storage. Implementations: ddb.Store (DynamoDB)
// and memstore.Store (in memory); both pass the suite in package storetest.
type Store interface {
	// Get returns the product with id, or an error wrapping product.ErrNotFound.
	Get(ctx context.Context, id product.ID) (*product.Product, error)
	// Create stores a new product, or returns an error wrapping product.ErrAlreadyExists.
	Create(ctx context.Context, p *product.Product) error
	// Update applies fn to product id if its version is expected and stores the result unless
	// it changed meanwhile. It returns the stored product, or an error wrapping
	// product.ErrNotFound or product.ErrVersionMismatch, or fn's error; then nothing is stored.
	Update(ctx context.Context, id product.ID, expected int, fn func(*product.Product) error) (*product.Product, error)
	// Delete removes product id, or returns an error wrapping product.ErrNotFound.
	Delete(ctx context.Context, id product.ID) error
	// List returns one page of q, newest first.
	List(ctx context.Context, q product.ListQuery) (product.Page, error)
}

// Deps are the handlers' dependencies. Store is required; the rest have defaults.
type Deps struct {
	Store Store
	Log   *slog.Logger      // internal errors are logged here; default slog.Default()
	Now   func() time.Time  // the clock; default time.Now
	NewID func() product.ID // assigns ids to new products; default product.NewID
}

func (d Deps) withDefaults() Deps {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.NewID == nil {
		d.NewID = product.NewID
	}
	return d
}
