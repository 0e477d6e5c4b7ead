package payment_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/payments/internal/payment"
	"github.com/microshop/microshop/shared/money"
)

var (
	t0  = time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	usd = money.MustParseCurrency("USD")
)

func TestRefund(t *testing.T) {
	amount, _ := money.NewPrice(1250, usd)
	tests := []struct {
		name string
		p    *payment.Payment
		want error
	}{
		{"succeeded", payment.Charged("o1", "c1", amount, "ch_1", t0), nil},
		{"declined", payment.DeclinedCharge("o1", "c1", amount, payment.ReasonCardDeclined, t0), payment.ErrNotRefundable},
		{"voided", payment.Void("o1", "c1", t0), payment.ErrNotRefundable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.p.Snapshot()
			err := tt.p.Refund(t0.Add(time.Minute))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Refund: %v, want %v", err, tt.want)
			}
			if err != nil {
				if diff := cmp.Diff(before, tt.p.Snapshot(), cmp.AllowUnexported(money.Price{}, money.Currency{})); diff != "" {
					t.Errorf("a refused refund changed the payment (-before +after):\n%s", diff)
				}
				return
			}
			if tt.p.Status() != payment.Refunded || tt.p.Version() != 2 || !tt.p.UpdatedAt().Equal(t0.Add(time.Minute)) {
				t.Errorf("after Refund: status %s, version %d, updated %v", tt.p.Status(), tt.p.Version(), tt.p.UpdatedAt())
			}
			if err := tt.p.Refund(t0); !errors.Is(err, payment.ErrNotRefundable) {
				t.Errorf("second Refund: %v, want ErrNotRefundable", err)
			}
		})
	}
}

func TestRestore(t *testing.T) {
	amount, _ := money.NewPrice(1250, usd)
	p := payment.Charged("o1", "c1", amount, "ch_1", t0)
	got, err := payment.Restore(p.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.Snapshot(), got.Snapshot(), cmp.AllowUnexported(money.Price{}, money.Currency{})); diff != "" {
		t.Errorf("Restore(Snapshot) differs (-want +got):\n%s", diff)
	}
	bad := p.Snapshot()
	bad.Status = "PAID"
	if _, err := payment.Restore(bad); err == nil {
		t.Error("Restore with an unknown status: no error")
	}
}
