package shop

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/microshop/microshop/local/sdk"
)

// user is a user of the local Cognito user pool, signed in.
type user struct {
	email string
	sub   string // the token's sub: the customer id
	token string // the access token, sent as "Authorization: Bearer <token>"
}

var userSeq atomic.Int64

// newUser creates a user in the template's user pool as an operator would (AdminCreateUser,
// then AdminSetUserPassword with Permanent, so no password change is pending), adds it to
// groups, and signs it in with USER_PASSWORD_AUTH through the edge: the token is a real one,
// issued by the pool the HTTP API's JWT authorizer trusts.
func newUser(ctx context.Context, groups ...string) (*user, error) {
	pools := rt.Model().UserPools
	if len(pools) == 0 || len(pools[0].Clients) == 0 {
		return nil, errors.New("the template has no user pool with an app client")
	}
	pool, client := aws.String(pools[0].ID), aws.String(pools[0].Clients[0].ID)
	c := sdk.Cognito(rt.EdgeURL())

	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	email := fmt.Sprintf("shopper-%d-%s@example.com", userSeq.Add(1), hex.EncodeToString(b))
	password := "Shop-e2e-" + hex.EncodeToString(b) + "!"
	if _, err := c.AdminCreateUser(ctx, &idp.AdminCreateUserInput{
		UserPoolId: pool, Username: aws.String(email), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	}); err != nil {
		return nil, fmt.Errorf("AdminCreateUser %s: %w", email, err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &idp.AdminSetUserPasswordInput{
		UserPoolId: pool, Username: aws.String(email), Password: aws.String(password), Permanent: true,
	}); err != nil {
		return nil, fmt.Errorf("AdminSetUserPassword %s: %w", email, err)
	}
	for _, g := range groups {
		if _, err := c.AdminAddUserToGroup(ctx, &idp.AdminAddUserToGroupInput{
			UserPoolId: pool, Username: aws.String(email), GroupName: aws.String(g),
		}); err != nil {
			return nil, fmt.Errorf("AdminAddUserToGroup %s %s: %w", email, g, err)
		}
	}
	out, err := c.InitiateAuth(ctx, &idp.InitiateAuthInput{
		ClientId: client, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": password},
	})
	if err != nil {
		return nil, fmt.Errorf("InitiateAuth %s: %w", email, err)
	}
	if out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == nil {
		return nil, fmt.Errorf("InitiateAuth %s: no tokens (challenge %q)", email, out.ChallengeName)
	}
	token := aws.ToString(out.AuthenticationResult.AccessToken)
	sub, err := subject(token)
	if err != nil {
		return nil, err
	}
	return &user{email: email, sub: sub, token: token}, nil
}

// customer creates a signed-in user in no group.
func customer(t testing.TB) *user {
	t.Helper()
	u, err := newUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// subject reads the sub claim of a JWT (the pool signed it; this only reads it).
func subject(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", errors.New("access token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("access token payload: %w", err)
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Sub == "" {
		return "", fmt.Errorf("access token has no sub claim (%v)", err)
	}
	return claims.Sub, nil
}

// TestCognitoTokens: the users the suite signs in through the local Cognito carry what the
// routes check: the admin's token passes the authorizer and the admin group check, a
// customer's passes the authorizer only, and a price in another currency than the shop's is
// refused with a 422.
func TestCognitoTokens(t *testing.T) {
	needRoutes(t, catalogRoutes...)
	c := customer(t)
	body := func(currency string) map[string]any {
		return map[string]any{"name": "Token Probe", "category": "e2e-shop-tokens",
			"price": map[string]any{"amount": 100, "currency": currency}}
	}
	if r := call(t, nil, "POST", "/products", body(shopCurrency())); r.status != http.StatusUnauthorized {
		t.Errorf("without a token: %s, want 401", r)
	}
	wantError(t, call(t, c, "POST", "/products", body(shopCurrency())), http.StatusForbidden, "forbidden")
	other := "EUR"
	if shopCurrency() == other {
		other = "USD"
	}
	wantError(t, call(t, admin, "POST", "/products", body(other)), http.StatusUnprocessableEntity, "unprocessable")
	p := want[product](t, call(t, admin, "POST", "/products", body(shopCurrency())), http.StatusCreated)
	if p.Price.Currency != shopCurrency() {
		t.Errorf("created %+v, want the price in %s", p, shopCurrency())
	}
}
