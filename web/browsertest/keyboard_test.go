package browsertest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// tabTo presses Tab until the focused element matches css, as a keyboard user moves through
// the page, and fails after max presses. It checks that every element focused on the way
// shows a visible focus indicator.
func (p *page) tabTo(css string, max int) {
	p.t.Helper()
	for range max {
		p.key(kb.Tab)
		focused := eval[[]any](p, fmt.Sprintf(`(() => {
			const el = document.activeElement;
			const s = getComputedStyle(el);
			return [el.matches(%q), el.outerHTML.slice(0, 80), s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0];
		})()`, css))
		if visible, _ := focused[2].(bool); !visible {
			p.t.Errorf("focused %s shows no focus outline", focused[1])
		}
		if match, _ := focused[0].(bool); match {
			return
		}
	}
	p.t.Fatalf("%s not reached with %d Tab presses\n%s", css, max, p.state())
}

// typeKeys types text into the focused element.
func (p *page) typeKeys(text string) {
	p.t.Helper()
	p.run("type", chromedp.KeyEvent(text))
}

// TestKeyboardOnlyCheckout: signing in and checking out work with the keyboard alone (Tab,
// typing, arrow keys, Enter), with a visible focus on each control.
func TestKeyboardOnlyCheckout(t *testing.T) {
	a := newCustomer(t)
	call(t, a.token, "PUT", "/cart/items/"+seededProduct(t, "Headlamp 400 lm").ID, map[string]any{"quantity": 2}, http.StatusOK, nil)
	p := newPage(t, 1280, 900)
	p.visit("/signin?next=%2Fcart")

	p.tabTo("#signin-email", 15)
	p.typeKeys(a.email)
	p.tabTo("#signin-password", 1)
	p.typeKeys(a.password + "\r") // Enter submits
	p.waitPath("/cart")
	p.waitFor("#cart-total", "$90.00")

	p.tabTo("#checkout", 20)
	p.key(kb.Enter)
	p.waitFor("h1", "Checkout")
	p.waitFor("#quote", "United States")
	p.tabTo("#ship-name", 20)
	p.typeKeys("Katherine Johnson")
	p.tabTo("#ship-line1", 1)
	p.typeKeys("1 NASA Drive")
	p.tabTo("#ship-city", 2)
	p.typeKeys("Hampton")
	p.tabTo("#ship-postalCode", 1)
	p.typeKeys("23666")
	p.tabTo("#ship-country", 1)
	p.key(kb.ArrowDown) // United States → Canada
	p.waitFor("#quote", "to Canada for 2 items")
	p.tabTo("#card-tok_visa", 1) // the checked radio of the group takes the focus
	p.key(kb.ArrowDown)          // → tok_chargeDeclined
	p.key(kb.ArrowUp)            // ← back to tok_visa
	if got := eval[string](p, `document.querySelector("input[name=paymentToken]:checked").value`); got != "tok_visa" {
		t.Fatalf("card %q chosen with the arrow keys, want tok_visa", got)
	}
	p.tabTo("#place-order", 1)
	p.key(kb.Enter)
	p.waitPath("/orders/")
	p.waitFor("#order-status", "Confirmed")
	if addr := p.text("address"); !strings.Contains(addr, "Canada") {
		t.Errorf("order ships to %q, want Canada", addr)
	}
}
