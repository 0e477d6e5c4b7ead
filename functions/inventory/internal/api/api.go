// Package api is the inventory's admin HTTP API: PUT and GET /inventory/{productId}, one plain
// net/http handler per route calling the use cases in package app. Each Lambda function serves
// one route (Handler); tests may serve both (NewServer). Errors go through shared/httpapi,
// which maps them to statuses in one place.
package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/microshop/microshop/functions/inventory/internal/app"
	"github.com/microshop/microshop/functions/inventory/internal/stock"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/httpapi"
)

// Route keys, exactly as the HTTP API declares them (inventoryspec); each is a ServeMux pattern.
const (
	RouteSetStock = "PUT /inventory/{productId}"
	RouteGetStock = "GET /inventory/{productId}"
)

// AdminGroup is the Cognito group whose members may read and set stock.
const AdminGroup = "admin"

// Deps are the handlers' dependencies. Store is required; Log defaults to slog.Default().
type Deps struct {
	Store app.Store
	Log   *slog.Logger
}

// levelJSON is a stock level as the API shows it.
type levelJSON struct {
	ProductID string `json:"productId"`
	OnHand    int64  `json:"onHand"`
	Reserved  int64  `json:"reserved"`
	Available int64  `json:"available"`
}

func toJSON(l stock.Level) levelJSON {
	return levelJSON{ProductID: string(l.ProductID), OnHand: l.OnHand, Reserved: l.Reserved, Available: l.Available()}
}

// setInput is the body of PUT /inventory/{productId}; a pointer tells a missing onHand from 0.
type setInput struct {
	OnHand *int64 `json:"onHand"`
}

var errOnHandRequired = fault.New(fault.Invalid, "onHand is required")

// routes lists both routes; both need a caller in AdminGroup (401 without claims, 403 outside).
func routes(d Deps) map[string]http.Handler {
	inv := app.New(d.Store, nil)
	admin := httpapi.RequireGroup(AdminGroup)
	return map[string]http.Handler{
		RouteSetStock: admin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var in setInput
			if err := httpapi.DecodeJSON(w, r, &in); err != nil {
				httpapi.WriteError(w, r, d.Log, err)
				return
			}
			if in.OnHand == nil {
				httpapi.WriteError(w, r, d.Log, errOnHandRequired)
				return
			}
			l, err := inv.SetOnHand(r.Context(), r.PathValue("productId"), *in.OnHand)
			if err != nil {
				httpapi.WriteError(w, r, d.Log, err)
				return
			}
			httpapi.WriteJSON(w, r, http.StatusOK, toJSON(l))
		})),
		RouteGetStock: admin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			l, err := inv.Get(r.Context(), r.PathValue("productId"))
			if err != nil {
				httpapi.WriteError(w, r, d.Log, err)
				return
			}
			httpapi.WriteJSON(w, r, http.StatusOK, toJSON(l))
		})),
	}
}

func (d Deps) check() (Deps, error) {
	if d.Store == nil {
		return d, errors.New("inventory api: no store")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return d, nil
}

// Handler returns a handler serving the one route with the given key, as a Lambda function
// does; any other request gets a JSON 404.
func Handler(routeKey string, d Deps) (http.Handler, error) {
	d, err := d.check()
	if err != nil {
		return nil, err
	}
	h, err := httpapi.Routes(routes(d)).One(routeKey)
	if err != nil {
		return nil, fmt.Errorf("inventory api: %w", err)
	}
	return h, nil
}

// NewServer returns a handler serving both routes, for tests and tools.
func NewServer(d Deps) (http.Handler, error) {
	d, err := d.check()
	if err != nil {
		return nil, err
	}
	return httpapi.Routes(routes(d)).All(), nil
}
