package browsertest

import (
	"net/http"
	"strings"
	"testing"
)

// TestSignUpToConfirmedOrder is a new customer's whole journey: sign up, confirm with the
// code, sign in, browse a category, add two products (one from the list, two of another from
// its page), change a quantity, remove a third, check out with an address, a shipping quote
// and the succeeding test card, and watch the order become CONFIRMED without reloading;
// then the order history shows it with its payment and shipment, and sign-out works.
func TestSignUpToConfirmedOrder(t *testing.T) {
	p := newPage(t, 1280, 900)
	email, password := newEmail("newcomer"), newPassword()

	p.visit("/signup")
	p.fill("#signup-email", email)
	p.fill("#signup-password", password)
	p.screenshot("sign-up")
	p.click("#main form button[type=submit]")
	p.waitPath("/confirm")
	p.fill("#confirm-code", confirmationCode(t, email))
	p.click("#main form button[type=submit]")
	p.waitFor("header .email", email) // signed in with the password typed at sign-up
	// The tokens are in the tab's sessionStorage, never in a cookie.
	if got := eval[[]any](p, `[document.cookie, !!JSON.parse(sessionStorage.getItem("microshop.session") || "{}").accessToken]`); got[0] != "" || got[1] != true {
		t.Errorf("after sign-in: cookie %q, token in sessionStorage %v; want no cookie and the token in sessionStorage", got[0], got[1])
	}

	// Browse a category and add from the list.
	p.clickText(".categories a", "Kitchen")
	p.waitPath("/?category=kitchen")
	p.waitFor("h1", "Kitchen")
	p.clickText(".card", "Stoneware Mug") // any text in the card: find it first
	p.click(`button[aria-label="Add Stoneware Mug to cart"]`)
	p.waitFor(".notice", "Added Stoneware Mug to your cart.")
	p.waitFor("#cart-count", "1")
	p.click(`button[aria-label="Add Bamboo Cutting Board to cart"]`)
	p.waitFor(".notice", "Added Bamboo Cutting Board")

	// A product's page: two of them.
	knife := seededProduct(t, "Chef's Knife 20 cm")
	p.visit("/products/" + knife.ID)
	p.waitFor("h1", "Chef's Knife 20 cm")
	p.waitFor(".price", "$89.00")
	p.fill(".add-form input", "2")
	p.screenshot("product")
	p.click(".add-form button")
	p.waitFor(".notice", "Added 2 × Chef's Knife 20 cm")
	p.waitFor("#cart-count", "4")

	// The cart: three of the mug, no board.
	p.click("#nav-cart")
	p.waitFor("h1", "Your cart")
	p.waitFor("#cart-total", "$215.40") // 14.50 + 22.90 + 2 × 89.00
	p.click(`button[aria-label="Remove Bamboo Cutting Board"]`)
	p.waitFor(".notice", "Removed Bamboo Cutting Board")
	mugQty := `input[id^=qty]`
	p.fill(mugQty, "3") // the mug is the first line
	p.clickText(".qty-form button", "Update")
	p.waitFor(".notice", "Updated")
	p.waitFor("#cart-total", "$221.50") // 3 × 14.50 + 2 × 89.00
	if got := p.text("table.lines tbody"); strings.Contains(got, "Bamboo") || !strings.Contains(got, "Stoneware Mug") || !strings.Contains(got, "Chef's Knife") {
		t.Errorf("cart lines %q, want the mug and the knife only", got)
	}
	p.screenshot("cart")

	// Checkout.
	p.click("#checkout")
	p.waitFor("h1", "Checkout")
	fillAddress(p)
	p.waitFor("#quote", "to United States for 5 items") // POST /shipping/quote
	p.waitFor(".cards legend", "Test cards only")
	p.click("#card-tok_visa")
	p.screenshot("checkout")
	// Record every status the order page shows, in a window that a reload would replace.
	eval[bool](p, `(() => {
		window.statusesSeen = [];
		new MutationObserver(() => {
			const s = document.querySelector("#order-status")?.dataset.status;
			if (s && window.statusesSeen.at(-1) !== s) window.statusesSeen.push(s);
		}).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"]});
		return true;
	})()`)
	p.click("#place-order")
	p.waitPath("/orders/")
	p.waitFor("#order-status", "Confirmed")
	seen := eval[[]string](p, `window.statusesSeen ?? ["(the page was reloaded)"]`)
	if len(seen) < 2 || seen[0] != "PENDING" || seen[len(seen)-1] != "CONFIRMED" {
		t.Errorf("the order page showed %q, want PENDING first and CONFIRMED last without a reload", seen)
	}
	p.waitFor("#payment", "Paid")
	p.waitFor("#shipment", "tracking number")
	if n := p.text("#cart-count"); n != "" {
		t.Errorf("cart count %q after the order, want an empty cart", n)
	}
	p.screenshot("order-confirmed")

	// History: the order with its payment and shipment.
	p.clickText("header a", "Orders")
	p.waitFor("h1", "Your orders")
	p.waitFor(".order", "Confirmed")
	p.waitFor(".order dd", "Paid")
	p.waitFor(".order dd", "Ready to ship")
	p.screenshot("orders")

	p.click("#sign-out")
	p.waitFor("header a", "Sign in")
	if got := eval[any](p, `sessionStorage.getItem("microshop.session")`); got != nil {
		t.Errorf("after sign-out the session is still stored: %v", got)
	}
}

