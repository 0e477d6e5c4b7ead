package shop

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/microshop/microshop/e2e/shoptest"
)

// TestOtherCustomersResourcesAreNotFound (BOLA): for every customer route that takes an id,
// another customer's id answers 404 exactly as an id that does not exist does, and changes
// nothing; lists and the cart show only the caller's own.
func TestOtherCustomersResourcesAreNotFound(t *testing.T) {
	shoptest.AfterScenario(t)
	p := shoptest.NewProduct(t, "Private Parcel", 1500, 5)
	owner, intruder := shoptest.Customer(t), shoptest.Customer(t)
	o := shoptest.PlaceOrder(t, owner, shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 1)))
	shoptest.AwaitStatus(t, owner, o.ID, shoptest.Confirmed)
	shoptest.Eventually(t, shoptest.SagaTimeout, "the owner's cart line", func() (bool, string) {
		r := shoptest.Call(t, owner, "PUT", "/cart/items/"+p.ID, map[string]any{"quantity": 3})
		return r.Status/100 == 2, r.String()
	})

	const absent = "00000000000000000000000000000000"
	for _, route := range []struct{ method, path string }{
		{"GET", "/orders/%s"},
		{"POST", "/orders/%s/cancel"},
		{"GET", "/payments/%s"},
		{"GET", "/shipments/%s"},
	} {
		t.Run(route.method+" "+route.path, func(t *testing.T) {
			path := func(id string) string { return fmt.Sprintf(route.path, id) }
			theirs := shoptest.Call(t, intruder, route.method, path(o.ID), nil, "Idempotency-Key", shoptest.NewKey())
			nobody := shoptest.Call(t, intruder, route.method, path(absent), nil, "Idempotency-Key", shoptest.NewKey())
			a := shoptest.WantError(t, theirs, http.StatusNotFound, "not_found")
			b := shoptest.WantError(t, nobody, http.StatusNotFound, "not_found")
			if a.Error != b.Error {
				t.Errorf("another customer's id answers %+v, an absent id %+v: want the same, revealing nothing", a.Error, b.Error)
			}
		})
	}
	// The owner's order is untouched by the intruder's cancel.
	if got := shoptest.GetOrder(t, owner, o.ID); got.Status != shoptest.Confirmed {
		t.Errorf("the owner's order is %s after another customer's cancel, want CONFIRMED", got.Status)
	}
	// Lists and carts are the caller's own.
	if l := shoptest.ListOrders(t, intruder, ""); len(l) != 0 {
		t.Errorf("the intruder's GET /orders shows %+v, want nothing", l)
	}
	if l := shoptest.ListOrders(t, owner, ""); len(l) != 1 || l[0].ID != o.ID {
		t.Errorf("the owner's GET /orders shows %+v, want the order", l)
	}
	if c := shoptest.Want[shoptest.Cart](t, shoptest.Call(t, intruder, "GET", "/cart", nil), http.StatusOK); len(c.Items) != 0 {
		t.Errorf("the intruder's cart shows %+v, want nothing", c.Items)
	}
	if c := shoptest.Want[shoptest.Cart](t, shoptest.Call(t, owner, "GET", "/cart", nil), http.StatusOK); len(c.Items) != 1 || c.Items[0].Quantity != 3 {
		t.Errorf("the owner's cart = %+v, want the 3 × %s line", c.Items, p.ID)
	}
	// Deleting a line or the cart changes only the intruder's own (empty) cart.
	shoptest.Call(t, intruder, "DELETE", "/cart/items/"+p.ID, nil)
	shoptest.Call(t, intruder, "DELETE", "/cart", nil)
	if c := shoptest.Want[shoptest.Cart](t, shoptest.Call(t, owner, "GET", "/cart", nil), http.StatusOK); len(c.Items) != 1 {
		t.Errorf("the owner's cart after the intruder's deletes = %+v, want the line", c.Items)
	}
	shoptest.Call(t, owner, "DELETE", "/cart", nil)

	// Without a token every customer route is refused by the authorizer.
	for _, path := range []string{"/cart", "/orders", "/orders/" + o.ID, "/payments/" + o.ID, "/shipments/" + o.ID} {
		if r := shoptest.Call(t, nil, "GET", path, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %s, want 401", path, r)
		}
	}
	// Admin routes want the admin group.
	shoptest.WantError(t, shoptest.Call(t, owner, "PUT", "/inventory/"+p.ID, map[string]any{"onHand": 1000}), http.StatusForbidden, "forbidden")
	shoptest.WantError(t, shoptest.Call(t, owner, "GET", "/admin/orders", nil), http.StatusForbidden, "forbidden")
}
