package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/cart/internal/api"
	"github.com/microshop/microshop/functions/cart/internal/app"
	"github.com/microshop/microshop/functions/cart/internal/cart"
	"github.com/microshop/microshop/functions/cart/internal/ddb"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/money"
)

var (
	tableSeq atomic.Int64
	usd      = money.MustParseCurrency("USD")
)

func newStore(t *testing.T) *ddb.Store {
	t.Helper()
	client := ddbtest.Client(t)
	table := fmt.Sprintf("cart-api-%d", tableSeq.Add(1))
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
	store := ddb.New(client, table)
	price, _ := money.NewPrice(1250, usd)
	if err := app.New(store, usd, nil).ProductChanged(ctx, cart.Product{ID: "mug", Name: "Mug", Price: price, Version: 1}); err != nil {
		t.Fatal(err)
	}
	return store
}

// call invokes route as its Lambda function receives it from API Gateway, with the JWT claims
// of customer sub ("" for a request without an authorizer), and returns status and JSON body.
func call(t *testing.T, store *ddb.Store, route, path, body, sub string) (int, any) {
	t.Helper()
	h, err := api.Handler(route, api.Deps{Store: store, Currency: usd})
	if err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(route, " ")
	rc := events.APIGatewayV2HTTPRequestContext{
		RouteKey: route, RequestID: "req-1",
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path},
	}
	if sub != "" {
		rc.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": sub, "token_use": "access", "cognito:groups": "[users]"},
			},
		}
	}
	resp, err := httpapi.Lambda(h)(context.Background(), events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: route, RawPath: path, Body: body,
		Headers: map[string]string{"content-type": "application/json"}, RequestContext: rc,
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Body == "" {
		return resp.StatusCode, nil
	}
	var v any
	if err := json.Unmarshal([]byte(resp.Body), &v); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return resp.StatusCode, v
}

func usdJSON(cents float64) map[string]any { return map[string]any{"amount": cents, "currency": "USD"} }

func TestCartJourney(t *testing.T) {
	store := newStore(t)
	// empty(v) is an empty cart at version v: every change of a cart is a new version.
	empty := func(v float64) map[string]any {
		return map[string]any{"items": []any{}, "total": usdJSON(0), "version": v}
	}
	withMugs := map[string]any{
		"items": []any{map[string]any{
			"productId": "mug", "name": "Mug", "quantity": 2.0, "unitPrice": usdJSON(1250), "lineTotal": usdJSON(2500),
		}},
		"total": usdJSON(2500), "version": 1.0,
	}
	steps := []struct {
		route, path, body, sub string
		wantStatus             int
		want                   any
	}{
		{api.RouteGetCart, "/cart", "", "alice", 200, empty(0)},
		{api.RoutePutItem, "/cart/items/mug", `{"quantity":2}`, "alice", 200, withMugs},
		{api.RouteGetCart, "/cart", "", "alice", 200, withMugs},
		{api.RouteGetCart, "/cart", "", "bob", 200, empty(0)}, // another customer sees only theirs
		{api.RouteRemoveItem, "/cart/items/mug", "", "bob", 200, empty(0)},
		{api.RouteClearCart, "/cart", "", "bob", 204, nil},
		{api.RouteGetCart, "/cart", "", "alice", 200, withMugs}, // bob's calls changed nothing
		{api.RouteRemoveItem, "/cart/items/mug", "", "alice", 200, empty(2)},
		{api.RoutePutItem, "/cart/items/mug", `{"quantity":1}`, "alice", 200, nil},
		{api.RouteClearCart, "/cart", "", "alice", 204, nil},
		{api.RouteGetCart, "/cart", "", "alice", 200, empty(4)},
	}
	for i, s := range steps {
		status, got := call(t, store, s.route, s.path, s.body, s.sub)
		if status != s.wantStatus {
			t.Errorf("step %d %s as %s: status %d, want %d (%v)", i, s.route, s.sub, status, s.wantStatus, got)
		}
		if s.want != nil {
			if diff := cmp.Diff(s.want, got); diff != "" {
				t.Errorf("step %d %s as %s (-want +got):\n%s", i, s.route, s.sub, diff)
			}
		}
	}
}

// Client mistakes are 4xx JSON errors with the request id, never 5xx.
func TestClientErrors(t *testing.T) {
	store := newStore(t)
	tests := []struct {
		name, route, path, body, sub string
		wantStatus                   int
		wantCode                     string
	}{
		{"unknown product", api.RoutePutItem, "/cart/items/nope", `{"quantity":1}`, "alice", 404, "not_found"},
		{"quantity 0", api.RoutePutItem, "/cart/items/mug", `{"quantity":0}`, "alice", 400, "invalid"},
		{"quantity 100", api.RoutePutItem, "/cart/items/mug", `{"quantity":100}`, "alice", 400, "invalid"},
		{"quantity missing", api.RoutePutItem, "/cart/items/mug", `{}`, "alice", 400, "invalid"},
		{"quantity fractional", api.RoutePutItem, "/cart/items/mug", `{"quantity":1.5}`, "alice", 400, "invalid"},
		{"unknown field", api.RoutePutItem, "/cart/items/mug", `{"quantity":1,"price":1}`, "alice", 400, "invalid"},
		{"malformed", api.RoutePutItem, "/cart/items/mug", `{"quantity"`, "alice", 400, "invalid"},
		{"bad product id", api.RoutePutItem, "/cart/items/a%23b", `{"quantity":1}`, "alice", 400, "invalid"},
		{"no token (get)", api.RouteGetCart, "/cart", "", "", 401, "unauthorized"},
		{"no token (put)", api.RoutePutItem, "/cart/items/mug", `{"quantity":1}`, "", 401, "unauthorized"},
		{"no token (remove)", api.RouteRemoveItem, "/cart/items/mug", "", "", 401, "unauthorized"},
		{"no token (clear)", api.RouteClearCart, "/cart", "", "", 401, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := call(t, store, tt.route, tt.path, tt.body, tt.sub)
			m, _ := got.(map[string]any)
			e, _ := m["error"].(map[string]any)
			if status != tt.wantStatus || e["code"] != tt.wantCode {
				t.Errorf("got %d %v, want %d %s", status, got, tt.wantStatus, tt.wantCode)
			}
			if m["requestId"] != "req-1" {
				t.Errorf("requestId = %v, want req-1", m["requestId"])
			}
		})
	}
}
