package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/functions/payments/internal/api"
	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/card"
	"github.com/microshop/microshop/functions/payments/internal/memstore"
	"github.com/microshop/microshop/shared/httpapi"
)

var t0 = time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)

func get(t *testing.T, h http.Handler, path string, claims map[string]string) (int, map[string]any) {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "GET /payments/{orderId}", RawPath: path,
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "req-1", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path}},
	}
	if claims != nil {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	resp, err := httpapi.Lambda(h)(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("body %q: %v", resp.Body, err)
	}
	return resp.StatusCode, body
}

func TestGetPayment(t *testing.T) {
	svc := app.New(memstore.New(), card.Simulated{}, func() time.Time { return t0 })
	for order, token := range map[string]string{"o1": card.TokenVisa, "o2": card.TokenInsufficientFunds} {
		err := svc.Charge(context.Background(), inventoryevents.StockReservedV1{OrderID: order, CustomerID: "cust-1",
			Total: amount.Money{Amount: 1250, Currency: "USD"}, PaymentToken: token})
		if err != nil {
			t.Fatal(err)
		}
	}
	h := api.Handler(svc, nil)
	owner := map[string]string{"sub": "cust-1"}
	tests := []struct {
		path       string
		claims     map[string]string
		wantStatus int
		want       map[string]any
	}{
		{"/payments/o1", owner, 200, map[string]any{"orderId": "o1", "status": "SUCCEEDED", "reason": "",
			"amount": map[string]any{"amount": 1250.0, "currency": "USD"}, "createdAt": "2026-12-05T01:00:00Z", "updatedAt": "2026-12-05T01:00:00Z"}},
		{"/payments/o2", owner, 200, map[string]any{"orderId": "o2", "status": "DECLINED", "reason": "insufficient_funds",
			"amount": map[string]any{"amount": 1250.0, "currency": "USD"}, "createdAt": "2026-12-05T01:00:00Z", "updatedAt": "2026-12-05T01:00:00Z"}},
		{"/payments/o1", map[string]string{"sub": "cust-2"}, 404, errorBody("not_found", "payment not found")},
		{"/payments/o9", owner, 404, errorBody("not_found", "payment not found")},
		{"/payments/o1", nil, 401, errorBody("unauthorized", "sign in to do this: the request carries no verified token")},
	}
	for _, tt := range tests {
		status, body := get(t, h, tt.path, tt.claims)
		if status != tt.wantStatus {
			t.Errorf("GET %s as %v: status %d, want %d", tt.path, tt.claims, status, tt.wantStatus)
		}
		if diff := cmp.Diff(tt.want, body); diff != "" {
			t.Errorf("GET %s as %v: body (-want +got):\n%s", tt.path, tt.claims, diff)
		}
	}
}

func errorBody(code, message string) map[string]any {
	return map[string]any{"error": map[string]any{"code": code, "message": message}, "requestId": "req-1"}
}
