package consume_test

import (
	"testing"

	"github.com/microshop/microshop/functions/cart/internal/app"
	"github.com/microshop/microshop/functions/cart/internal/consume"
	"github.com/microshop/microshop/functions/cart/internal/ddb"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/consume/consumefuzz"
	"github.com/microshop/microshop/shared/httpapi/apifuzz"
	"github.com/microshop/microshop/shared/money"
)

// FuzzConsume feeds the cart's consumers arbitrary messages over a table of the local engine
// (shared/consume/consumefuzz): no panic, garbage is never acknowledged.
func FuzzConsume(f *testing.F) {
	client := ddbtest.Client(f)
	carts := app.New(ddb.New(client, apifuzz.NewTable(f, client, ddb.CreateTableInput(""))), money.MustParseCurrency("USD"), nil)
	consumefuzz.Seed(f, 2)
	consumefuzz.Fuzz(f, consume.ProductEvents(carts), consume.OrderPlaced(carts))
}
