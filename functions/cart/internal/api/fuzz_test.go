package api_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/microshop/microshop/functions/cart/internal/api"
	"github.com/microshop/microshop/functions/cart/internal/app"
	"github.com/microshop/microshop/functions/cart/internal/cart"
	"github.com/microshop/microshop/functions/cart/internal/ddb"
	cartspec "github.com/microshop/microshop/functions/cart/spec"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/httpapi/apifuzz"
	"github.com/microshop/microshop/shared/money"
)

// FuzzAPI sends arbitrary requests to every cart route (shared/httpapi/apifuzz) over a table
// of the local engine: never a 5xx, always the error shape, and a refused request leaves the
// table as it was.
func FuzzAPI(f *testing.F) {
	client := ddbtest.Client(f)
	table := apifuzz.NewTable(f, client, ddb.CreateTableInput(""))
	store := ddb.New(client, table)
	price, err := money.NewPrice(1250, usd)
	if err != nil {
		f.Fatal(err)
	}
	if err := app.New(store, usd, nil).ProductChanged(context.Background(), cart.Product{ID: "mug", Name: "Mug", Price: price, Version: 1}); err != nil {
		f.Fatal(err)
	}
	srv, err := api.NewServer(api.Deps{Store: store, Currency: usd, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	target := apifuzz.API{Handler: srv, Routes: cartspec.Service().Routes, State: apifuzz.TableState(client, table, cartspec.KeyID)}
	apifuzz.Seed(f, target,
		apifuzz.Input{Route: 1, Param: "mug", Caller: apifuzz.Alice, Body: []byte(`{"quantity":2}`)},
		apifuzz.Input{Route: 1, Param: "mug", Caller: apifuzz.Alice, Body: []byte(`{"quantity":1000000}`)},
		apifuzz.Input{Route: 1, Param: "mug", Caller: apifuzz.Bob, Body: []byte(`{"quantity":-1}`)},
		apifuzz.Input{Route: 2, Param: "mug", Caller: apifuzz.Alice},
	)
	apifuzz.Fuzz(f, target)
}
