// Package app holds the cart's use cases — show, change and empty a customer's cart, empty the
// ordered lines when an order placed from the cart arrives, and keep the cart's copy of the
// catalog's products — and declares the port they need (Store). The HTTP handlers (package
// api) and the event consumers (package consume) call it; package ddb implements Store.
//
// Every change of a cart is stored together with its CartChanged event (the outbox), which the
// orders service keeps its copy of the cart from.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microshop/microshop/events/cartevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/cart/internal/cart"
	"github.com/microshop/microshop/shared/money"
)

// ErrStale is returned (wrapped) by Store.SaveCart when the cart changed since it was read.
var ErrStale = errors.New("cart changed since it was read")

// Attempts bounds the read-modify-write of a cart under concurrent changes; after that the
// change fails with cart.ErrConflict.
const Attempts = 4

// Store keeps carts and the product replica. ddb.Store implements it.
type Store interface {
	// Cart returns customerID's stored cart, or cart.New(customerID) when there is none.
	Cart(ctx context.Context, customerID string) (*cart.Cart, error)
	// SaveCart stores c with version c.Version()+1, and the outbox row of changed (the cart's
	// CartChanged event) in the same transaction, on condition that the stored version is
	// still c.Version(); otherwise it returns an error wrapping ErrStale and stores nothing.
	SaveCart(ctx context.Context, c *cart.Cart, changed envelope.Envelope) error
	// Products returns the known, not deleted products among ids.
	Products(ctx context.Context, ids []cart.ProductID) (map[cart.ProductID]cart.Product, error)
	// PutProduct stores p unless a version at least as new, or the product's deletion, is
	// stored; it reports whether it wrote.
	PutProduct(ctx context.Context, p cart.Product) (bool, error)
	// DeleteProduct records that product id was deleted: it is unknown from now on, and
	// later (late) versions of it are ignored.
	DeleteProduct(ctx context.Context, id cart.ProductID) error
}

// Item is a priced line of a cart.
type Item struct {
	ProductID cart.ProductID
	Name      string
	Quantity  int
	UnitPrice money.Price
	LineTotal money.Price
}

// View is a cart at current prices. Lines whose product is no longer in the catalog (or is
// priced in another currency than the shop's) are left out: they cannot be bought.
type View struct {
	Items []Item
	Total money.Price
	// Version is the cart's stored version (0: never stored). An order placed from the cart
	// may name it (POST /orders "cartVersion") so that it orders exactly this cart.
	Version int
}

// Carts runs the use cases. Build it with New.
type Carts struct {
	store    Store
	currency money.Currency
	now      func() time.Time
}

// New returns the use cases over store, pricing in currency (the shop's, SHOP_CURRENCY); a
// nil now means time.Now.
func New(store Store, currency money.Currency, now func() time.Time) *Carts {
	if now == nil {
		now = time.Now
	}
	return &Carts{store: store, currency: currency, now: now}
}

// Get returns customerID's cart at current prices.
func (cs *Carts) Get(ctx context.Context, customerID string) (View, error) {
	c, err := cs.load(ctx, customerID)
	if err != nil {
		return View{}, err
	}
	return cs.price(ctx, c)
}

// changed is c's CartChanged event, for the version SaveCart gives it.
func (cs *Carts) changed(ctx context.Context, c *cart.Cart) (envelope.Envelope, error) {
	lines := c.Lines()
	items := make([]cartevents.Item, len(lines))
	for i, l := range lines {
		items[i] = cartevents.Item{ProductID: string(l.ProductID), Quantity: l.Quantity}
	}
	ev := cartevents.CartChangedV1{CustomerID: c.CustomerID(), Items: items, Version: c.Version() + 1}
	env, err := envelope.New(ctx, cartevents.Source, ev, cs.now())
	if err != nil {
		return envelope.Envelope{}, fmt.Errorf("cart of %s: %w", c.CustomerID(), err)
	}
	return env, nil
}

// SetItem sets the quantity of product productID in customerID's cart. The product must be
// in the cart's copy of the catalog (cart.ErrProductNotFound).
func (cs *Carts) SetItem(ctx context.Context, customerID, productID string, quantity int) (View, error) {
	id, err := cart.ParseProductID(productID)
	if err != nil {
		return View{}, err
	}
	if quantity < 1 || quantity > cart.MaxQuantity {
		return View{}, cart.ErrInvalidQuantity
	}
	known, err := cs.store.Products(ctx, []cart.ProductID{id})
	if err != nil {
		return View{}, err
	}
	if _, ok := known[id]; !ok {
		return View{}, fmt.Errorf("put %s in cart: %w", id, cart.ErrProductNotFound)
	}
	c, err := cs.update(ctx, customerID, func(c *cart.Cart) (bool, error) {
		return true, c.Set(id, quantity, cs.now())
	})
	if err != nil {
		return View{}, err
	}
	return cs.price(ctx, c)
}

