package template

import (
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
