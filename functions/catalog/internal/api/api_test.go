package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	catalogspec "github.com/microshop/microshop/functions/catalog/spec"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/app"
	"github.com/microshop/microshop/functions/catalog/internal/memstore"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/money"
)

const (
	idMug   = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	idKnife = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	idNew   = "cccccccccccccccccccccccccccccccc"
	idNone  = "dddddddddddddddddddddddddddddddd"
	reqID   = "req-test"
)

var (
	t0  = time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
	now = time.Date(2025, 5, 2, 10, 30, 0, 250_000_000, time.UTC)
)

const mugJSON = `{"id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","name":"Stoneware Mug","description":"Hand-glazed, 350 ml.",
	"category":"kitchen","price":{"amount":1450,"currency":"USD"},"imageUrl":"https://img.example.com/mug.jpg",
	"tags":["ceramic"],"createdAt":"2025-05-01T08:00:00Z","updatedAt":"2025-05-01T08:00:00Z","version":1}`

const knifeJSON = `{"id":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","name":"Chef's Knife","description":"",
	"category":"kitchen","price":{"amount":8900,"currency":"USD"},"imageUrl":"",
	"tags":[],"createdAt":"2025-05-01T09:00:00Z","updatedAt":"2025-05-01T09:00:00Z","version":1}`

// fixture is a catalog API over an in-memory store holding the mug and the knife.
type fixture struct {
	store *memstore.Store
	srv   http.Handler
	logs  *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWithStore(t, memstore.New())
}

func newFixtureWithStore(t *testing.T, store *memstore.Store) *fixture {
	t.Helper()
	seed(t, store, idMug, product.Details{
		Name: "Stoneware Mug", Description: "Hand-glazed, 350 ml.", Category: "kitchen",
		Price: price(t, 1450, "USD"), ImageURL: "https://img.example.com/mug.jpg", Tags: []string{"ceramic"},
	}, t0)
	seed(t, store, idKnife, product.Details{Name: "Chef's Knife", Category: "kitchen", Price: price(t, 8900, "USD")}, t0.Add(time.Hour))
	return newServer(t, store)
}

// newServer serves every route over store, with a fixed clock and id source.
func newServer(t *testing.T, store app.Products) *fixture {
	t.Helper()
	logs := new(bytes.Buffer)
	srv, err := api.NewServer(api.Deps{
		Store: store,
		Log:   slog.New(slog.NewJSONHandler(logs, nil)),
		Now:   func() time.Time { return now },
		NewID: func() product.ID { return idNew },
	})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := store.(*memstore.Store)
	return &fixture{store: ms, srv: srv, logs: logs}
}

func price(t *testing.T, amount money.Cents, currency string) money.Price {
	t.Helper()
	p, err := money.NewPrice(amount, money.MustParseCurrency(currency))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func seed(t *testing.T, store app.Products, id product.ID, d product.Details, createdAt time.Time) {
	t.Helper()
	p, err := product.New(id, d, createdAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

// request is an HTTP request in a table.
type request struct {
	method, target string
	header         map[string]string
	body           string
}

func (f *fixture) do(t *testing.T, req request) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(req.method, req.target, strings.NewReader(req.body))
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	// Every request comes from an admin, as API Gateway passes one; auth_test.go covers others.
	ctx := httpapi.WithEvent(r.Context(), adminEvent())
	r = r.WithContext(httpapi.WithRequestID(ctx, reqID))
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r)
	return w
}

// snapshot is everything the store holds, as the API lists it.
func (f *fixture) snapshot(t *testing.T) string {
	t.Helper()
	return f.do(t, request{method: "GET", target: "/products?limit=100"}).Body.String()
}

// assertJSON compares two JSON texts by value.
func assertJSON(t *testing.T, want, got string) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v\n%s", err, want)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, got)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
}

func errorJSON(code, message string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}, "requestId": reqID})
	return string(b)
}

func header(w *httptest.ResponseRecorder, names ...string) map[string]string {
	got := make(map[string]string)
	for _, n := range names {
		if v := w.Header().Get(n); v != "" {
			got[n] = v
		}
	}
	return got
}

