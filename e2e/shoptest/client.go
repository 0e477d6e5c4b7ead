package shoptest

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
	// Money is an amount in minor units and its currency.
	Money struct {
		Amount   int64  `json:"amount"`
		Currency string `json:"currency"`
	}
	// Product is a catalog product.
	Product struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Category string `json:"category"`
		Price    Money  `json:"price"`
	}
	// ProductPage is a page of GET /products.
	ProductPage struct {
		Items []Product `json:"items"`
	}
	// Line is a priced line of a cart or an order.
	Line struct {
		ProductID string `json:"productId"`
		Name      string `json:"name"`
		Quantity  int    `json:"quantity"`
		UnitPrice Money  `json:"unitPrice"`
		LineTotal Money  `json:"lineTotal"`
	}
	// Cart is GET /cart.
	Cart struct {
		Items []Line `json:"items"`
		Total Money  `json:"total"`
		// Version names this state of the cart; POST /orders' cartVersion orders exactly it.
		Version int `json:"version"`
	}
	// Stock is GET /inventory/{productId}.
	Stock struct {
		ProductID string `json:"productId"`
		OnHand    int    `json:"onHand"`
		Reserved  int    `json:"reserved"`
		Available int    `json:"available"`
	}
	// Order is an order as the orders routes show it.
	Order struct {
		ID            string `json:"id"`
		Status        string `json:"status"`
		Lines         []Line `json:"lines"`
		Shipping      Money  `json:"shipping"`
		Total         Money  `json:"total"`
		FailureReason string `json:"failureReason"`
		CreatedAt     string `json:"createdAt"`
		UpdatedAt     string `json:"updatedAt"`
	}
	// Payment is GET /payments/{orderId}.
	Payment struct {
		OrderID string `json:"orderId"`
		Status  string `json:"status"`
		Amount  Money  `json:"amount"`
		Reason  string `json:"reason"`
	}
	// Shipment is GET /shipments/{orderId}.
	Shipment struct {
		OrderID        string `json:"orderId"`
		TrackingNumber string `json:"trackingNumber"`
		Status         string `json:"status"`
	}
	// APIError is the body of every error response.
	APIError struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		RequestID string `json:"requestId"`
	}
)

// Order statuses.
const (
	Pending   = "PENDING"
	Confirmed = "CONFIRMED"
	Failed    = "FAILED"
	Cancelled = "CANCELLED"
	// Delivered is not in the list of statuses; an orders service may record a
	// delivery as a status of its own, which counts as CONFIRMED (paid, shipped) here.
	Delivered = "DELIVERED"
)

// Final reports whether an order in status s will not change without a request.
func Final(s string) bool { return s == Confirmed || s == Failed || s == Cancelled || s == Delivered }

var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512},
}

