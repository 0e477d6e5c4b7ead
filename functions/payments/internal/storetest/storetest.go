// Package storetest is the contract every payments store keeps (app.Store), as one suite run
// on the in-memory store and on DynamoDB through the real SDK.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/payment"
	"github.com/microshop/microshop/shared/money"
)

// Run runs the contract on the stores newStore makes, a fresh empty one per subtest.
func Run(t *testing.T, newStore func(t *testing.T) app.Store) {
	t0 := time.Date(2026, 12, 5, 1, 2, 3, 456789000, time.UTC)
	amount, _ := money.NewPrice(3497, money.MustParseCurrency("USD"))
	ctx := context.Background()
	ev := paymentevents.PaymentSucceededV1{OrderID: "o1", CustomerID: "c1"}
	snap := func(p *payment.Payment) payment.Stored { return p.Snapshot() }
	opts := cmp.AllowUnexported(money.Price{}, money.Currency{})

	t.Run("GetMissing", func(t *testing.T) {
		if _, err := newStore(t).Get(ctx, "o1"); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("Get: %v, want ErrNotFound", err)
		}
	})
	t.Run("CreateGet", func(t *testing.T) {
		for _, p := range []*payment.Payment{
			payment.Charged("o1", "c1", amount, "ch_1", t0),
			payment.DeclinedCharge("o2", "c1", amount, payment.ReasonCardDeclined, t0),
			payment.Void("o3", "c1", t0),
		} {
			s := newStore(t)
			var event app.Event
			if p.Status() != payment.Voided {
				event = ev
			}
			if err := s.Create(ctx, p, event); err != nil {
				t.Fatalf("Create %s: %v", p.Status(), err)
			}
			got, err := s.Get(ctx, p.OrderID())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(snap(p), snap(got), opts); diff != "" {
				t.Errorf("Get after Create (-want +got):\n%s", diff)
			}
		}
	})
	t.Run("CreateTwice", func(t *testing.T) {
		s := newStore(t)
		first := payment.Charged("o1", "c1", amount, "ch_1", t0)
		if err := s.Create(ctx, first, ev); err != nil {
			t.Fatal(err)
		}
		err := s.Create(ctx, payment.DeclinedCharge("o1", "c1", amount, payment.ReasonCardDeclined, t0), nil)
		if !errors.Is(err, payment.ErrAlreadyExists) {
			t.Fatalf("second Create: %v, want ErrAlreadyExists", err)
		}
		got, _ := s.Get(ctx, "o1")
		if diff := cmp.Diff(snap(first), snap(got), opts); diff != "" {
			t.Errorf("second Create changed the payment (-want +got):\n%s", diff)
		}
	})
	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		if err := s.Create(ctx, payment.Charged("o1", "c1", amount, "ch_1", t0), ev); err != nil {
			t.Fatal(err)
		}
		p, _ := s.Get(ctx, "o1")
		stale, _ := s.Get(ctx, "o1")
		if err := p.Refund(t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		refunded := paymentevents.PaymentRefundedV1{OrderID: "o1", CustomerID: "c1"}
		if err := s.Update(ctx, p, refunded); err != nil {
			t.Fatalf("Update: %v", err)
		}
		got, _ := s.Get(ctx, "o1")
		if diff := cmp.Diff(snap(p), snap(got), opts); diff != "" {
			t.Errorf("Get after Update (-want +got):\n%s", diff)
		}
		// The stale copy, changed again from version 1, is refused.
		if err := stale.Refund(t0.Add(2 * time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(ctx, stale, refunded); !errors.Is(err, payment.ErrConflict) {
			t.Errorf("stale Update: %v, want ErrConflict", err)
		}
		got, _ = s.Get(ctx, "o1")
		if diff := cmp.Diff(snap(p), snap(got), opts); diff != "" {
			t.Errorf("a refused Update changed the payment (-want +got):\n%s", diff)
		}
	})
	t.Run("UpdateMissing", func(t *testing.T) {
		p := payment.Charged("o1", "c1", amount, "ch_1", t0)
		_ = p.Refund(t0)
		if err := newStore(t).Update(ctx, p, nil); !errors.Is(err, payment.ErrConflict) {
			t.Errorf("Update of a missing payment: %v, want ErrConflict", err)
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
				errs[i] = s.Create(ctx, payment.Charged("o1", "c1", amount, "ch_1", t0), ev)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, payment.ErrAlreadyExists) && !errors.Is(err, payment.ErrConflict):
				t.Errorf("Create: %v, want nil, ErrAlreadyExists or ErrConflict", err)
			}
		}
		if won != 1 {
			t.Errorf("%d creates succeeded, want 1", won)
		}
	})
}
