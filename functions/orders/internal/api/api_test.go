package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/functions/orders/internal/api"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/functions/orders/internal/ddb"
	"github.com/microshop/microshop/functions/orders/internal/order"
	ordersspec "github.com/microshop/microshop/functions/orders/spec"
	"github.com/microshop/microshop/functions/shipping/quote"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/idempotency"
	"github.com/microshop/microshop/shared/money"
)

const reqID = "req-1"

var t0 = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)

// fixture serves every orders route over the DynamoDB store and idempotency records on a
// fresh table of the local engine, with a replica holding "mug" (1250 USD).
type fixture struct {
	srv   http.Handler
	svc   *app.Service
	ids   atomic.Uint64
	clock atomic.Int64
}

var tableSeq atomic.Int64

func newFixture(t *testing.T) *fixture {
	t.Helper()
	client := ddbtest.Client(t)
	table := fmt.Sprintf("orders-api-%d", tableSeq.Add(1))
	ctx := context.Background()
	if _, err := client.CreateTable(ctx, ddb.CreateTableInput(table)); err != nil {
		t.Fatal(err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 200*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	f := &fixture{}
	store := ddb.New(client, table)
	f.svc = app.New(app.Deps{
		Orders: store, Products: store, Carts: store, Shipping: quote.Price, Currency: money.MustParseCurrency("USD"),
		// Each call is one second later, so orders list in placement order.
		Now:   func() time.Time { return t0.Add(time.Duration(f.clock.Add(1)) * time.Second) },
		NewID: func() order.ID { return order.ID(fmt.Sprintf("%032x", f.ids.Add(1))) },
	})
	if err := f.svc.OnProductUpserted(ctx, "mug", "Mug", catalogevents.Price{Amount: 1250, Currency: "USD"}, 1); err != nil {
		t.Fatal(err)
	}
	srv, err := api.NewServer(api.Deps{
		Service:     f.svc,
		Idempotency: idempotency.NewStore(client, table, idempotency.PartitionKey(ordersspec.KeyID)),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	return f
}

// claims returns API Gateway's request context of a caller with sub and groups (nil: no token).
func claims(sub string, groups ...string) *events.APIGatewayV2HTTPRequest {
	c := map[string]string{"sub": sub, "username": sub, "token_use": "access"}
	if len(groups) > 0 {
		c["cognito:groups"] = "[" + strings.Join(groups, " ") + "]"
	}
	return &events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: c},
		},
	}}
}

type request struct {
	caller         *events.APIGatewayV2HTTPRequest
	method, target string
	key            string // Idempotency-Key, "" for none
	body           string
}

func (f *fixture) do(t *testing.T, req request) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(req.method, req.target, strings.NewReader(req.body))
	r.Header.Set("Content-Type", "application/json")
	if req.key != "" {
		r.Header.Set(idempotency.HeaderKey, req.key)
	}
	ctx := r.Context()
	if req.caller != nil {
		ctx = httpapi.WithEvent(ctx, req.caller)
	}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r.WithContext(httpapi.WithRequestID(ctx, reqID)))
	return w
}

const placeBody = `{"shippingAddress":{"name":"Ada","line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"},
	"paymentToken":"tok_visa","lines":[{"productId":"mug","quantity":2}]}`

var alice, bob, admin = claims("alice"), claims("bob"), claims("root", "admin")

func (f *fixture) place(t *testing.T, caller *events.APIGatewayV2HTTPRequest, key string) map[string]any {
	t.Helper()
	w := f.do(t, request{caller: caller, method: "POST", target: "/orders", key: key, body: placeBody})
	if w.Code != http.StatusCreated {
		t.Fatalf("POST /orders: %d %s", w.Code, w.Body)
	}
	return decode(t, w)
}

func decode(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return v
}

func usd(a float64) map[string]any { return map[string]any{"amount": a, "currency": "USD"} }

func TestPlaceOrder(t *testing.T) {
	f := newFixture(t)
	w := f.do(t, request{caller: alice, method: "POST", target: "/orders", key: "k1", body: placeBody})
	if w.Code != http.StatusCreated {
		t.Fatalf("status %d, body %s", w.Code, w.Body)
	}
	id := fmt.Sprintf("%032x", 1)
	if got := w.Header().Get("Location"); got != "/orders/"+id {
		t.Errorf("Location = %q", got)
	}
	want := map[string]any{
		"id": id, "status": "PENDING",
		"lines": []any{map[string]any{
			"productId": "mug", "name": "Mug", "quantity": float64(2), "unitPrice": usd(1250), "lineTotal": usd(2500),
		}},
		"shipping": usd(598), "total": usd(3098), "failureReason": nil,
		"shippingAddress": map[string]any{"name": "Ada", "line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"},
		"createdAt":       "2025-06-01T09:00:01Z", "updatedAt": "2025-06-01T09:00:01Z",
	}
	if diff := cmp.Diff(want, decode(t, w)); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t)
	first := f.do(t, request{caller: alice, method: "POST", target: "/orders", key: "k1", body: placeBody})
	again := f.do(t, request{caller: alice, method: "POST", target: "/orders", key: "k1", body: placeBody})
	if again.Code != http.StatusCreated || again.Body.String() != first.Body.String() || again.Header().Get(idempotency.HeaderReplayed) != "true" {
		t.Errorf("replay: %d %s (replayed %q), want the first response %s", again.Code, again.Body, again.Header().Get(idempotency.HeaderReplayed), first.Body)
	}
	other := f.do(t, request{caller: alice, method: "POST", target: "/orders", key: "k1", body: strings.Replace(placeBody, `"quantity":2`, `"quantity":3`, 1)})
	if other.Code != http.StatusUnprocessableEntity {
		t.Errorf("same key, other body: %d %s, want 422", other.Code, other.Body)
	}
	list := decode(t, f.do(t, request{caller: alice, method: "GET", target: "/orders"}))
	if n := len(list["orders"].([]any)); n != 1 {
		t.Errorf("%d orders after one key sent twice, want 1", n)
	}
	// Bob's equal key is his own.
	if got := f.place(t, bob, "k1")["id"]; got == decode(t, first)["id"] {
		t.Errorf("bob's key k1 replayed alice's order %v", got)
	}
}

