package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/functions/shipping/internal/api"
	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/memstore"
	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/money"
)

var t0 = time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)

var (
	customer = map[string]string{"sub": "cust-1"}
	stranger = map[string]string{"sub": "cust-2"}
	admin    = map[string]string{"sub": "admin-1", "cognito:groups": "[admin]"}
)

type request struct {
	route, path, body string
	claims            map[string]string
}

// call invokes route's Lambda handler as API Gateway would, with claims (nil: no authorizer).
func call(t *testing.T, svc *app.Shipping, r request) (int, any) {
	t.Helper()
	h, err := api.Handler(r.route, svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(r.route, " ")
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: r.route, RawPath: r.path, Body: r.body,
		Headers: map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-1",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: r.path}},
	}
	if r.claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: r.claims},
		}
	}
	resp, err := httpapi.Lambda(h)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var body any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return resp.StatusCode, body
}

func errorBody(code, message string) any {
	return map[string]any{"error": map[string]any{"code": code, "message": message}, "requestId": "req-1"}
}

func shipmentBody(status, updated string) any {
	return map[string]any{"orderId": "o1", "trackingNumber": "MSTEST", "status": status,
		"createdAt": "2026-12-05T01:00:00Z", "updatedAt": updated}
}

func TestRoutes(t *testing.T) {
	now := t0
	svc := app.New(memstore.New(), money.MustParseCurrency("USD"), func() time.Time { return now }, func() string { return "MSTEST" })
	if err := svc.Create(context.Background(), paymentevents.PaymentSucceededV1{OrderID: "o1", CustomerID: "cust-1"}); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(time.Hour)
	const later = "2026-12-05T02:00:00Z"
	tests := []struct {
		name       string
		req        request
		wantStatus int
		want       any
	}{
		{"quote", request{shippingspec.RouteQuote, "/shipping/quote", `{"country":"US","items":3}`, nil}, 200,
			map[string]any{"country": "US", "items": 3.0, "price": map[string]any{"amount": 697.0, "currency": "USD"}}},
		{"quote bad country", request{shippingspec.RouteQuote, "/shipping/quote", `{"country":"usa","items":3}`, nil}, 400,
			errorBody("invalid", `country must be an ISO 3166-1 alpha-2 code in upper case, e.g. "US"`)},
		{"quote no items", request{shippingspec.RouteQuote, "/shipping/quote", `{"country":"US","items":0}`, nil}, 400,
			errorBody("invalid", "items must be between 1 and 999")},
		{"quote missing field", request{shippingspec.RouteQuote, "/shipping/quote", `{"country":"US"}`, nil}, 400,
			errorBody("invalid", `body must have "country" and "items"`)},
		{"get own", request{shippingspec.RouteGetShipment, "/shipments/o1", "", customer}, 200, shipmentBody("CREATED", "2026-12-05T01:00:00Z")},
		{"get other's", request{shippingspec.RouteGetShipment, "/shipments/o1", "", stranger}, 404, errorBody("not_found", "shipment not found")},
		{"get unknown", request{shippingspec.RouteGetShipment, "/shipments/o9", "", customer}, 404, errorBody("not_found", "shipment not found")},
		{"get anonymous", request{shippingspec.RouteGetShipment, "/shipments/o1", "", nil}, 401,
			errorBody("unauthorized", "sign in to do this: the request carries no verified token")},
		{"deliver as customer", request{shippingspec.RouteDeliverShipment, "/shipments/o1/deliver", "", customer}, 403,
			errorBody("forbidden", `this operation needs membership of the "admin" group`)},
		{"deliver", request{shippingspec.RouteDeliverShipment, "/shipments/o1/deliver", "", admin}, 200, shipmentBody("DELIVERED", later)},
		{"deliver again", request{shippingspec.RouteDeliverShipment, "/shipments/o1/deliver", "", admin}, 200, shipmentBody("DELIVERED", later)},
		{"deliver unknown", request{shippingspec.RouteDeliverShipment, "/shipments/o9/deliver", "", admin}, 404, errorBody("not_found", "shipment not found")},
	}
	for _, tt := range tests {
		status, body := call(t, svc, tt.req)
		if status != tt.wantStatus {
			t.Errorf("%s: status %d, want %d", tt.name, status, tt.wantStatus)
		}
		if diff := cmp.Diff(tt.want, body); diff != "" {
			t.Errorf("%s: body (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestDeliverCancelled(t *testing.T) {
	svc := app.New(memstore.New(), money.MustParseCurrency("USD"), func() time.Time { return t0 }, func() string { return "MSTEST" })
	ctx := context.Background()
	if err := svc.Create(ctx, paymentevents.PaymentSucceededV1{OrderID: "o1", CustomerID: "cust-1"}); err != nil {
		t.Fatal(err)
	}
	status, _ := call(t, svc, request{shippingspec.RouteGetShipment, "/shipments/o1", "", customer})
	if status != 200 {
		t.Fatalf("before cancel: status %d", status)
	}
	if err := svc.Cancel(ctx, orderCancelled("o1")); err != nil {
		t.Fatal(err)
	}
	status, body := call(t, svc, request{shippingspec.RouteDeliverShipment, "/shipments/o1/deliver", "", admin})
	if diff := cmp.Diff(errorBody("conflict", "the shipment was cancelled; it cannot be delivered"), body); status != 409 || diff != "" {
		t.Errorf("deliver a cancelled shipment: %d, want 409 (-want +got):\n%s", status, diff)
	}
}

func orderCancelled(orderID string) orderevents.OrderCancelledV1 {
	return orderevents.OrderCancelledV1{OrderID: orderID, CustomerID: "cust-1"}
}
