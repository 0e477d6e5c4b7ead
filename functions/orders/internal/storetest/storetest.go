// Package storetest is the contract every orders store keeps, as one test suite. The in-memory
// fake (memstore) and the DynamoDB store (ddb) both run it, so tests of the use cases on the
// fake prove behaviour the real store has. Races are staged deterministically: the update
// function itself writes the order through the store between the store's read and its write.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/functions/orders/internal/order"
	"github.com/microshop/microshop/shared/money"
)

// Store is the contract under test: both ports the use cases declare.
type Store interface {
	app.Orders
	app.Products
}

// Run runs the contract against stores from newStore, which returns an empty store each call.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s Store)
	}{
		{"GetMissing", testGetMissing},
		{"CreateThenGet", testCreateThenGet},
		{"CreateTakenID", testCreateTakenID},
		{"UpdateStores", testUpdateStores},
		{"UpdateWithoutChangeWritesNothing", testUpdateWithoutChange},
		{"UpdateFuncError", testUpdateFuncError},
		{"UpdateMissing", testUpdateMissing},
		{"UpdateRetriesConflict", testUpdateRetriesConflict},
		{"UpdateGivesUpAfterBound", testUpdateGivesUp},
		{"ListPages", testListPages},
		{"ListScopes", testListScopes},
		{"ProductReplica", testProductReplica},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.test(t, newStore(t))
		})
	}
}

var (
	base  = time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC)
	usd   = money.MustParseCurrency("USD")
	idSeq atomic.Uint64
)

func newID() order.ID { return order.ID(fmt.Sprintf("%032x", idSeq.Add(1))) }

func price(c money.Cents) money.Price {
	p, err := money.NewPrice(c, usd)
	if err != nil {
		panic(err)
	}
	return p
}

