package jwtauth

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/template"
)

// FuzzAuthorize hands the JWT authorizer arbitrary Authorization headers, and tokens built
// from arbitrary header and claims JSON, signed with the issuer's own key or not: nothing
// panics, a refusal is a 401 or 403 (never a configuration error), and every token it accepts
// passes an independent strict check (RS256 by the issuer's key, unexpired by the issuer's
// clock, not before its nbf, the template's issuer, the app client as audience).
func FuzzAuthorize(f *testing.F) {
	m, err := template.Load("testdata/Auth.template.json", template.Options{})
	if err != nil {
		f.Fatal(err)
	}
	iss := sharedIssuer()
	a := FromModel(m, iss)
	var routes []*template.Route
	for _, api := range m.APIs {
		for _, r := range api.Routes {
			if r.AuthorizationType == "JWT" {
				routes = append(routes, r)
			}
		}
	}
	valid, err := iss.Issue(Claims{Subject: "alice", Scopes: []string{"orders/admin"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), "Bearer "+valid, []byte(nil), []byte(nil), false)
	f.Add(uint8(1), valid, []byte(nil), []byte(nil), false)
	f.Add(uint8(0), "", []byte(`{"alg":"RS256","kid":"`+iss.KeyID()+`"}`), []byte(`{"sub":"a","iss":"`+testIssuer+`","client_id":"`+testClient+`","exp":4102444800,"token_use":"access"}`), true)
	f.Add(uint8(0), "", []byte(`{"alg":"none"}`), []byte(`{"sub":"a","iss":"`+testIssuer+`","client_id":"`+testClient+`","exp":4102444800}`), false)
	f.Add(uint8(1), "", []byte(`{"alg":"RS256","kid":"`+iss.KeyID()+`"}`), []byte(`{"sub":"a","iss":"`+testIssuer+`","aud":["`+testClient+`"],"exp":4102444800,"nbf":4102444000}`), true)
	f.Fuzz(func(t *testing.T, which uint8, authorization string, header, claims []byte, signed bool) {
		route := routes[int(which)%len(routes)]
		if authorization == "" {
			enc := base64.RawURLEncoding
			unsigned := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
			sig := []byte("not a signature")
			if signed {
				if sig, err = jwt.SigningMethodRS256.Sign(unsigned, rsaKey(iss)); err != nil {
					t.Fatal(err)
				}
			}
			authorization = "Bearer " + unsigned + "." + enc.EncodeToString(sig)
		}
		got, err := a.Authorize(context.Background(), route, request(authorization))
		if err != nil {
			if !errors.Is(err, apigw.ErrUnauthorized) && !errors.Is(err, apigw.ErrForbidden) {
				t.Fatalf("refused with %v, want ErrUnauthorized or ErrForbidden", err)
			}
			return
		}
		if got == nil || got.JWT == nil {
			t.Fatalf("accepted without claims: %+v", got)
		}
		token, err := token(defaultIdentitySource, request(authorization))
		if err != nil {
			t.Fatal(err)
		}
		strict := jwt.NewParser(jwt.WithValidMethods([]string{"RS256", "RS384", "RS512"}), jwt.WithTimeFunc(func() time.Time { return now }),
			jwt.WithExpirationRequired(), jwt.WithIssuer(testIssuer))
		mc := jwt.MapClaims{}
		if _, err := strict.ParseWithClaims(token, mc, func(*jwt.Token) (any, error) { return &rsaKey(iss).PublicKey, nil }); err != nil {
			t.Fatalf("accepted %q, which a strict check refuses: %v", authorization, err)
		}
		aud, _ := mc.GetAudience()
		cid, _ := mc["client_id"].(string)
		if _, hasAud := mc["aud"]; hasAud && !slices.Contains(aud, testClient) || !hasAud && cid != testClient {
			t.Fatalf("accepted %q for another app client (client_id %v, aud %v)", authorization, mc["client_id"], aud)
		}
	})
}