// TestSuccess covers the routes' successful paths, one request on a fresh fixture each.
func TestSuccess(t *testing.T) {
	createBody := `{"name":"  Tea Towel ","description":"Linen.","category":"kitchen",
		"price":{"amount":0,"currency":"USD"},"imageUrl":"http://img.example.com/towel.png","tags":[" linen "]}`
	replaceBody := `{"name":"Big Mug","category":"mugs","price":{"amount":1990,"currency":"USD"}}`
	replaced := `{"id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","name":"Big Mug","description":"","category":"mugs",
		"price":{"amount":1990,"currency":"USD"},"imageUrl":"","tags":[],
		"createdAt":"2025-05-01T08:00:00Z","updatedAt":"2025-05-02T10:30:00.25Z","version":2}`
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantHeader map[string]string
		wantBody   string
		// then, a follow-up GET of the changed resource: wantAfter is its body ("" for none).
		then      request
		wantAfter string
	}{
		{
			name:       "list",
			req:        request{method: "GET", target: "/products"},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Type": "application/json"},
			wantBody:   `{"items":[` + knifeJSON + `,` + mugJSON + `]}`,
			then:       request{method: "GET", target: "/products/" + idMug},
			wantAfter:  mugJSON,
		},
		{
			name:       "list category with empty parameters",
			req:        request{method: "GET", target: "/products?category=kitchen&limit=&cursor="},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Type": "application/json"},
			wantBody:   `{"items":[` + knifeJSON + `,` + mugJSON + `]}`,
			then:       request{method: "GET", target: "/products/" + idMug},
			wantAfter:  mugJSON,
		},
		{
			name:       "list empty category",
			req:        request{method: "GET", target: "/products?category=garden"},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Type": "application/json"},
			wantBody:   `{"items":[]}`,
			then:       request{method: "GET", target: "/products/" + idMug},
			wantAfter:  mugJSON,
		},
		{
			name:       "get",
			req:        request{method: "GET", target: "/products/" + idMug},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Type": "application/json", "ETag": `"1"`},
			wantBody:   mugJSON,
			then:       request{method: "GET", target: "/products/" + idKnife},
			wantAfter:  knifeJSON,
		},
		{
			name:       "create",
			req:        request{method: "POST", target: "/products", header: map[string]string{"Content-Type": "application/json; charset=utf-8"}, body: createBody},
			wantStatus: http.StatusCreated,
			wantHeader: map[string]string{"Content-Type": "application/json", "ETag": `"1"`, "Location": "/products/" + idNew},
			wantBody: `{"id":"cccccccccccccccccccccccccccccccc","name":"Tea Towel","description":"Linen.","category":"kitchen",
				"price":{"amount":0,"currency":"USD"},"imageUrl":"http://img.example.com/towel.png","tags":["linen"],
				"createdAt":"2025-05-02T10:30:00.25Z","updatedAt":"2025-05-02T10:30:00.25Z","version":1}`,
			then: request{method: "GET", target: "/products/" + idNew},
			wantAfter: `{"id":"cccccccccccccccccccccccccccccccc","name":"Tea Towel","description":"Linen.","category":"kitchen",
				"price":{"amount":0,"currency":"USD"},"imageUrl":"http://img.example.com/towel.png","tags":["linen"],
				"createdAt":"2025-05-02T10:30:00.25Z","updatedAt":"2025-05-02T10:30:00.25Z","version":1}`,
		},
		{
			name:       "replace with quoted ETag",
			req:        request{method: "PUT", target: "/products/" + idMug, header: map[string]string{"If-Match": `"1"`}, body: replaceBody},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Type": "application/json", "ETag": `"2"`},
			wantBody:   replaced,
			then:       request{method: "GET", target: "/products/" + idMug},
			wantAfter:  replaced,
		},
		{
			name:       "replace with bare version",
			req:        request{method: "PUT", target: "/products/" + idMug, header: map[string]string{"If-Match": `1`}, body: replaceBody},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Type": "application/json", "ETag": `"2"`},
			wantBody:   replaced,
			then:       request{method: "GET", target: "/products/" + idMug},
			wantAfter:  replaced,
		},
		{
			name:       "replace with weak ETag",
			req:        request{method: "PUT", target: "/products/" + idMug, header: map[string]string{"If-Match": `W/"1"`}, body: replaceBody},
			wantStatus: http.StatusOK,
			wantHeader: map[string]string{"Content-Type": "application/json", "ETag": `"2"`},
			wantBody:   replaced,
			then:       request{method: "GET", target: "/products/" + idMug},
			wantAfter:  replaced,
		},
		{
			name:       "delete",
			req:        request{method: "DELETE", target: "/products/" + idMug},
			wantStatus: http.StatusNoContent,
			wantHeader: map[string]string{},
			then:       request{method: "GET", target: "/products/" + idMug},
			wantAfter:  errorJSON("not_found", "product not found"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			w := f.do(t, tt.req)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
			}
			if diff := cmp.Diff(tt.wantHeader, header(w, "Content-Type", "ETag", "Location")); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}
			if got := w.Body.String(); tt.wantBody != "" || got != "" {
				assertJSON(t, tt.wantBody, got)
			}
			assertJSON(t, tt.wantAfter, f.do(t, tt.then).Body.String())
		})
	}
}

