package template

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The SAM app's HttpApi JWT authorizer (Auth.Authorizers with JwtConfiguration) loads as a
// JWT authorizer for its user pool, guarding the routes its events give it with their
// scopes: DefaultAuthorizer, Auth.AuthorizationScopes, and no authorization for NONE.
func TestJWTAuthorizerOfSAMApp(t *testing.T) {
	m, err := Load(ownstacks+"sam-httpapi-jwt/template.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.APIs) != 1 || len(m.UserPools) != 1 || len(m.UserPools[0].Clients) != 1 {
		t.Fatalf("%d APIs, %d user pools: want ClaimsApi and UserPool with one client", len(m.APIs), len(m.UserPools))
	}
	pool := m.UserPools[0]
	want := []*Authorizer{{
		LogicalID: "ClaimsApi:UserPoolJwt", APIID: m.APIs[0].ID, Name: "UserPoolJwt", Type: "JWT",
		IdentitySource: []string{"$request.header.Authorization"},
		JWT:            &JWTConfiguration{Issuer: pool.IssuerURL, Audience: []string{pool.Clients[0].ID}},
	}}
	if diff := cmp.Diff(want, m.Authorizers); diff != "" {
		t.Errorf("Authorizers (-want +got):\n%s", diff)
	}
	type route struct {
		Key, Type, Authorizer string
		Scopes                []string
	}
	var got []route
	for _, r := range m.APIs[0].Routes {
		got = append(got, route{r.Key, r.AuthorizationType, r.AuthorizerID, r.AuthorizationScopes})
	}
	wantRoutes := []route{
		{"GET /health", "NONE", "", nil},
		{"GET /me", "JWT", "ClaimsApi:UserPoolJwt", nil},
		{"GET /orders", "JWT", "ClaimsApi:UserPoolJwt", []string{"orders/read"}},
		{"GET /profile", "JWT", "ClaimsApi:UserPoolJwt", []string{"aws.cognito.signin.user.admin"}},
	}
	if diff := cmp.Diff(wantRoutes, got); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
}

// SAM's EnableIamAuthorizer writes an AWS_IAM scheme (x-amazon-apigateway-authtype
// awsSigv4): its routes are AWS_IAM routes, not Lambda authorizer routes, and no authorizer
// is made of it.
func TestIAMSchemeOfSAMApp(t *testing.T) {
	m, err := Load("sam/testdata/templates/httpapi-auth.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, r := range m.APIs[0].Routes {
		types[r.Key] = r.AuthorizationType + " " + r.AuthorizerID
	}
	if diff := cmp.Diff(map[string]string{
		"ANY /admin": "AWS_IAM ", "GET /feed": "JWT ShopApi:Partners", "GET /feed/all": "JWT ShopApi:Partners",
		"GET /health": "NONE ", "GET /keyed": "CUSTOM ShopApi:Keys", "GET /orders": "JWT ShopApi:Customers",
		"POST /orders": "JWT ShopApi:Customers",
	}, types); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
	var names []string
	for _, a := range m.Authorizers {
		names = append(names, a.Name+" "+a.Type)
	}
	if diff := cmp.Diff([]string{"Customers JWT", "Keys REQUEST", "Partners JWT"}, names); diff != "" {
		t.Errorf("authorizers (-want +got):\n%s", diff)
	}
}

// A SAM Api's Auth, expanded by the local transform, loads as API Gateway imports it:
// Cognito and Lambda (TOKEN, REQUEST) authorizers guarding the methods their events or
// DefaultAuthorizer name, with scopes; NONE methods open; AWS_IAM methods (an awsSigv4
// definition, no authorizer).
func TestRestAuthorizersOfSAMApp(t *testing.T) {
	m, err := Load("sam/testdata/templates/restapi-auth.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	type method struct{ Type, Authorizer, Scopes string }
	got := map[string]method{}
	var authorizers []string
	for _, api := range m.RestAPIs {
		for _, mt := range api.Methods {
			got[api.LogicalID+" "+mt.HTTPMethod+" "+mt.Path] = method{mt.AuthorizationType, mt.AuthorizerID, fmt.Sprint(mt.AuthorizationScopes)}
		}
		for _, a := range api.Authorizers {
			authorizers = append(authorizers, fmt.Sprintf("%s %s %s fn=%s", a.LogicalID, a.Type, a.IdentitySource, a.Function))
		}
	}
	want := map[string]method{
		"AdminApi GET /default":      {"COGNITO_USER_POOLS", "AdminApi:Users", "[admin/read]"},
		"AdminApi GET /scoped":       {"COGNITO_USER_POOLS", "AdminApi:Users", "[admin/write]"},
		"AdminApi GET /token":        {"CUSTOM", "AdminApi:Tok", "[]"},
		"AdminApi ANY /request/{id}": {"CUSTOM", "AdminApi:Req", "[]"},
		"AdminApi POST /open":        {"NONE", "", "[]"},
		"AdminApi GET /signed":       {"AWS_IAM", "", "[]"},
		"IamApi GET /iam":            {"AWS_IAM", "", "[]"},
		"IamApi GET /iam/none":       {"NONE", "", "[]"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("methods (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{
		"AdminApi:Req REQUEST method.request.header.X-Key, method.request.querystring.tenant fn=AuthFn",
		"AdminApi:Tok TOKEN method.request.header.X-Token fn=AuthFn",
		"AdminApi:Users COGNITO_USER_POOLS method.request.header.X-Id-Token fn=",
	}, authorizers); diff != "" {
		t.Errorf("authorizers (-want +got):\n%s", diff)
	}
}
