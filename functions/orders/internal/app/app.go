// Package app holds the orders service's use cases and declares the ports they need. The HTTP
// handlers (package api) call Place, Get, List, ListAll and Cancel; the event consumers
// (package consume) call the On* methods. Every rule about an order lives here or in package
// order; adapters (ddb, memstore) implement the ports.
//
// Every state change is one conditional write of the order together with its outbox row
// (Orders.Create, Orders.Update), so an event leaves exactly when the order changed.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/orders/internal/order"
	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/metrics"
	"github.com/microshop/microshop/shared/money"
)

// UpdateAttempts bounds the optimistic read-modify-write retries of Orders.Update.
const UpdateAttempts = 4

// Orders is the order store. Implementations: ddb.Store and memstore.Store; both pass the
// contract suite in package storetest.
type Orders interface {
	// Create stores a new order and, in the same transaction, its outbox row holding ev. It
	// returns an error wrapping order.ErrAlreadyExists when the id is taken.
	Create(ctx context.Context, o *order.Order, ev envelope.Envelope) error
	// Get returns order id, or an error wrapping order.ErrNotFound.
	Get(ctx context.Context, id order.ID) (*order.Order, error)
	// Update reads order id and calls fn on it. When fn returns an error, nothing is stored and
	// the error is returned unchanged. When fn changed the order (its version grew), the order
	// is stored on condition that its stored version is still the one read, together with the
	// outbox row of the envelope fn returned (if any); a lost race reads again and calls fn
	// again, up to UpdateAttempts times, then fails with order.ErrConflict. When fn left the
	// order as it was, nothing is written. It returns the order as it now stands, or an error
	// wrapping order.ErrNotFound (fn is not called then).
	Update(ctx context.Context, id order.ID, fn func(*order.Order) (*envelope.Envelope, error)) (*order.Order, error)
	// List returns one page of q, newest first.
	List(ctx context.Context, q order.ListQuery) (order.Page, error)
}

// Product is the orders service's copy of a catalog product, kept from the catalog's events.
type Product struct {
	ID    string
	Name  string
	Price money.Price
	// Version is the catalog's version of the product; an event with a lower or equal version
	// than the stored one is late and changes nothing.
	Version int
	// Deleted marks a tombstone: the product left the catalog, and no later-arriving older
	// event brings it back.
	Deleted bool
}

// Products is the catalog replica.
type Products interface {
	// Product returns product id, or an error wrapping ErrUnknownProduct (none, or deleted).
	Product(ctx context.Context, id string) (Product, error)
	// PutProduct stores p unless the stored copy has the same or a higher version or is a
	// tombstone; it reports whether p was stored.
	PutProduct(ctx context.Context, p Product) (bool, error)
	// DeleteProduct replaces product id by a tombstone.
	DeleteProduct(ctx context.Context, id string) error
}

// ErrUnknownProduct: the replica has no such product for sale.
var ErrUnknownProduct = errors.New("unknown product")

// Cart is the orders service's copy of a customer's cart, kept from the cart's CartChanged.
type Cart struct {
	CustomerID string
	Items      []LineRequest
	// Version is the cart's version (cartevents.CartChangedV1.Version); 0: no copy yet.
	Version int
}

// Carts is the cart replica.
type Carts interface {
	// Cart returns the copy of customerID's cart (strongly consistent), or a Cart with version
	// 0 and no items when there is none.
	Cart(ctx context.Context, customerID string) (Cart, error)
	// PutCart stores c unless the stored copy has the same or a higher version; it reports
	// whether c was stored.
	PutCart(ctx context.Context, c Cart) (bool, error)
}

// DefaultCartWait bounds how long Place waits for the cart replica to reach the cartVersion a
// request names.
const DefaultCartWait = 2 * time.Second

// ShippingRule prices shipping items items to country in currency (the shipping service's
// functions/shipping/quote.Price; quote.Price until that is on main).
type ShippingRule func(country string, items int, currency money.Currency) (money.Price, error)

// Deps configure the use cases. Orders, Products, Carts, Shipping and Currency are required.
type Deps struct {
	Orders   Orders
	Products Products
	Carts    Carts
	Shipping ShippingRule
	// Currency is the shop's currency (SHOP_CURRENCY).
	Currency money.Currency
	Now      func() time.Time // default time.Now
	NewID    func() order.ID  // default order.NewID
	Log      *slog.Logger     // default slog.Default()
	// CartWait bounds the wait for the cart replica (default DefaultCartWait).
	CartWait time.Duration
}

// Service runs the use cases.
type Service struct{ d Deps }

// New returns the use cases over d.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.NewID == nil {
		d.NewID = order.NewID
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.CartWait == 0 {
		d.CartWait = DefaultCartWait
	}
	return &Service{d: d}
}

