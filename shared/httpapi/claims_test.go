package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/httpapi"
)

// withJWT is an HTTP API event for GET /x whose JWT authorizer passed claims and scopes.
func withJWT(claims map[string]string, scopes []string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "GET /x", RawPath: "/x",
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-1",
			HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet, Path: "/x"},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: scopes},
			},
		},
	}
}

func TestClaims(t *testing.T) {
	tests := []struct {
		name   string
		ev     events.APIGatewayV2HTTPRequest
		want   httpapi.Identity
		wantOK bool
	}{
		{
			// An access token as API Gateway passes its claims: every value a string, lists
			// flattened Go-style; jwt.scopes holds the scopes.
			name: "access token",
			ev: withJWT(map[string]string{
				"sub": "0f5c6c1e-1111-2222-3333-444455556666", "cognito:groups": "[admin users]",
				"username": "alice", "token_use": "access", "client_id": "app123",
				"scope": "aws.cognito.signin.user.admin", "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool",
				"exp": "1787996002", "iat": "1787992402",
			}, []string{"aws.cognito.signin.user.admin"}),
			want: httpapi.Identity{
				Subject: "0f5c6c1e-1111-2222-3333-444455556666", Username: "alice", Groups: []string{"admin", "users"},
				Scopes: []string{"aws.cognito.signin.user.admin"}, TokenUse: "access", ClientID: "app123",
			},
			wantOK: true,
		},
		{
			name: "ID token",
			ev: withJWT(map[string]string{
				"sub": "u-2", "cognito:username": "bob", "email": "bob@example.com", "email_verified": "true",
				"token_use": "id", "aud": "app123", "cognito:groups": "[users]",
			}, nil),
			want:   httpapi.Identity{Subject: "u-2", Username: "bob", Email: "bob@example.com", Groups: []string{"users"}, TokenUse: "id", ClientID: "app123"},
			wantOK: true,
		},
		{
			name:   "groups as a JSON array string",
			ev:     withJWT(map[string]string{"sub": "u", "cognito:groups": `["admin","ops"]`}, nil),
			want:   httpapi.Identity{Subject: "u", Groups: []string{"admin", "ops"}},
			wantOK: true,
		},
		{
			name:   "one bare group",
			ev:     withJWT(map[string]string{"sub": "u", "cognito:groups": "admin"}, nil),
			want:   httpapi.Identity{Subject: "u", Groups: []string{"admin"}},
			wantOK: true,
		},
		{
			name:   "empty group list",
			ev:     withJWT(map[string]string{"sub": "u", "cognito:groups": "[]"}, nil),
			want:   httpapi.Identity{Subject: "u"},
			wantOK: true,
		},
		{
			name:   "scopes from the claim when API Gateway lists none",
			ev:     withJWT(map[string]string{"sub": "u", "scope": "shop/read shop/write"}, nil),
			want:   httpapi.Identity{Subject: "u", Scopes: []string{"shop/read", "shop/write"}},
			wantOK: true,
		},
		{name: "claims without a subject", ev: withJWT(map[string]string{"cognito:groups": "[admin]"}, nil)},
		{name: "JWT authorizer without claims", ev: withJWT(nil, nil)},
		{name: "no authorizer", ev: events.APIGatewayV2HTTPRequest{RawPath: "/x"}},
		{
			name: "IAM authorizer",
			ev: events.APIGatewayV2HTTPRequest{RequestContext: events.APIGatewayV2HTTPRequestContext{
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{UserID: "AIDA"}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := httpapi.Claims(httpapi.WithEvent(context.Background(), &tt.ev))
			if ok != tt.wantOK {
				t.Fatalf("Claims ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Claims mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, ok := httpapi.Claims(context.Background()); ok {
		t.Error("Claims outside Lambda found an identity")
	}
}

// TestRequireGroup runs the middleware as a function does, behind the Lambda adapter.
func TestRequireGroup(t *testing.T) {
	reached := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := httpapi.Claims(r.Context())
		httpapi.WriteJSON(w, r, http.StatusOK, map[string]string{"sub": id.Subject})
	})
	h := httpapi.Lambda(httpapi.RequireGroup("admin")(reached))
	tests := []struct {
		name       string
		ev         events.APIGatewayV2HTTPRequest
		wantStatus int
		wantBody   string
	}{
		{
			name:       "admin",
			ev:         withJWT(map[string]string{"sub": "a-1", "cognito:groups": "[users admin]"}, nil),
			wantStatus: http.StatusOK,
			wantBody:   `{"sub":"a-1"}`,
		},
		{
			name:       "signed in, other groups",
			ev:         withJWT(map[string]string{"sub": "c-1", "cognito:groups": "[users]"}, nil),
			wantStatus: http.StatusForbidden,
			wantBody:   `{"error":{"code":"forbidden","message":"this operation needs membership of the \"admin\" group"},"requestId":"req-1"}`,
		},
		{
			name:       "signed in, no groups",
			ev:         withJWT(map[string]string{"sub": "c-1"}, nil),
			wantStatus: http.StatusForbidden,
			wantBody:   `{"error":{"code":"forbidden","message":"this operation needs membership of the \"admin\" group"},"requestId":"req-1"}`,
		},
		{
			name:       "a group whose name only contains admin",
			ev:         withJWT(map[string]string{"sub": "c-1", "cognito:groups": "[administrators]"}, nil),
			wantStatus: http.StatusForbidden,
			wantBody:   `{"error":{"code":"forbidden","message":"this operation needs membership of the \"admin\" group"},"requestId":"req-1"}`,
		},
		{
			name: "no token claims",
			ev: events.APIGatewayV2HTTPRequest{RawPath: "/x", RequestContext: events.APIGatewayV2HTTPRequestContext{
				RequestID: "req-1", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet},
			}},
			wantStatus: http.StatusUnauthorized,
			wantBody:   `{"error":{"code":"unauthorized","message":"sign in to do this: the request carries no verified token"},"requestId":"req-1"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := h(context.Background(), tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Headers["Content-Type"]; got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			if got := strings.TrimSpace(resp.Body); got != tt.wantBody {
				t.Errorf("body = %s, want %s", got, tt.wantBody)
			}
		})
	}
}
