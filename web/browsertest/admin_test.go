package browsertest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAdminEditsPrice: an admin changes a product's price on the edit page and the
// storefront shows the new price; an edit of a version someone else changed meanwhile is
// refused with a clear conflict message, keeps what was typed, and saves on a second try.
func TestAdminEditsPrice(t *testing.T) {
	lamp := newProduct(t, "Price Lamp", 2500, 10)
	p := newPage(t, 1280, 900)
	p.signIn(account{email: seeded.Admin.Email, password: seeded.Admin.Password})
	p.clickText("header a", "Admin")
	p.waitFor("h1", "Products")
	p.clickText("a", "New product") // the list has an Edit link per product; open ours directly below
	p.waitFor("h1", "New product")

	p.visit("/admin/products/" + lamp.ID)
	p.waitFor("h1", "Edit Price Lamp")
	p.waitFor("#stock-level", "10 on hand")
	p.fill("#product-price", "31.50")
	p.click("#product-form button[type=submit]")
	p.waitFor(".notice", "Saved Price Lamp: $31.50.")
	p.visit("/products/" + lamp.ID)
	p.waitFor(".price", "$31.50")

	// A stale edit: someone else saves between our read and our save.
	p.visit("/admin/products/" + lamp.ID)
	p.waitFor("h1", "Edit Price Lamp")
	var current product
	call(t, "", "GET", "/products/"+lamp.ID, nil, http.StatusOK, &current)
	call(t, seeded.Admin.AccessToken, "PUT", "/products/"+lamp.ID, map[string]any{
		"name": "Price Lamp", "category": lamp.Category, "price": map[string]any{"amount": 2999, "currency": "USD"},
	}, http.StatusOK, nil, "If-Match", strconv.Quote(strconv.Itoa(current.Version)))
	p.expect("PUT", "/products/", http.StatusPreconditionFailed)
	p.fill("#product-price", "33.00")
	p.click("#product-form button[type=submit]")
	msg := p.waitFor("#conflict", "Conflict")
	for _, want := range []string{"someone else changed this product", "$29.99", "Your edits are still in the form"} {
		if !strings.Contains(msg, want) {
			t.Errorf("conflict message %q, want it to say %q", msg, want)
		}
	}
	if got := eval[string](p, `document.querySelector("#product-price").value`); got != "33.00" {
		t.Errorf("price field %q after the conflict, want what was typed (33.00)", got)
	}
	p.screenshot("admin-conflict")
	p.click("#product-form button[type=submit]")
	p.waitFor(".notice", "Saved Price Lamp: $33.00.")
	p.visit("/products/" + lamp.ID)
	p.waitFor(".price", "$33.00")
}

// TestAdminStockOrdersAndProducts: an admin sets stock, lists orders by status, marks a
// confirmed order's shipment delivered, and creates and deletes a product.
func TestAdminStockOrdersAndProducts(t *testing.T) {
	p := newPage(t, 1280, 900)
	p.signIn(account{email: seeded.Admin.Email, password: seeded.Admin.Password})

	// Stock.
	bottle := seededProduct(t, "Insulated Water Bottle 750 ml")
	p.visit("/admin/products/" + bottle.ID)
	p.waitFor("#stock-level", "on hand")
	p.fill("#stock-onhand", "250")
	p.click("#stock-form button")
	p.waitFor("#stock-level", "250 on hand")
	var st struct {
		OnHand int `json:"onHand"`
	}
	call(t, seeded.Admin.AccessToken, "GET", "/inventory/"+bottle.ID, nil, http.StatusOK, &st)
	if st.OnHand != 250 {
		t.Errorf("onHand %d after setting 250 in the page", st.OnHand)
	}

	// A confirmed order (placed through the API by a customer), delivered from the list.
	buyer := newCustomer(t)
	var o struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	call(t, buyer.token, "POST", "/orders", map[string]any{
		"shippingAddress": map[string]any{"name": "Grace Hopper", "line1": "1 Navy Way", "city": "Arlington", "postalCode": "22202", "country": "US"},
		"paymentToken":    "tok_visa", "lines": []map[string]any{{"productId": bottle.ID, "quantity": 1}},
	}, http.StatusCreated, &o, "Idempotency-Key", "browser-"+randomHex())
	deadline := time.Now().Add(waitTimeout)
	for o.Status != "CONFIRMED" {
		if time.Now().After(deadline) {
			t.Fatalf("order %s is %s, not CONFIRMED", o.ID, o.Status)
		}
		time.Sleep(50 * time.Millisecond)
		call(t, buyer.token, "GET", "/orders/"+o.ID, nil, http.StatusOK, &o)
	}
	p.clickText(".subnav a", "Orders")
	p.waitFor("h1", "Orders")
	p.run("filter confirmed", selectValue("#orders-status", "CONFIRMED"))
	p.clickText("form[role=search] button", "Show")
	p.waitPath("/admin/orders?status=CONFIRMED")
	row := `tr[data-id="` + o.ID + `"]`
	p.waitFor(row, "Confirmed")
	if got := eval[bool](p, `[...document.querySelectorAll("tbody .badge")].every((b) => b.textContent === "Confirmed")`); !got {
		t.Errorf("the CONFIRMED list shows orders in other states: %s", p.text("tbody"))
	}
	p.screenshot("admin-orders")
	p.click(row + " button")
	p.waitFor(".notice", "is marked delivered")
	p.waitFor(row, "Delivered")
	deadline = time.Now().Add(waitTimeout)
	for o.Status != "DELIVERED" {
		if time.Now().After(deadline) {
			t.Fatalf("order %s is %s after the delivery, want DELIVERED", o.ID, o.Status)
		}
		time.Sleep(50 * time.Millisecond)
		call(t, buyer.token, "GET", "/orders/"+o.ID, nil, http.StatusOK, &o)
	}

	// Create a product, then delete it.
	p.visit("/admin/products/new")
	p.fill("#product-name", "Browser Teapot")
	p.fill("#product-category", "browser-"+randomHex())
	p.fill("#product-price", "12.00")
	p.fill("#product-imageUrl", "/img/tetsubin.svg")
	// The new product has no stock yet: the edit page asks the inventory, which answers 404,
	// and says so.
	p.expect("GET", "/inventory/", http.StatusNotFound)
	p.click("#product-form button[type=submit]")
	p.waitFor(".notice", "Created Browser Teapot.")
	p.waitFor("#stock-level", "No stock recorded yet")
	id := eval[string](p, `decodeURIComponent(location.pathname.split("/").pop())`)
	call(t, "", "GET", "/products/"+id, nil, http.StatusOK, nil)
	p.visit("/admin")
	p.waitFor("td", "")
	if !strings.Contains(p.text("tbody"), "Browser Teapot") { // newest first: on the first page
		t.Fatalf("the admin list does not show the new product: %s", p.text("tbody"))
	}
	p.click(`button[aria-label="Delete Browser Teapot"]`)
	p.clickText("button", "Yes, delete Browser Teapot")
	p.waitFor(".notice", "Deleted Browser Teapot.")
	if code := status(t, "", "GET", "/products/"+id, nil); code != http.StatusNotFound {
		t.Errorf("GET the deleted product: %d, want 404", code)
	}
}
