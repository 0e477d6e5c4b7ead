package runtime_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// An HTTP API guarded by a JWT authorizer written in SAM (HttpApi Auth.Authorizers with
// JwtConfiguration for the template's user pool, DefaultAuthorizer, per-event
// AuthorizationScopes and NONE), served and called over HTTP with tokens from the local
// user pool: no token is 401, a token without the route's scope 403, a valid token reaches
// the function with its claims in requestContext.authorizer.jwt, and the NONE route is open.
// The app's REST API (SAM Api Auth with a Cognito authorizer for the same pool) is guarded too.
func TestSAMHTTPAPIJWTAuthorizerApp(t *testing.T) {
	ctx := context.Background()
	rt := startRuntime(t, runtime.Config{
		Template: samApp("sam-httpapi-jwt"), APIAddr: "127.0.0.1:0", KeyDir: t.TempDir(), CacheDir: t.TempDir(),
		AutoConfirm: true,
	})
	call := func(path, token string) (int, string) {
		t.Helper()
		if token != "" {
			token = "Bearer " + token
		}
		return getWith(t, rt.APIURL()+path, "Authorization", token)
	}

	pool := rt.Model().UserPools[0]
	client := pool.Clients[0].ID
	cognito := sdk.Cognito(rt.EdgeURL())
	const email, pw = "noa@example.com", "Correct-Horse-9"
	if _, err := cognito.SignUp(ctx, &idp.SignUpInput{ClientId: aws.String(client), Username: aws.String(email), Password: aws.String(pw),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}}}); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	out, err := cognito.InitiateAuth(ctx, &idp.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": pw}})
	if err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	access := *out.AuthenticationResult.AccessToken

	tests := []struct {
		name, path, token string
		wantStatus        int
		wantBody          string
	}{
		{"NONE route, no token", "/health", "", 200, "null"},
		{"no token", "/me", "", 401, `{"message":"Unauthorized"}`},
		{"a token not signed by the issuer", "/me", "eyJhbGciOiJub25lIn0.e30.", 401, `{"message":"Unauthorized"}`},
		{"no token on a scoped route", "/orders", "", 401, `{"message":"Unauthorized"}`},
		{"a token without the route's scope", "/orders", access, 403, `{"message":"Forbidden"}`},
	}
	for _, tt := range tests {
		if status, body := call(tt.path, tt.token); status != tt.wantStatus || body != tt.wantBody {
			t.Errorf("%s: GET %s = %d %s, want %d %s", tt.name, tt.path, status, body, tt.wantStatus, tt.wantBody)
		}
	}

	// The default authorizer (no scopes) and a route whose scope the access token has.
	for _, path := range []string{"/me", "/profile"} {
		status, body := call(path, access)
		if status != http.StatusOK {
			t.Fatalf("GET %s with the pool's access token = %d %s, want 200", path, status, body)
		}
		var authorizer struct {
			JWT struct {
				Claims map[string]string `json:"claims"`
				Scopes []string          `json:"scopes"`
			} `json:"jwt"`
		}
		if err := json.Unmarshal([]byte(body), &authorizer); err != nil {
			t.Fatalf("GET %s body %q: %v", path, body, err)
		}
		got := authorizer.JWT
		if got.Claims["iss"] != pool.IssuerURL || got.Claims["client_id"] != client || got.Claims["token_use"] != "access" ||
			got.Claims["username"] == "" || got.Claims["sub"] == "" {
			t.Errorf("GET %s: requestContext.authorizer.jwt.claims = %v, want the access token's (iss %s, client_id %s)", path, got.Claims, pool.IssuerURL, client)
		}
		if len(got.Scopes) != 1 || got.Scopes[0] != "aws.cognito.signin.user.admin" {
			t.Errorf("GET %s: requestContext.authorizer.jwt.scopes = %q, want [aws.cognito.signin.user.admin]", path, got.Scopes)
		}
	}

	// The REST API's Cognito authorizer (SAM Api Auth with UserPoolArn) takes the ID token.
	rest := rt.RestAPIURLs()
	if len(rest) != 1 || rest[0].Stage != "prod" {
		t.Fatalf("RestAPIURLs = %+v, want ClaimsRestApi (prod)", rest)
	}
	restCall := func(path, token string) (int, string) {
		t.Helper()
		return getWith(t, rest[0].URL+path, "Authorization", token)
	}
	if status, body := restCall("/prod/me", ""); status != http.StatusUnauthorized {
		t.Errorf("REST GET /prod/me without a token = %d %s, want 401", status, body)
	}
	if status, body := restCall("/prod/health", ""); status != http.StatusOK {
		t.Errorf("REST GET /prod/health (Authorizer NONE) = %d %s, want 200", status, body)
	}
	status, body := restCall("/prod/me", *out.AuthenticationResult.IdToken)
	var authorizer struct {
		Claims map[string]any `json:"claims"`
	}
	if err := json.Unmarshal([]byte(body), &authorizer); status != http.StatusOK || err != nil {
		t.Fatalf("REST GET /prod/me with the ID token = %d %s (%v), want 200 and the authorizer", status, body, err)
	}
	if c := authorizer.Claims; c["email"] != email || c["iss"] != pool.IssuerURL || c["token_use"] != "id" {
		t.Errorf("REST GET /prod/me: requestContext.authorizer.claims = %v, want the ID token's (email %s, iss %s)", c, email, pool.IssuerURL)
	}
}