// TestFailure covers client mistakes: each gets its status and error body, and leaves the store
// exactly as it was.
func TestFailure(t *testing.T) {
	valid := `{"name":"Tea Towel","category":"kitchen","price":{"amount":500,"currency":"USD"}}`
	withField := func(field string) string { return strings.Replace(valid, `{`, `{`+field+`,`, 1) }
	jsonCT := map[string]string{"Content-Type": "application/json"}
	ifMatch1 := map[string]string{"If-Match": `"1"`}
	tests := []struct {
		name        string
		req         request
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		// list
		{"limit not a number", request{method: "GET", target: "/products?limit=ten"}, 400, "invalid", "limit must be a whole number from 1 to 100"},
		{"limit 0", request{method: "GET", target: "/products?limit=0"}, 400, "invalid", "limit must be a whole number from 1 to 100"},
		{"limit 101", request{method: "GET", target: "/products?limit=101"}, 400, "invalid", "limit must be a whole number from 1 to 100"},
		{"limit negative", request{method: "GET", target: "/products?limit=-5"}, 400, "invalid", "limit must be a whole number from 1 to 100"},
		{"limit fraction", request{method: "GET", target: "/products?limit=2.5"}, 400, "invalid", "limit must be a whole number from 1 to 100"},
		{"malformed cursor", request{method: "GET", target: "/products?cursor=abc"}, 400, "invalid", "cursor is malformed or belongs to a different list; start again without it"},
		{"cursor with a bad escape", request{method: "GET", target: "/products?cursor=%zz"}, 400, "invalid", `malformed query string: invalid URL escape "%zz"`},
		{"limit with a bad escape", request{method: "GET", target: "/products?limit=%"}, 400, "invalid", `malformed query string: invalid URL escape "%"`},
		{"bad escape in another parameter", request{method: "GET", target: "/products?limit=2&x=%G0"}, 400, "invalid", `malformed query string: invalid URL escape "%G0"`},
		{"semicolon separator", request{method: "GET", target: "/products?limit=2;cursor=x"}, 400, "invalid", "malformed query string: invalid semicolon separator in query"},
		{"bad category filter", request{method: "GET", target: "/products?category=Kitchen"}, 400, "invalid", "category must be a lowercase slug of at most 64 characters: a-z, 0-9 and single inner hyphens, e.g. home-office"},

		// get
		{"get absent", request{method: "GET", target: "/products/" + idNone}, 404, "not_found", "product not found"},
		{"get malformed id", request{method: "GET", target: "/products/not-an-id"}, 404, "not_found", "product not found"},
		{"no such route", request{method: "GET", target: "/orders"}, 404, "not_found", "no such route"},

		// create
		{"create empty body", request{method: "POST", target: "/products"}, 400, "invalid", "request body is empty; expected a JSON object"},
		{"create malformed", request{method: "POST", target: "/products", body: `{"name":`}, 400, "invalid", "malformed JSON: unexpected end of body"},
		{"create trailing data", request{method: "POST", target: "/products", body: valid + `{}`}, 400, "invalid", "request body must hold a single JSON object and nothing after it"},
		{"create array", request{method: "POST", target: "/products", body: `[` + valid + `]`}, 400, "invalid", "request body must be a JSON object"},
		{"create unknown field", request{method: "POST", target: "/products", body: withField(`"id":"x"`)}, 400, "invalid", `unknown field "id"`},
		{"create text/plain", request{method: "POST", target: "/products", header: map[string]string{"Content-Type": "text/plain"}, body: valid}, 415, "unsupported_media_type", "Content-Type must be application/json"},
		{"create too large", request{method: "POST", target: "/products", header: jsonCT, body: withField(`"description":"` + strings.Repeat("x", 1<<20) + `"`)}, 413, "payload_too_large", "request body exceeds 1048576 bytes"},
		{"create without name", request{method: "POST", target: "/products", body: `{"category":"kitchen","price":{"amount":1,"currency":"USD"}}`}, 400, "invalid", "name must be 1 to 200 characters (not counting surrounding spaces)"},
		{"create name too long", request{method: "POST", target: "/products", body: strings.Replace(valid, "Tea Towel", strings.Repeat("n", 201), 1)}, 400, "invalid", "name must be 1 to 200 characters (not counting surrounding spaces)"},
		{"create description too long", request{method: "POST", target: "/products", body: withField(`"description":"` + strings.Repeat("d", 2001) + `"`)}, 400, "invalid", "description must be at most 2000 characters"},
		{"create without category", request{method: "POST", target: "/products", body: `{"name":"n","price":{"amount":1,"currency":"USD"}}`}, 400, "invalid", "category is required"},
		{"create without price", request{method: "POST", target: "/products", body: `{"name":"n","category":"kitchen"}`}, 400, "invalid", "price is required"},
		{"create without amount", request{method: "POST", target: "/products", body: `{"name":"n","category":"kitchen","price":{"currency":"USD"}}`}, 400, "invalid", "price.amount is required"},
		{"create negative amount", request{method: "POST", target: "/products", body: `{"name":"n","category":"kitchen","price":{"amount":-1,"currency":"USD"}}`}, 400, "invalid", "price.amount must be a whole number of minor units from 0 to 9007199254740991"},
		{"create fractional amount", request{method: "POST", target: "/products", body: `{"name":"n","category":"kitchen","price":{"amount":1.5,"currency":"USD"}}`}, 400, "invalid", "price.amount must be an integer"},
		{"create lower-case currency", request{method: "POST", target: "/products", body: `{"name":"n","category":"kitchen","price":{"amount":1,"currency":"eur"}}`}, 400, "invalid", `price.currency must be an active ISO 4217 currency code in upper case, e.g. "USD"`},
		{"create unknown currency", request{method: "POST", target: "/products", body: `{"name":"n","category":"kitchen","price":{"amount":1,"currency":"ABC"}}`}, 400, "invalid", `price.currency must be an active ISO 4217 currency code in upper case, e.g. "USD"`},
		{"create in another currency", request{method: "POST", target: "/products", body: `{"name":"n","category":"kitchen","price":{"amount":1,"currency":"EUR"}}`}, 422, "unprocessable", "price.currency is EUR, but the shop sells in USD"},
		{"create relative image", request{method: "POST", target: "/products", body: withField(`"imageUrl":"img.png"`)}, 400, "invalid", "imageUrl must be an absolute http or https URL without credentials, a path on the site such as /img/mug.svg, or empty"},
		{"create too many tags", request{method: "POST", target: "/products", body: withField(`"tags":["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21"]`)}, 400, "invalid", "tags must have at most 20 entries"},
		{"create long tag", request{method: "POST", target: "/products", body: withField(`"tags":["ok","` + strings.Repeat("t", 41) + `"]`)}, 400, "invalid", "tags[1] must be 1 to 40 characters"},
		{"create case-variant field", request{method: "POST", target: "/products", body: `{"Name":"n","CATEGORY":"kitchen","price":{"amount":1,"currency":"USD"}}`}, 400, "invalid", `unknown field "Name" (field names are case-sensitive: did you mean "name"?)`},
		{"create case-variant nested field", request{method: "POST", target: "/products", body: `{"name":"n","category":"kitchen","price":{"amount":1,"Currency":"USD"}}`}, 400, "invalid", `unknown field "price.Currency" (field names are case-sensitive: did you mean "currency"?)`},
		{"create duplicate field", request{method: "POST", target: "/products", body: withField(`"name":"Other"`)}, 400, "invalid", `duplicate field "name"`},
		{"create invalid UTF-8", request{method: "POST", target: "/products", body: withField("\"description\":\"caf\xe9\"")}, 400, "invalid", "description must be valid UTF-8"},
		{"create NUL in name", request{method: "POST", target: "/products", body: strings.Replace(valid, "Tea Towel", `Tea\u0000Towel`, 1)}, 400, "invalid", "name must not contain control characters such as NUL, tab or newline"},
		{"create tags not strings", request{method: "POST", target: "/products", body: withField(`"tags":[1]`)}, 400, "invalid", "tags must be a string"},

		// replace
		{"replace without If-Match", request{method: "PUT", target: "/products/" + idMug, body: valid}, 428, "precondition_required", `If-Match header is required: send the ETag of the version you read, e.g. If-Match: "3"`},
		{"replace with non-numeric If-Match", request{method: "PUT", target: "/products/" + idMug, header: map[string]string{"If-Match": `"abc"`}, body: valid}, 400, "invalid", `If-Match must be a single version ETag, e.g. "3"`},
		{"replace with If-Match *", request{method: "PUT", target: "/products/" + idMug, header: map[string]string{"If-Match": `*`}, body: valid}, 400, "invalid", `If-Match must be a single version ETag, e.g. "3"`},
		{"replace stale", request{method: "PUT", target: "/products/" + idMug, header: map[string]string{"If-Match": `"2"`}, body: valid}, 412, "precondition_failed", "product has been changed since that version; read it again and retry"},
		{"replace absent", request{method: "PUT", target: "/products/" + idNone, header: ifMatch1, body: valid}, 404, "not_found", "product not found"},
		{"replace malformed id", request{method: "PUT", target: "/products/nope", header: ifMatch1, body: valid}, 404, "not_found", "product not found"},
		{"replace invalid body", request{method: "PUT", target: "/products/" + idMug, header: ifMatch1, body: `{"name":"","category":"kitchen","price":{"amount":1,"currency":"USD"}}`}, 400, "invalid", "name must be 1 to 200 characters (not counting surrounding spaces)"},
		{"replace invalid body of absent product", request{method: "PUT", target: "/products/" + idNone, header: ifMatch1, body: `{"name":"x"}`}, 400, "invalid", "price is required"},
		{"replace in another currency", request{method: "PUT", target: "/products/" + idMug, header: ifMatch1, body: `{"name":"n","category":"kitchen","price":{"amount":1,"currency":"JPY"}}`}, 422, "unprocessable", "price.currency is JPY, but the shop sells in USD"},
		{"replace read-only field", request{method: "PUT", target: "/products/" + idMug, header: ifMatch1, body: withField(`"version":7`)}, 400, "invalid", `unknown field "version"`},
		{"replace wrong content type", request{method: "PUT", target: "/products/" + idMug, header: map[string]string{"If-Match": "1", "Content-Type": "application/xml"}, body: valid}, 415, "unsupported_media_type", "Content-Type must be application/json"},

		{"replace case-variant field", request{method: "PUT", target: "/products/" + idMug, header: ifMatch1, body: withField(`"NAME":"x"`)}, 400, "invalid", `unknown field "NAME" (field names are case-sensitive: did you mean "name"?)`},
		{"replace duplicate field", request{method: "PUT", target: "/products/" + idMug, header: ifMatch1, body: withField(`"category":"garden"`)}, 400, "invalid", `duplicate field "category"`},
		{"replace newline in tag", request{method: "PUT", target: "/products/" + idMug, header: ifMatch1, body: withField(`"tags":["a\nb"]`)}, 400, "invalid", "tags[0] must not contain control characters such as NUL, tab or newline"},

		// an id followed by an encoded "?" is a different, nonexistent id, never idMug
		{"get id and encoded question mark", request{method: "GET", target: "/products/" + idMug + "%3Fjunk"}, 404, "not_found", "product not found"},
		{"replace id and encoded question mark", request{method: "PUT", target: "/products/" + idMug + "%3Fjunk", header: ifMatch1, body: valid}, 404, "not_found", "product not found"},
		{"delete id and encoded question mark", request{method: "DELETE", target: "/products/" + idMug + "%3Fjunk"}, 404, "not_found", "product not found"},
		{"get encoded percent sign", request{method: "GET", target: "/products/a%25"}, 404, "not_found", "product not found"},

		// delete
		{"delete absent", request{method: "DELETE", target: "/products/" + idNone}, 404, "not_found", "product not found"},
		{"delete malformed id", request{method: "DELETE", target: "/products/x"}, 404, "not_found", "product not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			before := f.snapshot(t)
			w := f.do(t, tt.req)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			assertJSON(t, errorJSON(tt.wantCode, tt.wantMessage), w.Body.String())
			if got := w.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			if after := f.snapshot(t); after != before {
				t.Errorf("store changed by a failed request:\nbefore %s\nafter  %s", before, after)
			}
			if f.logs.Len() != 0 {
				t.Errorf("client error was logged as a failure: %s", f.logs)
			}
		})
	}
}

