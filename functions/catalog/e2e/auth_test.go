package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	cognitotypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/microshop/microshop/local/jwtauth"
	"github.com/microshop/microshop/local/sdk"
)

// mintToken returns an access token for user in the comma-separated groups, signed by the
// runtime's issuer, as `make token USER=... GROUPS=...` prints it.
func mintToken(user, groups string) (string, error) {
	args := []string{"--dir", keyDir, "--user", user}
	if groups != "" {
		args = append(args, "--groups", groups)
	}
	var out bytes.Buffer
	if err := jwtauth.TokenCommand(args, &out); err != nil {
		return "", fmt.Errorf("mint a token for %s: %w", user, err)
	}
	return strings.TrimSpace(out.String()), nil
}

// TestWritesNeedAnAdmin: without a token the authorizer refuses a write (401, API Gateway's
// own body); a signed-in user outside the admin group gets the function's JSON 403; neither
// changes the product, which the admin then changes.
func TestWritesNeedAnAdmin(t *testing.T) {
	p := create(t, "Walnut Board", "e2e-auth") // as the admin
	replacement := productJSON("Walnut Board XL", "e2e-auth", 3100)
	none := map[string]string{"Authorization": ""}
	customer := map[string]string{"Authorization": "Bearer " + customerToken}
	withIfMatch := func(h map[string]string) map[string]string {
		return map[string]string{"Authorization": h["Authorization"], "If-Match": `"1"`}
	}
	refusals := []struct {
		name         string
		method, path string
		body         []byte
	}{
		{"create", http.MethodPost, "/products", productJSON("Intruder", "e2e-auth", 1)},
		{"replace", http.MethodPut, "/products/" + p.ID, replacement},
		{"delete", http.MethodDelete, "/products/" + p.ID, nil},
	}
	for _, tt := range refusals {
		t.Run(tt.name+" without a token", func(t *testing.T) {
			r := do(t, tt.method, tt.path, tt.body, withIfMatch(none))
			if r.status != http.StatusUnauthorized || strings.TrimSpace(string(r.body)) != `{"message":"Unauthorized"}` {
				t.Errorf("got %d %s, want the authorizer's 401", r.status, r.body)
			}
			wantUnchanged(t, p)
		})
		t.Run(tt.name+" as a customer", func(t *testing.T) {
			wantError(t, do(t, tt.method, tt.path, tt.body, withIfMatch(customer)), http.StatusForbidden, "forbidden")
			wantUnchanged(t, p)
		})
	}
	if n := len(listAll(t, "category=e2e-auth&limit=100")); n != 1 {
		t.Errorf("category e2e-auth holds %d products after the refused creates, want 1", n)
	}

	// The admin's token is what made the difference: the same replace goes through with it.
	r := do(t, http.MethodPut, "/products/"+p.ID, replacement, map[string]string{"If-Match": `"1"`})
	if r.status != http.StatusOK || decode[product](t, r).Name != "Walnut Board XL" {
		t.Errorf("admin replace: %d %s", r.status, r.body)
	}
}

// signIn creates a confirmed user with a permanent password in the stack's user pool through
// the local Cognito API, adds it to groups, and signs it in with USER_PASSWORD_AUTH, as a
// developer does with the AWS CLI against `make dev`. It returns the access token.
func signIn(t *testing.T, email string, groups ...string) string {
	t.Helper()
	ctx := context.Background()
	pools := rt.Model().UserPools
	if len(pools) != 1 || len(pools[0].Clients) != 1 {
		t.Fatalf("template has %d user pools, want the shop's one with its app client", len(pools))
	}
	pool, client := pools[0].ID, pools[0].Clients[0].ID
	idp := sdk.Cognito(rt.EdgeURL())
	const password = "Correct-Horse-9!"
	if _, err := idp.AdminCreateUser(ctx, &cognitoidentityprovider.AdminCreateUserInput{
		UserPoolId: aws.String(pool), Username: aws.String(email), MessageAction: cognitotypes.MessageActionTypeSuppress,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := idp.AdminSetUserPassword(ctx, &cognitoidentityprovider.AdminSetUserPasswordInput{
		UserPoolId: aws.String(pool), Username: aws.String(email), Password: aws.String(password), Permanent: true,
	}); err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if _, err := idp.AdminAddUserToGroup(ctx, &cognitoidentityprovider.AdminAddUserToGroupInput{
			UserPoolId: aws.String(pool), Username: aws.String(email), GroupName: aws.String(g),
		}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := idp.InitiateAuth(ctx, &cognitoidentityprovider.InitiateAuthInput{
		ClientId: aws.String(client), AuthFlow: cognitotypes.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.AuthenticationResult.AccessToken)
}

// TestCognitoAdminWritesTheCatalog signs in through the stack's own user pool (served by the
// runtime from the template): the admin's token writes the catalog, a signed-in customer's is
// refused by the function (403), and no token by the authorizer (401).
func TestCognitoAdminWritesTheCatalog(t *testing.T) {
	admin := signIn(t, "boss@example.com", "admin")
	customer := signIn(t, "ann@example.com")
	body := productJSON("Cognito Caddy", "tea", 1500)
	cases := []struct {
		name, auth string
		want       int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"customer", "Bearer " + customer, http.StatusForbidden},
		{"admin", "Bearer " + admin, http.StatusCreated},
	}
	for _, c := range cases {
		r := do(t, http.MethodPost, "/products", body, map[string]string{"Authorization": c.auth})
		if r.status != c.want {
			t.Errorf("%s: POST /products = %d %s, want %d", c.name, r.status, r.body, c.want)
		}
	}
}
