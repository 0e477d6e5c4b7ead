package app_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/card"
	"github.com/microshop/microshop/functions/payments/internal/memstore"
	"github.com/microshop/microshop/functions/payments/internal/payment"
	"github.com/microshop/microshop/shared/money"
)

var t0 = time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)

// countingProcessor is the simulated processor, counting the calls it gets.
type countingProcessor struct {
	mu               sync.Mutex
	charges, refunds int
	fail             error
}

func (p *countingProcessor) Charge(ctx context.Context, r app.ChargeRequest) (app.ChargeResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return app.ChargeResult{}, p.fail
	}
	p.charges++
	return card.Simulated{}.Charge(ctx, r)
}

func (p *countingProcessor) Refund(ctx context.Context, key, chargeID string, amt money.Price) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refunds++
	return nil
}

var address = orderevents.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"}

func reserved(orderID, token string) inventoryevents.StockReservedV1 {
	return inventoryevents.StockReservedV1{
		OrderID: orderID, CustomerID: "cust-1",
		Lines:        []inventoryevents.Line{{ProductID: "p1", Quantity: 2}, {ProductID: "p2", Quantity: 1}},
		Total:        amount.Money{Amount: 3497, Currency: "USD"},
		PaymentToken: token, ShippingAddress: address,
	}
}

func cancelled(orderID string) orderevents.OrderCancelledV1 {
	return orderevents.OrderCancelledV1{OrderID: orderID, CustomerID: "cust-1"}
}

func setup(t *testing.T) (*app.Payments, *memstore.Store, *countingProcessor) {
	t.Helper()
	store := memstore.New()
	proc := &countingProcessor{}
	return app.New(store, proc, func() time.Time { return t0 }), store, proc
}

func TestCharge(t *testing.T) {
	total := amount.Money{Amount: 3497, Currency: "USD"}
	tests := []struct {
		token      string
		wantStatus payment.Status
		wantEvent  app.Event
	}{
		{card.TokenVisa, payment.Succeeded, paymentevents.PaymentSucceededV1{OrderID: "o1", CustomerID: "cust-1", Amount: total, ItemCount: 3, ShippingAddress: address}},
		{card.TokenChargeDeclined, payment.Declined, paymentevents.PaymentFailedV1{OrderID: "o1", CustomerID: "cust-1", Reason: "card_declined"}},
		{card.TokenInsufficientFunds, payment.Declined, paymentevents.PaymentFailedV1{OrderID: "o1", CustomerID: "cust-1", Reason: "insufficient_funds"}},
		{"tok_bogus", payment.Declined, paymentevents.PaymentFailedV1{OrderID: "o1", CustomerID: "cust-1", Reason: "invalid_payment_token"}},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			svc, store, _ := setup(t)
			if err := svc.Charge(context.Background(), reserved("o1", tt.token)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]app.Event{tt.wantEvent}, store.Events()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			p, err := svc.Get(context.Background(), "cust-1", "o1")
			if err != nil {
				t.Fatal(err)
			}
			if p.Status() != tt.wantStatus || p.Amount().Amount() != 3497 || p.Amount().Currency().String() != "USD" {
				t.Errorf("payment: %s %v, want %s 34.97 USD", p.Status(), p.Amount(), tt.wantStatus)
			}
		})
	}
}

func TestChargeOnce(t *testing.T) {
	svc, store, proc := setup(t)
	ctx := context.Background()
	for range 2 {
		if err := svc.Charge(ctx, reserved("o1", card.TokenVisa)); err != nil {
			t.Fatal(err)
		}
	}
	if proc.charges != 1 || len(store.Events()) != 1 {
		t.Errorf("two deliveries: %d charges, %d events; want 1 and 1", proc.charges, len(store.Events()))
	}
}

// Twenty concurrent deliveries of one StockReserved write one payment and one event.
func TestChargeConcurrentDeliveries(t *testing.T) {
	svc, store, _ := setup(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- svc.Charge(context.Background(), reserved("o1", card.TokenVisa))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(store.Events()); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}

func TestChargeProcessorDown(t *testing.T) {
	svc, store, proc := setup(t)
	down := errors.New("processor unreachable")
	proc.fail = down
	if err := svc.Charge(context.Background(), reserved("o1", card.TokenVisa)); !errors.Is(err, down) {
		t.Fatalf("Charge: %v, want %v (so the event is retried)", err, down)
	}
	if _, err := store.Get(context.Background(), "o1"); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("payment recorded though the processor did not answer: %v", err)
	}
	proc.fail = nil
	if err := svc.Charge(context.Background(), reserved("o1", card.TokenVisa)); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if len(store.Events()) != 1 {
		t.Errorf("retry wrote %d events, want 1", len(store.Events()))
	}
}

