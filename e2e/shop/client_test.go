package shop

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The shapes of issue 8's API contract.
type (
	money struct {
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
	}
	product struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Category string `json:"category"`
		Price    money  `json:"price"`
	}
	productPage struct {
		Items []product `json:"items"`
	}
	line struct {
		ProductID string `json:"productId"`
		Name      string `json:"name"`
		Quantity  int    `json:"quantity"`
		UnitPrice money  `json:"unitPrice"`
		LineTotal money  `json:"lineTotal"`
	}
	cart struct {
		Items []line `json:"items"`
		Total money  `json:"total"`
	}
	stock struct {
		ProductID string `json:"productId"`
		OnHand    int    `json:"onHand"`
		Reserved  int    `json:"reserved"`
		Available int    `json:"available"`
	}
	order struct {
		ID            string `json:"id"`
		Status        string `json:"status"`
		Lines         []line `json:"lines"`
		Shipping      money  `json:"shipping"`
		Total         money  `json:"total"`
		FailureReason string `json:"failureReason"`
		CreatedAt     string `json:"createdAt"`
		UpdatedAt     string `json:"updatedAt"`
	}
	payment struct {
		OrderID string `json:"orderId"`
		Status  string `json:"status"`
		Amount  money  `json:"amount"`
		Reason  string `json:"reason"`
	}
	shipment struct {
		OrderID        string `json:"orderId"`
		TrackingNumber string `json:"trackingNumber"`
		Status         string `json:"status"`
	}
	apiError struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		RequestID string `json:"requestId"`
	}
)

// Order statuses.
const (
	pending   = "PENDING"
	confirmed = "CONFIRMED"
	failed    = "FAILED"
	cancelled = "CANCELLED"
	// delivered is not in the list of statuses; an orders service may record a
	// delivery as a status of its own, which counts as CONFIRMED (paid, shipped) here.
	delivered = "DELIVERED"
)

// final reports whether an order in status s will not change without a request.
func final(s string) bool { return s == confirmed || s == failed || s == cancelled || s == delivered }

