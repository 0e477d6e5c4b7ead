package api_test

import (
	"log/slog"
	"testing"

	"github.com/microshop/microshop/functions/inventory/internal/api"
	"github.com/microshop/microshop/functions/inventory/internal/ddb"
	inventoryspec "github.com/microshop/microshop/functions/inventory/spec"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/httpapi/apifuzz"
)

// FuzzAPI sends arbitrary requests to every inventory route (shared/httpapi/apifuzz) over a
// table of the local engine: never a 5xx, always the error shape, and a refused request
// leaves the table as it was.
func FuzzAPI(f *testing.F) {
	client := ddbtest.Client(f)
	table := apifuzz.NewTable(f, client, ddb.CreateTableInput(""))
	srv, err := api.NewServer(api.Deps{Store: ddb.New(client, table), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	target := apifuzz.API{Handler: srv, Routes: inventoryspec.Service().Routes, State: apifuzz.TableState(client, table, inventoryspec.KeyID)}
	apifuzz.Seed(f, target,
		apifuzz.Input{Route: 0, Param: "mug", Caller: apifuzz.Admin, Body: []byte(`{"onHand":5}`)},
		apifuzz.Input{Route: 0, Param: "mug", Caller: apifuzz.Admin, Body: []byte(`{"onHand":-5}`)},
		apifuzz.Input{Route: 0, Param: "mug", Caller: apifuzz.Admin, Body: []byte(`{"onHand":9223372036854775807}`)},
		apifuzz.Input{Route: 1, Param: "mug", Caller: apifuzz.Admin},
	)
	apifuzz.Fuzz(f, target)
}
