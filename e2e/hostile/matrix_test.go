package hostile

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	cartspec "github.com/microshop/microshop/functions/cart/spec"
	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
	inventoryspec "github.com/microshop/microshop/functions/inventory/spec"
	ordersspec "github.com/microshop/microshop/functions/orders/spec"
	paymentsspec "github.com/microshop/microshop/functions/payments/spec"
	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
	"github.com/microshop/microshop/local/jwtauth"
	"github.com/microshop/microshop/shared/spec"
)

// services are every service's spec; a route a spec lists is in the matrix.
var services = []spec.Service{
	catalogspec.Service(), inventoryspec.Service(), cartspec.Service(),
	ordersspec.Service(), paymentsspec.Service(), shippingspec.Service(),
}

// cell is one kind of caller.
type cell string

const (
	anonymous    cell = "anonymous"
	otherCust    cell = "another customer"
	expired      cell = "expired"
	notYetValid  cell = "not yet valid"
	wrongAud     cell = "wrong audience"
	wrongIss     cell = "wrong issuer"
	badSignature cell = "bad signature"
	algNone      cell = "alg none"
	nonAdmin     cell = "non-admin (the owner)"
	admin        cell = "admin"
)

// tokenProblems are the cells the authorizer must refuse with 401 on every route it guards.
var tokenProblems = []cell{anonymous, expired, notYetValid, wrongAud, wrongIss, badSignature, algNone}

// world is what the matrix acts on: alice's order and products an admin made.
type world struct {
	tokens          map[cell]string
	productA        string // alice's cart and order hold it
	productB        string // deleted by the admin cell of DELETE /products/{id}
	order1, order2  string // alice's; order2 is cancelled by her cell of the cancel route
	secrets         []string
	productAName    string
	aliceSub, bobID string
}

// theWorld makes the world once for the package's tests (setup); tests that change it only
// touch what no other test reads.
func theWorld(t *testing.T) *world {
	t.Helper()
	worldOnce.Do(func() { sharedWorld = setup(t) })
	if sharedWorld == nil {
		t.Fatal("the world could not be set up (see the first test's failure)")
	}
	return sharedWorld
}

var (
	worldOnce   sync.Once
	sharedWorld *world
)

func TestMatrix(t *testing.T) {
	w := theWorld(t)
	routes := allRoutes(t)
	// Writes that destroy what other cells read run last.
	slices.SortStableFunc(routes, func(a, b spec.Route) int { return destructive(a) - destructive(b) })
	for _, r := range routes {
		t.Run(r.Key(), func(t *testing.T) {
			for _, c := range append(slices.Clone(tokenProblems), otherCust, nonAdmin, admin) {
				t.Run(string(c), func(t *testing.T) {
					want := expect(r, c)
					status, body := send(t, w, r, w.tokens[c])
					if status != want.status && !(want.status == 200 && status/100 == 2) {
						t.Fatalf("status %d, want %d; body %s", status, want.status, body)
					}
					if status/100 != 2 {
						checkRefusal(t, c, want, body, w.secrets)
					}
					// Another customer's own answers (their cart, their orders) show nothing of alice's.
					for _, s := range []string{w.order1, w.order2, w.aliceSub} {
						if c == otherCust && bytes.Contains(body, []byte(s)) {
							t.Errorf("another customer's answer %s carries %q of alice's", body, s)
						}
					}
				})
			}
		})
	}
}

// allRoutes is every spec route; it fails if the template has a route no spec lists, or a
// route with authorization scopes (the matrix has no scope cell: no route uses scopes).
func allRoutes(t *testing.T) []spec.Route {
	t.Helper()
	var routes []spec.Route
	for _, s := range services {
		routes = append(routes, s.Routes...)
	}
	for _, api := range rt.Model().APIs {
		for _, tr := range api.Routes {
			if !slices.ContainsFunc(routes, func(r spec.Route) bool { return r.Key() == tr.Key }) {
				t.Errorf("template route %q is in no service spec the matrix reads", tr.Key)
			}
			if len(tr.AuthorizationScopes) > 0 {
				t.Errorf("route %q needs scopes %v: add a missing-scope cell to the matrix", tr.Key, tr.AuthorizationScopes)
			}
		}
	}
	return routes
}

func destructive(r spec.Route) int {
	switch r.Key() {
	case "POST /orders/{id}/cancel", "DELETE /products/{id}", "DELETE /cart", "DELETE /cart/items/{productId}":
		return 1
	}
	return 0
}

