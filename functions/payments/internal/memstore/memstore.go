// Package memstore is an in-memory payments store: the fake that use-case and handler tests
// use in place of DynamoDB. It keeps ddb.Store's contract (the suite in package storetest runs
// against both) and records the events each write would put in the outbox.
package memstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/payment"
)

// Store holds payments in memory. It is safe for concurrent use; the zero value is not usable,
// call New.
type Store struct {
	mu       sync.Mutex
	payments map[string]payment.Stored
	events   []app.Event
}

var _ app.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{payments: make(map[string]payment.Stored)} }

// Get returns the payment of order orderID, or payment.ErrNotFound.
func (s *Store) Get(_ context.Context, orderID string) (*payment.Payment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.payments[orderID]
	if !ok {
		return nil, fmt.Errorf("get payment of order %s: %w", orderID, payment.ErrNotFound)
	}
	return payment.Restore(st)
}

// Create stores p and records ev, or returns payment.ErrAlreadyExists.
func (s *Store) Create(_ context.Context, p *payment.Payment, ev app.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.payments[p.OrderID()]; ok {
		return fmt.Errorf("create payment of order %s: %w", p.OrderID(), payment.ErrAlreadyExists)
	}
	s.payments[p.OrderID()] = p.Snapshot()
	s.record(ev)
	return nil
}

// Update stores p and records ev if the stored payment is at version p.Version()-1, or
// returns payment.ErrConflict.
func (s *Store) Update(_ context.Context, p *payment.Payment, ev app.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.payments[p.OrderID()]
	if !ok || st.Version != p.Version()-1 {
		return fmt.Errorf("update payment of order %s to version %d: %w", p.OrderID(), p.Version(), payment.ErrConflict)
	}
	s.payments[p.OrderID()] = p.Snapshot()
	s.record(ev)
	return nil
}

func (s *Store) record(ev app.Event) {
	if ev != nil {
		s.events = append(s.events, ev)
	}
}

// Events returns the events written so far, in order.
func (s *Store) Events() []app.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]app.Event(nil), s.events...)
}
