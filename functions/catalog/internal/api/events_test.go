package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/memstore"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/shared/httpapi"
)

var update = flag.Bool("update", false, "rewrite the golden responses in testdata/events")

// eventsDir holds the sample API Gateway events that `make invoke` feeds to functions.
const eventsDir = "../../../../events/samples/apigw"

// TestSampleEvents runs every catalog sample event through its route's Lambda handler, as
// Lambda would, against a fake store with known contents, and compares the response with its
// golden file (go test -run TestSampleEvents -update rewrites them). It also proves the samples
// are well-formed payload 2.0 events: decoding rejects any field the Go type lacks.
func TestSampleEvents(t *testing.T) {
	tests := []struct {
		file       string
		wantStatus int
	}{
		{file: "catalog-list-products.json", wantStatus: 200},
		{file: "catalog-get-product.json", wantStatus: 200},
		{file: "catalog-create-product.json", wantStatus: 201},
		{file: "catalog-replace-product.json", wantStatus: 200},
		{file: "catalog-delete-product.json", wantStatus: 204},
	}
	files, err := filepath.Glob(filepath.Join(eventsDir, "catalog-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Errorf("found %d catalog samples in %s, the table covers %d: keep them in step", len(files), eventsDir, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev := readEvent(t, filepath.Join(eventsDir, tt.file))
			h, err := api.Handler(ev.RouteKey, api.Deps{
				Store: sampleStore(t),
				Now:   func() time.Time { return time.Date(2025, 5, 1, 8, 0, 2, 0, time.UTC) },
				NewID: func() product.ID { return "0f1e2d3c4b5a69788796a5b4c3d2e1f0" },
			})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := httpapi.Lambda(h)(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, resp.Body)
			}
			golden(t, filepath.Join("testdata", "events", strings.TrimSuffix(tt.file, ".json")+".response.json"), resp)
		})
	}
}

func readEvent(t *testing.T, path string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var ev events.APIGatewayV2HTTPRequest
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("%s is not an API Gateway v2 HTTP request: %v", path, err)
	}
	return ev
}

// sampleStore holds the product the samples address (7f3c…, kitchen, version 1) and two more,
// so the list sample (kitchen, limit 2) has a next page.
func sampleStore(t *testing.T) *memstore.Store {
	t.Helper()
	store := memstore.New()
	base := time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)
	seed(t, store, "7f3c9a4e2b1d4c5f8a6e0b9d3c2f1a7e", product.Details{
		Name: "Stoneware Mug", Description: "Hand-glazed stoneware mug, 350 ml, dishwasher safe.", Category: "kitchen",
		Price: price(t, 1450, "USD"), ImageURL: "https://images.microshop.example/products/stoneware-mug.jpg", Tags: []string{"ceramic", "gift"},
	}, base)
	seed(t, store, "1a2b3c4d5e6f708192a3b4c5d6e7f809", product.Details{
		Name: "Chef's Knife 20 cm", Category: "kitchen", Price: price(t, 8900, "USD"),
	}, base.Add(time.Hour))
	seed(t, store, "9e8d7c6b5a4f30211203f4a5b6c7d8e9", product.Details{
		Name: "Cast-Iron Skillet 26 cm", Category: "kitchen", Price: price(t, 4495, "USD"),
	}, base.Add(-time.Hour))
	return store
}

// golden compares resp with the JSON in path, or rewrites path under -update.
func golden(t *testing.T, path string, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	got, err := json.MarshalIndent(resp, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("response differs from %s (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestDecodedRawPaths sends events whose rawPath holds what API Gateway passes for
// percent-encoded paths: it is decoded, so it may hold "%", "?", NUL or a newline. Each must
// reach the route as one id that does not exist (404 JSON), never as an adapter error (500)
// and never as the id before a decoded "?".
func TestDecodedRawPaths(t *testing.T) {
	const mug = "7f3c9a4e2b1d4c5f8a6e0b9d3c2f1a7e" // in sampleStore
	paths := []string{
		"/products/a%",                  // client sent a%25
		"/products/a%zz",                // a%25zz
		"/products/" + mug + "?junk",    // <id>%3Fjunk
		"/products/" + mug + "?",        // <id>%3F
		"/products/" + mug + "\x00",     // <id>%00
		"/products/" + mug + "\n",       // <id>%0A
		"/products/" + mug + "#x",       // <id>%23x
		"/products/tasse-\u2615-" + mug, // unicode
	}
	for _, route := range []string{api.RouteGetProduct, api.RouteReplaceProduct, api.RouteDeleteProduct} {
		method, _, _ := strings.Cut(route, " ")
		for _, path := range paths {
			t.Run(method+" "+path, func(t *testing.T) {
				store := sampleStore(t)
				h, err := api.Handler(route, api.Deps{Store: store})
				if err != nil {
					t.Fatal(err)
				}
				ev := events.APIGatewayV2HTTPRequest{
					Version: "2.0", RouteKey: route, RawPath: path,
					Headers: map[string]string{"content-type": "application/json", "if-match": `"1"`},
					Body:    `{"name":"Changed","category":"kitchen","price":{"amount":1,"currency":"USD"}}`,
					RequestContext: events.APIGatewayV2HTTPRequestContext{
						RouteKey: route, RequestID: "req-1",
						HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path},
						Authorizer: adminEvent().RequestContext.Authorizer,
					},
				}
				resp, err := httpapi.Lambda(h)(context.Background(), ev)
				if err != nil {
					t.Fatalf("adapter error: %v", err)
				}
				if resp.StatusCode != 404 {
					t.Errorf("status = %d, want 404; body %s", resp.StatusCode, resp.Body)
				}
				assertJSON(t, `{"error":{"code":"not_found","message":"product not found"},"requestId":"req-1"}`, resp.Body)
				p, err := store.Get(context.Background(), mug)
				if err != nil {
					t.Fatalf("product %s after %s %q: %v", mug, method, path, err)
				}
				if p.Version() != 1 || p.Details().Name != "Stoneware Mug" {
					t.Errorf("product %s changed by %s %q: version %d, name %q", mug, method, path, p.Version(), p.Details().Name)
				}
			})
		}
	}
}
