package function

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/functions/catalog/internal/api"
)

func TestHandlerNeedsTheTableAndCredentials(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"no table", map[string]string{"TABLE_NAME": "", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}},
		{"no credentials", map[string]string{"TABLE_NAME": "products", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if _, err := handler(api.RouteGetProduct, log); err == nil {
				t.Error("handler built without its configuration")
			}
		})
	}
}

// With its configuration the handler serves its own route: an id that cannot name a product is
// a JSON 404, answered without reaching DynamoDB (the endpoint is a closed local port).
func TestHandlerServesItsRoute(t *testing.T) {
	for k, v := range map[string]string{
		"TABLE_NAME": "products", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
		"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:1", "AWS_MAX_ATTEMPTS": "1",
	} {
		t.Setenv(k, v)
	}
	h, err := handler(api.RouteGetProduct, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h(context.Background(), events.APIGatewayV2HTTPRequest{
		RawPath:        "/products/not-an-id",
		RequestContext: events.APIGatewayV2HTTPRequestContext{RequestID: "r1", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status = %d, want 404 (body %s)", resp.StatusCode, resp.Body)
	}
}
