package shop

import (
	"net/http"
	"testing"

	"github.com/microshop/microshop/e2e/shoptest"
)

// TestCognitoTokens: the users the suite signs in through the Cognito API carry what the
// routes check: the admin's token passes the authorizer and the admin group check, a
// customer's passes the authorizer only, and a price in another currency than the shop's is
// refused with a 422.
func TestCognitoTokens(t *testing.T) {
	c := shoptest.Customer(t)
	body := func(currency string) map[string]any {
		return map[string]any{"name": "Token Probe", "category": "e2e-shop-tokens",
			"price": map[string]any{"amount": 100, "currency": currency}}
	}
	if r := shoptest.Call(t, nil, "POST", "/products", body(shoptest.ShopCurrency())); r.Status != http.StatusUnauthorized {
		t.Errorf("without a token: %s, want 401", r)
	}
	shoptest.WantError(t, shoptest.Call(t, c, "POST", "/products", body(shoptest.ShopCurrency())), http.StatusForbidden, "forbidden")
	other := "EUR"
	if shoptest.ShopCurrency() == other {
		other = "USD"
	}
	shoptest.WantError(t, shoptest.Call(t, shoptest.Admin, "POST", "/products", body(other)), http.StatusUnprocessableEntity, "unprocessable")
	p := shoptest.Want[shoptest.Product](t, shoptest.Call(t, shoptest.Admin, "POST", "/products", body(shoptest.ShopCurrency())), http.StatusCreated)
	if p.Price.Currency != shoptest.ShopCurrency() {
		t.Errorf("created %+v, want the price in %s", p, shoptest.ShopCurrency())
	}
}
