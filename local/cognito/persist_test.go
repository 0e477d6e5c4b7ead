package cognito_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/crypto/bcrypt"

	"github.com/microshop/microshop/local/cognito"
)

// Users, their groups and their sessions survive a restart with a data dir; without one a
// new service knows nobody, so the test would see a lost user.
func TestUsersSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	first := start(t, cognito.Options{DataDir: dir})
	sub := first.confirmedUser(t, "judy@example.com")
	if _, err := first.idp.AdminAddUserToGroup(context.Background(), &idp.AdminAddUserToGroupInput{
		UserPoolId: aws.String(first.pool.ID), Username: aws.String("judy@example.com"), GroupName: aws.String("admin"),
	}); err != nil {
		t.Fatal(err)
	}
	before := first.mustSignIn(t, "judy@example.com")

	again := start(t, cognito.Options{DataDir: dir})
	res := again.mustSignIn(t, "judy@example.com")
	access := claims(t, aws.ToString(res.AccessToken))
	if access["sub"] != sub || len(access["cognito:groups"].([]any)) != 1 {
		t.Errorf("after restart: sub %v groups %v, want %s in admin", access["sub"], access["cognito:groups"], sub)
	}
	if _, err := again.refresh(t, again.web, aws.ToString(before.RefreshToken)); err != nil {
		t.Errorf("refresh with a token from before the restart: %v", err)
	}

	fresh := start(t, cognito.Options{})
	_, err := fresh.signIn(t, "judy@example.com", password)
	wantError(t, err, new(*types.NotAuthorizedException), "Incorrect username or password.")
}

// The data file holds a bcrypt hash (at the default cost) of each password and a hash of
// each refresh token, never them in clear, and only its owner may read it.
func TestPasswordsStoredHashed(t *testing.T) {
	dir := t.TempDir()
	s := start(t, cognito.Options{DataDir: dir, PasswordCost: bcrypt.DefaultCost})
	s.confirmedUser(t, "ken@example.com")
	res := s.mustSignIn(t, "ken@example.com")

	path := filepath.Join(dir, "cognito", s.pool.ID+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{password, aws.ToString(res.RefreshToken)} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds a secret in clear", path)
		}
	}
	if bytes.Contains([]byte(s.log.String()), []byte(password)) {
		t.Errorf("the log holds the password: %s", s.log.String())
	}
	var f struct {
		Users []struct {
			PasswordHash []byte
		}
	}
	if err := json.Unmarshal(data, &f); err != nil || len(f.Users) != 1 {
		t.Fatalf("data file %s: %v, %d users", data, err, len(f.Users))
	}
	if cost, err := bcrypt.Cost(f.Users[0].PasswordHash); err != nil || cost != bcrypt.DefaultCost {
		t.Errorf("password hash cost = %d, %v; want bcrypt at cost %d", cost, err, bcrypt.DefaultCost)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("data file mode %v, want 0600", perm)
	}
}
