package shoptest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// User is a user of the target's Cognito user pool, signed in.
type User struct {
	Email string
	Sub   string // the token's sub: the customer id
	Token string // the access token, sent as "Authorization: Bearer <token>"
	// IDToken is the ID token of the same sign-in: unlike the access token it carries the
	// email claim, which an order placed with it keeps for its confirmation email.
	IDToken string
}

var userSeq atomic.Int64

// NewUser creates a user in the target's user pool as an operator would (AdminCreateUser,
// then AdminSetUserPassword with Permanent, so no password change is pending), adds it to
// groups, and signs it in: the token is a real one, issued by the pool the HTTP API's JWT
// authorizer trusts. Close deletes the user.
func NewUser(ctx context.Context, groups ...string) (*User, error) {
	pool, c := aws.String(target.UserPoolID), clients.cognito
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
	createdMu.Lock()
	created = append(created, email)
	createdMu.Unlock()
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
	return signIn(ctx, email, password)
}

// signIn signs username in with USER_PASSWORD_AUTH (InitiateAuth, no IAM credentials
// needed) and returns the user with its access token.
func signIn(ctx context.Context, username, password string) (*User, error) {
	out, err := clients.cognito.InitiateAuth(ctx, &idp.InitiateAuthInput{
		ClientId: aws.String(target.ClientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password},
	})
	if err != nil {
		return nil, fmt.Errorf("InitiateAuth %s: %w", username, err)
	}
	if out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == nil {
		return nil, fmt.Errorf("InitiateAuth %s: no tokens (challenge %q)", username, out.ChallengeName)
	}
	token := aws.ToString(out.AuthenticationResult.AccessToken)
	sub, err := Subject(token)
	if err != nil {
		return nil, err
	}
	return &User{Email: username, Sub: sub, Token: token, IDToken: aws.ToString(out.AuthenticationResult.IdToken)}, nil
}

// Customer creates a signed-in user in no group.
func Customer(t testing.TB) *User {
	t.Helper()
	u, err := NewUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Subject reads the sub claim of a JWT (the pool signed it; this only reads it).
func Subject(Token string) (string, error) {
	parts := strings.Split(Token, ".")
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
