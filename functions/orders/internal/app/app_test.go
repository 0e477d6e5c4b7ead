package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/functions/orders/internal/memstore"
	"github.com/microshop/microshop/functions/orders/internal/order"
	"github.com/microshop/microshop/functions/shipping/quote"
	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/money"
)

var (
	t0      = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	usd     = money.MustParseCurrency("USD")
	orderID = order.ID("0123456789abcdef0123456789abcdef")
	address = order.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"}
)

type fixture struct {
	store *memstore.Store
	svc   *app.Service
	now   time.Time
}

// newFixture returns use cases over an in-memory store whose replica holds a mug (1250) and
// tea (800) in USD and a EUR-priced product.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New(), now: t0}
	f.svc = app.New(app.Deps{
		Orders: f.store, Products: f.store, Carts: f.store, Shipping: quote.Price, Currency: usd,
		Now: func() time.Time { return f.now }, NewID: func() order.ID { return orderID },
	})
	ctx := context.Background()
	for _, p := range []struct {
		id, name string
		amount   int64
		currency string
	}{{"mug", "Mug", 1250, "USD"}, {"tea", "Tea", 800, "USD"}, {"euro", "Euro thing", 100, "EUR"}} {
		if err := f.svc.OnProductUpserted(ctx, p.id, p.name, catalogevents.Price{Amount: p.amount, Currency: p.currency}, 1); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) place(t *testing.T, lines ...app.LineRequest) *order.Order {
	t.Helper()
	ctx := correlation.With(context.Background(), "corr-place")
	o, err := f.svc.Place(ctx, app.PlaceRequest{CustomerID: "alice", Lines: lines, Address: address, PaymentToken: "tok_visa"})
	if err != nil {
		t.Fatalf("Place: %v", err)
	}
	return o
}

func usdMoney(a int64) amount.Money { return amount.Money{Amount: a, Currency: "USD"} }

func TestPlace(t *testing.T) {
	f := newFixture(t)
	o := f.place(t, app.LineRequest{ProductID: "mug", Quantity: 2}, app.LineRequest{ProductID: "tea", Quantity: 1})
	if o.Status() != order.Pending {
		t.Errorf("status = %s, want PENDING", o.Status())
	}
	out := f.store.Outbox()
	if len(out) != 1 {
		t.Fatalf("outbox has %d events, want 1", len(out))
	}
	env := out[0]
	if env.Source != orderevents.Source || env.Type != orderevents.TypeOrderPlaced || env.CorrelationID != "corr-place" {
		t.Errorf("envelope %s %s correlation %q, want OrderPlaced from %s with corr-place", env.Source, env.Type, env.CorrelationID, orderevents.Source)
	}
	got, err := envelope.Data[orderevents.OrderPlacedV1](env)
	if err != nil {
		t.Fatal(err)
	}
	want := orderevents.OrderPlacedV1{
		OrderID: string(orderID), CustomerID: "alice",
		Lines: []orderevents.Line{
			{ProductID: "mug", Name: "Mug", Quantity: 2, UnitPrice: usdMoney(1250), LineTotal: usdMoney(2500)},
			{ProductID: "tea", Name: "Tea", Quantity: 1, UnitPrice: usdMoney(800), LineTotal: usdMoney(800)},
		},
		// Placeholder rule: 499 + 99 per further item (3 items).
		Shipping: usdMoney(697), Total: usdMoney(2500 + 800 + 697), PaymentToken: "tok_visa",
		ShippingAddress: orderevents.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OrderPlaced (-want +got):\n%s", diff)
	}
}

// TestPricesFrozen: a price change after placement does not touch the order.
func TestPricesFrozen(t *testing.T) {
	f := newFixture(t)
	f.place(t, app.LineRequest{ProductID: "mug", Quantity: 1})
	if err := f.svc.OnProductUpserted(context.Background(), "mug", "Mug", catalogevents.Price{Amount: 9999, Currency: "USD"}, 2); err != nil {
		t.Fatal(err)
	}
	o, err := f.svc.Get(context.Background(), "alice", orderID)
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Lines()[0].UnitPrice.Amount(); got != 1250 {
		t.Errorf("unit price after a catalog change = %d, want 1250", got)
	}
}

