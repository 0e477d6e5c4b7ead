package shoplocal

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/functions/catalog/seed"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/tools/devseed"
)

// TestDevSeed runs what `make dev` runs once the stack serves, twice: the first run seeds the
// empty catalog (this is the suite's first test to touch the catalog: files run in name order)
// and stocks the sample products; both runs print credentials that sign in, and the second
// seeds nothing again. Then the printed customer places an order at once.
func TestDevSeed(t *testing.T) {
	root, err := modroot.FromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	cfg := devseed.Config{
		Template: filepath.Join(root, "cdk.out", "Microshop.template.json"),
		APIURL:   target.APIURL, EdgeURL: rt.EdgeURL(), Stock: 40,
	}
	samples, err := seed.Products()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	first, err := devseed.Run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	if first.Seeded != len(samples) {
		t.Errorf("first run seeded %d products, want %d", first.Seeded, len(samples))
	}
	for _, s := range []string{devseed.AdminEmail, devseed.AdminPassword, devseed.CustomerEmail, devseed.CustomerPassword, "initiate-auth", first.ClientID} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output does not show %q:\n%s", s, out.String())
		}
	}
	second, err := devseed.Run(context.Background(), cfg, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if second.Seeded != 0 {
		t.Errorf("second run seeded %d products, want 0", second.Seeded)
	}

	// The printed admin is an admin; the customer is signed in but not one.
	adm := &shoptest.User{Email: devseed.AdminEmail, Token: second.Admin.AccessToken}
	cust := &shoptest.User{Email: devseed.CustomerEmail, Token: second.Customer.AccessToken}
	if cust.Sub, err = shoptest.Subject(cust.Token); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"name": "Devseed Probe", "category": "e2e-devseed", "price": map[string]any{"amount": 1, "currency": shoptest.ShopCurrency()}}
	shoptest.WantError(t, shoptest.Call(t, cust, "POST", "/products", body), http.StatusForbidden, "forbidden")
	probe := shoptest.Want[shoptest.Product](t, shoptest.Call(t, adm, "POST", "/products", body), http.StatusCreated)
	if r := shoptest.Call(t, adm, "DELETE", "/products/"+probe.ID, nil); r.Status != http.StatusNoContent {
		t.Errorf("delete the probe: %s", r)
	}

	if len(first.Stocked) != len(samples) {
		t.Fatalf("stocked %d products, want the %d samples", len(first.Stocked), len(samples))
	}
	for _, id := range first.Stocked {
		if s := shoptest.GetStock(t, id); s.OnHand != 40 || s.Available != 40 {
			t.Errorf("sample product %s stock %+v, want 40 on hand and available", id, s)
		}
	}
	shoptest.AfterScenario(t)
	shoptest.Tracked.AddProduct(first.Stocked[0], 40)
	o := shoptest.PlaceOrder(t, cust, shoptest.OrderBody("tok_visa", shoptest.LineOf(first.Stocked[0], 1)))
	shoptest.AwaitStatus(t, cust, o.ID, shoptest.Confirmed)
}
