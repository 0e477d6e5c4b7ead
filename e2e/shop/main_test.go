// Package shop is the shop's end-to-end suite: it serves the synthesized template (make synth)
// under the local runtime and drives the order saga over HTTP, as the shop's clients do, with
// real tokens of users it creates in the local Cognito user pool. It is written from the API
// contract of issue 8 (the shop), not from the services' code: browse → cart → order →
// CONFIRMED with a shipment, failures and cancellations, a flash sale, idempotency and
// BOLA, with the saga's invariants checked after every scenario (see invariants_test.go).
//
// A scenario runs only when the template has every route it needs (needRoutes); while a
// service is still missing from the template, its scenarios skip with the routes they wait
// for. Scenarios run one after another: the invariants speak of the whole stack.
package shop

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/runtime"
)

var (
	rt   *runtime.Runtime // the local runtime serving the template
	api  string           // base URL of the HTTP API
	logs = &syncBuffer{}  // the runtime's and the functions' output, shown when a test fails

	admin *user // a member of the admin group
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root, err := modroot.FromWorkingDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	tmpl := filepath.Join(root, "cdk.out", "Microshop.template.json")
	if _, err := os.Stat(tmpl); err != nil {
		fmt.Fprintf(os.Stderr, "shop e2e: %v: run `make synth` (make test does) first\n", err)
		return 1
	}
	keyDir, err := os.MkdirTemp("", "shop-e2e-jwt-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "shop e2e:", err)
		return 1
	}
	defer os.RemoveAll(keyDir)
	rt, err = runtime.Start(context.Background(), runtime.Config{
		Template: tmpl, Root: root, KeyDir: keyDir, APIAddr: "127.0.0.1:0", Log: logs,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "shop e2e: start runtime:", err)
		return 1
	}
	api = rt.APIURL()
	if admin, err = newUser(context.Background(), "admin"); err != nil {
		fmt.Fprintln(os.Stderr, "shop e2e:", err)
		_ = rt.Close()
		return 1
	}
	code := m.Run()
	if err := rt.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "shop e2e: close runtime:", err)
	}
	if code != 0 && os.Getenv("SHOP_E2E_LOG") != "" {
		fmt.Fprintf(os.Stderr, "--- runtime log ---\n%s", logs.String())
	}
	return code
}

// syncBuffer is a bytes.Buffer safe for the runtime's concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// hasRoute reports whether the template's HTTP API serves route key, e.g. "POST /orders".
func hasRoute(key string) bool {
	for _, a := range rt.Model().APIs {
		for _, r := range a.Routes {
			if r.Key == key {
				return true
			}
		}
	}
	return false
}

// hasAll reports whether the template serves every route key.
func hasAll(keys []string) bool {
	for _, k := range keys {
		if !hasRoute(k) {
			return false
		}
	}
	return true
}

// needRoutes fails the test unless the template serves every route key the scenario uses, so
// a route dropped from a service's spec fails here by name rather than as a 404 deep inside.
func needRoutes(t testing.TB, keys ...string) {
	t.Helper()
	var missing []string
	for _, k := range keys {
		if !hasRoute(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the template does not serve %q", missing)
	}
}

// The routes of issue 8's API contract, by service.
var (
	catalogRoutes   = []string{"GET /products", "GET /products/{id}", "POST /products"}
	cartRoutes      = []string{"GET /cart", "PUT /cart/items/{productId}", "DELETE /cart/items/{productId}", "DELETE /cart"}
	inventoryRoutes = []string{"PUT /inventory/{productId}", "GET /inventory/{productId}"}
	orderRoutes     = []string{"POST /orders", "GET /orders/{id}", "GET /orders", "POST /orders/{id}/cancel", "GET /admin/orders"}
	paymentRoutes   = []string{"GET /payments/{orderId}"}
	shippingRoutes  = []string{"GET /shipments/{orderId}", "POST /shipments/{orderId}/deliver"}
	// sagaRoutes are what an order needs to go from placement to a final state and be checked.
	sagaRoutes = concat(catalogRoutes, inventoryRoutes, orderRoutes, paymentRoutes, shippingRoutes)
)

func concat(lists ...[]string) []string {
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	return all
}