func TestPlaceRefuses(t *testing.T) {
	tests := []struct {
		name  string
		lines []app.LineRequest
		addr  order.Address
		want  fault.Code
	}{
		{"no lines (empty cart)", nil, address, fault.Empty},
		{"unknown product", []app.LineRequest{{ProductID: "nope", Quantity: 1}}, address, fault.Unprocessable},
		{"other currency", []app.LineRequest{{ProductID: "euro", Quantity: 1}}, address, fault.Unprocessable},
		{"zero quantity", []app.LineRequest{{ProductID: "mug", Quantity: 0}}, address, fault.Invalid},
		{"bad country", []app.LineRequest{{ProductID: "mug", Quantity: 1}}, order.Address{Name: "A", Line1: "1", City: "C", PostalCode: "1", Country: "usa"}, fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.svc.Place(context.Background(), app.PlaceRequest{CustomerID: "alice", Lines: tt.lines, Address: tt.addr, PaymentToken: "tok_visa"})
			if got := fault.CodeOf(err); got != tt.want {
				t.Errorf("Place: error = %v (code %s), want code %s", err, got, tt.want)
			}
			if n := len(f.store.Outbox()); n != 0 {
				t.Errorf("a refused order emitted %d events", n)
			}
		})
	}
	f := newFixture(t)
	_, err := f.svc.Place(context.Background(), app.PlaceRequest{CustomerID: "alice", Address: address, PaymentToken: "tok_visa"})
	if !errors.Is(err, app.ErrEmptyCart) {
		t.Errorf("no lines: error = %v, want ErrEmptyCart", err)
	}
}