func errorBody(code, message string) string {
	return fmt.Sprintf(`{"error":{"code":%q,"message":%q},"requestId":%q}`, code, message, reqID)
}

func TestFailures(t *testing.T) {
	f := newFixture(t)
	order1 := f.place(t, alice, "k1")["id"].(string)
	notFound := errorBody("not_found", "order not found")
	tests := []struct {
		name       string
		req        request
		wantStatus int
		wantCode   string
	}{
		{"no token", request{method: "POST", target: "/orders", key: "k", body: placeBody}, 401, "unauthorized"},
		{"no key", request{caller: alice, method: "POST", target: "/orders", body: placeBody}, 428, "precondition_required"},
		{"empty cart", request{caller: alice, method: "POST", target: "/orders", key: "k2", body: `{"shippingAddress":{"name":"Ada","line1":"1","city":"C","postalCode":"1","country":"US"},"paymentToken":"tok_visa"}`}, 422, "empty"},
		{"lines: []", request{caller: alice, method: "POST", target: "/orders", key: "k2a", body: `{"shippingAddress":{"name":"Ada","line1":"1","city":"C","postalCode":"1","country":"US"},"paymentToken":"tok_visa","lines":[]}`}, 400, "invalid"},
		{"negative cartVersion", request{caller: alice, method: "POST", target: "/orders", key: "k2b", body: `{"shippingAddress":{"name":"Ada","line1":"1","city":"C","postalCode":"1","country":"US"},"paymentToken":"tok_visa","cartVersion":-1}`}, 400, "invalid"},
		{"unknown product", request{caller: alice, method: "POST", target: "/orders", key: "k3", body: strings.Replace(placeBody, `"mug"`, `"nope"`, 1)}, 422, "unprocessable"},
		{"unknown field", request{caller: alice, method: "POST", target: "/orders", key: "k4", body: `{"foo":1}`}, 400, "invalid"},
		{"no address", request{caller: alice, method: "POST", target: "/orders", key: "k5", body: `{"paymentToken":"tok_visa","lines":[{"productId":"mug","quantity":1}]}`}, 400, "invalid"},
		{"bad limit", request{caller: alice, method: "GET", target: "/orders?limit=0"}, 400, "invalid"},
		{"bad cursor", request{caller: alice, method: "GET", target: "/orders?cursor=abc"}, 400, "invalid"},
		{"cancel without key", request{caller: alice, method: "POST", target: "/orders/" + order1 + "/cancel"}, 428, "precondition_required"},
		{"admin list by a customer", request{caller: alice, method: "GET", target: "/admin/orders"}, 403, "forbidden"},
		{"admin list, bad status", request{caller: admin, method: "GET", target: "/admin/orders?status=LOST"}, 400, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(t, tt.req)
			if w.Code != tt.wantStatus || decode(t, w)["error"].(map[string]any)["code"] != tt.wantCode {
				t.Errorf("%d %s, want %d %s", w.Code, w.Body, tt.wantStatus, tt.wantCode)
			}
		})
	}
	// BOLA: another customer's order answers exactly as an order that does not exist.
	for _, req := range []request{
		{caller: bob, method: "GET", target: "/orders/" + order1},
		{caller: bob, method: "POST", target: "/orders/" + order1 + "/cancel", key: "kb"},
		{caller: alice, method: "GET", target: "/orders/" + fmt.Sprintf("%032x", 999)},
		{caller: alice, method: "GET", target: "/orders/not-an-id"},
	} {
		if w := f.do(t, req); w.Code != http.StatusNotFound || strings.TrimSpace(w.Body.String()) != notFound {
			t.Errorf("%s %s as %s: %d %s, want 404 %s", req.method, req.target, req.caller.RequestContext.Authorizer.JWT.Claims["sub"], w.Code, w.Body, notFound)
		}
	}
	if got := decode(t, f.do(t, request{caller: alice, method: "GET", target: "/orders/" + order1}))["status"]; got != "PENDING" {
		t.Errorf("bob's cancel changed alice's order to %v", got)
	}
}

