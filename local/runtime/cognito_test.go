package runtime_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/microshop/microshop/local/internal/syncbuf"
	"github.com/microshop/microshop/local/jwtauth"
	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// The runtime serves the template's user pools on the edge, logs confirmation codes, keeps
// users in the data dir across restarts, and `devcloud token` still mints tokens for the
// template's authorizer.
func TestUserPools(t *testing.T) {
	ctx := context.Background()
	log := &syncbuf.Buffer{}
	cfg := runtime.Config{
		Template: filepath.Join("testdata", "Users.template.json"),
		DataDir:  t.TempDir(), KeyDir: t.TempDir(), Log: log,
	}
	rt := startRuntime(t, cfg)
	pool := rt.Model().UserPools[0]
	client := aws.String(pool.Clients[0].ID)
	cognito := sdk.Cognito(rt.EdgeURL())
	const email, pw = "mia@example.com", "Correct-Horse-9"
	if _, err := cognito.SignUp(ctx, &idp.SignUpInput{ClientId: client, Username: aws.String(email), Password: aws.String(pw)}); err != nil {
		t.Fatalf("SignUp through the runtime's edge: %v", err)
	}
	m := regexp.MustCompile(`confirmation code for mia@example.com in pool ` + pool.ID + `: (\d{6})`).FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("no confirmation code in the runtime's log:\n%s", log.String())
	}
	if _, err := cognito.ConfirmSignUp(ctx, &idp.ConfirmSignUpInput{ClientId: client, Username: aws.String(email), ConfirmationCode: aws.String(m[1])}); err != nil {
		t.Fatalf("ConfirmSignUp: %v", err)
	}
	signIn := func(rt *runtime.Runtime) (*idp.InitiateAuthOutput, error) {
		return sdk.Cognito(rt.EdgeURL()).InitiateAuth(ctx, &idp.InitiateAuthInput{
			ClientId: client, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": pw},
		})
	}
	if _, err := signIn(rt); err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}

	again := startRuntime(t, cfg)
	if _, err := signIn(again); err != nil {
		t.Errorf("InitiateAuth after a restart with the same data dir: %v", err)
	}
	withoutData := cfg
	withoutData.DataDir = ""
	_, err := signIn(startRuntime(t, withoutData))
	var notAuthorized *types.NotAuthorizedException
	if !errors.As(err, &notAuthorized) {
		t.Errorf("InitiateAuth on a runtime without the data dir = %v, want NotAuthorizedException (the user is unknown)", err)
	}

	// `devcloud token` (make token) mints a token for the pool the authorizer trusts.
	var out bytes.Buffer
	if err := jwtauth.TokenCommand([]string{"--dir", cfg.KeyDir, "--user", "alice"}, &out); err != nil {
		t.Fatalf("token: %v", err)
	}
	parts := strings.Split(strings.TrimSpace(out.String()), ".")
	if len(parts) != 3 {
		t.Fatalf("token = %q, want a JWT", out.String())
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Iss      string `json:"iss"`
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Iss != pool.IssuerURL || claims.ClientID != *client {
		t.Errorf("token iss %q client_id %q, want the pool's %q and %q", claims.Iss, claims.ClientID, pool.IssuerURL, *client)
	}
}