// ownsResource reports whether the route's path parameter names a customer's own resource,
// which another customer must not find.
func ownsResource(r spec.Route) bool {
	return r.Access == spec.Customer && strings.Contains(r.Path, "{") &&
		(strings.HasPrefix(r.Path, "/orders/") || strings.HasPrefix(r.Path, "/payments/") || strings.HasPrefix(r.Path, "/shipments/"))
}

type expectation struct {
	status int
	code   string // the error code of a JSON error body; "" for the authorizer's {"message"}
}

// expect is the matrix's specification.
func expect(r spec.Route, c cell) expectation {
	ok := expectation{status: 200}
	if r.Access == spec.Public {
		return ok // no authorizer: whatever the token, the route answers
	}
	if slices.Contains(tokenProblems, c) {
		return expectation{status: 401}
	}
	switch {
	case r.Access == spec.Admin && c != admin:
		return expectation{status: 403, code: "forbidden"}
	case r.Access == spec.Admin:
		return ok
	case ownsResource(r) && c != nonAdmin: // another customer, or an admin acting as one
		return expectation{status: 404, code: "not_found"}
	}
	return ok
}

// checkRefusal checks a refused cell's body: the authorizer's {"message":...} for a 401, else
// exactly the JSON error shape, and never a value of the resource.
func checkRefusal(t *testing.T, c cell, want expectation, body []byte, secrets []string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if want.code == "" {
		var b struct{ Message string }
		if err := dec.Decode(&b); err != nil || b.Message != "Unauthorized" {
			t.Errorf("%s: body %s, want {\"message\":\"Unauthorized\"} (%v)", c, body, err)
		}
	} else {
		var b struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
			RequestID string `json:"requestId"`
		}
		if err := dec.Decode(&b); err != nil || b.Error.Code != want.code || b.RequestID == "" {
			t.Errorf("%s: body %s, want the error shape with code %q (%v)", c, body, want.code, err)
		}
	}
	for _, s := range secrets {
		if bytes.Contains(body, []byte(s)) {
			t.Errorf("%s: refused body %s carries %q of the resource", c, body, s)
		}
	}
}

// send sends route r's request of the matrix with token (none if "").
func send(t *testing.T, w *world, r spec.Route, token string) (int, []byte) {
	t.Helper()
	path := r.Path
	param := map[string]string{
		"/products/{id}": w.productA, "/inventory/{productId}": w.productA, "/cart/items/{productId}": w.productA,
		"/orders/{id}": w.order1, "/orders/{id}/cancel": w.order2, "/payments/{orderId}": w.order1,
		"/shipments/{orderId}": w.order1, "/shipments/{orderId}/deliver": w.order1,
	}
	if r.Key() == "DELETE /products/{id}" {
		param[r.Path] = w.productB
	}
	if v, ok := param[r.Path]; ok {
		path = path[:strings.Index(path, "{")] + v + path[strings.Index(path, "}")+1:]
	} else if strings.Contains(path, "{") {
		t.Fatalf("route %s: the matrix has no resource for its path parameter; add one to send", r.Key())
	}
	header := map[string]string{"Idempotency-Key": newKey()}
	var body string
	switch r.Key() {
	case "POST /products":
		body = productBody("Authz Extra " + newKey()[:8])
	case "PUT /products/{id}":
		body = productBody(w.productAName)
		_, _, h := do(t, "GET", "/products/"+w.productA, "", "", nil)
		header["If-Match"] = h.Get("ETag")
	case "DELETE /products/{id}":
		_, _, h := do(t, "GET", "/products/"+w.productB, "", "", nil)
		header["If-Match"] = h.Get("ETag")
	case "PUT /inventory/{productId}":
		body = `{"onHand":1000000}` // above whatever other tests' orders reserved
	case "PUT /cart/items/{productId}":
		body = `{"quantity":1}`
	case "POST /orders":
		body = orderBody(w.productA)
	case "POST /shipping/quote":
		body = `{"country":"US","items":1}`
	}
	status, b, _ := do(t, r.Method, path, token, body, header)
	return status, b
}

func productBody(name string) string {
	return `{"name":"` + name + `","description":"","category":"kitchen","price":{"amount":1250,"currency":"USD"},"imageUrl":"","tags":[]}`
}

func orderBody(productID string) string {
	return `{"lines":[{"productId":"` + productID + `","quantity":1}],"paymentToken":"tok_visa",` +
		`"shippingAddress":{"name":"Alice Authz","line1":"1 Matrix Road","city":"Springfield","postalCode":"12345","country":"US"}}`
}