var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512},
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// call sends one request as u (nil: without a token) with the extra headers.
func call(t testing.TB, u *user, method, path string, body any, header ...string) response {
	t.Helper()
	r, err := send(u, method, path, body, header...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is call that returns its error, for goroutines.
func send(u *user, method, path string, body any, header ...string) (response, error) {
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return response{}, err
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, api+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u != nil {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// want decodes r's body into a T after checking its status.
func want[T any](t testing.TB, r response, status int) T {
	t.Helper()
	var v T
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

// wantError checks an error response: status, the JSON error shape with the code.
func wantError(t testing.TB, r response, status int, code string) apiError {
	t.Helper()
	e := want[apiError](t, r, status)
	if e.Error.Code != code || e.Error.Message == "" || e.RequestID == "" {
		t.Errorf("error body %s, want code %q with a message and a requestId", r.body, code)
	}
	return e
}

func newKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "e2e-" + hex.EncodeToString(b)
}

// eventually polls check, with a short growing pause between tries, until it reports done or
// timeout passes; then it fails the test with what check said last.
func eventually(t testing.TB, timeout time.Duration, what string, check func() (done bool, state string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	pause := 2 * time.Millisecond
	for {
		done, state := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last seen: %s", what, timeout, state)
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// sagaTimeout bounds how long one order may take to reach a final state locally.
const sagaTimeout = 15 * time.Second

var productSeq int

// newProduct creates a product in the catalog (as the admin) priced in the shop's currency,
// sets its stock to onHand, and waits until the services that keep a replica of the catalog
// (cart, orders) know it, which the first order or cart line for it proves.
func newProduct(t testing.TB, name string, price int64, onHand int) product {
	t.Helper()
	productSeq++
	category := fmt.Sprintf("e2e-shop-%d-%d", time.Now().UnixNano()%1e9, productSeq)
	p := want[product](t, call(t, admin, "POST", "/products", map[string]any{
		"name": name, "description": "A " + name + " from the shop's end-to-end suite.", "category": category,
		"price": map[string]any{"amount": price, "currency": shopCurrency()},
	}), http.StatusCreated)
	setStock(t, p.ID, onHand)
	tracked.addProduct(p.ID, onHand)
	return p
}

// shopCurrency is the currency the template gives the functions (SHOP_CURRENCY), USD when unset.
func shopCurrency() string {
	for _, fn := range rt.Model().Functions {
		if c := fn.Environment["SHOP_CURRENCY"]; c != "" {
			return c
		}
	}
	return "USD"
}

// setStock sets a product's stock as the admin; the inventory may learn of a new product from
// the catalog's events, so a 404 is retried for a while.
func setStock(t testing.TB, productID string, onHand int) stock {
	t.Helper()
	var r response
	eventually(t, 5*time.Second, "PUT /inventory/"+productID, func() (bool, string) {
		r = call(t, admin, "PUT", "/inventory/"+productID, map[string]any{"onHand": onHand})
		return r.status != http.StatusNotFound, r.String()
	})
	s := want[stock](t, r, http.StatusOK)
	if s.OnHand != onHand || s.Available+s.Reserved != s.OnHand {
		t.Fatalf("PUT /inventory/%s onHand %d: %+v", productID, onHand, s)
	}
	return s
}

func getStock(t testing.TB, productID string) stock {
	t.Helper()
	return want[stock](t, call(t, admin, "GET", "/inventory/"+productID, nil), http.StatusOK)
}

// address is a valid shipping address.
var address = map[string]any{
	"name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "", "city": "London",
	"postalCode": "SW1Y 4JH", "country": "GB",
}

// orderBody is a POST /orders body; lines nil means "from the cart".
func orderBody(token string, lines ...map[string]any) map[string]any {
	b := map[string]any{"shippingAddress": address, "paymentToken": token}
	if lines != nil {
		b["lines"] = lines
	}
	return b
}

func lineOf(productID string, quantity int) map[string]any {
	return map[string]any{"productId": productID, "quantity": quantity}
}

// placeOrder sends POST /orders as u with a new Idempotency-Key and wants 201 PENDING. The
// orders service prices from its replica of the catalog, built from the catalog's events: an
// order for a product it has not heard of yet is refused (404 or 422), so such a refusal is
// retried with a new key for a few seconds.
func placeOrder(t testing.TB, u *user, body map[string]any) order {
	t.Helper()
	var r response
	eventually(t, 5*time.Second, "POST /orders", func() (bool, string) {
		r = call(t, u, "POST", "/orders", body, "Idempotency-Key", newKey())
		return r.status != http.StatusNotFound && r.status != http.StatusUnprocessableEntity, r.String()
	})
	o := want[order](t, r, http.StatusCreated)
	if o.Status != pending || o.ID == "" {
		t.Fatalf("POST /orders: %s, want a PENDING order with an id", r)
	}
	tracked.addOrder(u, o)
	return o
}

// listOrders returns one page of GET /orders?query as u. The issue names no field for the
// list: the catalog's lists use "items", the orders service "orders"; exactly one must be
// there, so an empty list is never a missing field.
func listOrders(t testing.TB, u *user, query string) []order {
	t.Helper()
	page := want[map[string]json.RawMessage](t, call(t, u, "GET", "/orders?"+query, nil), http.StatusOK)
	raw, items := page["items"]
	if o, ok := page["orders"]; ok {
		if items {
			t.Fatalf("GET /orders has both \"items\" and \"orders\"")
		}
		raw, items = o, true
	}
	if !items {
		t.Fatalf("GET /orders has no list (\"items\" or \"orders\"): %v", page)
	}
	var orders []order
	if err := json.Unmarshal(raw, &orders); err != nil {
		t.Fatalf("GET /orders: %v", err)
	}
	return orders
}

func getOrder(t testing.TB, u *user, id string) order {
	t.Helper()
	return want[order](t, call(t, u, "GET", "/orders/"+id, nil), http.StatusOK)
}

// awaitFinal waits until order id is in a final state and returns it.
func awaitFinal(t testing.TB, u *user, id string) order {
	t.Helper()
	var o order
	eventually(t, sagaTimeout, "order "+id+" final", func() (bool, string) {
		o = getOrder(t, u, id)
		return final(o.Status), o.Status
	})
	return o
}

// awaitStatus waits until order id has status s.
func awaitStatus(t testing.TB, u *user, id, s string) order {
	t.Helper()
	o := awaitFinal(t, u, id)
	if o.Status != s {
		t.Fatalf("order %s is %s (reason %q), want %s", id, o.Status, o.FailureReason, s)
	}
	return o
}

// getPayment returns the order's payment, ok false on a 404 (no payment).
func getPayment(t testing.TB, u *user, orderID string) (payment, bool) {
	t.Helper()
	r := call(t, u, "GET", "/payments/"+orderID, nil)
	if r.status == http.StatusNotFound {
		return payment{}, false
	}
	return want[payment](t, r, http.StatusOK), true
}

func getShipment(t testing.TB, u *user, orderID string) (shipment, bool) {
	t.Helper()
	r := call(t, u, "GET", "/shipments/"+orderID, nil)
	if r.status == http.StatusNotFound {
		return shipment{}, false
	}
	return want[shipment](t, r, http.StatusOK), true
}

// sumLines adds the lines' totals, checking each is unit price × quantity.
func sumLines(t testing.TB, lines []line) int64 {
	t.Helper()
	var sum int64
	for _, l := range lines {
		if l.LineTotal.Amount != l.UnitPrice.Amount*int64(l.Quantity) {
			t.Errorf("line %s: total %d, want %d × %d", l.ProductID, l.LineTotal.Amount, l.Quantity, l.UnitPrice.Amount)
		}
		sum += l.LineTotal.Amount
	}
	return sum
}

func itoa(n int) string { return strconv.Itoa(n) }

func contains(s, sub string) bool { return strings.Contains(strings.ToLower(s), sub) }
