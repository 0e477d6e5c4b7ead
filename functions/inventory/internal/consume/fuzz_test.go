package consume_test

import (
	"testing"

	"github.com/microshop/microshop/functions/inventory/internal/app"
	"github.com/microshop/microshop/functions/inventory/internal/consume"
	"github.com/microshop/microshop/functions/inventory/internal/ddb"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/consume/consumefuzz"
	"github.com/microshop/microshop/shared/httpapi/apifuzz"
)

// FuzzConsume feeds the inventory's consumers arbitrary messages over a table of the local
// engine (shared/consume/consumefuzz): no panic, garbage is never acknowledged.
func FuzzConsume(f *testing.F) {
	client := ddbtest.Client(f)
	inv := app.New(ddb.New(client, apifuzz.NewTable(f, client, ddb.CreateTableInput(""))), nil)
	consumefuzz.Seed(f, 3)
	consumefuzz.Fuzz(f, consume.Reserve(inv), consume.Release(inv), consume.Commit(inv))
}