// TestShopCurrency: a shop set to sell in JPY takes prices in JPY and refuses the default USD.
func TestShopCurrency(t *testing.T) {
	srv, err := api.NewServer(api.Deps{Store: memstore.New(), Currency: money.MustParseCurrency("JPY")})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: srv}
	tests := []struct {
		currency   string
		wantStatus int
	}{
		{"JPY", http.StatusCreated},
		{"USD", http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		w := f.do(t, request{method: "POST", target: "/products",
			body: `{"name":"Sencha","category":"tea","price":{"amount":1200,"currency":"` + tt.currency + `"}}`})
		if w.Code != tt.wantStatus {
			t.Errorf("create in %s: status %d %s, want %d", tt.currency, w.Code, w.Body, tt.wantStatus)
		}
	}
}

func TestDeleteTwice(t *testing.T) {
	f := newFixture(t)
	del := request{method: "DELETE", target: "/products/" + idKnife}
	if w := f.do(t, del); w.Code != http.StatusNoContent || w.Body.Len() != 0 {
		t.Fatalf("first DELETE = %d %q, want 204 and no body", w.Code, w.Body)
	}
	w := f.do(t, del)
	if w.Code != http.StatusNotFound {
		t.Errorf("second DELETE = %d, want 404", w.Code)
	}
	assertJSON(t, errorJSON("not_found", "product not found"), w.Body.String())
}

