package jwtauth

import (
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/microshop/microshop/local/template"
)

// now is the fixed clock of the shared test issuer.
var now = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// Values from testdata/Auth.template.json: its Cognito issuer and app client, with the IDs
// the template model gives them.
var (
	testIssuer = "https://cognito-idp.us-east-1.amazonaws.com/" + template.UserPoolID("us-east-1", "UserPool6BA7E5F2")
	testClient = template.ClientID("UserPoolClient2F5918F7")
)

// Keys are slow to generate; tests share two issuers.
var (
	sharedIssuer = sync.OnceValue(func() *Issuer { return mustIssuer(Options{IssuerURL: testIssuer, ClientID: testClient}) })
	otherIssuer  = sync.OnceValue(func() *Issuer { return mustIssuer(Options{IssuerURL: testIssuer, ClientID: testClient}) })
)

func mustIssuer(opts Options) *Issuer {
	opts.Now = func() time.Time { return now }
	iss, err := NewIssuer(opts)
	if err != nil {
		panic(err)
	}
	return iss
}

// loadModel loads the test template.
func loadModel(t *testing.T) *template.Model {
	t.Helper()
	m, err := template.Load("testdata/Auth.template.json", template.Options{})
	if err != nil {
		t.Fatalf("load template: %v", err)
	}
	return m
}

// route returns the model's route with key.
func route(t *testing.T, m *template.Model, key string) *template.Route {
	t.Helper()
	for _, api := range m.APIs {
		for _, r := range api.Routes {
			if r.Key == key {
				return r
			}
		}
	}
	t.Fatalf("no route %q", key)
	return nil
}

// issue mints a token with the shared issuer.
func issue(t *testing.T, c Claims) string {
	t.Helper()
	tok, err := sharedIssuer().Issue(c)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return tok
}

// baseClaims are a valid access token's claims for the shared issuer, for tests that build
// tokens by hand.
func baseClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"sub":       "alice",
		"iss":       testIssuer,
		"client_id": testClient,
		"token_use": "access",
		"iat":       now.Unix(),
		"exp":       now.Add(time.Hour).Unix(),
	}
}

// sign signs claims with key under kid using method.
func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

// rsaKey is the private key of iss, for hand-made tokens.
func rsaKey(iss *Issuer) *rsa.PrivateKey { return iss.key }

// request is a GET with the given Authorization header (none when empty).
func request(authorization string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/orders", nil)
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r
}
