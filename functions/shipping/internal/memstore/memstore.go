// Package memstore is an in-memory shipping store: the fake that use-case and handler tests
// use in place of DynamoDB. It keeps ddb.Store's contract (the suite in package storetest runs
// against both) and records the events each write would put in the outbox.
package memstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/shipment"
)

// Store holds shipments in memory. It is safe for concurrent use; the zero value is not usable,
// call New.
type Store struct {
	mu        sync.Mutex
	shipments map[string]shipment.Stored
	events    []app.Event
}

var _ app.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{shipments: make(map[string]shipment.Stored)} }

// Get returns the shipment of order orderID, or shipment.ErrNotFound.
func (s *Store) Get(_ context.Context, orderID string) (*shipment.Shipment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.shipments[orderID]
	if !ok {
		return nil, fmt.Errorf("get shipment of order %s: %w", orderID, shipment.ErrNotFound)
	}
	return shipment.Restore(st)
}

// Create stores sh and records ev, or returns shipment.ErrAlreadyExists.
func (s *Store) Create(_ context.Context, sh *shipment.Shipment, ev app.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.shipments[sh.OrderID()]; ok {
		return fmt.Errorf("create shipment of order %s: %w", sh.OrderID(), shipment.ErrAlreadyExists)
	}
	s.shipments[sh.OrderID()] = sh.Snapshot()
	s.record(ev)
	return nil
}

// Update stores sh and records ev if the stored shipment is at version sh.Version()-1, or
// returns shipment.ErrConflict.
func (s *Store) Update(_ context.Context, sh *shipment.Shipment, ev app.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.shipments[sh.OrderID()]
	if !ok || st.Version != sh.Version()-1 {
		return fmt.Errorf("update shipment of order %s to version %d: %w", sh.OrderID(), sh.Version(), shipment.ErrConflict)
	}
	s.shipments[sh.OrderID()] = sh.Snapshot()
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
