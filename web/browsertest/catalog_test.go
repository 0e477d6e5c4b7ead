package browsertest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// cardNames returns the names of the products listed on the page.
func cardNames(p *page) []string {
	p.t.Helper()
	return eval[[]string](p, `[...document.querySelectorAll(".products .card h2")].map((e) => e.textContent)`)
}

// TestBrowseCatalog: the catalog lists products with their drawings and prices, pages
// forward and back with the API's cursors, and filters by category.
func TestBrowseCatalog(t *testing.T) {
	p := newPage(t, 1280, 900)
	p.visit("/")
	p.waitFor(".products .card h2", "")
	p.screenshot("catalog")
	first := cardNames(p)
	if len(first) != 12 {
		t.Fatalf("page 1 lists %d products, want 12 (the page size)", len(first))
	}
	if broken := eval[int](p, `[...document.images].filter((i) => i.complete && i.naturalWidth === 0).length`); broken != 0 {
		t.Errorf("%d product images did not load", broken)
	}

	p.clickText(".pager a", "Next page")
	p.waitPath("/?page=2")
	p.waitFor(".page-no", "Page 2")
	p.waitFor(".products .card h2", "")
	second := cardNames(p)
	for _, n := range second {
		if slices.Contains(first, n) {
			t.Errorf("%q is on page 1 and on page 2", n)
		}
	}
	p.clickText(".pager a", "Previous page")
	p.waitFor(".page-no", "Page 1")
	p.waitFor(".products .card h2", first[0])
	if got := cardNames(p); !slices.Equal(got, first) {
		t.Errorf("page 1 again lists %q, want %q", got, first)
	}

	// A category lists exactly the catalog's products of that category.
	var books struct {
		Items []product `json:"items"`
	}
	call(t, "", "GET", "/products?category=books&limit=100", nil, http.StatusOK, &books)
	p.clickText(".categories a", "Books")
	p.waitFor("h1", "Books")
	p.waitFor(".products .card h2", "")
	var want []string
	for _, b := range books.Items {
		want = append(want, b.Name)
	}
	if got := cardNames(p); !slices.Equal(got, want) || len(got) == 0 {
		t.Errorf("Books lists %q, want %q", got, want)
	}
	if cur := p.text(`.categories a[aria-current="page"]`); !strings.Contains(cur, "Books") {
		t.Errorf("the current category is marked %q, want Books", cur)
	}
}
