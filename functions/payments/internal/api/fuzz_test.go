package api_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/functions/payments/internal/api"
	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/card"
	"github.com/microshop/microshop/functions/payments/internal/ddb"
	paymentsspec "github.com/microshop/microshop/functions/payments/spec"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/httpapi/apifuzz"
)

// FuzzAPI sends arbitrary requests to the payments route (shared/httpapi/apifuzz): never a
// 5xx, always the error shape, and a refused request leaves
// the table of the local engine as it was.
func FuzzAPI(f *testing.F) {
	client := ddbtest.Client(f)
	table := apifuzz.NewTable(f, client, ddb.CreateTableInput(""))
	store := ddb.New(client, table)
	svc := app.New(store, card.Simulated{}, func() time.Time { return t0 })
	err := svc.Charge(context.Background(), inventoryevents.StockReservedV1{OrderID: "o1", CustomerID: "alice",
		Total: amount.Money{Amount: 1250, Currency: "USD"}, PaymentToken: card.TokenVisa})
	if err != nil {
		f.Fatal(err)
	}
	target := apifuzz.API{Handler: api.Handler(svc, slog.New(slog.DiscardHandler)), Routes: paymentsspec.Service().Routes,
		State: apifuzz.TableState(client, table, paymentsspec.KeyID)}
	apifuzz.Seed(f, target, apifuzz.Input{Route: 0, Param: "o1", Caller: apifuzz.Alice})
	apifuzz.Fuzz(f, target)
}
