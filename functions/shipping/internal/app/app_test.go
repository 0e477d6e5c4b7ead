package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/memstore"
	"github.com/microshop/microshop/functions/shipping/internal/shipment"
	"github.com/microshop/microshop/functions/shipping/quote"
	"github.com/microshop/microshop/shared/money"
)

var t0 = time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)

func setup(t *testing.T) (*app.Shipping, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	var mu sync.Mutex
	n := 0
	tracking := func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("MSTEST%d", n)
	}
	return app.New(store, money.MustParseCurrency("USD"), func() time.Time { return t0 }, tracking), store
}

func paid(orderID string) paymentevents.PaymentSucceededV1 {
	return paymentevents.PaymentSucceededV1{OrderID: orderID, CustomerID: "cust-1", Amount: amount.Money{Amount: 1000, Currency: "USD"}, ItemCount: 2}
}

func cancelled(orderID string) orderevents.OrderCancelledV1 {
	return orderevents.OrderCancelledV1{OrderID: orderID, CustomerID: "cust-1"}
}

func TestQuote(t *testing.T) {
	svc, _ := setup(t)
	got, err := svc.Quote("DE", 2)
	want, _ := quote.Price("DE", 2, money.MustParseCurrency("USD"))
	if err != nil || got != want {
		t.Errorf("Quote = %v, %v; want %v", got, err, want)
	}
	if _, err := svc.Quote("xx", 2); !errors.Is(err, quote.ErrCountry) {
		t.Errorf("Quote(xx): %v, want ErrCountry", err)
	}
}

// PaymentSucceeded delivered twice creates one shipment and one ShipmentCreated.
func TestCreateOnce(t *testing.T) {
	svc, store := setup(t)
	ctx := context.Background()
	for range 2 {
		if err := svc.Create(ctx, paid("o1")); err != nil {
			t.Fatal(err)
		}
	}
	want := []app.Event{shippingevents.ShipmentCreatedV1{OrderID: "o1", CustomerID: "cust-1", TrackingNumber: "MSTEST1"}}
	if diff := cmp.Diff(want, store.Events()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	sh, err := svc.Get(ctx, "cust-1", "o1")
	if err != nil || sh.Status() != shipment.Created || sh.TrackingNumber() != "MSTEST1" {
		t.Errorf("Get: %+v, %v", sh, err)
	}
}

func TestCreateConcurrentDeliveries(t *testing.T) {
	svc, store := setup(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := svc.Create(context.Background(), paid("o1")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(store.Events()); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}

func TestDeliver(t *testing.T) {
	svc, store := setup(t)
	ctx := context.Background()
	if err := svc.Create(ctx, paid("o1")); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second delivery answers the shipment and writes nothing
		sh, err := svc.Deliver(ctx, "o1")
		if err != nil || sh.Status() != shipment.Delivered {
			t.Fatalf("Deliver: %v, %v", sh, err)
		}
	}
	got := store.Events()
	want := shippingevents.ShipmentDeliveredV1{OrderID: "o1", CustomerID: "cust-1", TrackingNumber: "MSTEST1"}
	if len(got) != 2 || !cmp.Equal(got[1], app.Event(want)) {
		t.Errorf("events %v, want ShipmentCreated then %v", got, want)
	}
	// A cancellation after delivery changes nothing.
	if err := svc.Cancel(ctx, cancelled("o1")); err != nil {
		t.Fatal(err)
	}
	if sh, _ := svc.Get(ctx, "cust-1", "o1"); sh.Status() != shipment.Delivered {
		t.Errorf("after a late OrderCancelled: %s, want DELIVERED", sh.Status())
	}
	if _, err := svc.Deliver(ctx, "o9"); !errors.Is(err, shipment.ErrNotFound) {
		t.Errorf("Deliver(o9): %v, want ErrNotFound", err)
	}
}

func TestCancel(t *testing.T) {
	svc, store := setup(t)
	ctx := context.Background()
	if err := svc.Create(ctx, paid("o1")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := svc.Cancel(ctx, cancelled("o1")); err != nil {
			t.Fatal(err)
		}
	}
	sh, err := svc.Get(ctx, "cust-1", "o1")
	if err != nil || sh.Status() != shipment.Cancelled || sh.Version() != 2 {
		t.Errorf("after two OrderCancelled: %+v, %v; want CANCELLED at version 2", sh, err)
	}
	if _, err := svc.Deliver(ctx, "o1"); !errors.Is(err, shipment.ErrCancelled) {
		t.Errorf("Deliver of a cancelled shipment: %v, want ErrCancelled", err)
	}
	if n := len(store.Events()); n != 1 {
		t.Errorf("%d events, want 1 (ShipmentCreated)", n)
	}
}

// OrderCancelled before PaymentSucceeded: no shipment, ever; the control order gets one.
func TestCancelBeforeCreate(t *testing.T) {
	svc, store := setup(t)
	ctx := context.Background()
	for range 2 {
		if err := svc.Cancel(ctx, cancelled("o1")); err != nil {
			t.Fatal(err)
		}
		if err := svc.Create(ctx, paid("o1")); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(store.Events()); n != 0 {
		t.Errorf("cancelled first: %d events, want 0", n)
	}
	if _, err := svc.Get(ctx, "cust-1", "o1"); !errors.Is(err, shipment.ErrNotFound) {
		t.Errorf("Get of a tombstone: %v, want ErrNotFound", err)
	}
	if _, err := svc.Deliver(ctx, "o1"); !errors.Is(err, shipment.ErrCancelled) {
		t.Errorf("Deliver of a tombstone: %v, want ErrCancelled", err)
	}
	if err := svc.Create(ctx, paid("o2")); err != nil {
		t.Fatal(err)
	}
	if n := len(store.Events()); n != 1 {
		t.Errorf("control order: %d events, want 1", n)
	}
}

func TestGetOtherCustomer(t *testing.T) {
	svc, _ := setup(t)
	ctx := context.Background()
	if err := svc.Create(ctx, paid("o1")); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(ctx, "cust-1", "o1"); err != nil {
		t.Fatalf("owner: %v", err)
	}
	if _, err := svc.Get(ctx, "cust-2", "o1"); !errors.Is(err, shipment.ErrNotFound) {
		t.Errorf("other customer: %v, want ErrNotFound", err)
	}
}

func TestShopCurrency(t *testing.T) {
	for code, want := range map[string]string{"": "USD", "EUR": "EUR"} {
		c, err := app.ShopCurrency(code)
		if err != nil || c.String() != want {
			t.Errorf("ShopCurrency(%q) = %v, %v; want %s", code, c, err, want)
		}
	}
	if _, err := app.ShopCurrency("usd"); !errors.Is(err, money.ErrUnknownCurrency) {
		t.Errorf("ShopCurrency(usd): %v, want ErrUnknownCurrency", err)
	}
}
