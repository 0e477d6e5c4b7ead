// Package storetest is the contract every shipping store keeps (app.Store), as one suite run
// on the in-memory store and on DynamoDB through the real SDK.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/shipment"
)

// Run runs the contract on the stores newStore makes, a fresh empty one per subtest.
func Run(t *testing.T, newStore func(t *testing.T) app.Store) {
	t0 := time.Date(2026, 12, 5, 1, 2, 3, 456789000, time.UTC)
	ctx := context.Background()
	ev := shippingevents.ShipmentCreatedV1{OrderID: "o1", CustomerID: "c1", TrackingNumber: "MS1"}

	t.Run("GetMissing", func(t *testing.T) {
		if _, err := newStore(t).Get(ctx, "o1"); !errors.Is(err, shipment.ErrNotFound) {
			t.Errorf("Get: %v, want ErrNotFound", err)
		}
	})
	t.Run("CreateGet", func(t *testing.T) {
		for _, sh := range []*shipment.Shipment{shipment.New("o1", "c1", "MS1", t0), shipment.Tombstone("o2", "c1", t0)} {
			s := newStore(t)
			var event app.Event
			if !sh.IsTombstone() {
				event = ev
			}
			if err := s.Create(ctx, sh, event); err != nil {
				t.Fatalf("Create: %v", err)
			}
			got, err := s.Get(ctx, sh.OrderID())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(sh.Snapshot(), got.Snapshot()); diff != "" {
				t.Errorf("Get after Create (-want +got):\n%s", diff)
			}
		}
	})
	t.Run("CreateTwice", func(t *testing.T) {
		s := newStore(t)
		first := shipment.New("o1", "c1", "MS1", t0)
		if err := s.Create(ctx, first, ev); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, shipment.New("o1", "c1", "MS2", t0), ev); !errors.Is(err, shipment.ErrAlreadyExists) {
			t.Fatalf("second Create: %v, want ErrAlreadyExists", err)
		}
		got, _ := s.Get(ctx, "o1")
		if diff := cmp.Diff(first.Snapshot(), got.Snapshot()); diff != "" {
			t.Errorf("second Create changed the shipment (-want +got):\n%s", diff)
		}
	})
	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		if err := s.Create(ctx, shipment.New("o1", "c1", "MS1", t0), ev); err != nil {
			t.Fatal(err)
		}
		sh, _ := s.Get(ctx, "o1")
		stale, _ := s.Get(ctx, "o1")
		if _, err := sh.Deliver(t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		delivered := shippingevents.ShipmentDeliveredV1{OrderID: "o1", CustomerID: "c1", TrackingNumber: "MS1"}
		if err := s.Update(ctx, sh, delivered); err != nil {
			t.Fatalf("Update: %v", err)
		}
		got, _ := s.Get(ctx, "o1")
		if diff := cmp.Diff(sh.Snapshot(), got.Snapshot()); diff != "" {
			t.Errorf("Get after Update (-want +got):\n%s", diff)
		}
		// A cancellation decided on the stale copy is refused.
		if _, err := stale.Cancel(t0.Add(2 * time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, stale, nil); !errors.Is(err, shipment.ErrConflict) {
			t.Errorf("stale Update: %v, want ErrConflict", err)
		}
		got, _ = s.Get(ctx, "o1")
		if got.Status() != shipment.Delivered {
			t.Errorf("a refused Update changed the status to %s", got.Status())
		}
	})
	t.Run("UpdateMissing", func(t *testing.T) {
		sh := shipment.New("o1", "c1", "MS1", t0)
		_, _ = sh.Cancel(t0)
		if err := newStore(t).Update(ctx, sh, nil); !errors.Is(err, shipment.ErrConflict) {
			t.Errorf("Update of a missing shipment: %v, want ErrConflict", err)
		}
	})
	// Concurrent creates of one order's record: exactly one wins; every other one is told it
	// lost (ErrAlreadyExists, or ErrConflict when the transactions overlapped), never nil.
	t.Run("ConcurrentCreate", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Create(ctx, shipment.New("o1", "c1", "MS1", t0), ev)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, shipment.ErrAlreadyExists) && !errors.Is(err, shipment.ErrConflict):
				t.Errorf("Create: %v, want nil, ErrAlreadyExists or ErrConflict", err)
			}
		}
		if won != 1 {
			t.Errorf("%d creates succeeded, want 1", won)
		}
	})
}
