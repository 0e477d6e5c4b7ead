package docs

import (
	"os"
	"regexp"
	"strings"
	"testing"

	cartspec "github.com/microshop/microshop/functions/cart/spec"
	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
	inventoryspec "github.com/microshop/microshop/functions/inventory/spec"
	ordersspec "github.com/microshop/microshop/functions/orders/spec"
	paymentsspec "github.com/microshop/microshop/functions/payments/spec"
	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
	"github.com/microshop/microshop/shared/spec"
)

// The guides whose curl commands must name real routes.
var guides = []string{"deploy.md", "operations.md"}

// A curl command's method (-X) and its URL on the deployed API ("$API/...").
var (
	curlMethod = regexp.MustCompile(`-X\s+([A-Z]+)`)
	curlURL    = regexp.MustCompile(`"\$API(/[^"?]*)`)
)

// Every curl command of the guides calls a route some service declares (functions/*/spec), by
// method and path, with shell variables standing for path parameters: a renamed or removed
// route fails here instead of in a reader's terminal.
func TestGuidesCallRealRoutes(t *testing.T) {
	var routes []spec.Route
	for _, s := range []spec.Service{
		catalogspec.Service(), cartspec.Service(), inventoryspec.Service(),
		ordersspec.Service(), paymentsspec.Service(), shippingspec.Service(),
	} {
		routes = append(routes, s.Routes...)
	}
	calls := 0
	for _, guide := range guides {
		b, err := os.ReadFile(guide)
		if err != nil {
			t.Fatal(err)
		}
		for _, cmd := range shellCommands(string(b)) {
			if !strings.HasPrefix(strings.TrimSpace(cmd), "curl ") && !strings.Contains(cmd, "$(curl ") {
				continue
			}
			for _, m := range curlURL.FindAllStringSubmatch(cmd, -1) {
				method := "GET"
				if mm := curlMethod.FindStringSubmatch(cmd); mm != nil {
					method = mm[1]
				}
				calls++
				if !matchesRoute(routes, method, m[1]) {
					t.Errorf("%s: %s %s is no route of functions/*/spec:\n%s", guide, method, m[1], cmd)
				}
			}
		}
	}
	if calls < 10 {
		t.Errorf("found %d curl calls of the API in %v; the guides have more, so the parser misses some", calls, guides)
	}
}

// shellCommands returns the lines of text with backslash continuations joined.
func shellCommands(text string) []string {
	return strings.Split(strings.ReplaceAll(text, "\\\n", " "), "\n")
}

// matchesRoute reports whether method and path (segments starting with $ are variables) match
// a route, whose {name} segments match any segment.
func matchesRoute(routes []spec.Route, method, path string) bool {
	got := strings.Split(strings.Trim(path, "/"), "/")
	for _, r := range routes {
		want := strings.Split(strings.Trim(r.Path, "/"), "/")
		if r.Method != method || len(want) != len(got) {
			continue
		}
		ok := true
		for i := range want {
			param := strings.HasPrefix(want[i], "{")
			variable := strings.HasPrefix(got[i], "$")
			if param != variable || (!param && want[i] != got[i]) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func TestMatchesRoute(t *testing.T) {
	routes := []spec.Route{
		{Method: "GET", Path: "/orders/{id}"},
		{Method: "POST", Path: "/orders/{id}/cancel"},
		{Method: "GET", Path: "/products"},
	}
	tests := []struct {
		method, path string
		want         bool
	}{
		{"GET", "/orders/$O", true},
		{"POST", "/orders/$O/cancel", true},
		{"GET", "/products", true},
		{"POST", "/orders/$O", false},       // wrong method
		{"GET", "/orders/$O/cancel", false}, // wrong method
		{"GET", "/orders/abc", false},       // a literal where the route has a parameter
		{"GET", "/order/$O", false},         // misspelled
		{"GET", "/products/$P/x", false},    // too long
	}
	for _, tt := range tests {
		if got := matchesRoute(routes, tt.method, tt.path); got != tt.want {
			t.Errorf("matchesRoute(%s %s) = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}
