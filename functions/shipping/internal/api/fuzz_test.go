package api_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/functions/shipping/internal/api"
	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/ddb"
	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/httpapi/apifuzz"
	"github.com/microshop/microshop/shared/money"
)

// FuzzAPI sends arbitrary requests to every shipping route (shared/httpapi/apifuzz): never a
// 5xx, always the error shape, and a refused request leaves
// the table of the local engine as it was.
func FuzzAPI(f *testing.F) {
	client := ddbtest.Client(f)
	table := apifuzz.NewTable(f, client, ddb.CreateTableInput(""))
	store := ddb.New(client, table)
	svc := app.New(store, money.MustParseCurrency("USD"), func() time.Time { return t0 }, func() string { return "MSTEST" })
	for _, o := range []string{"o1", "o2"} {
		if err := svc.Create(context.Background(), paymentevents.PaymentSucceededV1{OrderID: o, CustomerID: "alice"}); err != nil {
			f.Fatal(err)
		}
	}
	target := apifuzz.API{Handler: api.NewServer(svc, slog.New(slog.DiscardHandler)), Routes: shippingspec.Service().Routes,
		State: apifuzz.TableState(client, table, shippingspec.KeyID)}
	apifuzz.Seed(f, target,
		apifuzz.Input{Route: 0, Body: []byte(`{"country":"US","items":3}`)},
		apifuzz.Input{Route: 0, Body: []byte(`{"country":"US","items":99999999999999999999}`)},
		apifuzz.Input{Route: 1, Param: "o1", Caller: apifuzz.Alice},
		apifuzz.Input{Route: 2, Param: "o1", Caller: apifuzz.Admin},
	)
	apifuzz.Fuzz(f, target)
}
