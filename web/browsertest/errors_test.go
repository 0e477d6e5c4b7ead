package browsertest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestProblemsAreSeen: the checks every test runs at its end see a console error, an
// uncaught exception, a failed request and a load the site's Content-Security-Policy blocks;
// without this, "no problems" could mean "not looking" (or a page served without its CSP).
func TestProblemsAreSeen(t *testing.T) {
	p := newPage(t, 1280, 900)
	p.visit("/")
	p.waitFor(".card", "")
	if probs := p.problems(); len(probs) != 0 {
		t.Fatalf("problems on a healthy page: %q", probs)
	}
	eval[bool](p, `(async () => {
		console.error("probe: console error");
		setTimeout(() => { throw new Error("probe: uncaught"); });
		await fetch("/img/no-such-image.svg"); // the site answers 403, as S3 behind CloudFront
		const img = new Image();
		img.src = "http://127.0.0.2:9/elsewhere.png"; // another origin: img-src 'self' refuses it
		document.body.append(img);
		await new Promise((r) => setTimeout(r, 50));
		return true;
	})()`)
	p.waitFor("h1", "")
	var got []string
	for _, pr := range p.problems() {
		switch {
		case strings.Contains(pr, "console.error: probe: console error"):
			got = append(got, "console")
		case strings.Contains(pr, "uncaught") && strings.Contains(pr, "probe: uncaught"):
			got = append(got, "exception")
		case strings.Contains(pr, "request failed: GET") && strings.Contains(pr, "/img/no-such-image.svg: HTTP 403"):
			got = append(got, "request")
		case strings.Contains(pr, "elsewhere.png") && strings.Contains(pr, "blocked: csp"):
			got = append(got, "csp")
		}
	}
	slices.Sort(got)
	got = slices.Compact(got)
	if want := []string{"console", "csp", "exception", "request"}; !slices.Equal(got, want) {
		t.Errorf("seen %q in %q, want %q", got, p.problems(), want)
	}
	// They were provoked on purpose: clear them for the end-of-test check.
	p.mu.Lock()
	p.console, p.order = nil, nil
	p.mu.Unlock()
}

// TestErrorsInWords: refusals are shown in words a person understands, next to the form,
// which keeps what was typed: a wrong password (Cognito), a password the pool's policy
// refuses, a checkout with the address half filled in, and a product the API refuses.
func TestErrorsInWords(t *testing.T) {
	a := newCustomer(t)
	p := newPage(t, 1280, 900)
	p.expect("POST", "/", http.StatusBadRequest) // Cognito answers its errors with 400

	p.visit("/signin")
	p.fill("#signin-email", a.email)
	p.fill("#signin-password", "not-the-password")
	p.click("#main form button[type=submit]")
	p.waitFor("[role=alert]", "The email or password is not right.")
	if got := eval[string](p, `document.querySelector("#signin-email").value`); got != a.email {
		t.Errorf("email field %q after the error, want %q", got, a.email)
	}

	p.visit("/signup")
	p.fill("#signup-email", newEmail("weak"))
	p.fill("#signup-password", "short")
	p.click("#main form button[type=submit]")
	p.waitFor("[role=alert]", "That password is not strong enough")

	p.signIn(a)
	call(t, a.token, "PUT", "/cart/items/"+seededProduct(t, "Monitor Arm").ID, map[string]any{"quantity": 1}, http.StatusOK, nil)
	p.visit("/checkout")
	p.waitFor("#quote", "United States")
	p.fill("#ship-name", "Mary Jackson")
	p.fill("#ship-city", "Hampton")
	p.click("#place-order")
	p.waitFor("[role=alert]", "Please fill in your address, postal code.")
	if got := eval[[]string](p, `["#ship-name", "#ship-city"].map((s) => document.querySelector(s).value)`); !slices.Equal(got, []string{"Mary Jackson", "Hampton"}) {
		t.Errorf("checkout fields %q after the error, want what was typed", got)
	}
	if focused := eval[string](p, `document.activeElement.id`); focused != "ship-line1" {
		t.Errorf("focus on %q after the error, want the first missing field", focused)
	}

	// The API's own refusal (400 with its message), shown in words, input kept.
	admin := newPage(t, 1280, 900)
	admin.signIn(account{email: seeded.Admin.Email, password: seeded.Admin.Password})
	admin.expect("POST", "/products", http.StatusBadRequest)
	admin.visit("/admin/products/new")
	admin.fill("#product-name", "Refused Kettle")
	admin.fill("#product-category", "kitchen")
	admin.fill("#product-price", "20")
	admin.fill("#product-imageUrl", "ftp://example.com/kettle.png")
	admin.click("#product-form button[type=submit]")
	msg := admin.waitFor("[role=alert]", "We could not create the product")
	if !strings.Contains(msg, "imageUrl must be an absolute http or https URL") {
		t.Errorf("error shown as %q, want the API's reason", msg)
	}
	if got := eval[string](admin, `document.querySelector("#product-name").value`); got != "Refused Kettle" {
		t.Errorf("name field %q after the error, want what was typed", got)
	}
}
