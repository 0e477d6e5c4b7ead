// Package e2e drives the cart service end to end: the local runtime serves the synthesized
// CDK template (the cart's real function processes, its HTTP routes behind the JWT
// authorizer, its consumers' rules and queues), the tests put the catalog's and the orders'
// events on the bus with the EventBridge API and use the cart over HTTP with real tokens.
package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/cartevents"
	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	cartspec "github.com/microshop/microshop/functions/cart/spec"
	"github.com/microshop/microshop/local/stacktest"
)

var (
	st         *stacktest.Stack
	alice, bob string // two customers' tokens
)

func TestMain(m *testing.M) {
	os.Exit(stacktest.Main(m, "cart", cartspec.Service().Functions(), func(s *stacktest.Stack) (err error) {
		st = s
		if alice, err = s.MintToken("cart-alice", ""); err == nil {
			bob, err = s.MintToken("cart-bob", "")
		}
		return err
	}))
}

// do sends a request with token ("" for none) and returns the status and body.
func do(t *testing.T, method, path, body, token string) (int, []byte) {
	t.Helper()
	return st.Request(t, method, path, token, body, nil)
}

// publish puts ev on the shop's bus as its service's outbox publisher would, and returns the
// envelope.
func publish(t *testing.T, source string, ev envelope.Event, at time.Time) envelope.Envelope {
	t.Helper()
	return st.Publish(t, context.Background(), source, ev, at)
}

type money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

type item struct {
	ProductID string `json:"productId"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice money  `json:"unitPrice"`
	LineTotal money  `json:"lineTotal"`
}

type cartView struct {
	Items   []item `json:"items"`
	Total   money  `json:"total"`
	Version int    `json:"-"` // compared on its own
}

// cartVersion returns the version GET /cart shows.
func cartVersion(t *testing.T, token string) int {
	t.Helper()
	_, body := do(t, "GET", "/cart", "", token)
	var v struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Version < 1 {
		t.Fatalf("GET /cart: version %d (%v) in %s, want one", v.Version, err, body)
	}
	return v.Version
}

func getCart(t *testing.T, token string) cartView {
	t.Helper()
	status, body := do(t, "GET", "/cart", "", token)
	if status != http.StatusOK {
		t.Fatalf("GET /cart: %d %s", status, body)
	}
	var v cartView
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// eventually calls check every 20 ms until it reports true, for up to 20 s.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if check() {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not a wait for an outcome
	}
	t.Fatalf("%s: not within 20 s", what)
}

func usd(cents int64) money { return money{cents, "USD"} }

// The cart's journey: a product the catalog announces becomes addable (404 before); the cart
// is priced at the current price and every change is published as CartChanged; another
// customer sees and changes nothing of it; an order placed from the cart empties it.
func TestCartJourney(t *testing.T) {
	const mug = "e2ecartmug"
	changes := st.Tap(t, cartevents.Source)
	if status, body := do(t, "PUT", "/cart/items/"+mug, `{"quantity":2}`, alice); status != http.StatusNotFound {
		t.Fatalf("PUT an unknown product: %d %s, want 404", status, body)
	}
	publish(t, catalogevents.Source, catalogevents.ProductCreatedV1{
		ID: mug, Name: "Mug", Price: catalogevents.Price{Amount: 1250, Currency: "USD"}, Category: "kitchen", Version: 1,
	}, time.Now())
	eventually(t, "the product reaches the cart's replica", func() bool {
		status, _ := do(t, "PUT", "/cart/items/"+mug, `{"quantity":2}`, alice)
		return status == http.StatusOK
	})
	want := cartView{Items: []item{{mug, "Mug", 2, usd(1250), usd(2500)}}, Total: usd(2500)}
	if diff := cmp.Diff(want, getCart(t, alice)); diff != "" {
		t.Errorf("alice's cart (-want +got):\n%s", diff)
	}

	// Bob has his own cart; his removals and clears do not touch alice's.
	if diff := cmp.Diff(cartView{Items: []item{}, Total: usd(0)}, getCart(t, bob)); diff != "" {
		t.Errorf("bob's cart (-want +got):\n%s", diff)
	}
	do(t, "DELETE", "/cart/items/"+mug, "", bob)
	do(t, "DELETE", "/cart", "", bob)
	if status, _ := do(t, "GET", "/cart", "", ""); status != http.StatusUnauthorized {
		t.Errorf("GET /cart without a token: %d, want 401", status)
	}

	// The catalog changes the price: the cart shows the current one.
	publish(t, catalogevents.Source, catalogevents.ProductChangedV1{
		ID: mug, Name: "Mug", Price: catalogevents.Price{Amount: 1500, Currency: "USD"}, Category: "kitchen", Version: 2,
	}, time.Now())
	eventually(t, "the new price reaches the cart", func() bool { return getCart(t, alice).Total == usd(3000) })

	// The cart's outbox published its state at that version.
	version, sub := cartVersion(t, alice), subject(t, alice)
	changed := changes.Await(t, "CartChanged of alice's cart", func(env envelope.Envelope) bool {
		d, err := envelope.Data[cartevents.CartChangedV1](env)
		return err == nil && d.CustomerID == sub && d.Version == version
	})
	if d, _ := envelope.Data[cartevents.CartChangedV1](changed); !cmp.Equal(d.Items, []cartevents.Item{{ProductID: mug, Quantity: 2}}) {
		t.Errorf("CartChanged v%d items %+v, want 2 × %s", version, d.Items, mug)
	}

	// An order placed from that version of the cart empties it (and says so on the bus).
	publish(t, orderevents.Source, orderevents.OrderPlacedV1{
		OrderID: "e2e-cart-o1", CustomerID: sub, FromCart: true, CartVersion: version,
		Lines: []orderevents.Line{{ProductID: mug, Quantity: 2}},
	}, time.Now())
	eventually(t, "the order empties the cart", func() bool { return len(getCart(t, alice).Items) == 0 })
	changes.Await(t, "CartChanged of the emptied cart", func(env envelope.Envelope) bool {
		d, err := envelope.Data[cartevents.CartChangedV1](env)
		return err == nil && d.CustomerID == sub && d.Version == version+1 && len(d.Items) == 0
	})
}

// subject returns the sub claim of token, the customer id the cart is kept under.
func subject(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims.Sub
}
