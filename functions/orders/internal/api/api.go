// Package api is the orders service's HTTP API: one plain net/http handler per route, listed in
// routes.go. Each Lambda function serves a single route (Handler); tests serve them all
// (NewServer). The handlers translate between HTTP and the use cases in package app.
package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/idempotency"
)

// Route keys, exactly as the HTTP API declares them (functions/orders/spec); each is also a Go
// ServeMux pattern.
const (
	RoutePlaceOrder      = "POST /orders"
	RouteListOrders      = "GET /orders"
	RouteGetOrder        = "GET /orders/{id}"
	RouteCancelOrder     = "POST /orders/{id}/cancel"
	RouteAdminListOrders = "GET /admin/orders"
)

// Deps are the handlers' dependencies.
type Deps struct {
	// Service runs the use cases. Required.
	Service *app.Service
	// Idempotency keeps Idempotency-Key records (in the orders table). Required by the routes
	// that demand a key.
	Idempotency *idempotency.Store
	Log         *slog.Logger // default slog.Default()
}

func routes(d Deps) map[string]http.Handler {
	s := d.Service
	return map[string]http.Handler{
		RoutePlaceOrder:      customer(emits(d.idempotent(handlePlace(s, d.Log))), d.Log),
		RouteListOrders:      customer(handleList(s, d.Log), d.Log),
		RouteGetOrder:        customer(handleGet(s, d.Log), d.Log),
		RouteCancelOrder:     customer(emits(d.idempotent(handleCancel(s, d.Log))), d.Log),
		RouteAdminListOrders: httpapi.RequireGroup("admin")(handleAdminList(s, d.Log)),
	}
}

var errKeyRequired = fault.New(fault.PreconditionRequired,
	"this request needs an Idempotency-Key header, so that a retry cannot act twice")

// idempotent demands an Idempotency-Key and honours it (shared/idempotency): a retry gets the
// first response again.
func (d Deps) idempotent(next http.Handler) http.Handler {
	mw := idempotency.Middleware(idempotency.Options{Store: d.Idempotency, Log: d.Log})(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.Header.Values(idempotency.HeaderKey)) == 0 {
			httpapi.WriteError(w, r, d.Log, errKeyRequired)
			return
		}
		mw.ServeHTTP(w, r)
	})
}

var errUnauthorized = fault.New(fault.Unauthorized, "sign in to do this: the request carries no verified token")

// customer lets only signed-in callers through (the JWT authorizer's claims); the handler
// reads the customer id with customerID.
func customer(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := httpapi.Claims(r.Context()); !ok {
			httpapi.WriteError(w, r, log, errUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// customerID is the caller's sub; customer has checked there is one.
func customerID(r *http.Request) string {
	id, _ := httpapi.Claims(r.Context())
	return id.Subject
}

// callerEmail is the email claim of the caller's token: Cognito puts it in ID tokens only,
// so an order placed with an access token has none (its confirmation finds the address in
// the user pool, see confirm.Customers).
func callerEmail(r *http.Request) string {
	id, _ := httpapi.Claims(r.Context())
	return id.Email
}

// emits gives a write the context its events carry: the request's correlation id (unless one
// is set already) and the request id as their cause. A new order keeps the correlation id for
// all its events.
func emits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		reqID := httpapi.RequestID(ctx)
		if correlation.ID(ctx) == "" {
			id := r.Header.Get(correlation.Header)
			if !correlation.Valid(id) {
				id = reqID
			}
			ctx = correlation.With(ctx, id)
		}
		next.ServeHTTP(w, r.WithContext(envelope.WithCausationID(ctx, reqID)))
	})
}

func (d Deps) withDefaults() (Deps, error) {
	if d.Service == nil || d.Idempotency == nil {
		return d, errors.New("orders api: Service and Idempotency are required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return d, nil
}

// Handler returns a handler serving the one route with the given key, as a Lambda function
// does; any other request gets a JSON 404.
func Handler(routeKey string, d Deps) (http.Handler, error) {
	d, err := d.withDefaults()
	if err != nil {
		return nil, err
	}
	h, err := httpapi.Routes(routes(d)).One(routeKey)
	if err != nil {
		return nil, fmt.Errorf("orders api: %w", err)
	}
	return h, nil
}

// NewServer returns a handler serving every orders route, for tests.
func NewServer(d Deps) (http.Handler, error) {
	d, err := d.withDefaults()
	if err != nil {
		return nil, err
	}
	return httpapi.Routes(routes(d)).All(), nil
}