// An order without lines orders the copy of the caller's cart, at the replica's prices, and
// says so in OrderPlaced (fromCart, cartVersion); a named cart version is waited for while the
// copy lags, refused once the cart has moved past it; an empty cart is ErrEmptyCart.
func TestPlaceFromCart(t *testing.T) {
	ctx := context.Background()
	cart := func(version int, items ...app.LineRequest) app.Cart {
		return app.Cart{CustomerID: "alice", Items: items, Version: version}
	}
	mugs := app.LineRequest{ProductID: "mug", Quantity: 2}
	tea := app.LineRequest{ProductID: "tea", Quantity: 1}
	f := newFixture(t)
	if _, err := f.svc.Place(ctx, app.PlaceRequest{CustomerID: "alice", Address: address, PaymentToken: "tok_visa"}); !errors.Is(err, app.ErrEmptyCart) {
		t.Errorf("no copy of the cart: error = %v, want ErrEmptyCart", err)
	}
	for _, c := range []app.Cart{cart(2, mugs, tea), cart(1, mugs) /* late: ignored */} {
		if err := f.svc.OnCartChanged(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	o, err := f.svc.Place(ctx, app.PlaceRequest{CustomerID: "alice", Address: address, PaymentToken: "tok_visa"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range o.Lines() {
		got = append(got, fmt.Sprintf("%s×%d@%d", l.ProductID, l.Quantity, l.UnitPrice.Amount()))
	}
	if diff := cmp.Diff([]string{"mug×2@1250", "tea×1@800"}, got); diff != "" {
		t.Errorf("lines from the cart (-want +got):\n%s", diff)
	}
	placed, err := envelope.Data[orderevents.OrderPlacedV1](f.store.Outbox()[0])
	if err != nil {
		t.Fatal(err)
	}
	if !placed.FromCart || placed.CartVersion != 2 {
		t.Errorf("OrderPlaced fromCart %v cartVersion %d, want true and 2", placed.FromCart, placed.CartVersion)
	}

	tests := []struct {
		name    string
		version int
		lines   []app.LineRequest
		want    error
	}{
		{"a version the cart has moved past", 1, nil, app.ErrCartChanged},
		{"a version the copy never reaches", 3, nil, app.ErrCartNotReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.svc = app.New(app.Deps{
				Orders: f.store, Products: f.store, Carts: f.store, Shipping: quote.Price, Currency: usd,
				CartWait: 30 * time.Millisecond,
			})
			if err := f.svc.OnCartChanged(ctx, cart(2, mugs)); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.Place(ctx, app.PlaceRequest{CustomerID: "alice", CartVersion: tt.version, Address: address, PaymentToken: "tok_visa"})
			if !errors.Is(err, tt.want) {
				t.Errorf("Place(cartVersion %d) with the copy at 2: error = %v, want %v", tt.version, err, tt.want)
			}
		})
	}
	t.Run("lines and a cart version", func(t *testing.T) {
		_, err := f.svc.Place(ctx, app.PlaceRequest{CustomerID: "alice", CartVersion: 2, Lines: []app.LineRequest{mugs}, Address: address, PaymentToken: "tok_visa"})
		if got := fault.CodeOf(err); got != fault.Invalid {
			t.Errorf("error = %v (code %s), want invalid", err, got)
		}
	})
	t.Run("the copy catches up while the order waits", func(t *testing.T) {
		f := newFixture(t)
		lag := &laggingCarts{Carts: f.store, behind: 3, late: cart(3, tea)}
		f.svc = app.New(app.Deps{Orders: f.store, Products: f.store, Carts: lag, Shipping: quote.Price, Currency: usd})
		o, err := f.svc.Place(ctx, app.PlaceRequest{CustomerID: "alice", CartVersion: 3, Address: address, PaymentToken: "tok_visa"})
		if err != nil {
			t.Fatalf("Place: %v", err)
		}
		if lag.reads != 4 || len(o.Lines()) != 1 || o.Lines()[0].ProductID != "tea" || o.CartVersion() != 3 {
			t.Errorf("after %d reads: lines %+v of cart version %d, want tea of version 3 after 4 reads", lag.reads, o.Lines(), o.CartVersion())
		}
	})
	t.Run("an emptied cart", func(t *testing.T) {
		if err := f.svc.OnCartChanged(ctx, cart(3)); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Place(ctx, app.PlaceRequest{CustomerID: "alice", CartVersion: 3, Address: address, PaymentToken: "tok_visa"})
		if got := fault.CodeOf(err); !errors.Is(err, app.ErrEmptyCart) || got != fault.Empty {
			t.Errorf("error = %v (code %s), want ErrEmptyCart (empty)", err, got)
		}
	})
}

// laggingCarts is a cart replica whose copy reaches late only on the read after behind reads.
type laggingCarts struct {
	app.Carts
	behind int
	late   app.Cart
	reads  int
}

func (l *laggingCarts) Cart(ctx context.Context, customerID string) (app.Cart, error) {
	l.reads++
	if l.reads == l.behind+1 {
		if _, err := l.Carts.PutCart(ctx, l.late); err != nil {
			return app.Cart{}, err
		}
	}
	return l.Carts.Cart(ctx, customerID)
}

func TestGetOtherCustomerIsNotFound(t *testing.T) {
	f := newFixture(t)
	f.place(t, app.LineRequest{ProductID: "mug", Quantity: 1})
	if _, err := f.svc.Get(context.Background(), "bob", orderID); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("bob gets alice's order: error = %v, want ErrNotFound", err)
	}
	if _, err := f.svc.Cancel(context.Background(), "bob", orderID); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("bob cancels alice's order: error = %v, want ErrNotFound", err)
	}
}

// step is one use-case call of a saga test.
type step struct {
	name string
	call func(ctx context.Context, s *app.Service) error
}

var (
	stockRejected = step{"StockRejected", func(ctx context.Context, s *app.Service) error {
		return s.OnStockRejected(ctx, string(orderID), "out_of_stock")
	}}
	paymentFailed = step{"PaymentFailed", func(ctx context.Context, s *app.Service) error {
		return s.OnPaymentFailed(ctx, string(orderID), "card_declined")
	}}
	shipmentCreated = step{"ShipmentCreated", func(ctx context.Context, s *app.Service) error {
		return s.OnShipmentCreated(ctx, string(orderID))
	}}
	shipmentDelivered = step{"ShipmentDelivered", func(ctx context.Context, s *app.Service) error {
		return s.OnShipmentDelivered(ctx, string(orderID))
	}}
	cancel = step{"Cancel", func(ctx context.Context, s *app.Service) error {
		_, err := s.Cancel(ctx, "alice", orderID)
		return err
	}}
)

// TestSaga plays sequences of events, including duplicates, late and reordered ones, and checks
// the final status, failure reason and the events emitted after OrderPlaced: a repeated or
// overtaken event changes nothing and emits nothing.
func TestSaga(t *testing.T) {
	tests := []struct {
		name       string
		steps      []step
		wantStatus order.Status
		wantReason string
		wantEvents []string
	}{
		{"confirmed", []step{shipmentCreated}, order.Confirmed, "", []string{"OrderConfirmed"}},
		{"confirmed twice", []step{shipmentCreated, shipmentCreated}, order.Confirmed, "", []string{"OrderConfirmed"}},
		{"out of stock", []step{stockRejected, stockRejected}, order.Failed, "out_of_stock", []string{"OrderFailed"}},
		{"declined", []step{paymentFailed, paymentFailed}, order.Failed, "card_declined", []string{"OrderFailed"}},
		{"failed then a late shipment", []step{paymentFailed, shipmentCreated}, order.Failed, "card_declined", []string{"OrderFailed"}},
		{"delivered", []step{shipmentCreated, shipmentDelivered, shipmentDelivered}, order.Delivered, "", []string{"OrderConfirmed"}},
		{"delivery overtakes creation", []step{shipmentDelivered, shipmentCreated}, order.Delivered, "", []string{"OrderConfirmed"}},
		{"cancelled pending", []step{cancel, shipmentCreated, stockRejected}, order.Cancelled, "", []string{"OrderCancelled"}},
		{"cancelled after payment", []step{shipmentCreated, cancel, cancel}, order.Cancelled, "", []string{"OrderConfirmed", "OrderCancelled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.place(t, app.LineRequest{ProductID: "mug", Quantity: 1})
			for i, s := range tt.steps {
				f.now = t0.Add(time.Duration(i+1) * time.Minute)
				ctx := correlation.With(context.Background(), "corr-event")
				if err := s.call(ctx, f.svc); err != nil {
					t.Fatalf("step %d %s: %v", i, s.name, err)
				}
			}
			o, err := f.svc.Get(context.Background(), "alice", orderID)
			if err != nil {
				t.Fatal(err)
			}
			if o.Status() != tt.wantStatus || o.FailureReason() != tt.wantReason {
				t.Errorf("order %s (reason %q), want %s (reason %q)", o.Status(), o.FailureReason(), tt.wantStatus, tt.wantReason)
			}
			var got []string
			for _, env := range f.store.Outbox()[1:] {
				got = append(got, env.Type)
				// Every event of the order carries the order's correlation id, whatever chain
				// delivered the event that caused it.
				if env.CorrelationID != "corr-place" {
					t.Errorf("%s carries correlation %q, want the order's corr-place", env.Type, env.CorrelationID)
				}
			}
			if diff := cmp.Diff(tt.wantEvents, got); diff != "" {
				t.Errorf("events after OrderPlaced (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCancelRefused(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"after delivery", []step{shipmentCreated, shipmentDelivered}},
		{"after failure", []step{stockRejected}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.place(t, app.LineRequest{ProductID: "mug", Quantity: 1})
			for _, s := range tt.steps {
				if err := s.call(context.Background(), f.svc); err != nil {
					t.Fatal(err)
				}
			}
			before := len(f.store.Outbox())
			_, err := f.svc.Cancel(context.Background(), "alice", orderID)
			if !errors.Is(err, order.ErrIllegalTransition) || fault.CodeOf(err) != fault.Conflict {
				t.Errorf("Cancel: error = %v, want ErrIllegalTransition (conflict)", err)
			}
			if n := len(f.store.Outbox()); n != before {
				t.Errorf("a refused cancel emitted %d events", n-before)
			}
		})
	}
}

func TestEventForUnknownOrderFails(t *testing.T) {
	f := newFixture(t)
	if err := f.svc.OnShipmentCreated(context.Background(), string(orderID)); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("event for an unknown order: error = %v, want ErrNotFound (retried, then DLQ)", err)
	}
}