func TestChargeBadTotal(t *testing.T) {
	svc, store, proc := setup(t)
	ev := reserved("o1", card.TokenVisa)
	ev.Total.Currency = "XXX1"
	if err := svc.Charge(context.Background(), ev); !errors.Is(err, app.ErrBadEvent) {
		t.Fatalf("Charge: %v, want ErrBadEvent", err)
	}
	if proc.charges != 0 || len(store.Events()) != 0 {
		t.Errorf("bad event: %d charges, %d events", proc.charges, len(store.Events()))
	}
}

func TestRefund(t *testing.T) {
	svc, store, proc := setup(t)
	ctx := context.Background()
	if err := svc.Charge(ctx, reserved("o1", card.TokenVisa)); err != nil {
		t.Fatal(err)
	}
	for range 2 { // redelivered: one refund
		if err := svc.Refund(ctx, cancelled("o1")); err != nil {
			t.Fatal(err)
		}
	}
	want := paymentevents.PaymentRefundedV1{OrderID: "o1", CustomerID: "cust-1", Amount: amount.Money{Amount: 3497, Currency: "USD"}}
	got := store.Events()
	if diff := cmp.Diff(want, got[len(got)-1]); diff != "" || len(got) != 2 || proc.refunds != 1 {
		t.Errorf("events %v, %d refunds; want one PaymentRefunded (-want +got):\n%s", got, proc.refunds, diff)
	}
	p, err := svc.Get(ctx, "cust-1", "o1")
	if err != nil || p.Status() != payment.Refunded {
		t.Errorf("payment after refund: %v, %v", p, err)
	}
	// A StockReserved redelivered after the refund charges nothing again.
	if err := svc.Charge(ctx, reserved("o1", card.TokenVisa)); err != nil {
		t.Fatal(err)
	}
	if proc.charges != 1 || len(store.Events()) != 2 {
		t.Errorf("late StockReserved: %d charges, %d events; want 1, 2", proc.charges, len(store.Events()))
	}
}

func TestRefundDeclinedPayment(t *testing.T) {
	svc, store, proc := setup(t)
	ctx := context.Background()
	if err := svc.Charge(ctx, reserved("o1", card.TokenChargeDeclined)); err != nil {
		t.Fatal(err)
	}
	if err := svc.Refund(ctx, cancelled("o1")); err != nil {
		t.Fatal(err)
	}
	if proc.refunds != 0 || len(store.Events()) != 1 {
		t.Errorf("cancel of a declined order: %d refunds, %d events; want 0, 1 (PaymentFailed only)", proc.refunds, len(store.Events()))
	}
}

// OrderCancelled before StockReserved (reordered): nothing is charged, ever; and the same
// StockReserved in order is charged, so the test would see a charge.
func TestCancelBeforeCharge(t *testing.T) {
	svc, store, proc := setup(t)
	ctx := context.Background()
	for range 2 {
		if err := svc.Refund(ctx, cancelled("o1")); err != nil {
			t.Fatal(err)
		}
		if err := svc.Charge(ctx, reserved("o1", card.TokenVisa)); err != nil {
			t.Fatal(err)
		}
	}
	if proc.charges != 0 || proc.refunds != 0 || len(store.Events()) != 0 {
		t.Errorf("cancelled first: %d charges, %d refunds, %d events; want none", proc.charges, proc.refunds, len(store.Events()))
	}
	if _, err := svc.Get(ctx, "cust-1", "o1"); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("Get of a voided payment: %v, want ErrNotFound", err)
	}
	if err := svc.Charge(ctx, reserved("o2", card.TokenVisa)); err != nil {
		t.Fatal(err)
	}
	if proc.charges != 1 {
		t.Errorf("the control order was not charged: %d charges", proc.charges)
	}
}

func TestGetOtherCustomer(t *testing.T) {
	svc, _, _ := setup(t)
	ctx := context.Background()
	if err := svc.Charge(ctx, reserved("o1", card.TokenVisa)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(ctx, "cust-1", "o1"); err != nil {
		t.Fatalf("owner: %v", err)
	}
	for _, c := range []struct{ customer, order string }{{"cust-2", "o1"}, {"cust-1", "o9"}} {
		if _, err := svc.Get(ctx, c.customer, c.order); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("Get(%s, %s): %v, want ErrNotFound", c.customer, c.order, err)
		}
	}
}