// TestReplaceConflict plays two clients that read version 1: the second write must fail with
// 412 and must not undo the first.
func TestReplaceConflict(t *testing.T) {
	f := newFixture(t)
	put := func(name string) *httptest.ResponseRecorder {
		return f.do(t, request{method: "PUT", target: "/products/" + idMug, header: map[string]string{"If-Match": `"1"`},
			body: `{"name":"` + name + `","category":"kitchen","price":{"amount":1,"currency":"USD"}}`})
	}
	if w := put("first"); w.Code != http.StatusOK {
		t.Fatalf("first PUT = %d %s", w.Code, w.Body)
	}
	if w := put("second"); w.Code != http.StatusPreconditionFailed {
		t.Errorf("second PUT = %d, want 412", w.Code)
	}
	var got struct {
		Name    string
		Version int
	}
	if err := json.Unmarshal(f.do(t, request{method: "GET", target: "/products/" + idMug}).Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "first" || got.Version != 2 {
		t.Errorf("stored = %+v, want the first write at version 2", got)
	}
}

// racingStore is a store where another writer renames the product between an Update's read
// and its write, on the first attempt of each Update: the race the store's retry exists for,
// staged deterministically.
type racingStore struct {
	*memstore.Store
	raced int // how many races were staged
}

func (s *racingStore) Update(ctx context.Context, id product.ID, fn func(*product.Product) error) (*product.Product, error) {
	first := true
	return s.Store.Update(ctx, id, func(p *product.Product) error {
		if first {
			first = false
			if _, err := s.Store.Update(ctx, id, func(theirs *product.Product) error {
				d := theirs.Details()
				d.Name = "theirs"
				return theirs.Replace(d, now)
			}); err != nil {
				return err
			}
			s.raced++
		}
		return fn(p)
	})
}

// TestReplaceLosesRace sends a PUT with the current version, but another write lands between
// the store's read and its write. The store retries; the retry must see the other write and
// answer 412, as if the client had sent a stale If-Match, and must not overwrite that write.
func TestReplaceLosesRace(t *testing.T) {
	store := &racingStore{Store: memstore.New()}
	seed(t, store.Store, idMug, product.Details{Name: "Mug", Category: "kitchen", Price: price(t, 1450, "USD")}, t0)
	f := newServer(t, store)
	w := f.do(t, request{method: "PUT", target: "/products/" + idMug, header: map[string]string{"If-Match": `"1"`},
		body: `{"name":"mine","category":"kitchen","price":{"amount":1,"currency":"USD"}}`})
	if w.Code != http.StatusPreconditionFailed {
		t.Errorf("PUT that lost a race = %d %s, want 412", w.Code, w.Body)
	}
	assertJSON(t, errorJSON("precondition_failed", "product has been changed since that version; read it again and retry"), w.Body.String())
	if store.raced != 1 {
		t.Fatalf("staged %d races, want 1", store.raced)
	}
	var got struct {
		Name    string
		Version int
	}
	if err := json.Unmarshal(f.do(t, request{method: "GET", target: "/products/" + idMug}).Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "theirs" || got.Version != 2 {
		t.Errorf("stored = %+v, want the other write at version 2", got)
	}
}

// TestListPaging walks the list through the HTTP API, with and without a category, and checks
// that every product appears once, newest first, and that cursors cannot cross lists.
func TestListPaging(t *testing.T) {
	store := memstore.New()
	var all, garden []string
	for i := range 23 {
		category := []string{"garden", "kitchen", "books"}[i%3]
		id := product.ID(fmt.Sprintf("%032x", i+1))
		seed(t, store, id, product.Details{Name: fmt.Sprintf("p%d", i), Category: category, Price: price(t, 100, "USD")},
			t0.Add(time.Duration(i/2)*time.Minute)) // pairs share a timestamp
		all = append([]string{string(id)}, all...) // the later the created, the earlier listed
		if category == "garden" {
			garden = append([]string{string(id)}, garden...)
		}
	}
	f := newServer(t, store)

	tests := []struct {
		query     string
		wantIDs   []string
		wantPages int
	}{
		{query: "limit=7", wantIDs: all, wantPages: 4},
		{query: "limit=4&category=garden", wantIDs: garden, wantPages: 2},
		{query: "limit=8&category=garden", wantIDs: garden, wantPages: 1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var ids []string
			pages, cursor := 0, ""
			for {
				w := f.do(t, request{method: "GET", target: "/products?" + tt.query + "&cursor=" + cursor})
				if w.Code != http.StatusOK {
					t.Fatalf("page %d: status %d: %s", pages+1, w.Code, w.Body)
				}
				var page struct {
					Items []struct {
						ID string `json:"id"`
					} `json:"items"`
					NextCursor *string `json:"nextCursor"`
				}
				if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
					t.Fatal(err)
				}
				pages++
				for _, it := range page.Items {
					ids = append(ids, it.ID)
				}
				if page.NextCursor == nil {
					break
				}
				cursor = *page.NextCursor
				if pages > 10 {
					t.Fatal("paging does not end")
				}
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("listed IDs (-want +got):\n%s", diff)
			}
			if pages != tt.wantPages {
				t.Errorf("pages = %d, want %d", pages, tt.wantPages)
			}
		})
	}

	t.Run("cursor crossing lists", func(t *testing.T) {
		var page struct{ NextCursor string }
		_ = json.Unmarshal(f.do(t, request{method: "GET", target: "/products?limit=2&category=garden"}).Body.Bytes(), &page)
		var plain struct{ NextCursor string }
		_ = json.Unmarshal(f.do(t, request{method: "GET", target: "/products?limit=2"}).Body.Bytes(), &plain)
		for _, target := range []string{
			"/products?cursor=" + page.NextCursor,                     // category cursor, no category
			"/products?category=kitchen&cursor=" + page.NextCursor,    // another category
			"/products?category=garden&cursor=" + plain.NextCursor,    // plain cursor with a category
			"/products?category=garden&cursor=" + page.NextCursor[1:], // truncated
		} {
			if w := f.do(t, request{method: "GET", target: target}); w.Code != http.StatusBadRequest {
				t.Errorf("GET %s = %d, want 400", target, w.Code)
			}
		}
	})
}

