package consume_test

import (
	"testing"

	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/consume"
	"github.com/microshop/microshop/functions/shipping/internal/memstore"
	"github.com/microshop/microshop/shared/consume/consumefuzz"
	"github.com/microshop/microshop/shared/money"
)

// FuzzConsume feeds the shipping consumers arbitrary messages (shared/consume/consumefuzz):
// no panic, garbage is never acknowledged.
func FuzzConsume(f *testing.F) {
	svc := app.New(memstore.New(), money.MustParseCurrency("USD"), nil, nil)
	consumefuzz.Seed(f, 2)
	consumefuzz.Fuzz(f, consume.CreateShipment(svc), consume.CancelShipment(svc))
}
