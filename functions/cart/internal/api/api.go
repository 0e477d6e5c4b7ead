// Package api is the cart's customer HTTP API: GET /cart, PUT and DELETE /cart/items/{productId}
// and DELETE /cart, one plain net/http handler per route calling the use cases in package app.
// The customer is the token's sub (shared/httpapi.Claims): a customer can only ever reach
// their own cart, so there is no id to guess. Each Lambda function serves one route
// (Handler); tests may serve all (NewServer).
package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/microshop/microshop/functions/cart/internal/app"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/money"
)

// Route keys, exactly as the HTTP API declares them (cartspec); each is a ServeMux pattern.
const (
	RouteGetCart    = "GET /cart"
	RoutePutItem    = "PUT /cart/items/{productId}"
	RouteRemoveItem = "DELETE /cart/items/{productId}"
	RouteClearCart  = "DELETE /cart"
)

// Deps are the handlers' dependencies. Store and Currency are required; Log defaults to
// slog.Default().
type Deps struct {
	Store app.Store
	// Currency is the shop's currency (SHOP_CURRENCY), which carts are priced in.
	Currency money.Currency
	Log      *slog.Logger
}

type moneyJSON struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

func toMoney(p money.Price) moneyJSON {
	return moneyJSON{Amount: int64(p.Amount()), Currency: p.Currency().String()}
}

type itemJSON struct {
	ProductID string    `json:"productId"`
	Name      string    `json:"name"`
	Quantity  int       `json:"quantity"`
	UnitPrice moneyJSON `json:"unitPrice"`
	LineTotal moneyJSON `json:"lineTotal"`
}

type cartJSON struct {
	Items []itemJSON `json:"items"`
	Total moneyJSON  `json:"total"`
	// Version names this state of the cart for POST /orders' "cartVersion".
	Version int `json:"version"`
}

func toJSON(v app.View) cartJSON {
	out := cartJSON{Items: make([]itemJSON, 0, len(v.Items)), Total: toMoney(v.Total), Version: v.Version}
	for _, it := range v.Items {
		out.Items = append(out.Items, itemJSON{
			ProductID: string(it.ProductID), Name: it.Name, Quantity: it.Quantity,
			UnitPrice: toMoney(it.UnitPrice), LineTotal: toMoney(it.LineTotal),
		})
	}
	return out
}

// putInput is the body of PUT /cart/items/{productId}; a pointer tells a missing quantity
// from 0.
type putInput struct {
	Quantity *int `json:"quantity"`
}

var (
	errQuantityRequired = fault.New(fault.Invalid, "quantity is required")
	errUnauthorized     = fault.New(fault.Unauthorized, "sign in to use a cart: the request carries no verified token")
)

// customer wraps a handler that needs the signed-in customer's id (the token's sub); a
// request without claims gets 401.
func customer(log *slog.Logger, h func(w http.ResponseWriter, r *http.Request, customerID string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := httpapi.Claims(r.Context())
		if !ok {
			httpapi.WriteError(w, r, log, errUnauthorized)
			return
		}
		h(w, r, id.Subject)
	})
}

func routes(d Deps) map[string]http.Handler {
	carts := app.New(d.Store, d.Currency, nil)
	reply := func(w http.ResponseWriter, r *http.Request, v app.View, err error) {
		if err != nil {
			httpapi.WriteError(w, r, d.Log, err)
			return
		}
		httpapi.WriteJSON(w, r, http.StatusOK, toJSON(v))
	}
	return map[string]http.Handler{
		RouteGetCart: customer(d.Log, func(w http.ResponseWriter, r *http.Request, c string) {
			v, err := carts.Get(r.Context(), c)
			reply(w, r, v, err)
		}),
		RoutePutItem: customer(d.Log, func(w http.ResponseWriter, r *http.Request, c string) {
			var in putInput
			if err := httpapi.DecodeJSON(w, r, &in); err != nil {
				httpapi.WriteError(w, r, d.Log, err)
				return
			}
			if in.Quantity == nil {
				httpapi.WriteError(w, r, d.Log, errQuantityRequired)
				return
			}
			v, err := carts.SetItem(r.Context(), c, r.PathValue("productId"), *in.Quantity)
			reply(w, r, v, err)
		}),
		RouteRemoveItem: customer(d.Log, func(w http.ResponseWriter, r *http.Request, c string) {
			v, err := carts.RemoveItem(r.Context(), c, r.PathValue("productId"))
			reply(w, r, v, err)
		}),
		RouteClearCart: customer(d.Log, func(w http.ResponseWriter, r *http.Request, c string) {
			if err := carts.Clear(r.Context(), c); err != nil {
				httpapi.WriteError(w, r, d.Log, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}),
	}
}

func (d Deps) check() (Deps, error) {
	if d.Store == nil || d.Currency.IsZero() {
		return d, errors.New("cart api: a store and a currency are required")
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
		return nil, fmt.Errorf("cart api: %w", err)
	}
	return h, nil
}

// NewServer returns a handler serving every cart route, for tests and tools.
func NewServer(d Deps) (http.Handler, error) {
	d, err := d.check()
	if err != nil {
		return nil, err
	}
	return httpapi.Routes(routes(d)).All(), nil
}
