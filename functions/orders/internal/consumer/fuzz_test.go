package consumer_test

import (
	"testing"

	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/functions/orders/internal/consumer"
	"github.com/microshop/microshop/functions/orders/internal/ddb"
	"github.com/microshop/microshop/functions/shipping/quote"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/consume/consumefuzz"
	"github.com/microshop/microshop/shared/httpapi/apifuzz"
	"github.com/microshop/microshop/shared/money"
)

// FuzzConsume feeds the saga and product consumers arbitrary messages over a table of the
// local engine (shared/consume/consumefuzz): no panic, garbage is never acknowledged.
func FuzzConsume(f *testing.F) {
	client := ddbtest.Client(f)
	store := ddb.New(client, apifuzz.NewTable(f, client, ddb.CreateTableInput("")))
	svc := app.New(app.Deps{Orders: store, Products: store, Shipping: quote.Price, Currency: money.MustParseCurrency("USD")})
	consumefuzz.Seed(f, 2)
	consumefuzz.Fuzz(f, consumer.Saga(svc), consumer.Products(svc))
}
