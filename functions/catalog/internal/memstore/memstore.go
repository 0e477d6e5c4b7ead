// Package memstore is an in-memory catalog store: the fake that handler tests use in place of
// DynamoDB. It keeps the same contract as package ddb (the shared suite in package storetest
// runs against both), including optimistic locking and list cursors.
package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/microshop/microshop/functions/catalog/internal/app"
	"github.com/microshop/microshop/functions/catalog/internal/product"
)

// Store holds products in memory. The zero value is not usable; call New. It is safe for
// concurrent use.
type Store struct {
	mu       sync.Mutex
	products map[product.ID]*product.Product // stored copies, never handed out
}

var _ app.Products = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{products: make(map[product.ID]*product.Product)}
}

// Get returns the product with id, or product.ErrNotFound.
func (s *Store) Get(_ context.Context, id product.ID) (*product.Product, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[id]
	if !ok {
		return nil, fmt.Errorf("get product %s: %w", id, product.ErrNotFound)
	}
	return clone(p), nil
}

// Create stores p, or returns product.ErrAlreadyExists if its id is taken.
func (s *Store) Create(_ context.Context, p *product.Product) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.products[p.ID()]; ok {
		return fmt.Errorf("create product %s: %w", p.ID(), product.ErrAlreadyExists)
	}
	s.products[p.ID()] = clone(p)
	return nil
}

// Update applies fn to product id and stores the result unless the product changed meanwhile;
// then it starts over with a fresh copy, up to app.UpdateAttempts times. Like the DynamoDB
// store it does not hold a lock while fn runs, so fn may itself change the store (tests use
// that to stage races). It returns product.ErrNotFound, product.ErrConflict, or fn's error,
// and then stores nothing.
func (s *Store) Update(ctx context.Context, id product.ID, fn func(*product.Product) error) (*product.Product, error) {
	for attempt := 1; ; attempt++ {
		p, err := s.Get(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("update product %s: %w", id, product.ErrNotFound)
		}
		read := p.Version()
		if err := fn(p); err != nil {
			return nil, err
		}
		if p.ID() != id {
			return nil, fmt.Errorf("update product %s: update function changed the id to %s", id, p.ID())
		}
		if s.store(p, read) {
			return p, nil
		}
		if attempt == app.UpdateAttempts {
			if _, err := s.Get(ctx, id); err != nil { // gone rather than changed, as in ddb
				return nil, fmt.Errorf("update product %s: %w", id, product.ErrNotFound)
			}
			return nil, fmt.Errorf("update product %s: %d attempts lost to concurrent writes: %w", id, attempt, product.ErrConflict)
		}
	}
}

// store saves p if the stored product is still at version read, as DynamoDB's condition does.
func (s *Store) store(p *product.Product, read int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	current, ok := s.products[p.ID()]
	if !ok || current.Version() != read {
		return false
	}
	s.products[p.ID()] = clone(p)
	return true
}

// Delete removes product id, or returns product.ErrNotFound.
func (s *Store) Delete(_ context.Context, id product.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.products[id]; !ok {
		return fmt.Errorf("delete product %s: %w", id, product.ErrNotFound)
	}
	delete(s.products, id)
	return nil
}

// List returns one page of q in list order (see product.Position).
func (s *Store) List(_ context.Context, q product.ListQuery) (product.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	after, resume := q.After()
	var matched []*product.Product
	for _, p := range s.products {
		if q.Category() != "" && p.Category() != q.Category() {
			continue
		}
		if resume && !after.Before(p.Position()) {
			continue
		}
		matched = append(matched, p)
	}
	slices.SortFunc(matched, func(a, b *product.Product) int {
		if a.Position().Before(b.Position()) {
			return -1
		}
		return 1 // positions are unique: ids are
	})

	page := product.Page{Products: []*product.Product{}}
	for _, p := range matched[:min(len(matched), q.Limit())] {
		page.Products = append(page.Products, clone(p))
	}
	if len(matched) > q.Limit() {
		page.NextCursor = q.NextCursor(page.Products[len(page.Products)-1])
	}
	return page, nil
}

// clone copies p so that neither the store nor its callers see each other's changes.
func clone(p *product.Product) *product.Product {
	c, err := product.Restore(p.ID(), p.Details(), p.CreatedAt(), p.UpdatedAt(), p.Version())
	if err != nil {
		panic(err) // p came from product.New or Restore, so it restores
	}
	return c
}
