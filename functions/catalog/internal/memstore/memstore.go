// Package memstore is an in-memory catalog store: the fake that handler tests use in place of
// DynamoDB. It keeps the same contract as package ddb (the shared suite in package storetest
// runs against both), including optimistic locking and list cursors.
package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/microshop/microshop/functions/catalog/internal/product"
)

// Store holds products in memory. The zero value is not usable; call New. It is safe for
// concurrent use.
type Store struct {
	mu       sync.Mutex
	products map[product.ID]*product.Product // stored copies, never handed out
}

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

// Update applies fn to product id if it is at version expected, and stores the result unless
// the product changed meanwhile. Like the DynamoDB store it does not hold a lock while fn runs,
// so fn may itself change the store (tests use that to stage races). It returns
// product.ErrNotFound, product.ErrVersionMismatch, or fn's error, and then stores nothing.
func (s *Store) Update(ctx context.Context, id product.ID, expected int, fn func(*product.Product) error) (*product.Product, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("update product %s: %w", id, product.ErrNotFound)
	}
	if p.Version() != expected {
		return nil, fmt.Errorf("update product %s at version %d: %w", id, expected, product.ErrVersionMismatch)
	}
	if err := fn(p); err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	current, ok := s.products[id]
	switch {
	case !ok:
		return nil, fmt.Errorf("update product %s: %w", id, product.ErrNotFound)
	case current.Version() != expected:
		return nil, fmt.Errorf("update product %s at version %d: %w", id, expected, product.ErrVersionMismatch)
	}
	s.products[id] = clone(p)
	return p, nil
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
