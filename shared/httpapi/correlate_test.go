package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/httpapi"
)

func TestCorrelate(t *testing.T) {
	var seen string
	h := httpapi.Lambda(httpapi.Correlate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = correlation.ID(r.Context())
		w.WriteHeader(http.StatusNoContent)
	})))
	tests := []struct {
		name   string
		header string // X-Correlation-Id sent; "" for none
		want   string
	}{
		{name: "client's id", header: "checkout-7f3c", want: "checkout-7f3c"},
		{name: "no header: API Gateway's request id", want: "JKJaXmPLvHcESHA="},
		{name: "invalid header: API Gateway's request id", header: "two words", want: "JKJaXmPLvHcESHA="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = ""
			ev := events.APIGatewayV2HTTPRequest{
				RawPath: "/x", Headers: map[string]string{},
				RequestContext: events.APIGatewayV2HTTPRequestContext{
					RequestID: "JKJaXmPLvHcESHA=", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet},
				},
			}
			if tt.header != "" {
				ev.Headers["x-correlation-id"] = tt.header // API Gateway lower-cases header names
			}
			resp, err := h(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if seen != tt.want {
				t.Errorf("handler's correlation id = %q, want %q", seen, tt.want)
			}
			if got := resp.Headers[correlation.Header]; got != tt.want {
				t.Errorf("response %s = %q, want %q", correlation.Header, got, tt.want)
			}
		})
	}
}
