package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/shared/httpapi"
)

// jwtEvent is an API Gateway request context whose JWT authorizer passed claims, as API
// Gateway does: every value a string, cognito:groups flattened like "[admin users]".
func jwtEvent(claims map[string]string) *events.APIGatewayV2HTTPRequest {
	return &events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		},
	}}
}

// adminEvent is the request context of a caller in the admin group.
func adminEvent() *events.APIGatewayV2HTTPRequest {
	return jwtEvent(map[string]string{"sub": "admin-1", "username": "admin-1", "token_use": "access", "cognito:groups": "[admin]"})
}

// write is one write route and a request it accepts from an admin.
type write struct {
	route, path string
	header      map[string]string
	wantStatus  int // for an admin
}

var writes = []write{
	{route: api.RouteCreateProduct, path: "/products", wantStatus: http.StatusCreated},
	{route: api.RouteReplaceProduct, path: "/products/" + idMug, header: map[string]string{"if-match": `"1"`}, wantStatus: http.StatusOK},
	{route: api.RouteDeleteProduct, path: "/products/" + idMug, wantStatus: http.StatusNoContent},
}

// send invokes the write's route as its Lambda function receives it from API Gateway, with
// the given authorizer context (nil: a route without an authorizer).
func send(t *testing.T, f *fixture, w write, authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription) events.APIGatewayV2HTTPResponse {
	t.Helper()
	h, err := api.Handler(w.route, api.Deps{Store: f.store, NewID: func() product.ID { return idNew }})
	if err != nil {
		t.Fatal(err)
	}
	method, _, _ := strings.Cut(w.route, " ")
	headers := map[string]string{"content-type": "application/json"}
	for k, v := range w.header {
		headers[k] = v
	}
	resp, err := httpapi.Lambda(h)(context.Background(), events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: w.route, RawPath: w.path, Headers: headers,
		Body: `{"name":"Changed","category":"kitchen","price":{"amount":1,"currency":"USD"}}`,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: w.route, RequestID: "req-auth", Authorizer: authorizer,
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: w.path},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestWritesRefuseNonAdmins: without token claims a write is 401, with a token outside the
// admin group 403, both JSON errors from the function, and the catalog stays as it was.
func TestWritesRefuseNonAdmins(t *testing.T) {
	const forbidden = `{"error":{"code":"forbidden","message":"this operation needs membership of the \"admin\" group"},"requestId":"req-auth"}`
	callers := []struct {
		name       string
		authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
		wantStatus int
		wantBody   string
	}{
		{
			name:       "no token claims",
			wantStatus: http.StatusUnauthorized,
			wantBody:   `{"error":{"code":"unauthorized","message":"sign in to do this: the request carries no verified token"},"requestId":"req-auth"}`,
		},
		{
			name:       "customer",
			authorizer: jwtEvent(map[string]string{"sub": "c-1", "token_use": "access", "cognito:groups": "[customers]"}).RequestContext.Authorizer,
			wantStatus: http.StatusForbidden, wantBody: forbidden,
		},
		{
			name:       "signed in without groups",
			authorizer: jwtEvent(map[string]string{"sub": "c-2", "token_use": "id"}).RequestContext.Authorizer,
			wantStatus: http.StatusForbidden, wantBody: forbidden,
		},
	}
	for _, w := range writes {
		for _, c := range callers {
			t.Run(w.route+" "+c.name, func(t *testing.T) {
				f := newFixture(t)
				before := f.snapshot(t)
				resp := send(t, f, w, c.authorizer)
				if resp.StatusCode != c.wantStatus {
					t.Errorf("status = %d, want %d", resp.StatusCode, c.wantStatus)
				}
				assertJSON(t, c.wantBody, resp.Body)
				if f.snapshot(t) != before {
					t.Error("a refused request changed the catalog")
				}
			})
		}
	}
}

// TestWritesByAdmins: a caller in the admin group writes as before.
func TestWritesByAdmins(t *testing.T) {
	admins := []struct {
		name       string
		authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	}{
		{name: "admin", authorizer: adminEvent().RequestContext.Authorizer},
		{name: "admin among other groups", authorizer: jwtEvent(map[string]string{"sub": "a-2", "cognito:groups": "[users admin]"}).RequestContext.Authorizer},
		{name: "groups as a JSON array", authorizer: jwtEvent(map[string]string{"sub": "a-3", "cognito:groups": `["admin"]`}).RequestContext.Authorizer},
	}
	for _, w := range writes {
		for _, a := range admins {
			t.Run(w.route+" "+a.name, func(t *testing.T) {
				f := newFixture(t)
				before := f.snapshot(t)
				resp := send(t, f, w, a.authorizer)
				if resp.StatusCode != w.wantStatus {
					t.Errorf("status = %d, want %d; body %s", resp.StatusCode, w.wantStatus, resp.Body)
				}
				if f.snapshot(t) == before {
					t.Error("the admin's write did not change the catalog")
				}
			})
		}
	}
}
