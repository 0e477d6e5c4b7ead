package jwtauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/template"
)

func TestFromModel(t *testing.T) {
	a := FromModel(loadModel(t), sharedIssuer())
	want := []Config{{
		ID:             "UserPoolAuthorizer",
		Name:           "UserPoolAuthorizer",
		IdentitySource: "$request.header.Authorization",
		Issuer:         testIssuer,
		Audience:       []string{testClient},
	}}
	if diff := cmp.Diff(want, a.Configs()); diff != "" {
		t.Errorf("Configs() mismatch (-want +got):\n%s", diff)
	}
	// The REQUEST (Lambda) authorizer is local/apigw's to run, not a broken JWT one; the
	// prod-only one does not exist.
	if err := a.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
}

// TestAuthorizeRefuses covers every way a request is refused, on the route without scopes
// ("GET /orders") and the one that needs orders/admin or orders/write ("DELETE /orders/{id}").
func TestAuthorizeRefuses(t *testing.T) {
	m := loadModel(t)
	a := FromModel(m, sharedIssuer())
	iss := sharedIssuer()
	kid := iss.KeyID()
	without := func(k string) jwt.MapClaims {
		c := baseClaims()
		delete(c, k)
		return c
	}
	with := func(k string, v any) jwt.MapClaims {
		c := baseClaims()
		c[k] = v
		return c
	}
	valid := issue(t, Claims{Subject: "alice"})
	parts := strings.Split(valid, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = bytes.Replace(payload, []byte(`"sub":"alice"`), []byte(`"sub":"mallory"`), 1)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	if tampered == valid {
		t.Fatal("tampering changed nothing")
	}

	tests := []struct {
		name   string
		route  string
		header string
		want   error
	}{
		{"no header", "GET /orders", "", apigw.ErrUnauthorized},
		{"Bearer and no token", "GET /orders", "Bearer ", apigw.ErrUnauthorized},
		{"malformed", "GET /orders", "Bearer not-a-jwt", apigw.ErrUnauthorized},
		{"two segments", "GET /orders", "Bearer " + parts[0] + "." + parts[1], apigw.ErrUnauthorized},
		{"tampered payload", "GET /orders", "Bearer " + tampered, apigw.ErrUnauthorized},
		{"signed by another key under our kid", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey(otherIssuer()), kid, baseClaims()), apigw.ErrUnauthorized},
		{"another issuer's token", "GET /orders", "Bearer " + mustIssue(t, otherIssuer(), Claims{Subject: "alice"}), apigw.ErrUnauthorized},
		{"no kid", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey(iss), "", baseClaims()), apigw.ErrUnauthorized},
		{"HS256 (not RSA)", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodHS256, []byte("secret"), kid, baseClaims()), apigw.ErrUnauthorized},
		{"alg none", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, baseClaims()), apigw.ErrUnauthorized},
		{"wrong iss", "GET /orders", "Bearer " + issue(t, Claims{Subject: "alice", Issuer: "https://cognito-idp.us-east-1.amazonaws.com/other"}), apigw.ErrUnauthorized},
		{"no iss", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey(iss), kid, without("iss")), apigw.ErrUnauthorized},
		{"wrong client_id", "GET /orders", "Bearer " + issue(t, Claims{Subject: "alice", ClientID: "other-client"}), apigw.ErrUnauthorized},
		{"neither aud nor client_id", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey(iss), kid, without("client_id")), apigw.ErrUnauthorized},
		{"wrong aud beats right client_id", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey(iss), kid, with("aud", "other-client")), apigw.ErrUnauthorized},
		{"expired", "GET /orders", "Bearer " + issue(t, Claims{Subject: "alice", TTL: -time.Minute}), apigw.ErrUnauthorized},
		{"exp is now", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey(iss), kid, with("exp", now.Unix())), apigw.ErrUnauthorized},
		{"no exp", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey(iss), kid, without("exp")), apigw.ErrUnauthorized},
		{"not yet valid", "GET /orders", "Bearer " + issue(t, Claims{Subject: "alice", NotBefore: now.Add(time.Second)}), apigw.ErrUnauthorized},
		{"issued in the future", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey(iss), kid, with("iat", now.Add(time.Minute).Unix())), apigw.ErrUnauthorized},
		{"expired beats missing scope", "DELETE /orders/{id}", "Bearer " + issue(t, Claims{Subject: "alice", TTL: -time.Minute}), apigw.ErrUnauthorized},
		{"no scope", "DELETE /orders/{id}", "Bearer " + valid, apigw.ErrForbidden},
		{"other scopes only", "DELETE /orders/{id}", "Bearer " + issue(t, Claims{Subject: "alice", Scopes: []string{"orders/read", "orders/admin2"}}), apigw.ErrForbidden},
		{"scope in cognito:groups does not count", "DELETE /orders/{id}", "Bearer " + issue(t, Claims{Subject: "alice", Groups: []string{"orders/admin"}}), apigw.ErrForbidden},
		{"not a JWT route", "GET /keyed", "Bearer " + valid, ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Authorize(context.Background(), route(t, m, tt.route), request(tt.header))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Authorize() error = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Errorf("Authorize() = %+v, want nil with an error", got)
			}
		})
	}
}

