// Package card is the simulated card processor behind app.Processor, with the test tokens a
// provider's sandbox offers: "tok_visa" is charged, "tok_chargeDeclined" and
// "tok_insufficientFunds" are declined with that reason, and any other token is invalid. It
// keeps no state: a charge id is derived from the idempotency key, so a retried request gets
// the same charge, as a real provider's idempotency keys guarantee.
package card

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/payment"
	"github.com/microshop/microshop/shared/money"
)

// Test tokens.
const (
	TokenVisa              = "tok_visa"
	TokenChargeDeclined    = "tok_chargeDeclined"
	TokenInsufficientFunds = "tok_insufficientFunds"
)

// Simulated is the simulated processor. The zero value is ready to use.
type Simulated struct{}

var _ app.Processor = Simulated{}

// Charge charges r.Amount for TokenVisa and declines every other token.
func (Simulated) Charge(_ context.Context, r app.ChargeRequest) (app.ChargeResult, error) {
	switch r.Token {
	case TokenVisa:
		return app.ChargeResult{ChargeID: "ch_" + digest(r.IdempotencyKey)}, nil
	case TokenChargeDeclined:
		return app.ChargeResult{DeclineReason: payment.ReasonCardDeclined}, nil
	case TokenInsufficientFunds:
		return app.ChargeResult{DeclineReason: payment.ReasonInsufficientFunds}, nil
	}
	return app.ChargeResult{DeclineReason: payment.ReasonInvalidPaymentToken}, nil
}

// Refund always succeeds.
func (Simulated) Refund(context.Context, string, string, money.Price) error { return nil }

func digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:12])
}