// RemoveItem removes product productID's line, if any, from customerID's cart.
func (cs *Carts) RemoveItem(ctx context.Context, customerID, productID string) (View, error) {
	id, err := cart.ParseProductID(productID)
	if err != nil {
		return View{}, err
	}
	c, err := cs.update(ctx, customerID, func(c *cart.Cart) (bool, error) {
		return c.Remove(id, cs.now()), nil
	})
	if err != nil {
		return View{}, err
	}
	return cs.price(ctx, c)
}

// Clear empties customerID's cart.
func (cs *Carts) Clear(ctx context.Context, customerID string) error {
	_, err := cs.update(ctx, customerID, func(c *cart.Cart) (bool, error) {
		if len(c.Lines()) == 0 {
			return false, nil
		}
		c.Clear(cs.now())
		return true, nil
	})
	return err
}

// OrderPlaced empties the ordered lines of the customer's cart when the order was placed from
// it (FromCart), except the lines the customer changed after the cart version the order was
// taken from (placed.CartVersion). A duplicate or late delivery finds nothing left to remove
// and writes nothing.
func (cs *Carts) OrderPlaced(ctx context.Context, placed orderevents.OrderPlacedV1) error {
	if !placed.FromCart || placed.CustomerID == "" {
		return nil
	}
	ids := make([]cart.ProductID, len(placed.Lines))
	for i, l := range placed.Lines {
		ids[i] = cart.ProductID(l.ProductID)
	}
	_, err := cs.update(ctx, placed.CustomerID, func(c *cart.Cart) (bool, error) {
		return c.RemoveOrdered(ids, placed.CartVersion, cs.now()), nil
	})
	return err
}

// ProductChanged stores product p (created or changed) in the replica unless it is older
// than what is stored.
func (cs *Carts) ProductChanged(ctx context.Context, p cart.Product) error {
	_, err := cs.store.PutProduct(ctx, p)
	return err
}

// ProductDeleted removes product id from the replica for good.
func (cs *Carts) ProductDeleted(ctx context.Context, id cart.ProductID) error {
	return cs.store.DeleteProduct(ctx, id)
}

// load returns the customer's cart, empty when it has expired but is not deleted yet.
func (cs *Carts) load(ctx context.Context, customerID string) (*cart.Cart, error) {
	c, err := cs.store.Cart(ctx, customerID)
	if err != nil {
		return nil, err
	}
	if c.Expired(cs.now()) {
		c = cart.Restore(customerID, nil, c.UpdatedAt(), c.Version())
	}
	return c, nil
}

// update reads the cart, applies fn, and stores the result if fn changed it, retrying from a
// fresh read when another writer got there first.
func (cs *Carts) update(ctx context.Context, customerID string, fn func(*cart.Cart) (bool, error)) (*cart.Cart, error) {
	for range Attempts {
		c, err := cs.load(ctx, customerID)
		if err != nil {
			return nil, err
		}
		changed, err := fn(c)
		if err != nil || !changed {
			return c, err
		}
		ev, err := cs.changed(ctx, c)
		if err != nil {
			return nil, err
		}
		err = cs.store.SaveCart(ctx, c, ev)
		if errors.Is(err, ErrStale) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return cart.Restore(customerID, c.Lines(), c.UpdatedAt(), c.Version()+1), nil
	}
	return nil, fmt.Errorf("change cart of %s: %w", customerID, cart.ErrConflict)
}

// price prices c's lines at the replica's current prices.
func (cs *Carts) price(ctx context.Context, c *cart.Cart) (View, error) {
	lines := c.Lines()
	ids := make([]cart.ProductID, len(lines))
	for i, l := range lines {
		ids[i] = l.ProductID
	}
	products, err := cs.store.Products(ctx, ids)
	if err != nil {
		return View{}, err
	}
	v := View{Items: []Item{}, Version: c.Version()}
	var totals []money.Price
	for _, l := range lines {
		p, ok := products[l.ProductID]
		if !ok || p.Price.Currency() != cs.currency {
			continue
		}
		lineTotal, err := p.Price.Mul(int64(l.Quantity))
		if err != nil {
			return View{}, fmt.Errorf("price %s × %d: %w", l.ProductID, l.Quantity, err)
		}
		v.Items = append(v.Items, Item{ProductID: l.ProductID, Name: p.Name, Quantity: l.Quantity, UnitPrice: p.Price, LineTotal: lineTotal})
		totals = append(totals, lineTotal)
	}
	if v.Total, err = money.Sum(cs.currency, totals...); err != nil {
		return View{}, fmt.Errorf("cart total: %w", err)
	}
	return v, nil
}
