// Package api is the shipping service's HTTP API: the public quote, a customer's view of their
// shipment and the admins' delivery. Each Lambda function serves one route (Handler); tests may
// serve them all (NewServer). Errors go through shared/httpapi.
package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/shipment"
	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/httpapi"
)

// AdminGroup is the Cognito group whose members may mark shipments delivered.
const AdminGroup = "admin"

type shipmentJSON struct {
	OrderID        string    `json:"orderId"`
	TrackingNumber string    `json:"trackingNumber"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

func toJSON(s *shipment.Shipment) shipmentJSON {
	return shipmentJSON{OrderID: s.OrderID(), TrackingNumber: s.TrackingNumber(), Status: string(s.Status()),
		CreatedAt: s.CreatedAt(), UpdatedAt: s.UpdatedAt()}
}

type moneyJSON struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// quoteInput is the body of POST /shipping/quote; pointers tell a missing field from a zero.
type quoteInput struct {
	Country *string `json:"country"`
	Items   *int    `json:"items"`
}

type quoteJSON struct {
	Country string    `json:"country"`
	Items   int       `json:"items"`
	Price   moneyJSON `json:"price"`
}

var (
	errUnauthorized = fault.New(fault.Unauthorized, "sign in to do this: the request carries no verified token")
	errQuoteFields  = fault.New(fault.Invalid, `body must have "country" and "items"`)
)

func routes(svc *app.Shipping, log *slog.Logger) map[string]http.Handler {
	return map[string]http.Handler{
		shippingspec.RouteQuote:           handleQuote(svc, log),
		shippingspec.RouteGetShipment:     handleGet(svc, log),
		shippingspec.RouteDeliverShipment: httpapi.RequireGroup(AdminGroup)(handleDeliver(svc, log)),
	}
}

// Handler serves the one route with key routeKey, as a Lambda function does; any other request
// gets a JSON 404.
func Handler(routeKey string, svc *app.Shipping, log *slog.Logger) (http.Handler, error) {
	h, err := httpapi.Routes(routes(svc, log)).One(routeKey)
	if err != nil {
		return nil, fmt.Errorf("shipping api: %w", err)
	}
	return h, nil
}

// NewServer serves every shipping route, for tests and tools that run the API in one process.
func NewServer(svc *app.Shipping, log *slog.Logger) http.Handler {
	return httpapi.Routes(routes(svc, log)).All()
}

func handleQuote(svc *app.Shipping, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in quoteInput
		if err := httpapi.DecodeJSON(w, r, &in); err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		if in.Country == nil || in.Items == nil {
			httpapi.WriteError(w, r, log, errQuoteFields)
			return
		}
		p, err := svc.Quote(*in.Country, *in.Items)
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		httpapi.WriteJSON(w, r, http.StatusOK, quoteJSON{Country: *in.Country, Items: *in.Items,
			Price: moneyJSON{Amount: int64(p.Amount()), Currency: p.Currency().String()}})
	})
}

func handleGet(svc *app.Shipping, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := httpapi.Claims(r.Context())
		if !ok {
			httpapi.WriteError(w, r, log, errUnauthorized)
			return
		}
		sh, err := svc.Get(r.Context(), id.Subject, r.PathValue("orderId"))
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		httpapi.WriteJSON(w, r, http.StatusOK, toJSON(sh))
	})
}

func handleDeliver(svc *app.Shipping, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sh, err := svc.Deliver(r.Context(), r.PathValue("orderId"))
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		httpapi.WriteJSON(w, r, http.StatusOK, toJSON(sh))
	})
}
