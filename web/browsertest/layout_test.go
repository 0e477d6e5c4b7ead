package browsertest

import (
	"net/http"
	"testing"
	"time"
)

// TestNarrowScreen: at 375 px wide no page scrolls sideways (wide tables scroll inside their
// own box); every page has one h1 in its main landmark and a label on every form control.
func TestNarrowScreen(t *testing.T) {
	a := newCustomer(t, "admin") // an admin customer sees every page
	mug := seededProduct(t, "Stoneware Mug")
	call(t, a.token, "PUT", "/cart/items/"+mug.ID, map[string]any{"quantity": 1}, http.StatusOK, nil)
	p := newPage(t, 375, 812)
	// check visits path, waits until ready (a selector of the loaded view) shows text, and
	// measures the page.
	check := func(path, ready, text string) {
		t.Helper()
		p.visit(path)
		p.waitFor(ready, text)
		sizes := eval[[]float64](p, `[document.documentElement.scrollWidth, window.innerWidth]`)
		if sizes[0] > sizes[1] {
			wide := eval[[]string](p, `[...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map((e) => e.outerHTML.slice(0, 100))`)
			t.Errorf("%s at 375 px: the page is %v px wide: it scrolls sideways; too wide: %q", path, sizes[0], wide)
		}
		unlabelled := eval[[]string](p, `[...document.querySelectorAll("input, select, textarea")].filter((e) => e.labels.length === 0 && !e.getAttribute("aria-label")).map((e) => e.outerHTML)`)
		if len(unlabelled) > 0 {
			t.Errorf("%s: form controls without a label: %q", path, unlabelled)
		}
		if n := eval[int](p, `document.querySelectorAll("main h1").length + 10 * (document.querySelectorAll("h1").length - document.querySelectorAll("main h1").length)`); n != 1 {
			t.Errorf("%s: want exactly one h1, inside main (score %d)", path, n)
		}
	}
	check("/", ".card", "")
	p.screenshot("catalog-375")
	check("/products/"+mug.ID, ".add-form", "")
	check("/signup", "#signup-email", "")
	p.signIn(account{email: a.email, password: a.password})
	check("/cart", "#cart-total", "$14.50")
	p.screenshot("cart-375")
	check("/checkout", "#quote", "United States")
	check("/orders", "main p", "You have no orders yet")
	check("/admin", "tbody tr", "")
	check("/admin/orders", "main table, main p", "")
	check("/admin/products/"+mug.ID, "#stock-level", "on hand")
	check("/no-such-page", "main p", "There is nothing at this address")
}

// TestCatalogBudget: the catalog's first load with a cold cache stays within the budget:
// at most 300 KB transferred (HTML, CSS, scripts, config, API answers, images) and
// DOMContentLoaded within 500 ms.
func TestCatalogBudget(t *testing.T) {
	p := newPage(t, 1280, 900)
	// A new browser context starts with an empty cache: this is the first visit.
	p.visit("/")
	p.waitFor(".card", "")
	// Done when every image has loaded and no request is outstanding.
	deadline := time.Now().Add(waitTimeout)
	for !eval[bool](p, `[...document.images].every((i) => i.complete)`) || p.pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the catalog never finished loading (%d requests pending)", p.pending())
		}
		time.Sleep(20 * time.Millisecond)
	}
	total, n := p.transferred()
	dcl := eval[float64](p, `performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd`)
	t.Logf("catalog first load (cold cache): %d requests, %.1f KB transferred, DOMContentLoaded at %.0f ms", n, total/1024, dcl)
	if total > 300*1024 {
		t.Errorf("transferred %.1f KB, budget 300 KB", total/1024)
	}
	if dcl > 500 {
		t.Errorf("DOMContentLoaded at %.0f ms, budget 500 ms", dcl)
	}
	if dcl <= 0 || total <= 0 {
		t.Errorf("nothing measured: DOMContentLoaded %v, %v bytes", dcl, total)
	}
}

// pending counts the requests that have neither finished nor failed.
func (p *page) pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.requests {
		if !r.done {
			n++
		}
	}
	return n
}

// transferred sums the bytes received (headers and bodies, as encoded on the wire) and
// counts the requests.
func (p *page) transferred() (float64, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var sum float64
	for _, r := range p.requests {
		sum += r.bytes
	}
	return sum, len(p.requests)
}