// failingStore fails every call the way an unreachable database would.
type failingStore struct{ app.Products }

var errDown = errors.New("dial tcp 10.0.0.7:443: connect: connection refused")

func (failingStore) Get(context.Context, product.ID) (*product.Product, error) { return nil, errDown }
func (failingStore) Create(context.Context, *product.Product) error            { return errDown }
func (failingStore) Delete(context.Context, product.ID) error                  { return errDown }
func (failingStore) List(context.Context, product.ListQuery) (product.Page, error) {
	return product.Page{}, errDown
}
func (failingStore) Update(context.Context, product.ID, func(*product.Product) error) (*product.Product, error) {
	return nil, errDown
}

// TestInternalError checks that infrastructure failures become a generic 500 for the client
// and a log record with the request ID for the operator.
func TestInternalError(t *testing.T) {
	body := `{"name":"n","category":"kitchen","price":{"amount":1,"currency":"USD"}}`
	tests := []request{
		{method: "GET", target: "/products"},
		{method: "GET", target: "/products/" + idMug},
		{method: "POST", target: "/products", body: body},
		{method: "PUT", target: "/products/" + idMug, header: map[string]string{"If-Match": "1"}, body: body},
		{method: "DELETE", target: "/products/" + idMug},
	}
	for _, req := range tests {
		t.Run(req.method+" "+req.target, func(t *testing.T) {
			f := newServer(t, failingStore{})
			w := f.do(t, req)
			if w.Code != http.StatusInternalServerError {
				t.Errorf("status = %d, want 500", w.Code)
			}
			assertJSON(t, errorJSON("internal", "internal error"), w.Body.String())
			var record struct {
				Level, Msg, RequestID, Error string
			}
			if err := json.Unmarshal(f.logs.Bytes(), &record); err != nil {
				t.Fatalf("log is not one JSON record: %v: %q", err, f.logs)
			}
			if record.Level != "ERROR" || record.Msg != "request failed" || record.RequestID != reqID ||
				!strings.Contains(record.Error, errDown.Error()) {
				t.Errorf("log record = %+v, want level ERROR, request ID %s and the cause", record, reqID)
			}
		})
	}
}

