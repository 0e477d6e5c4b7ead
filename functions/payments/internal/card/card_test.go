package card_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/card"
	"github.com/microshop/microshop/functions/payments/internal/payment"
)

func TestCharge(t *testing.T) {
	tests := []struct {
		token      string
		wantReason string
	}{
		{card.TokenVisa, ""},
		{card.TokenChargeDeclined, payment.ReasonCardDeclined},
		{card.TokenInsufficientFunds, payment.ReasonInsufficientFunds},
		{"tok_mastercard", payment.ReasonInvalidPaymentToken},
		{"", payment.ReasonInvalidPaymentToken},
		{"TOK_VISA", payment.ReasonInvalidPaymentToken},
	}
	for _, tt := range tests {
		got, err := card.Simulated{}.Charge(context.Background(), app.ChargeRequest{IdempotencyKey: "o1", Token: tt.token})
		if err != nil {
			t.Fatalf("Charge(%q): %v", tt.token, err)
		}
		if got.DeclineReason != tt.wantReason || (got.ChargeID != "") != (tt.wantReason == "") {
			t.Errorf("Charge(%q) = %+v, want decline reason %q and a charge id only when charged", tt.token, got, tt.wantReason)
		}
	}
}

// A retried request (same idempotency key) is the same charge; another order's is another.
func TestChargeIdempotencyKey(t *testing.T) {
	charge := func(key string) string {
		t.Helper()
		r, err := card.Simulated{}.Charge(context.Background(), app.ChargeRequest{IdempotencyKey: key, Token: card.TokenVisa})
		if err != nil {
			t.Fatal(err)
		}
		return r.ChargeID
	}
	if diff := cmp.Diff(charge("o1"), charge("o1")); diff != "" {
		t.Errorf("same key, different charges:\n%s", diff)
	}
	if charge("o1") == charge("o2") {
		t.Error("two orders got one charge id")
	}
}