// fillAddress types a shipping address into the checkout form.
func fillAddress(p *page) {
	p.t.Helper()
	p.fill("#ship-name", "Ada Lovelace")
	p.fill("#ship-line1", "12 St James's Square")
	p.fill("#ship-city", "New York")
	p.fill("#ship-postalCode", "10001")
}

// checkout puts product in the signed-in customer's cart through the API, then checks out in
// the browser with the test card token and returns when the order page shows a final status.
func checkout(t *testing.T, p *page, a account, prod product, quantity int, token string) {
	t.Helper()
	call(t, a.token, "PUT", "/cart/items/"+prod.ID, map[string]any{"quantity": quantity}, http.StatusOK, nil)
	p.visit("/checkout")
	p.waitFor("#quote", "United States")
	fillAddress(p)
	p.click("#card-" + token)
	p.click("#place-order")
	p.waitPath("/orders/")
}

// TestDeclinedCard: each failing test card fails the order, and the page says why in words.
func TestDeclinedCard(t *testing.T) {
	p := newPage(t, 1280, 900)
	a := newCustomer(t)
	p.signIn(a)
	lamp := seededProduct(t, "LED Desk Lamp")
	for _, tt := range []struct{ token, reason string }{
		{"tok_chargeDeclined", "the card was declined"},
		{"tok_insufficientFunds", "the card has insufficient funds"},
	} {
		checkout(t, p, a, lamp, 1, tt.token)
		p.waitFor("#order-status", "Failed")
		if reason := p.waitFor("#failure-reason", ""); !strings.Contains(reason, tt.reason) {
			t.Errorf("%s: failure shown as %q, want %q", tt.token, reason, tt.reason)
		}
		if tt.token == "tok_chargeDeclined" {
			p.screenshot("order-declined")
		}
	}
}

// TestOutOfStock: an order for more than is in stock shows FAILED with the reason.
func TestOutOfStock(t *testing.T) {
	scarce := newProduct(t, "Scarce Vase", 9900, 1)
	p := newPage(t, 1280, 900)
	a := newCustomer(t)
	p.signIn(a)
	checkout(t, p, a, scarce, 2, "tok_visa")
	p.waitFor("#order-status", "Failed")
	if reason := p.waitFor("#failure-reason", ""); !strings.Contains(reason, "out of stock") {
		t.Errorf("failure shown as %q, want one about stock in words", reason)
	}
}

// TestCancelOrder: a confirmed order can be cancelled from its page; the refund and the
// shipment's cancellation follow without a reload.
func TestCancelOrder(t *testing.T) {
	p := newPage(t, 1280, 900)
	a := newCustomer(t)
	p.signIn(a)
	checkout(t, p, a, seededProduct(t, "Trekking Poles (pair)"), 1, "tok_visa")
	p.waitFor("#order-status", "Confirmed")
	p.click("#cancel-order")
	p.waitFor("#order-status", "Cancelled")
	p.waitFor("#payment", "Refunded")
	p.waitFor("#shipment", "Cancelled")
	if got := p.text("#cancel-order"); got != "" {
		t.Errorf("a cancelled order still offers %q", got)
	}
}