// do sends a request and returns the status, body and header.
func do(t *testing.T, method, path, token, body string, header map[string]string) (int, []byte, http.Header) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, rt.APIURL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// setup mints every cell's token and makes the resources: two products (A stocked), and two
// orders of alice's for product A, the first CONFIRMED with its payment and shipment.
func setup(t *testing.T) *world {
	t.Helper()
	w := &world{tokens: map[cell]string{}, aliceSub: "authz-alice-" + newKey()[:6], bobID: "authz-bob-" + newKey()[:6]}
	good := issuer(t, 0)
	mint := func(iss *jwtauth.Issuer, c jwtauth.Claims) string {
		t.Helper()
		tok, err := iss.Issue(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	alice := jwtauth.Claims{Subject: w.aliceSub}
	w.tokens[nonAdmin] = mint(good, alice)
	w.tokens[otherCust] = mint(good, jwtauth.Claims{Subject: w.bobID})
	w.tokens[admin] = mint(good, jwtauth.Claims{Subject: "authz-admin", Groups: []string{"admin"}})
	w.tokens[expired] = mint(issuer(t, -2*time.Hour), jwtauth.Claims{Subject: w.aliceSub, TTL: time.Hour})
	w.tokens[notYetValid] = mint(good, jwtauth.Claims{Subject: w.aliceSub, NotBefore: time.Now().Add(time.Hour)})
	w.tokens[wrongAud] = mint(good, jwtauth.Claims{Subject: w.aliceSub, ClientID: "someoneelsesappclient"})
	w.tokens[wrongIss] = mint(good, jwtauth.Claims{Subject: w.aliceSub, Issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Mallory"})
	w.tokens[badSignature] = forge(t, w.tokens[nonAdmin], good.KeyID())
	w.tokens[algNone] = unsigned(t, w.tokens[nonAdmin])

	w.productAName = "Authz Secret Mug " + newKey()[:8]
	w.productA = createProduct(t, w, w.productAName)
	w.productB = createProduct(t, w, "Authz Doomed Mug "+newKey()[:8])
	if s, b, _ := do(t, "PUT", "/inventory/"+w.productA, w.tokens[admin], `{"onHand":100}`, nil); s != 200 {
		t.Fatalf("stock product A: %d %s", s, b)
	}
	w.order1 = placeOrder(t, w)
	w.order2 = placeOrder(t, w)
	eventually(t, "order 1 CONFIRMED with a shipment", func() (bool, string) {
		s, b, _ := do(t, "GET", "/orders/"+w.order1, w.tokens[nonAdmin], "", nil)
		var o struct{ Status string }
		_ = json.Unmarshal(b, &o)
		ss, sb, _ := do(t, "GET", "/shipments/"+w.order1, w.tokens[nonAdmin], "", nil)
		return s == 200 && o.Status == "CONFIRMED" && ss == 200, fmt.Sprintf("order %d %s; shipment %d %s", s, b, ss, sb)
	})
	w.secrets = []string{w.order1, w.order2, w.productAName, w.aliceSub, "Matrix Road", "tok_visa"}
	return w
}

func createProduct(t *testing.T, w *world, name string) string {
	t.Helper()
	s, b, _ := do(t, "POST", "/products", w.tokens[admin], productBody(name), map[string]string{"Idempotency-Key": newKey()})
	var p struct{ ID string }
	if err := json.Unmarshal(b, &p); s != 201 || err != nil || p.ID == "" {
		t.Fatalf("create product: %d %s", s, b)
	}
	return p.ID
}

// placeOrder places alice's order for one product A, once the product has reached the
// orders service's replica.
func placeOrder(t *testing.T, w *world) string {
	t.Helper()
	var id string
	eventually(t, "an order placed", func() (bool, string) {
		s, b, _ := do(t, "POST", "/orders", w.tokens[nonAdmin], orderBody(w.productA), map[string]string{"Idempotency-Key": newKey()})
		var o struct{ ID string }
		_ = json.Unmarshal(b, &o)
		id = o.ID
		return s == 201 && id != "", fmt.Sprintf("%d %s", s, b)
	})
	return id
}

func eventually(t *testing.T, what string, f func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		ok, last := f()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 90s; last: %s", what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// forge re-signs token's header and claims with a key that is not the issuer's, under the
// issuer's kid: a bad signature.
func forge(t *testing.T, token, kid string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsigned is token's claims under {"alg":"none"} with an empty signature.
func unsigned(t *testing.T, token string) string {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		t.Fatal(err)
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