func TestHandlerServesOneRoute(t *testing.T) {
	store := memstore.New()
	h, err := api.Handler(api.RouteGetProduct, api.Deps{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, target string
		wantMessage    string
	}{
		{"GET", "/products/" + idNone, "product not found"}, // its own route
		{"GET", "/products", "no such route"},               // other routes
		{"DELETE", "/products/" + idNone, "no such route"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(tt.method, tt.target, nil)
		h.ServeHTTP(w, r.WithContext(httpapi.WithRequestID(r.Context(), reqID)))
		if w.Code != http.StatusNotFound {
			t.Errorf("%s %s = %d, want 404", tt.method, tt.target, w.Code)
		}
		assertJSON(t, errorJSON("not_found", tt.wantMessage), w.Body.String())
	}
	if _, err := api.Handler("GET /nope", api.Deps{Store: store}); err == nil {
		t.Error("Handler accepted an unknown route key")
	}
	if _, err := api.Handler(api.RouteGetProduct, api.Deps{}); err == nil {
		t.Error("Handler accepted missing store")
	}
	// The handlers serve exactly the routes of the catalog's spec, from which infra builds the
	// template's routes (infra's TestTemplateMatchesSpecs checks the template against it).
	var want []string
	for _, r := range catalogspec.Service().Routes {
		want = append(want, r.Method+" "+r.Path)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, api.RouteKeys()); diff != "" {
		t.Errorf("RouteKeys differ from the spec's routes (-spec +handlers):\n%s", diff)
	}
}