func mustIssue(t *testing.T, iss *Issuer, c Claims) string {
	t.Helper()
	tok, err := iss.Issue(c)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return tok
}

// TestAuthorizeAccepts covers the accepted shapes of token and header; each returns the
// token's scopes.
func TestAuthorizeAccepts(t *testing.T) {
	m := loadModel(t)
	a := FromModel(m, sharedIssuer())
	iss := sharedIssuer()
	with := func(k string, v any) jwt.MapClaims {
		c := baseClaims()
		c[k] = v
		return c
	}
	tests := []struct {
		name       string
		route      string
		header     string
		wantScopes []string
	}{
		{"access token", "GET /orders", "Bearer " + issue(t, Claims{Subject: "alice"}), nil},
		{"ID token (aud)", "GET /orders", "Bearer " + issue(t, Claims{Subject: "alice", TokenUse: TokenUseID}), nil},
		{"aud list with our client", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey(iss), iss.KeyID(), with("aud", []string{"x", testClient})), nil},
		{"without Bearer", "GET /orders", issue(t, Claims{Subject: "alice"}), nil},
		{"lower-case bearer", "GET /orders", "bearer " + issue(t, Claims{Subject: "alice"}), nil},
		{"nbf is now", "GET /orders", "Bearer " + issue(t, Claims{Subject: "alice", NotBefore: now}), nil},
		{"RS512", "GET /orders", "Bearer " + sign(t, jwt.SigningMethodRS512, rsaKey(iss), iss.KeyID(), baseClaims()), nil},
		{"one of the route's scopes", "DELETE /orders/{id}", "Bearer " + issue(t, Claims{Subject: "alice", Scopes: []string{"orders/read", "orders/write"}}), []string{"orders/read", "orders/write"}},
		{"scp list", "DELETE /orders/{id}", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey(iss), iss.KeyID(), with("scp", []string{"orders/admin"})), []string{"orders/admin"}},
		{"scopes on a route that needs none", "GET /orders", "Bearer " + issue(t, Claims{Subject: "alice", Scopes: []string{"a"}}), []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Authorize(context.Background(), route(t, m, tt.route), request(tt.header))
			if err != nil {
				t.Fatalf("Authorize() error = %v", err)
			}
			if got.JWT == nil || got.JWT.Claims["sub"] != "alice" {
				t.Fatalf("Authorize() = %+v, want JWT claims with sub alice", got)
			}
			if diff := cmp.Diff(tt.wantScopes, got.JWT.Scopes); diff != "" {
				t.Errorf("scopes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAuthorizeClaims checks the description the function receives: every claim a string,
// flattened as API Gateway does.
func TestAuthorizeClaims(t *testing.T) {
	m := loadModel(t)
	a := FromModel(m, sharedIssuer())
	tok := issue(t, Claims{
		Subject: "alice",
		Groups:  []string{"admin", "users"},
		Scopes:  []string{"orders/admin", "orders/read"},
		Extra: map[string]any{
			"jti":            "f1d2c3b4-0000-4000-8000-000000000000",
			"email_verified": true,
			"custom:tier":    "gold",
			"custom:limits":  map[string]any{"max": 10, "unit": "orders"},
			"ratio":          1.5,
			"nothing":        nil,
		},
	})
	got, err := a.Authorize(context.Background(), route(t, m, "DELETE /orders/{id}"), request("Bearer "+tok))
	if err != nil {
		t.Fatalf("Authorize() error = %v", err)
	}
	unix := "1772600767" // now
	want := &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{
				"sub":            "alice",
				"iss":            testIssuer,
				"client_id":      testClient,
				"token_use":      "access",
				"username":       "alice",
				"version":        "2",
				"cognito:groups": "[admin users]",
				"scope":          "orders/admin orders/read",
				"auth_time":      unix,
				"iat":            unix,
				"nbf":            unix,
				"exp":            "1772604367",
				"jti":            "f1d2c3b4-0000-4000-8000-000000000000",
				"email_verified": "true",
				"custom:tier":    "gold",
				"custom:limits":  "map[max:10 unit:orders]",
				"ratio":          "1.5",
				"nothing":        "<nil>",
			},
			Scopes: []string{"orders/admin", "orders/read"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Authorize() mismatch (-want +got):\n%s", diff)
	}
}

func TestAuthorizeConfigErrors(t *testing.T) {
	m := loadModel(t)
	tok := "Bearer " + issue(t, Claims{Subject: "alice"})
	jwtRoute := func(authorizerID string) *template.Route {
		r := *route(t, m, "GET /orders")
		r.AuthorizerID = authorizerID
		return &r
	}
	tests := []struct {
		name  string
		a     *Authorizer
		route *template.Route
	}{
		{"authorizer not in the template", FromModel(m, sharedIssuer()), jwtRoute("Missing")},
		{"authorizer of type REQUEST", FromModel(m, sharedIssuer()), jwtRoute("LambdaAuthorizer")},
		{"bad identity source", NewAuthorizer(sharedIssuer(), Config{ID: "A", IdentitySource: "$context.x", Issuer: testIssuer, Audience: []string{testClient}}), jwtRoute("A")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.a.Authorize(context.Background(), tt.route, request(tok))
			if !errors.Is(err, ErrConfig) {
				t.Errorf("Authorize() error = %v, want ErrConfig", err)
			}
		})
	}
}

func TestAuthorizeQueryStringSource(t *testing.T) {
	m := loadModel(t)
	a := NewAuthorizer(sharedIssuer(), Config{ID: "UserPoolAuthorizer", IdentitySource: "$request.querystring.access_token", Issuer: testIssuer, Audience: []string{testClient}})
	r := request("")
	r.URL.RawQuery = "access_token=" + issue(t, Claims{Subject: "alice"})
	got, err := a.Authorize(context.Background(), route(t, m, "GET /orders"), r)
	if err != nil {
		t.Fatalf("Authorize() error = %v", err)
	}
	if got.JWT.Claims["sub"] != "alice" {
		t.Errorf("sub = %q, want alice", got.JWT.Claims["sub"])
	}
	if _, err := a.Authorize(context.Background(), route(t, m, "GET /orders"), request("Bearer "+issue(t, Claims{Subject: "alice"}))); !errors.Is(err, apigw.ErrUnauthorized) {
		t.Errorf("token in the header only: error = %v, want ErrUnauthorized", err)
	}
}

func TestFlatten(t *testing.T) {
	// Decoded as the parser decodes: numbers as json.Number.
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser(jwt.WithJSONNumber()).ParseUnverified(sign(t, jwt.SigningMethodHS256, []byte("k"), "", jwt.MapClaims{
		"n": 1787996002, "f": 0.25, "b": false, "s": "x y", "l": []any{"a", 1, true}, "nested": []any{[]any{"a"}, map[string]any{"z": 1, "a": "b"}},
	}), claims); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"n": "1787996002", "f": "0.25", "b": "false", "s": "x y", "l": "[a 1 true]", "nested": "[[a] map[a:b z:1]]"}
	if diff := cmp.Diff(want, flatten(claims)); diff != "" {
		t.Errorf("flatten mismatch (-want +got):\n%s", diff)
	}
}

func TestAuthorizeConcurrent(t *testing.T) {
	m := loadModel(t)
	a := FromModel(m, sharedIssuer())
	rt := route(t, m, "DELETE /orders/{id}")
	good := "Bearer " + issue(t, Claims{Subject: "alice", Scopes: []string{"orders/write"}})
	bad := "Bearer " + issue(t, Claims{Subject: "alice"})
	errs := make(chan error, 40)
	for i := range 40 {
		go func() {
			header, want := good, error(nil)
			if i%2 == 1 {
				header, want = bad, apigw.ErrForbidden
			}
			_, err := a.Authorize(context.Background(), rt, request(header))
			if !errors.Is(err, want) {
				errs <- err
				return
			}
			errs <- nil
		}()
	}
	for range 40 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
