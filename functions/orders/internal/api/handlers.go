package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/functions/orders/internal/order"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/httpapi"
)

type addressJSON struct {
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
}

type placeBody struct {
	ShippingAddress *addressJSON `json:"shippingAddress"`
	PaymentToken    string       `json:"paymentToken"`
	Lines           []struct {
		ProductID string `json:"productId"`
		Quantity  int    `json:"quantity"`
	} `json:"lines"`
	// CartVersion names the cart version (GET /cart's "version") an order without lines orders.
	CartVersion int `json:"cartVersion"`
}

// errNoLines: "lines": [] is neither an order of lines nor one from the cart (lines left out).
var errNoLines = fault.New(fault.Invalid, "lines: want at least one line, or leave lines out to order your cart")

var errCartVersion = fault.New(fault.Invalid, "cartVersion: want a positive integer")

type lineJSON struct {
	ProductID string       `json:"productId"`
	Name      string       `json:"name"`
	Quantity  int          `json:"quantity"`
	UnitPrice amount.Money `json:"unitPrice"`
	LineTotal amount.Money `json:"lineTotal"`
}

// orderJSON is an order as the API shows it. The payment token is not shown back.
type orderJSON struct {
	ID              string       `json:"id"`
	Status          string       `json:"status"`
	Lines           []lineJSON   `json:"lines"`
	Shipping        amount.Money `json:"shipping"`
	Total           amount.Money `json:"total"`
	ShippingAddress addressJSON  `json:"shippingAddress"`
	FailureReason   *string      `json:"failureReason"`
	CreatedAt       string       `json:"createdAt"`
	UpdatedAt       string       `json:"updatedAt"`
}

type pageJSON struct {
	Orders     []orderJSON `json:"orders"`
	NextCursor string      `json:"nextCursor,omitempty"`
}

func toJSON(o *order.Order) orderJSON {
	lines := make([]lineJSON, 0, len(o.Lines()))
	for _, l := range o.Lines() {
		lines = append(lines, lineJSON{
			ProductID: l.ProductID, Name: l.Name, Quantity: l.Quantity,
			UnitPrice: app.Money(l.UnitPrice), LineTotal: app.Money(l.LineTotal),
		})
	}
	a := o.Address()
	j := orderJSON{
		ID: string(o.ID()), Status: string(o.Status()), Lines: lines,
		Shipping: app.Money(o.Shipping()), Total: app.Money(o.Total()),
		ShippingAddress: addressJSON{Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City, PostalCode: a.PostalCode, Country: a.Country},
		CreatedAt:       o.CreatedAt().Format(time.RFC3339Nano), UpdatedAt: o.UpdatedAt().Format(time.RFC3339Nano),
	}
	if r := o.FailureReason(); r != "" {
		j.FailureReason = &r
	}
	return j
}

var errNoAddress = fault.New(fault.Invalid, "shippingAddress: required")

// handlePlace serves POST /orders.
func handlePlace(s *app.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b placeBody
		if err := httpapi.DecodeJSON(w, r, &b); err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		if b.ShippingAddress == nil {
			httpapi.WriteError(w, r, log, errNoAddress)
			return
		}
		if b.Lines != nil && len(b.Lines) == 0 {
			httpapi.WriteError(w, r, log, errNoLines)
			return
		}
		if b.CartVersion < 0 {
			httpapi.WriteError(w, r, log, errCartVersion)
			return
		}
		a := b.ShippingAddress
		req := app.PlaceRequest{
			CustomerID: customerID(r), Email: callerEmail(r), PaymentToken: b.PaymentToken, CartVersion: b.CartVersion,
			Address: order.Address{Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City, PostalCode: a.PostalCode, Country: a.Country},
		}
		for _, l := range b.Lines {
			req.Lines = append(req.Lines, app.LineRequest{ProductID: l.ProductID, Quantity: l.Quantity})
		}
		o, err := s.Place(r.Context(), req)
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		w.Header().Set("Location", "/orders/"+string(o.ID()))
		httpapi.WriteJSON(w, r, http.StatusCreated, toJSON(o))
	})
}

// handleGet serves GET /orders/{id}: the caller's own order, else 404.
func handleGet(s *app.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := order.ParseID(r.PathValue("id"))
		if err == nil {
			var o *order.Order
			if o, err = s.Get(r.Context(), customerID(r), id); err == nil {
				httpapi.WriteJSON(w, r, http.StatusOK, toJSON(o))
				return
			}
		}
		httpapi.WriteError(w, r, log, err)
	})
}

// handleCancel serves POST /orders/{id}/cancel.
func handleCancel(s *app.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := order.ParseID(r.PathValue("id"))
		if err == nil {
			var o *order.Order
			if o, err = s.Cancel(r.Context(), customerID(r), id); err == nil {
				httpapi.WriteJSON(w, r, http.StatusOK, toJSON(o))
				return
			}
		}
		httpapi.WriteError(w, r, log, err)
	})
}

// handleList serves GET /orders?limit=&cursor=: the caller's orders, newest first.
func handleList(s *app.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scope := order.Scope{CustomerID: customerID(r)}
		limit, after, err := paging(r, scope)
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		page, err := s.List(r.Context(), scope.CustomerID, limit, after)
		writePage(w, r, log, scope, page, err)
	})
}

// handleAdminList serves GET /admin/orders?status=&limit=&cursor=: every order, or those with
// one status, newest first.
func handleAdminList(s *app.Service, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var scope order.Scope
		if v := r.URL.Query().Get("status"); v != "" {
			st, err := order.ParseStatus(v)
			if err != nil {
				httpapi.WriteError(w, r, log, err)
				return
			}
			scope.Status = st
		}
		limit, after, err := paging(r, scope)
		if err != nil {
			httpapi.WriteError(w, r, log, err)
			return
		}
		page, err := s.ListAll(r.Context(), scope.Status, limit, after)
		writePage(w, r, log, scope, page, err)
	})
}

// paging reads limit (default order.DefaultLimit) and cursor of a list in scope.
func paging(r *http.Request, scope order.Scope) (int, *order.Position, error) {
	q := r.URL.Query()
	limit := order.DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > order.MaxLimit {
			return 0, nil, order.ErrBadLimit
		}
		limit = n
	}
	if !q.Has("cursor") {
		return limit, nil, nil
	}
	p, err := order.DecodeCursor(scope, q.Get("cursor"))
	if err != nil {
		return 0, nil, err
	}
	return limit, &p, nil
}

func writePage(w http.ResponseWriter, r *http.Request, log *slog.Logger, scope order.Scope, page order.Page, err error) {
	if err != nil {
		httpapi.WriteError(w, r, log, err)
		return
	}
	out := pageJSON{Orders: make([]orderJSON, 0, len(page.Orders))}
	for _, o := range page.Orders {
		out.Orders = append(out.Orders, toJSON(o))
	}
	if page.Next != nil {
		out.NextCursor = order.EncodeCursor(scope, *page.Next)
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}
