// Package api is the catalog's HTTP API: one plain net/http handler per route, built by the
// maker functions in handlers.go and listed in routes.go. Each Lambda function serves a single
// route (see Handler); tests and tools may serve them all (see NewServer).
//
// The handlers translate between HTTP and the use cases in package app, which they call for
// everything else. Requests and responses are JSON; errors go through shared/httpapi, which
// maps them to HTTP statuses in one place.
package api

import (
	"log/slog"
	"time"

	"github.com/microshop/microshop/functions/catalog/internal/app"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/shared/idempotency"
	"github.com/microshop/microshop/shared/money"
)

// Deps are the handlers' dependencies, from which they build the use cases (app.Catalog).
// Store is required; the rest have defaults.
type Deps struct {
	Store app.Products
	// Currency is the shop's currency (money.ShopCurrency); prices in another are refused with
	// a 422. Default: money.DefaultShopCurrency.
	Currency money.Currency
	Log      *slog.Logger      // internal errors are logged here; default slog.Default()
	Now      func() time.Time  // the clock; default time.Now
	NewID    func() product.ID // assigns ids to new products; default product.NewID
	// Idempotency stores POST /products' Idempotency-Key records. Nil serves the route without
	// the middleware (the header is then ignored): for in-process tests and tools only.
	Idempotency *idempotency.Store
}

func (d Deps) withDefaults() Deps {
	if d.Currency.IsZero() {
		d.Currency = money.MustParseCurrency(money.DefaultShopCurrency)
	}
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

// catalog builds the use cases the handlers call.
func (d Deps) catalog() *app.Catalog {
	return app.New(d.Store, d.Currency, d.Now, d.NewID)
}
