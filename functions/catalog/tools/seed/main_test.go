package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/memstore"
	"github.com/microshop/microshop/functions/catalog/seed"
	"github.com/microshop/microshop/shared/httpapi"
)

// TestSeedTwice seeds a catalog API backed by the in-memory store, then seeds it again: the
// first run creates every sample product, the second changes nothing.
func TestSeedTwice(t *testing.T) {
	srv := catalogServer(t)
	samples, err := seed.Products()
	if err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"-api", srv.URL}, &out); err != nil {
		t.Fatalf("first run: %v", err)
	}
	first := listAll(t, srv.URL)
	if len(first) != len(samples) {
		t.Errorf("first run created %d products, want %d", len(first), len(samples))
	}

	if err := run(context.Background(), []string{"-api", srv.URL + "/"}, &out); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if diff := cmp.Diff(first, listAll(t, srv.URL)); diff != "" {
		t.Errorf("second run changed the catalog (-first +second):\n%s", diff)
	}
	want := fmt.Sprintf("seeded %d products\ncatalog already has products; nothing to do\n", len(samples))
	if got := out.String(); got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
}

// TestSeedSendsToken seeds through a gate that, like the HTTP API's JWT authorizer, refuses
// writes without the token: with -token every product arrives, without it the first write fails.
func TestSeedSendsToken(t *testing.T) {
	backend := catalogServer(t)
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Header.Get("Authorization") != "Bearer admin-token" {
			http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		backend.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(gate.Close)

	if err := run(context.Background(), []string{"-api", gate.URL}, io.Discard); err == nil {
		t.Fatal("run without -token succeeded, want the gate's 401")
	}
	if err := run(context.Background(), []string{"-api", gate.URL, "-token", "admin-token"}, io.Discard); err != nil {
		t.Fatalf("run with -token: %v", err)
	}
	samples, err := seed.Products()
	if err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, gate.URL); len(got) != len(samples) {
		t.Errorf("catalog has %d products, want %d", len(got), len(samples))
	}
}

// TestSampleCatalog checks the sample data's promises: enough products, enough categories.
func TestSampleCatalog(t *testing.T) {
	samples, err := seed.Products()
	if err != nil {
		t.Fatal(err)
	}
	categories := make(map[string]int)
	for _, s := range samples {
		var p struct{ Category string }
		if err := json.Unmarshal(s, &p); err != nil {
			t.Fatal(err)
		}
		categories[p.Category]++
	}
	if len(samples) < 24 || len(categories) < 4 {
		t.Errorf("sample catalog has %d products in %d categories, want at least 24 in 4", len(samples), len(categories))
	}
}

func TestSeedFailsLoudly(t *testing.T) {
	samples, err := seed.Products()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
	}{
		{
			name: "create rejected",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					_, _ = w.Write([]byte(`{"items":[]}`))
					return
				}
				http.Error(w, `{"error":{"code":"invalid"}}`, http.StatusBadRequest)
			},
			wantErr: fmt.Sprintf(`product 1 of %d: POST /products: status 400, want 201: {"error":{"code":"invalid"}} (0 created before it; the catalog is now partly seeded)`, len(samples)),
		},
		{
			name: "list fails",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "down", http.StatusBadGateway)
			},
			wantErr: "GET /products?limit=1: status 502: down",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			err := run(context.Background(), []string{"-api", srv.URL}, new(bytes.Buffer))
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("run error = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if err := run(context.Background(), []string{"-api", "localhost:3000"}, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Errorf("run with a bad -api: error = %v", err)
	}
}

func catalogServer(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := api.NewServer(api.Deps{Store: memstore.New()})
	if err != nil {
		t.Fatal(err)
	}
	// Catalog writes are for admins. Stand in for API Gateway's JWT authorizer: every request
	// arrives with an admin's claims, as it would with the admin token the tool sends.
	admin := &events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "seed", "cognito:groups": "[admin]"},
			},
		},
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(httpapi.WithEvent(r.Context(), admin)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// listAll returns the names of every product the API lists.
func listAll(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/products?limit=100")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ Items []struct{ Name string } }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(page.Items))
	for _, p := range page.Items {
		names = append(names, p.Name)
	}
	return names
}