// newOrder returns a valid PENDING order of customer placed at createdAt.
func newOrder(t *testing.T, customer string, createdAt time.Time) *order.Order {
	t.Helper()
	l, err := order.NewLine("p1", "Mug", 2, price(1250))
	if err != nil {
		t.Fatal(err)
	}
	o, err := order.New(newID(), order.Placement{
		CustomerID: customer, Lines: []order.Line{l}, Shipping: price(499), PaymentToken: "tok_visa",
		Address:       order.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"},
		CorrelationID: "corr-1", Email: "ada@example.com",
	}, createdAt)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func event(t *testing.T, o *order.Order) envelope.Envelope {
	t.Helper()
	env, err := envelope.New(context.Background(), orderevents.Source,
		orderevents.OrderConfirmedV1{OrderID: string(o.ID()), CustomerID: o.CustomerID()}, base)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func create(t *testing.T, s Store, customer string, createdAt time.Time) *order.Order {
	t.Helper()
	o := newOrder(t, customer, createdAt)
	if err := s.Create(context.Background(), o, event(t, o)); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return o
}

func assertStored(t *testing.T, s Store, want *order.Order) {
	t.Helper()
	got, err := s.Get(context.Background(), want.ID())
	if err != nil {
		t.Fatalf("Get %s: %v", want.ID(), err)
	}
	if diff := cmp.Diff(want.Snapshot(), got.Snapshot(), cmp.Comparer(func(a, b money.Price) bool { return a == b })); diff != "" {
		t.Errorf("stored order (-want +got):\n%s", diff)
	}
}

func testGetMissing(t *testing.T, s Store) {
	if _, err := s.Get(context.Background(), newID()); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("Get missing: error = %v, want ErrNotFound", err)
	}
}

func testCreateThenGet(t *testing.T, s Store) {
	o := create(t, s, "alice", base.Add(123456789*time.Nanosecond))
	assertStored(t, s, o)
}

func testCreateTakenID(t *testing.T, s Store) {
	o := create(t, s, "alice", base)
	other := order.Restore(o.Snapshot())
	if err := other.Cancel(base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(context.Background(), other, event(t, other)); !errors.Is(err, order.ErrAlreadyExists) {
		t.Errorf("Create with a taken id: error = %v, want ErrAlreadyExists", err)
	}
	assertStored(t, s, o)
}

func testUpdateStores(t *testing.T, s Store) {
	o := create(t, s, "alice", base)
	got, err := s.Update(context.Background(), o.ID(), func(o *order.Order) (*envelope.Envelope, error) {
		if err := o.Confirm(base.Add(time.Minute)); err != nil {
			return nil, err
		}
		ev := event(t, o)
		return &ev, nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got.Status() != order.Confirmed || got.Version() != 2 {
		t.Errorf("Update returned status %s version %d, want CONFIRMED 2", got.Status(), got.Version())
	}
	assertStored(t, s, got)
}

func testUpdateWithoutChange(t *testing.T, s Store) {
	o := create(t, s, "alice", base)
	calls := 0
	got, err := s.Update(context.Background(), o.ID(), func(*order.Order) (*envelope.Envelope, error) {
		calls++
		return nil, nil
	})
	if err != nil || calls != 1 {
		t.Fatalf("Update without change: err = %v, calls = %d, want nil and 1", err, calls)
	}
	if got.Version() != 1 {
		t.Errorf("version = %d, want 1", got.Version())
	}
	assertStored(t, s, o)
}

func testUpdateFuncError(t *testing.T, s Store) {
	o := create(t, s, "alice", base)
	_, err := s.Update(context.Background(), o.ID(), func(o *order.Order) (*envelope.Envelope, error) {
		if err := o.Deliver(base); err != nil { // PENDING cannot be delivered
			return nil, err
		}
		return nil, nil
	})
	if !errors.Is(err, order.ErrIllegalTransition) {
		t.Errorf("Update with an illegal transition: error = %v, want ErrIllegalTransition", err)
	}
	assertStored(t, s, o)
}

func testUpdateMissing(t *testing.T, s Store) {
	called := false
	_, err := s.Update(context.Background(), newID(), func(*order.Order) (*envelope.Envelope, error) {
		called = true
		return nil, nil
	})
	if !errors.Is(err, order.ErrNotFound) || called {
		t.Errorf("Update missing: error = %v, fn called = %v; want ErrNotFound, false", err, called)
	}
}

// testUpdateRetriesConflict cancels the order between the first attempt's read and write: the
// write must fail its version condition, and the retry must see the cancellation and refuse to
// confirm (a stale transition changes nothing).
func testUpdateRetriesConflict(t *testing.T, s Store) {
	ctx := context.Background()
	o := create(t, s, "alice", base)
	calls := 0
	_, err := s.Update(ctx, o.ID(), func(o *order.Order) (*envelope.Envelope, error) {
		calls++
		if calls == 1 {
			cancelled, err := s.Update(ctx, o.ID(), func(inner *order.Order) (*envelope.Envelope, error) {
				return nil, inner.Cancel(base.Add(time.Second))
			})
			if err != nil {
				t.Fatalf("concurrent cancel: %v", err)
			}
			if cancelled.Status() != order.Cancelled {
				t.Fatalf("concurrent cancel left %s", cancelled.Status())
			}
		}
		return nil, o.Confirm(base.Add(2 * time.Second))
	})
	if !errors.Is(err, order.ErrIllegalTransition) || calls != 2 {
		t.Errorf("Update racing a cancel: error = %v, calls = %d; want ErrIllegalTransition after 2 calls", err, calls)
	}
	got, err := s.Get(ctx, o.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.Status() != order.Cancelled || got.Version() != 2 {
		t.Errorf("stored %s version %d, want CANCELLED 2", got.Status(), got.Version())
	}
}

func testUpdateGivesUp(t *testing.T, s Store) {
	ctx := context.Background()
	o := create(t, s, "alice", base)
	calls := 0
	_, err := s.Update(ctx, o.ID(), func(o *order.Order) (*envelope.Envelope, error) {
		calls++
		// Another writer moves the order on every attempt (a no-op change of version would
		// not do: make a real one each time).
		if _, err := s.Update(ctx, o.ID(), func(inner *order.Order) (*envelope.Envelope, error) {
			st := inner.Snapshot()
			st.Version++
			*inner = *order.Restore(st)
			return nil, nil
		}); err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
		return nil, o.Confirm(base)
	})
	if !errors.Is(err, order.ErrConflict) || calls != app.UpdateAttempts {
		t.Errorf("Update always losing: error = %v, calls = %d; want ErrConflict after %d", err, calls, app.UpdateAttempts)
	}
}

func ids(orders []*order.Order) []order.ID {
	out := make([]order.ID, 0, len(orders))
	for _, o := range orders {
		out = append(out, o.ID())
	}
	return out
}

// listAll follows cursors through every page of scope.
func listAll(t *testing.T, s Store, scope order.Scope, limit int) ([]order.ID, int) {
	t.Helper()
	var got []order.ID
	q := order.ListQuery{Scope: scope, Limit: limit}
	pages := 0
	for {
		page, err := s.List(context.Background(), q)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		pages++
		if len(page.Orders) > limit {
			t.Fatalf("page of %d orders, limit %d", len(page.Orders), limit)
		}
		got = append(got, ids(page.Orders)...)
		if page.Next == nil {
			return got, pages
		}
		q.After = page.Next
		if pages > 100 {
			t.Fatal("List does not end")
		}
	}
}

func testListPages(t *testing.T, s Store) {
	var want []order.ID
	// Five orders of alice, two at the same instant (the id breaks the tie), newest first.
	var created []*order.Order
	for _, d := range []time.Duration{0, time.Nanosecond, time.Second, time.Second, time.Hour} {
		created = append(created, create(t, s, "alice", base.Add(d)))
	}
	create(t, s, "bob", base.Add(30*time.Minute))
	for i := len(created) - 1; i >= 0; i-- {
		want = append(want, created[i].ID())
	}
	// created[2] and created[3] share a time: the greater id lists first, and ids grow.
	got, pages := listAll(t, s, order.Scope{CustomerID: "alice"}, 2)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alice's orders (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("5 orders by 2: %d pages, want 3", pages)
	}
	got, pages = listAll(t, s, order.Scope{CustomerID: "alice"}, 5)
	if len(got) != 5 || pages != 1 {
		t.Errorf("5 orders by 5: %d orders on %d pages, want 5 on 1 (no empty last page)", len(got), pages)
	}
}

func testListScopes(t *testing.T, s Store) {
	ctx := context.Background()
	a := create(t, s, "alice", base)
	b := create(t, s, "bob", base.Add(time.Second))
	if _, err := s.Update(ctx, b.ID(), func(o *order.Order) (*envelope.Envelope, error) {
		return nil, o.Cancel(base.Add(time.Minute))
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scope order.Scope
		want  []order.ID
	}{
		{order.Scope{CustomerID: "bob"}, []order.ID{b.ID()}},
		{order.Scope{CustomerID: "carol"}, nil},
		{order.Scope{Status: order.Pending}, []order.ID{a.ID()}},
		{order.Scope{Status: order.Cancelled}, []order.ID{b.ID()}},
		{order.Scope{}, []order.ID{b.ID(), a.ID()}},
	}
	for _, tt := range tests {
		got, _ := listAll(t, s, tt.scope, 10)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("List %v (-want +got):\n%s", tt.scope, diff)
		}
	}
}

func testProductReplica(t *testing.T, s Store) {
	ctx := context.Background()
	put := func(version int, name string) bool {
		t.Helper()
		ok, err := s.PutProduct(ctx, app.Product{ID: "p1", Name: name, Price: price(100), Version: version})
		if err != nil {
			t.Fatalf("PutProduct v%d: %v", version, err)
		}
		return ok
	}
	name := func() string {
		t.Helper()
		p, err := s.Product(ctx, "p1")
		if err != nil {
			t.Fatalf("Product: %v", err)
		}
		return p.Name
	}
	if _, err := s.Product(ctx, "p1"); !errors.Is(err, app.ErrUnknownProduct) {
		t.Errorf("Product before any event: error = %v, want ErrUnknownProduct", err)
	}
	if !put(2, "v2") {
		t.Error("first copy (v2) not stored")
	}
	if put(1, "v1") || put(2, "v2 again") {
		t.Error("an older or equal version was stored")
	}
	if got := name(); got != "v2" {
		t.Errorf("name = %q, want v2", got)
	}
	if !put(3, "v3") || name() != "v3" {
		t.Error("a newer version was not stored")
	}
	if err := s.DeleteProduct(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	if put(4, "v4 after delete") {
		t.Error("a tombstone was overwritten")
	}
	if _, err := s.Product(ctx, "p1"); !errors.Is(err, app.ErrUnknownProduct) {
		t.Errorf("Product after delete: error = %v, want ErrUnknownProduct", err)
	}
}
