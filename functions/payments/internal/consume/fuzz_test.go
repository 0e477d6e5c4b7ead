package consume_test

import (
	"testing"

	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/card"
	"github.com/microshop/microshop/functions/payments/internal/consume"
	"github.com/microshop/microshop/functions/payments/internal/memstore"
	"github.com/microshop/microshop/shared/consume/consumefuzz"
)

// FuzzConsume feeds the payments consumers arbitrary messages (shared/consume/consumefuzz):
// no panic, garbage is never acknowledged.
func FuzzConsume(f *testing.F) {
	svc := app.New(memstore.New(), card.Simulated{}, nil)
	consumefuzz.Seed(f, 2)
	consumefuzz.Fuzz(f, consume.Charge(svc), consume.Refund(svc))
}