// Errors of placing an order.
var (
	// ErrEmptyCart: the request named no lines and the caller's cart is empty.
	ErrEmptyCart = fault.New(fault.Empty, "your cart is empty: put products in it, or send the order's lines")
	// ErrCartNotReady: the request names a cart version the orders service's copy of the cart
	// has not reached within CartWait (it lags the cart by one event); docs/decisions.md.
	ErrCartNotReady = fault.New(fault.NotReady,
		"the orders service has not seen this version of your cart yet: retry in a moment with a new Idempotency-Key")
	// ErrCartChanged: the cart changed after the version the request names.
	ErrCartChanged = fault.New(fault.PreconditionFailed,
		"your cart changed after the version you ordered: read it again (GET /cart) and order its new version")
	errCartVersionWithLines = fault.New(fault.Invalid, "cartVersion: only for an order from the cart (without lines)")
	errNotForSale           = fault.New(fault.Unprocessable, "a product of the order is not for sale")
)

// LineRequest is a line as the customer asks for it.
type LineRequest struct {
	ProductID string
	Quantity  int
}

// PlaceRequest is a customer's order.
type PlaceRequest struct {
	CustomerID string
	// Lines are the order's lines; none means the customer's cart, as the orders service's
	// copy of it has it.
	Lines []LineRequest
	// CartVersion, when not 0 and Lines is empty, is the version of the cart the customer
	// orders (GET /cart's "version"): the order waits up to CartWait for the copy to reach
	// it (ErrCartNotReady), and is refused if the cart has changed since (ErrCartChanged).
	CartVersion  int
	Address      order.Address
	PaymentToken string
	// Email is the customer's email from their token, kept on the order for its
	// confirmation email; may be empty.
	Email string
}

// Place prices the request's lines (or the cart's, see PlaceRequest) from the catalog replica
// and the shipping rule, stores the order as PENDING with its OrderPlaced event in one
// transaction, and returns it.
func (s *Service) Place(ctx context.Context, r PlaceRequest) (*order.Order, error) {
	fromCart, cartVersion := false, 0
	switch {
	case len(r.Lines) > 0 && r.CartVersion != 0:
		return nil, errCartVersionWithLines
	case len(r.Lines) == 0:
		c, err := s.cart(ctx, r.CustomerID, r.CartVersion)
		if err != nil {
			return nil, err
		}
		r.Lines, fromCart, cartVersion = c.Items, true, c.Version
	}
	if len(r.Lines) > order.MaxLines {
		return nil, fault.Errorf(fault.Invalid, "lines: at most %d", order.MaxLines)
	}
	if err := r.Address.Validate(); err != nil {
		return nil, err
	}
	lines := make([]order.Line, 0, len(r.Lines))
	items := 0
	for _, lr := range r.Lines {
		if lr.Quantity < 1 || lr.Quantity > order.MaxQuantity {
			return nil, fault.Errorf(fault.Invalid, "lines: quantity must be 1..%d", order.MaxQuantity)
		}
		if n := len(lr.ProductID); n == 0 || n > order.MaxProductIDLen {
			return nil, fault.Errorf(fault.Invalid, "lines: productId must be 1 to %d bytes", order.MaxProductIDLen)
		}
		p, err := s.d.Products.Product(ctx, lr.ProductID)
		if errors.Is(err, ErrUnknownProduct) {
			return nil, fault.Errorf(fault.Unprocessable, "product %q is not for sale", lr.ProductID)
		}
		if err != nil {
			return nil, fmt.Errorf("price line %s: %w", lr.ProductID, err)
		}
		if p.Price.Currency() != s.d.Currency {
			return nil, errNotForSale
		}
		l, err := order.NewLine(p.ID, p.Name, lr.Quantity, p.Price)
		if err != nil {
			return nil, err
		}
		lines = append(lines, l)
		items += lr.Quantity
	}
	shipping, err := s.d.Shipping(r.Address.Country, items, s.d.Currency)
	if err != nil {
		if fault.CodeOf(err) == fault.Invalid {
			return nil, err
		}
		return nil, fmt.Errorf("price shipping: %w", err)
	}
	id := s.d.NewID()
	corr := correlation.ID(ctx)
	if corr == "" {
		corr = string(id)
	}
	o, err := order.New(id, order.Placement{
		CustomerID: r.CustomerID, Lines: lines, Shipping: shipping, Address: r.Address,
		PaymentToken: r.PaymentToken, FromCart: fromCart, CartVersion: cartVersion, CorrelationID: corr,
		Email: r.Email,
	}, s.d.Now())
	if err != nil {
		return nil, err
	}
	ev, err := s.envelope(ctx, o, placed(o))
	if err != nil {
		return nil, err
	}
	if err := s.d.Orders.Create(ctx, o, *ev); err != nil {
		return nil, fmt.Errorf("place order %s: %w", id, err)
	}
	metrics.Count(ctx, metrics.OrdersPlaced, 1)
	return o, nil
}

