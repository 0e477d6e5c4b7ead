package api_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/memstore"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/httpapi/apifuzz"
	"github.com/microshop/microshop/shared/money"
)

// FuzzAPI sends arbitrary requests to every catalog route (shared/httpapi/apifuzz): never a
// 5xx, always the error shape, and a refused request leaves the products as they were.
func FuzzAPI(f *testing.F) {
	store := memstore.New()
	usd, err := money.NewPrice(1450, money.MustParseCurrency("USD"))
	if err != nil {
		f.Fatal(err)
	}
	for _, id := range []product.ID{idMug, idKnife} {
		p, err := product.New(id, product.Details{Name: "Mug", Category: "kitchen", Price: usd}, t0)
		if err != nil {
			f.Fatal(err)
		}
		if err := store.Create(context.Background(), p); err != nil {
			f.Fatal(err)
		}
	}
	srv, err := api.NewServer(api.Deps{Store: store, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	target := apifuzz.API{Handler: srv, Routes: catalogspec.Service().Routes, State: func(t *testing.T) any {
		t.Helper()
		r := httptest.NewRequest("GET", "/products?limit=100", nil)
		r = r.WithContext(httpapi.WithEvent(r.Context(), adminEvent()))
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w.Body.String()
	}}
	apifuzz.Seed(f, target,
		apifuzz.Input{Route: 2, Caller: apifuzz.Admin, Body: []byte(`{"name":"Cup","description":"","category":"kitchen","price":{"amount":100,"currency":"USD"},"imageUrl":"","tags":["a"]}`)},
		apifuzz.Input{Route: 3, Param: string(idMug), Caller: apifuzz.Admin, HeaderName: "If-Match", HeaderValue: `"1"`,
			Body: []byte(`{"name":"Cup","description":"","category":"kitchen","price":{"amount":100,"currency":"USD"},"imageUrl":"","tags":[]}`)},
		apifuzz.Input{Route: 0, Query: "limit=2&category=kitchen&cursor=abc"},
		apifuzz.Input{Route: 0, Query: "limit=100000000000000000000"},
		apifuzz.Input{Route: 4, Param: string(idKnife), Caller: apifuzz.Admin, HeaderName: "If-Match", HeaderValue: `W/"1"`},
	)
	apifuzz.Fuzz(f, target)
}