// Response is an HTTP response, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// String shows the status and the body, for failure messages.
func (r Response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// Call sends one request as u (nil: without a token) with the extra headers.
func Call(t testing.TB, u *User, method, path string, body any, header ...string) Response {
	t.Helper()
	r, err := Send(u, method, path, body, header...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Send is call that returns its error, for goroutines.
func Send(u *User, method, path string, body any, header ...string) (Response, error) {
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return Response{}, err
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, target.APIURL+path, rd)
	if err != nil {
		return Response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u != nil {
		req.Header.Set("Authorization", "Bearer "+u.Token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Want decodes r's body into a T after checking its status.
func Want[T any](t testing.TB, r Response, status int) T {
	t.Helper()
	var v T
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	return v
}

// WantError checks an error response: status, the JSON error shape with the code.
func WantError(t testing.TB, r Response, status int, code string) APIError {
	t.Helper()
	e := Want[APIError](t, r, status)
	if e.Error.Code != code || e.Error.Message == "" || e.RequestID == "" {
		t.Errorf("error body %s, want code %q with a message and a requestId", r.Body, code)
	}
	return e
}

func NewKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "e2e-" + hex.EncodeToString(b)
}

// Eventually polls check, with a short growing pause between tries, until it reports done or
// timeout passes; then it fails the test with what check said last.
func Eventually(t testing.TB, timeout time.Duration, what string, check func() (done bool, state string)) {
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

// SagaTimeout bounds how long one order may take to reach a final state locally.
const SagaTimeout = 15 * time.Second

var productSeq int

// NewProduct creates a product in the catalog (as the admin) priced in the shop's currency,
// sets its stock to onHand, and waits until the services that keep a replica of the catalog
// (cart, orders) know it, which the first order or cart line for it proves.
func NewProduct(t testing.TB, name string, price int64, onHand int) Product {
	t.Helper()
	productSeq++
	category := fmt.Sprintf("e2e-shop-%d-%d", time.Now().UnixNano()%1e9, productSeq)
	p := Want[Product](t, Call(t, Admin, "POST", "/products", map[string]any{
		"name": name, "description": "A " + name + " from the shop's end-to-end suite.", "category": category,
		"price": map[string]any{"amount": price, "currency": ShopCurrency()},
	}), http.StatusCreated)
	SetStock(t, p.ID, onHand)
	Tracked.AddProduct(p.ID, onHand)
	return p
}

// ShopCurrency is the shop's currency (Target.Currency, USD when unset).
func ShopCurrency() string {
	if target.Currency == "" {
		return "USD"
	}
	return target.Currency
}

// SetStock sets a product's stock as the admin; the inventory may learn of a new product from
// the catalog's events, so a 404 is retried for a while.
func SetStock(t testing.TB, productID string, onHand int) Stock {
	t.Helper()
	var r Response
	Eventually(t, 5*time.Second, "PUT /inventory/"+productID, func() (bool, string) {
		r = Call(t, Admin, "PUT", "/inventory/"+productID, map[string]any{"onHand": onHand})
		return r.Status != http.StatusNotFound, r.String()
	})
	s := Want[Stock](t, r, http.StatusOK)
	if s.OnHand != onHand || s.Available+s.Reserved != s.OnHand {
		t.Fatalf("PUT /inventory/%s onHand %d: %+v", productID, onHand, s)
	}
	return s
}

func GetStock(t testing.TB, productID string) Stock {
	t.Helper()
	return Want[Stock](t, Call(t, Admin, "GET", "/inventory/"+productID, nil), http.StatusOK)
}

// Address is a valid shipping address.
var Address = map[string]any{
	"name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "", "city": "London",
	"postalCode": "SW1Y 4JH", "country": "GB",
}

// OrderBody is a POST /orders body; lines nil means "from the cart".
func OrderBody(token string, lines ...map[string]any) map[string]any {
	b := map[string]any{"shippingAddress": Address, "paymentToken": token}
	if lines != nil {
		b["lines"] = lines
	}
	return b
}

func LineOf(productID string, quantity int) map[string]any {
	return map[string]any{"productId": productID, "quantity": quantity}
}

// PlaceOrder sends POST /orders as u with a new Idempotency-Key and wants 201 PENDING. The
// orders service prices from its replica of the catalog, built from the catalog's events: an
// Order for a product it has not heard of yet is refused (404 or 422), so such a refusal is
// retried with a new key for a few seconds.
func PlaceOrder(t testing.TB, u *User, body map[string]any) Order {
	t.Helper()
	var r Response
	Eventually(t, 5*time.Second, "POST /orders", func() (bool, string) {
		r = Call(t, u, "POST", "/orders", body, "Idempotency-Key", NewKey())
		return r.Status != http.StatusNotFound && r.Status != http.StatusUnprocessableEntity, r.String()
	})
	o := Want[Order](t, r, http.StatusCreated)
	if o.Status != Pending || o.ID == "" {
		t.Fatalf("POST /orders: %s, want a PENDING order with an id", r)
	}
	Tracked.AddOrder(u, o)
	return o
}

// ListOrders returns one page of GET /orders?query as u. The issue names no field for the
// list: the catalog's lists use "items", the orders service "orders"; exactly one must be
// there, so an empty list is never a missing field.
func ListOrders(t testing.TB, u *User, query string) []Order {
	t.Helper()
	page := Want[map[string]json.RawMessage](t, Call(t, u, "GET", "/orders?"+query, nil), http.StatusOK)
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
	var orders []Order
	if err := json.Unmarshal(raw, &orders); err != nil {
		t.Fatalf("GET /orders: %v", err)
	}
	return orders
}

func GetOrder(t testing.TB, u *User, id string) Order {
	t.Helper()
	return Want[Order](t, Call(t, u, "GET", "/orders/"+id, nil), http.StatusOK)
}

// AwaitFinal waits until order id is in a final state and returns it.
func AwaitFinal(t testing.TB, u *User, id string) Order {
	t.Helper()
	var o Order
	Eventually(t, SagaTimeout, "order "+id+" final", func() (bool, string) {
		o = GetOrder(t, u, id)
		return Final(o.Status), o.Status
	})
	return o
}

// AwaitStatus waits until order id has status s.
func AwaitStatus(t testing.TB, u *User, id, s string) Order {
	t.Helper()
	o := AwaitFinal(t, u, id)
	if o.Status != s {
		t.Fatalf("order %s is %s (reason %q), want %s", id, o.Status, o.FailureReason, s)
	}
	return o
}

// GetPayment returns the order's payment, ok false on a 404 (no payment).
func GetPayment(t testing.TB, u *User, orderID string) (Payment, bool) {
	t.Helper()
	r := Call(t, u, "GET", "/payments/"+orderID, nil)
	if r.Status == http.StatusNotFound {
		return Payment{}, false
	}
	return Want[Payment](t, r, http.StatusOK), true
}

func GetShipment(t testing.TB, u *User, orderID string) (Shipment, bool) {
	t.Helper()
	r := Call(t, u, "GET", "/shipments/"+orderID, nil)
	if r.Status == http.StatusNotFound {
		return Shipment{}, false
	}
	return Want[Shipment](t, r, http.StatusOK), true
}

// SumLines adds the lines' totals, checking each is unit price × quantity.
func SumLines(t testing.TB, lines []Line) int64 {
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

func Itoa(n int) string { return strconv.Itoa(n) }

func Contains(s, sub string) bool { return strings.Contains(strings.ToLower(s), sub) }

// PutCartItem sets the quantity of a product in u's cart and returns the cart. The cart
// learns of products from the catalog's events; until it has, a line for the product is a
// 404, which is retried for a while.
func PutCartItem(t testing.TB, u *User, productID string, quantity int) Cart {
	t.Helper()
	var r Response
	Eventually(t, SagaTimeout, "PUT /cart/items/"+productID, func() (bool, string) {
		r = Call(t, u, "PUT", "/cart/items/"+productID, map[string]any{"quantity": quantity})
		return r.Status != http.StatusNotFound, r.String()
	})
	return Want[Cart](t, r, http.StatusOK)
}

// GetCart returns u's cart (GET /cart).
func GetCart(t testing.TB, u *User) Cart {
	t.Helper()
	return Want[Cart](t, Call(t, u, "GET", "/cart", nil), http.StatusOK)
}

// PlaceCartOrder orders version version of u's cart (GET /cart's "version"): POST /orders
// without lines, naming the version. The orders service keeps its own copy of each cart, one
// event behind the cart; it waits a moment for its copy to reach the version, and answers 409
// "not_ready" if it has not: the order was not placed, and the client retries with a new
// Idempotency-Key, as this does for a while. It wants 201 PENDING.
func PlaceCartOrder(t testing.TB, u *User, token string, version int) Order {
	t.Helper()
	body := OrderBody(token)
	body["cartVersion"] = version
	var r Response
	Eventually(t, SagaTimeout, "POST /orders from the cart", func() (bool, string) {
		r = Call(t, u, "POST", "/orders", body, "Idempotency-Key", NewKey())
		if r.Status != http.StatusConflict {
			return true, r.String()
		}
		WantError(t, r, http.StatusConflict, "not_ready")
		return false, r.String()
	})
	o := Want[Order](t, r, http.StatusCreated)
	if o.Status != Pending || o.ID == "" {
		t.Fatalf("POST /orders: %s, want a PENDING order with an id", r)
	}
	Tracked.AddOrder(u, o)
	return o
}

// AwaitEmptyCart waits until u's cart is empty (the cart service empties it from the
// OrderPlaced of an order placed from it, one event after the order) and returns it.
func AwaitEmptyCart(t testing.TB, u *User) Cart {
	t.Helper()
	var c Cart
	Eventually(t, SagaTimeout, "the cart emptied", func() (bool, string) {
		c = GetCart(t, u)
		return len(c.Items) == 0, fmt.Sprintf("%+v", c.Items)
	})
	return c
}