func TestCancel(t *testing.T) {
	f := newFixture(t)
	id := f.place(t, alice, "k1")["id"].(string)
	w := f.do(t, request{caller: alice, method: "POST", target: "/orders/" + id + "/cancel", key: "c1"})
	if w.Code != http.StatusOK || decode(t, w)["status"] != "CANCELLED" {
		t.Fatalf("cancel: %d %s", w.Code, w.Body)
	}
	// Cancelling again (a new key) changes nothing and answers the order.
	if w := f.do(t, request{caller: alice, method: "POST", target: "/orders/" + id + "/cancel", key: "c2"}); w.Code != http.StatusOK || decode(t, w)["status"] != "CANCELLED" {
		t.Errorf("second cancel: %d %s", w.Code, w.Body)
	}

	delivered := f.place(t, alice, "k2")["id"].(string)
	ctx := context.Background()
	if err := f.svc.OnShipmentCreated(ctx, delivered); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.OnShipmentDelivered(ctx, delivered); err != nil {
		t.Fatal(err)
	}
	w = f.do(t, request{caller: alice, method: "POST", target: "/orders/" + delivered + "/cancel", key: "c3"})
	if w.Code != http.StatusConflict || decode(t, w)["error"].(map[string]any)["code"] != "conflict" {
		t.Errorf("cancel after delivery: %d %s, want 409 conflict", w.Code, w.Body)
	}
}

// TestLists pages through alice's orders and the admin's lists, newest first.
func TestLists(t *testing.T) {
	f := newFixture(t)
	var placed []string
	for i := range 5 {
		placed = append(placed, f.place(t, alice, fmt.Sprintf("a%d", i))["id"].(string))
	}
	bobs := f.place(t, bob, "b")["id"].(string)
	if _, err := f.svc.Cancel(context.Background(), "alice", order.ID(placed[0])); err != nil {
		t.Fatal(err)
	}
	walk := func(caller *events.APIGatewayV2HTTPRequest, path string) ([]string, int) {
		t.Helper()
		var ids []string
		target := path + "limit=2"
		pages := 0
		for {
			w := f.do(t, request{caller: caller, method: "GET", target: target})
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", target, w.Code, w.Body)
			}
			pages++
			body := decode(t, w)
			for _, o := range body["orders"].([]any) {
				ids = append(ids, o.(map[string]any)["id"].(string))
			}
			next, ok := body["nextCursor"].(string)
			if !ok {
				return ids, pages
			}
			target = path + "limit=2&cursor=" + next
		}
	}
	newestFirst := []string{placed[4], placed[3], placed[2], placed[1], placed[0]}
	tests := []struct {
		name   string
		caller *events.APIGatewayV2HTTPRequest
		path   string
		want   []string
	}{
		{"alice's", alice, "/orders?", newestFirst},
		{"bob's", bob, "/orders?", []string{bobs}},
		{"admin, all", admin, "/admin/orders?", append([]string{bobs}, newestFirst...)},
		{"admin, pending", admin, "/admin/orders?status=PENDING&", append([]string{bobs}, newestFirst[:4]...)},
		{"admin, cancelled", admin, "/admin/orders?status=CANCELLED&", []string{placed[0]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := walk(tt.caller, tt.path)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
	// A cursor of alice's list is refused in bob's.
	body := decode(t, f.do(t, request{caller: alice, method: "GET", target: "/orders?limit=2"}))
	w := f.do(t, request{caller: bob, method: "GET", target: "/orders?cursor=" + body["nextCursor"].(string)})
	if w.Code != http.StatusBadRequest {
		t.Errorf("alice's cursor in bob's list: %d %s, want 400", w.Code, w.Body)
	}
}

// TestConcurrentKey sends one key 20 times at once: exactly one order exists afterwards, and
// every request that succeeded got the same order (the rest were told the key is in use).
func TestConcurrentKey(t *testing.T) {
	f := newFixture(t)
	const n = 20
	results := make(chan *httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := httptest.NewRequest("POST", "/orders", strings.NewReader(placeBody))
			r.Header.Set(idempotency.HeaderKey, "same")
			w := httptest.NewRecorder()
			f.srv.ServeHTTP(w, r.WithContext(httpapi.WithRequestID(httpapi.WithEvent(r.Context(), alice), reqID)))
			results <- w
		}()
	}
	wg.Wait()
	close(results)
	var bodies []string
	for w := range results {
		switch w.Code {
		case http.StatusCreated:
			bodies = append(bodies, w.Body.String())
		case http.StatusConflict:
		default:
			t.Errorf("unexpected %d %s", w.Code, w.Body)
		}
	}
	if len(bodies) == 0 {
		t.Fatal("no request succeeded")
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Errorf("responses differ:\n%s\n%s", bodies[0], b)
		}
	}
	list := decode(t, f.do(t, request{caller: alice, method: "GET", target: "/orders"}))
	if got := len(list["orders"].([]any)); got != 1 {
		t.Errorf("%d orders after one key sent %d times, want 1", got, n)
	}
}
