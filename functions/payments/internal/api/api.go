// Package api is the payments service's HTTP API: GET /payments/{orderId}, a customer's view of
// the payment of their own order. Errors go through shared/httpapi.
package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/payment"
	paymentsspec "github.com/microshop/microshop/functions/payments/spec"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/httpapi"
)

// paymentJSON is a payment as the API shows it.
type paymentJSON struct {
	OrderID   string    `json:"orderId"`
	Status    string    `json:"status"`
	Amount    moneyJSON `json:"amount"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

type moneyJSON struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

func toJSON(p *payment.Payment) paymentJSON {
	return paymentJSON{
		OrderID: p.OrderID(), Status: string(p.Status()), Reason: p.Reason(),
		Amount:    moneyJSON{Amount: int64(p.Amount().Amount()), Currency: p.Amount().Currency().String()},
		CreatedAt: p.CreatedAt(), UpdatedAt: p.UpdatedAt(),
	}
}

var errUnauthorized = fault.New(fault.Unauthorized, "sign in to do this: the request carries no verified token")

// Handler serves GET /payments/{orderId} with payments; any other request gets a JSON 404.
// Another customer's order answers 404, as does an order with no payment.
func Handler(payments *app.Payments, log *slog.Logger) http.Handler {
	get := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := httpapi.Claims(r.Context())
		if !ok {
			httpapi.WriteError(w, r, log, errUnauthorized)
			return
		}
		p, err := payments.Get(r.Context(), id.Subject, r.PathValue("orderId"))
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		httpapi.WriteJSON(w, r, http.StatusOK, toJSON(p))
	})
	return httpapi.Routes{paymentsspec.RouteGetPayment: get}.All()
}
