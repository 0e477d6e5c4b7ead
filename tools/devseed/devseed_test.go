package devseed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/catalog/seed"
	"github.com/microshop/microshop/local/modroot"
)

const adminToken = "token-of-a-deployed-admin"

// fakeShop is the part of a deployed stage's HTTP API that devseed uses: the catalog's list
// and create routes and the inventory's set-stock route, each requiring adminToken.
type fakeShop struct {
	mu         sync.Mutex
	products   []map[string]any // as listed: id, name
	stock      map[string]int   // onHand set per product id
	unautheds  int              // requests without the admin's token
	otherCalls []string         // requests to routes devseed should not use
}

func (f *fakeShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+adminToken {
		f.unautheds++
		http.Error(w, `{"error":{"code":"unauthorized","message":"no token"}}`, http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/products":
		n := len(f.products)
		if r.URL.Query().Get("limit") == "1" {
			n = min(n, 1)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"items": f.products[:n]})
	case r.Method == http.MethodPost && r.URL.Path == "/products":
		var p map[string]any
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		p["id"] = fmt.Sprintf("p%02d", len(f.products))
		f.products = append(f.products, p)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(p)
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/inventory/"):
		var body struct {
			OnHand int `json:"onHand"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.stock[strings.TrimPrefix(r.URL.Path, "/inventory/")] = body.OnHand
		_, _ = w.Write([]byte(`{}`))
	default:
		f.otherCalls = append(f.otherCalls, r.Method+" "+r.URL.Path)
		http.NotFound(w, r)
	}
}

// With an admin's token devseed seeds and stocks a deployed stage through its API alone: every
// request carries the token, and no user is made. The stack's Cognito endpoint is an address
// nobody listens on, so a call to Cognito would fail the run; the run without a token shows it.
func TestRunWithAdminTokenSeedsWithoutUsers(t *testing.T) {
	root, err := modroot.FromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	samples, err := seed.Products()
	if err != nil {
		t.Fatal(err)
	}
	shop := &fakeShop{stock: map[string]int{}}
	srv := httptest.NewServer(shop)
	defer srv.Close()
	cfg := Config{
		Template: filepath.Join(root, "cdk.out", "Microshop.template.json"),
		APIURL:   srv.URL + "/", EdgeURL: "http://127.0.0.1:1", Stock: 7, AdminToken: adminToken,
	}

	var out bytes.Buffer
	res, err := Run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatalf("Run with a token: %v", err)
	}
	if res.Seeded != len(samples) {
		t.Errorf("seeded %d products, want %d", res.Seeded, len(samples))
	}
	wantStock := map[string]int{}
	for _, p := range shop.products {
		wantStock[p["id"].(string)] = 7
	}
	if diff := cmp.Diff(wantStock, shop.stock); diff != "" {
		t.Errorf("stock set (-want +got):\n%s", diff)
	}
	gotStocked := slices.Sorted(slices.Values(res.Stocked))
	if diff := cmp.Diff(slices.Sorted(maps.Keys(wantStock)), gotStocked); diff != "" {
		t.Errorf("Result.Stocked (-want +got):\n%s", diff)
	}
	if shop.unautheds != 0 || len(shop.otherCalls) != 0 {
		t.Errorf("%d requests without the token, other calls %v", shop.unautheds, shop.otherCalls)
	}
	if res.Admin != (Credentials{}) || res.Customer != (Credentials{}) {
		t.Errorf("users %+v, %+v; want none", res.Admin, res.Customer)
	}
	for _, s := range []string{AdminEmail, CustomerEmail, "initiate-auth"} {
		if strings.Contains(out.String(), s) {
			t.Errorf("output mentions %q, but no user was made:\n%s", s, out.String())
		}
	}

	cfg.AdminToken = ""
	if _, err := Run(context.Background(), cfg, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "AdminCreateUser") {
		t.Errorf("Run without a token: %v, want a failed AdminCreateUser (the test's Cognito endpoint is dead)", err)
	}
}
