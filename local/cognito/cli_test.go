package cognito_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/microshop/microshop/local/cognito"
)

// awsCLI runs the AWS CLI against endpoint with dummy credentials and no user configuration,
// returning stdout, stderr and whether it succeeded. Both region variables are set: the AWS
// CLI v1 reads only AWS_DEFAULT_REGION.
func awsCLI(t *testing.T, endpoint string, args ...string) (stdout, stderr string, ok bool) {
	t.Helper()
	cmd := exec.Command("aws", append(args, "--endpoint-url", endpoint, "--output", "json")...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("aws %v: %v", args, err)
	}
	return out.String(), errOut.String(), err == nil
}

// The README's sign-in, with the AWS CLI against the edge: sign-up, admin-confirm-sign-up,
// initiate-auth; the token it prints opens the HTTP API.
func TestAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatal("the AWS CLI is not installed: these tests drive the API as a user would, with `aws`")
	}
	s := start(t, cognito.Options{})

	stdout, stderr, ok := awsCLI(t, s.edgeURL, "cognito-idp", "sign-up", "--client-id", s.web,
		"--username", "lena@example.com", "--password", password)
	if !ok {
		t.Fatalf("sign-up failed: %s", stderr)
	}
	var signUp struct {
		UserConfirmed bool
		UserSub       string
	}
	if err := json.Unmarshal([]byte(stdout), &signUp); err != nil || signUp.UserConfirmed || signUp.UserSub == "" {
		t.Fatalf("sign-up output %s (%v)", stdout, err)
	}

	signIn := func(pw string) (string, string, bool) {
		return awsCLI(t, s.edgeURL, "cognito-idp", "initiate-auth", "--client-id", s.web,
			"--auth-flow", "USER_PASSWORD_AUTH", "--auth-parameters", "USERNAME=lena@example.com,PASSWORD="+pw)
	}
	if _, stderr, ok := signIn(password); ok || !strings.Contains(stderr, "UserNotConfirmedException") {
		t.Errorf("initiate-auth before confirming: ok %v, stderr %q; want UserNotConfirmedException", ok, stderr)
	}
	if _, stderr, ok := awsCLI(t, s.edgeURL, "cognito-idp", "admin-confirm-sign-up",
		"--user-pool-id", s.pool.ID, "--username", "lena@example.com"); !ok {
		t.Fatalf("admin-confirm-sign-up failed: %s", stderr)
	}
	if _, stderr, ok := signIn("Wrong-Horse-9"); ok || !strings.Contains(stderr, "NotAuthorizedException") || !strings.Contains(stderr, "Incorrect username or password.") {
		t.Errorf("initiate-auth with a wrong password: ok %v, stderr %q; want NotAuthorizedException", ok, stderr)
	}
	stdout, stderr, ok = signIn(password)
	if !ok {
		t.Fatalf("initiate-auth failed: %s", stderr)
	}
	var auth struct {
		AuthenticationResult struct{ AccessToken, IdToken, RefreshToken string }
	}
	if err := json.Unmarshal([]byte(stdout), &auth); err != nil || auth.AuthenticationResult.AccessToken == "" {
		t.Fatalf("initiate-auth output %s (%v)", stdout, err)
	}
	if status, seen := s.callAPI(t, auth.AuthenticationResult.AccessToken); status != 200 || seen["sub"] != signUp.UserSub {
		t.Errorf("GET /me with the CLI's token = %d %v, want 200 for %s", status, seen, signUp.UserSub)
	}

}
