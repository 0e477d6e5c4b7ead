// Package memstore is an in-memory orders store, catalog replica and cart replica for tests
// and tools. It
// keeps the events each write emitted, in order, so tests can read the outbox.
package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/functions/orders/internal/order"
)

// Store keeps orders, products and the outbox in memory. The zero value is not ready; use New.
type Store struct {
	mu       sync.Mutex
	orders   map[order.ID]order.Stored
	products map[string]app.Product
	carts    map[string]app.Cart
	outbox   []envelope.Envelope
}

var (
	_ app.Orders   = (*Store)(nil)
	_ app.Products = (*Store)(nil)
	_ app.Carts    = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{orders: map[order.ID]order.Stored{}, products: map[string]app.Product{}, carts: map[string]app.Cart{}}
}

// Cart implements app.Carts.
func (s *Store) Cart(_ context.Context, customerID string) (app.Cart, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.carts[customerID]
	if !ok {
		return app.Cart{CustomerID: customerID}, nil
	}
	c.Items = slices.Clone(c.Items)
	return c, nil
}

// PutCart implements app.Carts.
func (s *Store) PutCart(_ context.Context, c app.Cart) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.carts[c.CustomerID]; ok && cur.Version >= c.Version {
		return false, nil
	}
	c.Items = slices.Clone(c.Items)
	s.carts[c.CustomerID] = c
	return true, nil
}

// Outbox returns the events written so far, oldest first.
func (s *Store) Outbox() []envelope.Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.outbox)
}

// Create implements app.Orders.
func (s *Store) Create(_ context.Context, o *order.Order, ev envelope.Envelope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orders[o.ID()]; ok {
		return fmt.Errorf("create order %s: %w", o.ID(), order.ErrAlreadyExists)
	}
	s.orders[o.ID()] = o.Snapshot()
	s.outbox = append(s.outbox, ev)
	return nil
}

// Get implements app.Orders.
func (s *Store) Get(_ context.Context, id order.ID) (*order.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.orders[id]
	if !ok {
		return nil, fmt.Errorf("get order %s: %w", id, order.ErrNotFound)
	}
	return order.Restore(st), nil
}

// Update implements app.Orders.
func (s *Store) Update(ctx context.Context, id order.ID, fn func(*order.Order) (*envelope.Envelope, error)) (*order.Order, error) {
	for range app.UpdateAttempts {
		o, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		read := o.Version()
		ev, err := fn(o)
		if err != nil {
			return nil, err
		}
		if o.Version() == read {
			return o, nil
		}
		s.mu.Lock()
		if s.orders[id].Version != read {
			s.mu.Unlock()
			continue
		}
		s.orders[id] = o.Snapshot()
		if ev != nil {
			s.outbox = append(s.outbox, *ev)
		}
		s.mu.Unlock()
		return o, nil
	}
	return nil, fmt.Errorf("update order %s: %w", id, order.ErrConflict)
}

// List implements app.Orders.
func (s *Store) List(_ context.Context, q order.ListQuery) (order.Page, error) {
	s.mu.Lock()
	var all []*order.Order
	for _, st := range s.orders {
		if (q.Scope.CustomerID != "" && st.CustomerID != q.Scope.CustomerID) ||
			(q.Scope.Status != "" && st.Status != q.Scope.Status) {
			continue
		}
		all = append(all, order.Restore(st))
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b *order.Order) int {
		if order.Before(order.PositionOf(a), order.PositionOf(b)) {
			return -1
		}
		return 1
	})
	if q.After != nil {
		i := slices.IndexFunc(all, func(o *order.Order) bool { return order.Before(*q.After, order.PositionOf(o)) })
		if i < 0 {
			i = len(all)
		}
		all = all[i:]
	}
	var page order.Page
	if len(all) > q.Limit {
		all = all[:q.Limit]
		last := order.PositionOf(all[len(all)-1])
		page.Next = &last
	}
	page.Orders = all
	return page, nil
}

// Product implements app.Products.
func (s *Store) Product(_ context.Context, id string) (app.Product, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[id]
	if !ok || p.Deleted {
		return app.Product{}, fmt.Errorf("product %s: %w", id, app.ErrUnknownProduct)
	}
	return p, nil
}

// PutProduct implements app.Products.
func (s *Store) PutProduct(_ context.Context, p app.Product) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.products[p.ID]; ok && (cur.Deleted || cur.Version >= p.Version) {
		return false, nil
	}
	s.products[p.ID] = p
	return true, nil
}

// DeleteProduct implements app.Products.
func (s *Store) DeleteProduct(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.products[id] = app.Product{ID: id, Deleted: true}
	return nil
}
