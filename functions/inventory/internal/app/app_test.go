package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/inventory/internal/app"
	"github.com/microshop/microshop/functions/inventory/internal/stock"
	"github.com/microshop/microshop/shared/correlation"
)

// fakeStore records what the use cases ask of the store; reserveErr is Reserve's answer.
type fakeStore struct {
	reserveErr error
	reserved   []stock.Reservation
	rejected   []stock.Reservation
	events     []envelope.Envelope
	held       stock.Reservation // what Release finds
}

func (f *fakeStore) SetOnHand(context.Context, stock.ProductID, int64) (stock.Level, error) {
	return stock.Level{}, errors.New("not used")
}
func (f *fakeStore) Get(context.Context, stock.ProductID) (stock.Level, error) {
	return stock.Level{}, errors.New("not used")
}
func (f *fakeStore) Reserve(_ context.Context, r stock.Reservation, ev envelope.Envelope) (bool, error) {
	if f.reserveErr != nil {
		return false, f.reserveErr
	}
	f.reserved = append(f.reserved, r)
	f.events = append(f.events, ev)
	return true, nil
}
func (f *fakeStore) Reject(_ context.Context, r stock.Reservation, ev envelope.Envelope) (bool, error) {
	f.rejected = append(f.rejected, r)
	f.events = append(f.events, ev)
	return true, nil
}
func (f *fakeStore) Release(_ context.Context, _, _ string, makeEvent func(stock.Reservation) (envelope.Envelope, error)) (bool, error) {
	ev, err := makeEvent(f.held)
	if err != nil {
		return false, err
	}
	f.events = append(f.events, ev)
	return true, nil
}
func (f *fakeStore) Commit(context.Context, string) (bool, error) { return true, nil }

var now = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

func TestReserveMergesLinesAndCarriesTheOrder(t *testing.T) {
	store := &fakeStore{}
	inv := app.New(store, func() time.Time { return now })
	ctx := envelope.WithCausationID(correlation.With(context.Background(), "corr-1"), "evt-placed")
	in := orderevents.OrderPlacedV1{
		OrderID: "o1", CustomerID: "c1", PaymentToken: "tok_visa",
		Lines: []orderevents.Line{{ProductID: "b", Quantity: 1}, {ProductID: "a", Quantity: 2}, {ProductID: "b", Quantity: 3}},
	}
	if err := inv.Reserve(ctx, in); err != nil {
		t.Fatal(err)
	}
	want := []stock.Reservation{{OrderID: "o1", CustomerID: "c1", Status: stock.Reserved, Lines: []stock.Line{{ProductID: "a", Quantity: 2}, {ProductID: "b", Quantity: 4}}}}
	if diff := cmp.Diff(want, store.reserved); diff != "" {
		t.Errorf("reservation (-want +got):\n%s", diff)
	}
	ev := store.events[0]
	if ev.Source != inventoryevents.Source || ev.CorrelationID != "corr-1" || ev.CausationID != "evt-placed" || !ev.Time.Equal(now) {
		t.Errorf("envelope %+v: want the inventory's source, corr-1, caused by evt-placed, at %v", ev, now)
	}
}

func TestReserveRejection(t *testing.T) {
	store := &fakeStore{reserveErr: &stock.Rejection{Reason: stock.ReasonOutOfStock, ProductID: "b"}}
	inv := app.New(store, func() time.Time { return now })
	if err := inv.Reserve(context.Background(), orderevents.OrderPlacedV1{
		OrderID: "o1", CustomerID: "c1", Lines: []orderevents.Line{{ProductID: "b", Quantity: 9}},
	}); err != nil {
		t.Fatal(err)
	}
	if len(store.rejected) != 1 || store.rejected[0].Status != stock.Rejected {
		t.Fatalf("rejected %v, want one Rejected reservation", store.rejected)
	}
	got, err := envelope.Data[inventoryevents.StockRejectedV1](store.events[0])
	if err != nil {
		t.Fatal(err)
	}
	want := inventoryevents.StockRejectedV1{OrderID: "o1", CustomerID: "c1", Reason: "out_of_stock", ProductID: "b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A store failure that is not a rejection fails the event (to be retried), writing nothing.
func TestReserveStoreFailure(t *testing.T) {
	boom := errors.New("throttled")
	store := &fakeStore{reserveErr: boom}
	err := app.New(store, nil).Reserve(context.Background(), orderevents.OrderPlacedV1{
		OrderID: "o1", Lines: []orderevents.Line{{ProductID: "b", Quantity: 1}},
	})
	if !errors.Is(err, boom) || len(store.rejected) != 0 {
		t.Errorf("error %v, rejected %v; want the store's error and no rejection", err, store.rejected)
	}
}

func TestInvalidEvents(t *testing.T) {
	store := &fakeStore{}
	inv := app.New(store, nil)
	ctx := context.Background()
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"no lines", inv.Reserve(ctx, orderevents.OrderPlacedV1{OrderID: "o1"}), stock.ErrInvalidLines},
		{"zero quantity", inv.Reserve(ctx, orderevents.OrderPlacedV1{OrderID: "o1", Lines: []orderevents.Line{{ProductID: "a"}}}), stock.ErrInvalidLines},
		{"no order id", inv.Reserve(ctx, orderevents.OrderPlacedV1{Lines: []orderevents.Line{{ProductID: "a", Quantity: 1}}}), stock.ErrInvalidOrderID},
		{"release without order", inv.Release(ctx, "", "c"), stock.ErrInvalidOrderID},
		{"commit without order", inv.Commit(ctx, ""), stock.ErrInvalidOrderID},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if len(store.reserved)+len(store.events) != 0 {
		t.Errorf("invalid events reached the store: %v %v", store.reserved, store.events)
	}
}

func TestReleaseEvent(t *testing.T) {
	store := &fakeStore{held: stock.Reservation{OrderID: "o1", CustomerID: "c1", Status: stock.Reserved, Lines: []stock.Line{{ProductID: "a", Quantity: 2}}}}
	if err := app.New(store, nil).Release(context.Background(), "o1", "c1"); err != nil {
		t.Fatal(err)
	}
	got, err := envelope.Data[inventoryevents.StockReleasedV1](store.events[0])
	if err != nil {
		t.Fatal(err)
	}
	want := inventoryevents.StockReleasedV1{OrderID: "o1", CustomerID: "c1", Lines: []inventoryevents.Line{{ProductID: "a", Quantity: 2}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
