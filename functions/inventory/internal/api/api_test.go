package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/inventory/internal/api"
	"github.com/microshop/microshop/functions/inventory/internal/app"
	"github.com/microshop/microshop/functions/inventory/internal/ddb"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/httpapi"
)

var tableSeq atomic.Int64

func newStore(t *testing.T, client *dynamodb.Client) *ddb.Store {
	t.Helper()
	table := fmt.Sprintf("inventory-api-%d", tableSeq.Add(1))
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
	return ddb.New(client, table)
}

var (
	admin    = map[string]string{"sub": "admin-1", "token_use": "access", "cognito:groups": "[admin users]"}
	customer = map[string]string{"sub": "cust-1", "token_use": "access", "cognito:groups": "[users]"}
)

// call invokes route as its Lambda function receives it from API Gateway with the given JWT
// claims (nil: no authorizer), and returns the status and the decoded JSON body.
func call(t *testing.T, store *ddb.Store, route, path, body string, claims map[string]string) (int, any) {
	t.Helper()
	h, err := api.Handler(route, api.Deps{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(route, " ")
	rc := events.APIGatewayV2HTTPRequestContext{
		RouteKey: route, RequestID: "req-1",
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path},
	}
	if claims != nil {
		rc.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	resp, err := httpapi.Lambda(h)(context.Background(), events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: route, RawPath: path, Body: body,
		Headers: map[string]string{"content-type": "application/json"}, RequestContext: rc,
	})
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal([]byte(resp.Body), &v); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return resp.StatusCode, v
}

func TestSetThenGet(t *testing.T) {
	store := newStore(t, ddbtest.Client(t))
	want := map[string]any{"productId": "p1", "onHand": 25.0, "reserved": 0.0, "available": 25.0}
	status, got := call(t, store, api.RouteSetStock, "/inventory/p1", `{"onHand":25}`, admin)
	if status != http.StatusOK {
		t.Errorf("PUT status %d, want 200", status)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PUT body (-want +got):\n%s", diff)
	}
	if err := app.New(store, nil).Reserve(context.Background(), orderevents.OrderPlacedV1{
		OrderID: "o1", CustomerID: "c", Lines: []orderevents.Line{{ProductID: "p1", Quantity: 4}},
	}); err != nil {
		t.Fatal(err)
	}
	status, got = call(t, store, api.RouteGetStock, "/inventory/p1", "", admin)
	if status != http.StatusOK {
		t.Errorf("GET status %d, want 200", status)
	}
	want = map[string]any{"productId": "p1", "onHand": 25.0, "reserved": 4.0, "available": 21.0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET body (-want +got):\n%s", diff)
	}
	// Lowering onHand below what is reserved is a conflict, never a negative availability.
	status, got = call(t, store, api.RouteSetStock, "/inventory/p1", `{"onHand":3}`, admin)
	if status != http.StatusConflict || code(got) != "conflict" {
		t.Errorf("PUT below reserved: %d %v, want 409 conflict", status, got)
	}
}

// Client mistakes are 4xx JSON errors with the request id, never 5xx.
func TestClientErrors(t *testing.T) {
	store := newStore(t, ddbtest.Client(t))
	tests := []struct {
		name, route, path, body string
		claims                  map[string]string
		wantStatus              int
		wantCode                string
	}{
		{"unknown product", api.RouteGetStock, "/inventory/nope", "", admin, 404, "not_found"},
		{"not an admin (get)", api.RouteGetStock, "/inventory/p1", "", customer, 403, "forbidden"},
		{"not an admin (put)", api.RouteSetStock, "/inventory/p1", `{"onHand":1}`, customer, 403, "forbidden"},
		{"no token", api.RouteSetStock, "/inventory/p1", `{"onHand":1}`, nil, 401, "unauthorized"},
		{"onHand missing", api.RouteSetStock, "/inventory/p1", `{}`, admin, 400, "invalid"},
		{"onHand negative", api.RouteSetStock, "/inventory/p1", `{"onHand":-1}`, admin, 400, "invalid"},
		{"onHand too large", api.RouteSetStock, "/inventory/p1", `{"onHand":1000000001}`, admin, 400, "invalid"},
		{"onHand fractional", api.RouteSetStock, "/inventory/p1", `{"onHand":1.5}`, admin, 400, "invalid"},
		{"onHand a string", api.RouteSetStock, "/inventory/p1", `{"onHand":"5"}`, admin, 400, "invalid"},
		{"unknown field", api.RouteSetStock, "/inventory/p1", `{"onHand":5,"reserved":1}`, admin, 400, "invalid"},
		{"malformed JSON", api.RouteSetStock, "/inventory/p1", `{"onHand":`, admin, 400, "invalid"},
		{"bad product id", api.RouteSetStock, "/inventory/a%23b", `{"onHand":5}`, admin, 400, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := call(t, store, tt.route, tt.path, tt.body, tt.claims)
			if status != tt.wantStatus || code(got) != tt.wantCode {
				t.Errorf("got %d %v, want %d %s", status, got, tt.wantStatus, tt.wantCode)
			}
			if m, _ := got.(map[string]any); m["requestId"] != "req-1" {
				t.Errorf("requestId = %v, want req-1", m["requestId"])
			}
		})
	}
}

func code(body any) string {
	m, _ := body.(map[string]any)
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}
