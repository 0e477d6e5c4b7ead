package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/functions/orders/internal/api"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/functions/orders/internal/ddb"
	"github.com/microshop/microshop/functions/orders/internal/order"
	ordersspec "github.com/microshop/microshop/functions/orders/spec"
	"github.com/microshop/microshop/functions/shipping/quote"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/httpapi/apifuzz"
	"github.com/microshop/microshop/shared/idempotency"
	"github.com/microshop/microshop/shared/money"
)

// FuzzAPI sends arbitrary requests to every orders route (shared/httpapi/apifuzz) over a
// table of the local engine: never a 5xx, always the error shape, and a refused request
// leaves the orders, their outbox and the product replica as they were (Idempotency-Key
// records are left out of the comparison).
func FuzzAPI(f *testing.F) {
	client := ddbtest.Client(f)
	table := apifuzz.NewTable(f, client, ddb.CreateTableInput(""))
	store := ddb.New(client, table)
	var ids atomic.Uint64
	svc := app.New(app.Deps{
		Orders: store, Products: store, Shipping: quote.Price, Currency: money.MustParseCurrency("USD"),
		NewID: func() order.ID { return order.ID(fmt.Sprintf("%032x", ids.Add(1))) },
	})
	if err := svc.OnProductUpserted(context.Background(), "mug", "Mug", catalogevents.Price{Amount: 1250, Currency: "USD"}, 1); err != nil {
		f.Fatal(err)
	}
	srv, err := api.NewServer(api.Deps{
		Service:     svc,
		Idempotency: idempotency.NewStore(client, table, idempotency.PartitionKey(ordersspec.KeyID)),
		Log:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		f.Fatal(err)
	}
	target := apifuzz.API{Handler: srv, Routes: ordersspec.Service().Routes,
		State: apifuzz.TableState(client, table, ordersspec.KeyID, "idempotency#")}
	const place = `{"lines":[{"productId":"mug","quantity":2}],"shippingAddress":{"name":"A","line1":"1 Road","city":"X","postalCode":"1","country":"US"},"paymentToken":"tok_visa"}`
	long := strings.Replace(place, `"mug"`, `"`+strings.Repeat("m", 3000)+`"`, 1)
	apifuzz.Seed(f, target,
		apifuzz.Input{Route: 0, Caller: apifuzz.Alice, HeaderName: "Idempotency-Key", HeaderValue: "k1", Body: []byte(place)},
		apifuzz.Input{Route: 0, Caller: apifuzz.Alice, HeaderName: "Idempotency-Key", HeaderValue: "k3", Body: []byte(long)},
		apifuzz.Input{Route: 0, Caller: apifuzz.Alice, HeaderName: "Idempotency-Key", HeaderValue: strings.Repeat("k", 300), Body: []byte(place)},
		apifuzz.Input{Route: 1, Caller: apifuzz.Alice, Query: "limit=1&cursor=zzz"},
		apifuzz.Input{Route: 2, Caller: apifuzz.Bob, Param: fmt.Sprintf("%032x", 1)},
		apifuzz.Input{Route: 3, Caller: apifuzz.Alice, Param: fmt.Sprintf("%032x", 1), HeaderName: "Idempotency-Key", HeaderValue: "k2"},
		apifuzz.Input{Route: 4, Caller: apifuzz.Admin, Query: "status=PLACED&limit=100"},
	)
	apifuzz.Fuzz(f, target)
}