// cart returns the copy of the customer's cart to order from: the one at version want when
// want is not 0 (waiting up to CartWait for the copy to reach it), the latest copy otherwise.
// An empty cart is ErrEmptyCart.
func (s *Service) cart(ctx context.Context, customerID string, want int) (Cart, error) {
	deadline := time.Now().Add(s.d.CartWait) // a bound on the request's time, not the domain clock
	pause := 10 * time.Millisecond
	for {
		c, err := s.d.Carts.Cart(ctx, customerID)
		if err != nil {
			return Cart{}, fmt.Errorf("read cart of %s: %w", customerID, err)
		}
		switch {
		case want != 0 && c.Version > want:
			return Cart{}, ErrCartChanged
		case want != 0 && c.Version < want:
			if !time.Now().Before(deadline) {
				return Cart{}, ErrCartNotReady
			}
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return Cart{}, ctx.Err()
			case <-t.C:
			}
			pause = min(2*pause, 200*time.Millisecond)
			continue
		case len(c.Items) == 0:
			return Cart{}, ErrEmptyCart
		}
		return c, nil
	}
}

// OnCartChanged keeps the copy of a customer's cart, unless the copy is as new or newer.
func (s *Service) OnCartChanged(ctx context.Context, c Cart) error {
	stored, err := s.d.Carts.PutCart(ctx, c)
	if err != nil {
		return fmt.Errorf("cart of %s v%d: %w", c.CustomerID, c.Version, err)
	}
	if !stored {
		s.d.Log.InfoContext(ctx, "cart event changes nothing: the copy is as new or newer", "version", c.Version)
	}
	return nil
}

// Get returns the customer's order id; another customer's order is order.ErrNotFound.
func (s *Service) Get(ctx context.Context, customerID string, id order.ID) (*order.Order, error) {
	o, err := s.d.Orders.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.CustomerID() != customerID {
		return nil, order.ErrNotFound
	}
	return o, nil
}

// List returns one page of the customer's orders, newest first.
func (s *Service) List(ctx context.Context, customerID string, limit int, after *order.Position) (order.Page, error) {
	return s.list(ctx, order.ListQuery{Scope: order.Scope{CustomerID: customerID}, Limit: limit, After: after})
}

// ListAll returns one page of every order, or of those with status st when it is not "".
func (s *Service) ListAll(ctx context.Context, st order.Status, limit int, after *order.Position) (order.Page, error) {
	return s.list(ctx, order.ListQuery{Scope: order.Scope{Status: st}, Limit: limit, After: after})
}

func (s *Service) list(ctx context.Context, q order.ListQuery) (order.Page, error) {
	if q.Limit == 0 {
		q.Limit = order.DefaultLimit
	}
	if q.Limit < 1 || q.Limit > order.MaxLimit {
		return order.Page{}, order.ErrBadLimit
	}
	return s.d.Orders.List(ctx, q)
}

// Cancel cancels the customer's order id (PENDING or CONFIRMED) and emits OrderCancelled.
// Cancelling a cancelled order changes nothing and returns it; a delivered or failed order is
// order.ErrIllegalTransition (409); another customer's order is order.ErrNotFound.
func (s *Service) Cancel(ctx context.Context, customerID string, id order.ID) (*order.Order, error) {
	fn, record := s.observe(func(o *order.Order) (*envelope.Envelope, error) {
		if o.CustomerID() != customerID {
			return nil, order.ErrNotFound
		}
		if o.Status() == order.Cancelled {
			return nil, nil
		}
		if err := o.Cancel(s.d.Now()); err != nil {
			return nil, err
		}
		return s.envelope(ctx, o, orderevents.OrderCancelledV1{OrderID: string(o.ID()), CustomerID: o.CustomerID()})
	})
	o, err := s.d.Orders.Update(ctx, id, fn)
	if err == nil {
		record(ctx, o)
	}
	return o, err
}

// envelope wraps ev for order o: it carries the order's correlation id and names the request
// or event in ctx as its cause.
func (s *Service) envelope(ctx context.Context, o *order.Order, ev envelope.Event) (*envelope.Envelope, error) {
	env, err := envelope.New(correlation.With(ctx, o.CorrelationID()), orderevents.Source, ev, s.d.Now())
	if err != nil {
		return nil, fmt.Errorf("order %s: %w", o.ID(), err)
	}
	return &env, nil
}

func placed(o *order.Order) orderevents.OrderPlacedV1 {
	lines := make([]orderevents.Line, 0, len(o.Lines()))
	for _, l := range o.Lines() {
		lines = append(lines, orderevents.Line{
			ProductID: l.ProductID, Name: l.Name, Quantity: l.Quantity,
			UnitPrice: Money(l.UnitPrice), LineTotal: Money(l.LineTotal),
		})
	}
	a := o.Address()
	return orderevents.OrderPlacedV1{
		OrderID: string(o.ID()), CustomerID: o.CustomerID(), Lines: lines,
		Shipping: Money(o.Shipping()), Total: Money(o.Total()), PaymentToken: o.PaymentToken(),
		ShippingAddress: orderevents.Address{
			Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City, PostalCode: a.PostalCode, Country: a.Country,
		},
		FromCart: o.FromCart(), CartVersion: o.CartVersion(),
	}
}

// Money converts a price to the events' money shape.
func Money(p money.Price) amount.Money {
	return amount.Money{Amount: int64(p.Amount()), Currency: p.Currency().String()}
}
