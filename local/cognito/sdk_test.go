package cognito_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/cognito"
)

// A user signs up, cannot sign in before confirming, confirms with the code the runtime
// logged, signs in, and the HTTP API's JWT authorizer accepts both tokens.
func TestSignUpConfirmSignIn(t *testing.T) {
	s := start(t, cognito.Options{})
	ctx := context.Background()

	out, err := s.idp.SignUp(ctx, &idp.SignUpInput{
		ClientId: aws.String(s.web), Username: aws.String("alice@example.com"), Password: aws.String(password),
		UserAttributes: []types.AttributeType{{Name: aws.String("name"), Value: aws.String("Alice")}},
	})
	if err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	sub := aws.ToString(out.UserSub)
	if out.UserConfirmed || sub == "" {
		t.Errorf("SignUp = confirmed %v, sub %q; want unconfirmed with a sub", out.UserConfirmed, sub)
	}
	wantDelivery := &types.CodeDeliveryDetailsType{AttributeName: aws.String("email"), DeliveryMedium: types.DeliveryMediumTypeEmail, Destination: aws.String("a***@e***")}
	if diff := cmp.Diff(wantDelivery, out.CodeDeliveryDetails, cmp.AllowUnexported(types.CodeDeliveryDetailsType{})); diff != "" {
		t.Errorf("CodeDeliveryDetails mismatch (-want +got):\n%s", diff)
	}

	_, err = s.signIn(t, "alice@example.com", password)
	wantError(t, err, new(*types.UserNotConfirmedException), "User is not confirmed.")

	code := s.code(t, "alice@example.com")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err = s.idp.ConfirmSignUp(ctx, &idp.ConfirmSignUpInput{ClientId: aws.String(s.web), Username: aws.String("alice@example.com"), ConfirmationCode: aws.String(wrong)})
	wantError(t, err, new(*types.CodeMismatchException), "Invalid verification code")
	if _, err := s.idp.ConfirmSignUp(ctx, &idp.ConfirmSignUpInput{ClientId: aws.String(s.web), Username: aws.String("alice@example.com"), ConfirmationCode: aws.String(code)}); err != nil {
		t.Fatalf("ConfirmSignUp: %v", err)
	}
	_, err = s.idp.ConfirmSignUp(ctx, &idp.ConfirmSignUpInput{ClientId: aws.String(s.web), Username: aws.String("alice@example.com"), ConfirmationCode: aws.String(code)})
	wantError(t, err, new(*types.NotAuthorizedException), "Current status is CONFIRMED")

	res := s.mustSignIn(t, "alice@example.com")
	if aws.ToString(res.TokenType) != "Bearer" || res.ExpiresIn != 3600 || aws.ToString(res.RefreshToken) == "" {
		t.Errorf("AuthenticationResult = type %q, expires in %d, refresh %q; want Bearer, 3600 and a refresh token",
			aws.ToString(res.TokenType), res.ExpiresIn, aws.ToString(res.RefreshToken))
	}

	// Cognito's claims, with the pool's issuer and the web client.
	access, id := claims(t, aws.ToString(res.AccessToken)), claims(t, aws.ToString(res.IdToken))
	wantAccess := map[string]any{
		"sub": sub, "iss": s.pool.IssuerURL, "client_id": s.web, "token_use": "access",
		"scope": "aws.cognito.signin.user.admin", "username": sub,
	}
	wantID := map[string]any{
		"sub": sub, "iss": s.pool.IssuerURL, "aud": s.web, "token_use": "id", "cognito:username": sub,
		"email": "alice@example.com", "email_verified": true, "name": "Alice",
	}
	for _, tt := range []struct {
		name   string
		claims map[string]any
		want   map[string]any
		also   []string
	}{
		{"access", access, wantAccess, []string{"auth_time", "exp", "iat", "jti", "origin_jti"}},
		{"id", id, wantID, []string{"auth_time", "exp", "iat", "jti", "origin_jti"}},
	} {
		got := map[string]any{}
		for k := range tt.want {
			got[k] = tt.claims[k]
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s token claims mismatch (-want +got):\n%s", tt.name, diff)
		}
		for _, k := range tt.also {
			if _, ok := tt.claims[k]; !ok {
				t.Errorf("%s token has no %s claim: %v", tt.name, k, tt.claims)
			}
		}
	}
	if access["origin_jti"] != id["origin_jti"] || access["jti"] == id["jti"] {
		t.Errorf("origin_jti %v/%v should be shared and jti %v/%v distinct", access["origin_jti"], id["origin_jti"], access["jti"], id["jti"])
	}
	if exp, iat := access["exp"].(float64), access["iat"].(float64); exp-iat != 3600 {
		t.Errorf("access token lives %v s, want the client's 60 minutes", exp-iat)
	}

	// The HTTP API's authorizer (Issuer and Audience from the pool and client, as the CDK
	// writes them) accepts both tokens, and refuses none.
	for _, tok := range []string{aws.ToString(res.AccessToken), aws.ToString(res.IdToken)} {
		status, seen := s.callAPI(t, tok)
		if status != 200 || seen["sub"] != sub {
			t.Errorf("GET /me = %d with claims %v, want 200 for %s", status, seen, sub)
		}
	}
	if status, _ := s.callAPI(t, ""); status != 401 {
		t.Errorf("GET /me without a token = %d, want 401", status)
	}

	user, err := s.idp.GetUser(ctx, &idp.GetUserInput{AccessToken: res.AccessToken})
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	gotAttrs := map[string]string{}
	for _, a := range user.UserAttributes {
		gotAttrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	wantAttrs := map[string]string{"sub": sub, "email": "alice@example.com", "email_verified": "true", "name": "Alice"}
	if aws.ToString(user.Username) != sub || !cmp.Equal(wantAttrs, gotAttrs) {
		t.Errorf("GetUser = %s %v, want %s %v", aws.ToString(user.Username), gotAttrs, sub, wantAttrs)
	}
	_, err = s.idp.GetUser(ctx, &idp.GetUserInput{AccessToken: res.IdToken})
	wantError(t, err, new(*types.NotAuthorizedException), "Invalid Access Token")
}

func TestSignInErrors(t *testing.T) {
	s := start(t, cognito.Options{})
	s.confirmedUser(t, "bob@example.com")
	auth := func(client string, flow types.AuthFlowType, params map[string]string) error {
		_, err := s.idp.InitiateAuth(context.Background(), &idp.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: flow, AuthParameters: params})
		return err
	}
	up := func(u, p string) map[string]string { return map[string]string{"USERNAME": u, "PASSWORD": p} }
	secret, err := s.model.GetAtt(serverLogicalID, "ClientSecret")
	if err != nil {
		t.Fatal(err)
	}
	secretHash := func(username string) string {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(username + s.server))
		return base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	tests := []struct {
		name string
		err  error
		want any
		msg  string
	}{
		{"wrong password", auth(s.web, types.AuthFlowTypeUserPasswordAuth, up("bob@example.com", "Wrong-Horse-9")),
			new(*types.NotAuthorizedException), "Incorrect username or password."},
		{"unknown user, existence errors prevented", auth(s.web, types.AuthFlowTypeUserPasswordAuth, up("nobody@example.com", password)),
			new(*types.NotAuthorizedException), "Incorrect username or password."},
		{"unknown user, legacy existence errors", auth(s.server, types.AuthFlowTypeUserPasswordAuth, map[string]string{"USERNAME": "nobody@example.com", "PASSWORD": password, "SECRET_HASH": secretHash("nobody@example.com")}),
			new(*types.UserNotFoundException), "User does not exist."},
		{"unknown client", auth("0000000000000000000000000a", types.AuthFlowTypeUserPasswordAuth, up("bob@example.com", password)),
			new(*types.ResourceNotFoundException), "User pool client 0000000000000000000000000a does not exist."},
		{"flow not enabled for the client", auth(s.srp, types.AuthFlowTypeUserPasswordAuth, up("bob@example.com", password)),
			new(*types.InvalidParameterException), "USER_PASSWORD_AUTH flow not enabled for this client"},
		{"no password", auth(s.web, types.AuthFlowTypeUserPasswordAuth, map[string]string{"USERNAME": "bob@example.com"}),
			new(*types.InvalidParameterException), "Missing required parameter PASSWORD"},
		{"secret client without SECRET_HASH", auth(s.server, types.AuthFlowTypeUserPasswordAuth, up("bob@example.com", password)),
			new(*types.NotAuthorizedException), "secret was not received"},
		{"secret client with a wrong SECRET_HASH", auth(s.server, types.AuthFlowTypeUserPasswordAuth, map[string]string{"USERNAME": "bob@example.com", "PASSWORD": password, "SECRET_HASH": "x"}),
			new(*types.NotAuthorizedException), "Unable to verify secret hash"},
		{"invalid refresh token", auth(s.web, types.AuthFlowTypeRefreshTokenAuth, map[string]string{"REFRESH_TOKEN": "made-up"}),
			new(*types.NotAuthorizedException), "Invalid Refresh Token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.err, tt.want, tt.msg) })
	}

	// The same calls succeed with the right password and the right SECRET_HASH.
	if _, err := s.signIn(t, "bob@example.com", password); err != nil {
		t.Errorf("sign in with the right password: %v", err)
	}
	if err := auth(s.server, types.AuthFlowTypeUserPasswordAuth, map[string]string{"USERNAME": "bob@example.com", "PASSWORD": password, "SECRET_HASH": secretHash("bob@example.com")}); err != nil {
		t.Errorf("sign in with SECRET_HASH: %v", err)
	}
}

func TestSignUpErrors(t *testing.T) {
	s := start(t, cognito.Options{})
	s.signUp(t, "Carol@Example.com")
	signUp := func(client, username, pw string, attrs ...string) error {
		in := &idp.SignUpInput{ClientId: aws.String(client), Username: aws.String(username), Password: aws.String(pw)}
		for i := 0; i+1 < len(attrs); i += 2 {
			in.UserAttributes = append(in.UserAttributes, types.AttributeType{Name: aws.String(attrs[i]), Value: aws.String(attrs[i+1])})
		}
		_, err := s.idp.SignUp(context.Background(), in)
		return err
	}
	tests := []struct {
		name string
		err  error
		want any
		msg  string
	}{
		{"email taken, other case", signUp(s.web, "carol@EXAMPLE.com", password), new(*types.UsernameExistsException), "An account with the given email already exists."},
		{"not an email", signUp(s.web, "carol", password), new(*types.InvalidParameterException), "Username should be an email."},
		{"too short", signUp(s.web, "d1@example.com", "Short-9"), new(*types.InvalidPasswordException), "Password not long enough"},
		{"no upper case", signUp(s.web, "d2@example.com", "correct-horse-9"), new(*types.InvalidPasswordException), "Password must have uppercase characters"},
		{"no lower case", signUp(s.web, "d3@example.com", "CORRECT-HORSE-9"), new(*types.InvalidPasswordException), "Password must have lowercase characters"},
		{"no digit", signUp(s.web, "d4@example.com", "Correct-Horse-X"), new(*types.InvalidPasswordException), "Password must have numeric characters"},
		{"unknown client", signUp("0000000000000000000000000a", "d5@example.com", password), new(*types.ResourceNotFoundException), "does not exist"},
		{"attribute outside the schema", signUp(s.web, "d7@example.com", password, "cognito:groups", "admin"), new(*types.InvalidParameterException), "Attribute does not exist in the schema"},
		{"self-verified email", signUp(s.web, "d8@example.com", password, "email_verified", "true"), new(*types.NotAuthorizedException), "unauthorized attribute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.err, tt.want, tt.msg) })
	}
	// Symbols are not required by this pool's policy: the same password with one works.
	if err := signUp(s.web, "d6@example.com", "CorrectHorse9", "custom:tier", "gold", "given_name", "D"); err != nil {
		t.Errorf("SignUp with a password the policy allows: %v", err)
	}
}

// Usernames (here emails) match without regard to case, as the pool's UsernameConfiguration
// says.
func TestCaseInsensitiveSignIn(t *testing.T) {
	s := start(t, cognito.Options{})
	sub := s.confirmedUser(t, "Dave@Example.com")
	res := s.mustSignIn(t, "dave@example.COM")
	if got := claims(t, aws.ToString(res.AccessToken))["sub"]; got != sub {
		t.Errorf("signed in as %v, want %s", got, sub)
	}
}

func TestAutoConfirm(t *testing.T) {
	s := start(t, cognito.Options{AutoConfirm: true})
	out, err := s.idp.SignUp(context.Background(), &idp.SignUpInput{
		ClientId: aws.String(s.web), Username: aws.String("erin@example.com"), Password: aws.String(password),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !out.UserConfirmed || out.CodeDeliveryDetails != nil {
		t.Errorf("SignUp = confirmed %v, delivery %v; want confirmed, no code sent", out.UserConfirmed, out.CodeDeliveryDetails)
	}
	res := s.mustSignIn(t, "erin@example.com")
	if got := claims(t, aws.ToString(res.IdToken))["email_verified"]; got != true {
		t.Errorf("email_verified = %v, want true", got)
	}
}

// Group changes show in the next token, and a refresh carries them.
func TestGroupsInNextToken(t *testing.T) {
	s := start(t, cognito.Options{})
	ctx := context.Background()
	sub := s.confirmedUser(t, "frank@example.com")
	first := s.mustSignIn(t, "frank@example.com")
	if g, ok := claims(t, aws.ToString(first.AccessToken))["cognito:groups"]; ok {
		t.Fatalf("cognito:groups = %v before joining a group", g)
	}
	member := &idp.AdminAddUserToGroupInput{UserPoolId: aws.String(s.pool.ID), Username: aws.String("frank@example.com"), GroupName: aws.String("admin")}
	if _, err := s.idp.AdminAddUserToGroup(ctx, member); err != nil {
		t.Fatalf("AdminAddUserToGroup: %v", err)
	}
	refreshed, err := s.refresh(t, s.web, aws.ToString(first.RefreshToken))
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if refreshed.RefreshToken != nil {
		t.Errorf("refresh returned a new refresh token; Cognito keeps the old one")
	}
	access := claims(t, aws.ToString(refreshed.AccessToken))
	if diff := cmp.Diff([]any{"admin"}, access["cognito:groups"]); diff != "" {
		t.Errorf("cognito:groups after joining (-want +got):\n%s", diff)
	}
	if access["origin_jti"] != claims(t, aws.ToString(first.AccessToken))["origin_jti"] {
		t.Errorf("a refreshed token keeps its session's origin_jti")
	}
	if status, seen := s.callAPI(t, aws.ToString(refreshed.AccessToken)); status != 200 || seen["cognito:groups"] != "[admin]" || seen["sub"] != sub {
		t.Errorf("GET /me = %d with %v, want 200 with cognito:groups [admin]", status, seen)
	}

	groups, err := s.idp.AdminListGroupsForUser(ctx, &idp.AdminListGroupsForUserInput{UserPoolId: aws.String(s.pool.ID), Username: aws.String("frank@example.com")})
	if err != nil || len(groups.Groups) != 1 || aws.ToString(groups.Groups[0].GroupName) != "admin" {
		t.Errorf("AdminListGroupsForUser = %v, %v; want admin", groups, err)
	}
	inGroup, err := s.idp.ListUsersInGroup(ctx, &idp.ListUsersInGroupInput{UserPoolId: aws.String(s.pool.ID), GroupName: aws.String("admin")})
	if err != nil || len(inGroup.Users) != 1 || aws.ToString(inGroup.Users[0].Username) != sub {
		t.Errorf("ListUsersInGroup = %v, %v; want %s", inGroup, err, sub)
	}

	if _, err := s.idp.AdminRemoveUserFromGroup(ctx, &idp.AdminRemoveUserFromGroupInput{UserPoolId: member.UserPoolId, Username: member.Username, GroupName: member.GroupName}); err != nil {
		t.Fatalf("AdminRemoveUserFromGroup: %v", err)
	}
	again := s.mustSignIn(t, "frank@example.com")
	if g, ok := claims(t, aws.ToString(again.AccessToken))["cognito:groups"]; ok {
		t.Errorf("cognito:groups = %v after leaving the group", g)
	}
}

// Refresh tokens: another client's, expired and revoked (GlobalSignOut) ones are refused; the
// same token works before each of these.
func TestRefreshTokenRefused(t *testing.T) {
	s := start(t, cognito.Options{})
	ctx := context.Background()
	s.confirmedUser(t, "grace@example.com")

	t.Run("expired", func(t *testing.T) {
		res := s.mustSignIn(t, "grace@example.com")
		s.clock.Advance(30*24*time.Hour - time.Second) // the web client's RefreshTokenValidity is 43200 minutes
		if _, err := s.refresh(t, s.web, aws.ToString(res.RefreshToken)); err != nil {
			t.Fatalf("refresh a second before expiry: %v", err)
		}
		s.clock.Advance(time.Second)
		_, err := s.refresh(t, s.web, aws.ToString(res.RefreshToken))
		wantError(t, err, new(*types.NotAuthorizedException), "Refresh Token has expired")
	})

	t.Run("another client's", func(t *testing.T) {
		res := s.mustSignIn(t, "grace@example.com")
		_, err := s.refresh(t, s.srp, aws.ToString(res.RefreshToken))
		wantError(t, err, new(*types.NotAuthorizedException), "Invalid Refresh Token")
	})

	t.Run("revoked by GlobalSignOut", func(t *testing.T) {
		one, two := s.mustSignIn(t, "grace@example.com"), s.mustSignIn(t, "grace@example.com")
		if _, err := s.refresh(t, s.web, aws.ToString(one.RefreshToken)); err != nil {
			t.Fatalf("refresh before sign-out: %v", err)
		}
		if _, err := s.idp.GetUser(ctx, &idp.GetUserInput{AccessToken: one.AccessToken}); err != nil {
			t.Fatalf("GetUser before sign-out: %v", err)
		}
		if _, err := s.idp.GlobalSignOut(ctx, &idp.GlobalSignOutInput{AccessToken: two.AccessToken}); err != nil {
			t.Fatalf("GlobalSignOut: %v", err)
		}
		for _, res := range []*types.AuthenticationResultType{one, two} {
			_, err := s.refresh(t, s.web, aws.ToString(res.RefreshToken))
			wantError(t, err, new(*types.NotAuthorizedException), "Invalid Refresh Token")
			_, err = s.idp.GetUser(ctx, &idp.GetUserInput{AccessToken: res.AccessToken})
			wantError(t, err, new(*types.NotAuthorizedException), "Access Token has been revoked")
		}
		// Signing in again works.
		if _, err := s.refresh(t, s.web, aws.ToString(s.mustSignIn(t, "grace@example.com").RefreshToken)); err != nil {
			t.Errorf("refresh after signing in again: %v", err)
		}
	})
}

// An administrator creates a user, sets a permanent password and manages them.
func TestAdminOperations(t *testing.T) {
	s := start(t, cognito.Options{})
	ctx := context.Background()
	pool := aws.String(s.pool.ID)

	created, err := s.idp.AdminCreateUser(ctx, &idp.AdminCreateUserInput{
		UserPoolId: pool, Username: aws.String("admin@example.com"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email_verified"), Value: aws.String("true")}},
		MessageAction:  types.MessageActionTypeSuppress,
	})
	if err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	if created.User.UserStatus != types.UserStatusTypeForceChangePassword || !created.User.Enabled || created.User.UserCreateDate == nil {
		t.Errorf("created user = %+v, want enabled, FORCE_CHANGE_PASSWORD, with a creation date", created.User)
	}
	_, err = s.idp.AdminCreateUser(ctx, &idp.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("ADMIN@example.com")})
	wantError(t, err, new(*types.UsernameExistsException), "User account already exists")

	_, err = s.signIn(t, "admin@example.com", password)
	wantError(t, err, new(*types.NotAuthorizedException), "Incorrect username or password.")
	if _, err := s.idp.AdminSetUserPassword(ctx, &idp.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String("admin@example.com"), Password: aws.String("weak"), Permanent: true}); err == nil {
		t.Error("AdminSetUserPassword accepted a password the policy refuses")
	}
	if _, err := s.idp.AdminSetUserPassword(ctx, &idp.AdminSetUserPasswordInput{UserPoolId: pool, Username: aws.String("admin@example.com"), Password: aws.String(password), Permanent: true}); err != nil {
		t.Fatalf("AdminSetUserPassword: %v", err)
	}
	if _, err := s.idp.AdminAddUserToGroup(ctx, &idp.AdminAddUserToGroupInput{UserPoolId: pool, Username: aws.String("admin@example.com"), GroupName: aws.String("admin")}); err != nil {
		t.Fatalf("AdminAddUserToGroup: %v", err)
	}
	res := s.mustSignIn(t, "admin@example.com")
	if status, seen := s.callAPI(t, aws.ToString(res.AccessToken)); status != 200 || seen["cognito:groups"] != "[admin]" {
		t.Errorf("GET /me as admin = %d %v", status, seen)
	}

	// An unconfirmed self-signed-up user, confirmed by the administrator.
	s.signUp(t, "henry@example.com")
	got, err := s.idp.AdminGetUser(ctx, &idp.AdminGetUserInput{UserPoolId: pool, Username: aws.String("henry@example.com")})
	if err != nil || got.UserStatus != types.UserStatusTypeUnconfirmed {
		t.Fatalf("AdminGetUser = %+v, %v; want UNCONFIRMED", got, err)
	}
	if _, err := s.idp.AdminConfirmSignUp(ctx, &idp.AdminConfirmSignUpInput{UserPoolId: pool, Username: aws.String("henry@example.com")}); err != nil {
		t.Fatalf("AdminConfirmSignUp: %v", err)
	}
	s.mustSignIn(t, "henry@example.com")

	list, err := s.idp.ListUsers(ctx, &idp.ListUsersInput{UserPoolId: pool, Filter: aws.String(`email = "henry@example.com"`)})
	if err != nil || len(list.Users) != 1 || list.Users[0].UserStatus != types.UserStatusTypeConfirmed {
		t.Errorf("ListUsers(email filter) = %+v, %v; want henry, CONFIRMED", list, err)
	}
	var emails []string
	p := idp.NewListUsersPaginator(s.idp, &idp.ListUsersInput{UserPoolId: pool, Limit: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListUsers page: %v", err)
		}
		for _, u := range page.Users {
			for _, a := range u.Attributes {
				if aws.ToString(a.Name) == "email" {
					emails = append(emails, aws.ToString(a.Value))
				}
			}
		}
	}
	slices.Sort(emails)
	if diff := cmp.Diff([]string{"admin@example.com", "henry@example.com"}, emails); diff != "" {
		t.Errorf("ListUsers pages (-want +got):\n%s", diff)
	}

	if _, err := s.idp.AdminDeleteUser(ctx, &idp.AdminDeleteUserInput{UserPoolId: pool, Username: aws.String("henry@example.com")}); err != nil {
		t.Fatalf("AdminDeleteUser: %v", err)
	}
	_, err = s.idp.AdminGetUser(ctx, &idp.AdminGetUserInput{UserPoolId: pool, Username: aws.String("henry@example.com")})
	wantError(t, err, new(*types.UserNotFoundException), "User does not exist.")
	_, err = s.idp.AdminGetUser(ctx, &idp.AdminGetUserInput{UserPoolId: aws.String("us-east-1_nothere00"), Username: aws.String("x")})
	wantError(t, err, new(*types.ResourceNotFoundException), "User pool us-east-1_nothere00 does not exist.")
	_, err = s.idp.AdminAddUserToGroup(ctx, &idp.AdminAddUserToGroupInput{UserPoolId: pool, Username: aws.String("admin@example.com"), GroupName: aws.String("nope")})
	wantError(t, err, new(*types.ResourceNotFoundException), "Group not found.")
}

// A user created by an administrator signs in with the temporary password the runtime
// logged, must choose a new one (NEW_PASSWORD_REQUIRED), and then signs in with it. The
// temporary password stops working after the pool's TemporaryPasswordValidityDays.
func TestNewPasswordRequired(t *testing.T) {
	s := start(t, cognito.Options{})
	ctx := context.Background()
	temp := func(email string) string {
		t.Helper()
		if _, err := s.idp.AdminCreateUser(ctx, &idp.AdminCreateUserInput{UserPoolId: aws.String(s.pool.ID), Username: aws.String(email)}); err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`temporary password for ` + regexp.QuoteMeta(email) + ` in pool \S+: (\S+)`).FindStringSubmatch(s.log.String())
		if m == nil {
			t.Fatalf("log = %q, want the temporary password", s.log.String())
		}
		return m[1]
	}
	challenge := func(email, pw string) *idp.InitiateAuthOutput {
		t.Helper()
		out, err := s.idp.InitiateAuth(ctx, &idp.InitiateAuthInput{
			ClientId: aws.String(s.web), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": pw},
		})
		if err != nil {
			t.Fatalf("sign in with the temporary password: %v", err)
		}
		if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || out.Session == nil || out.AuthenticationResult != nil {
			t.Fatalf("InitiateAuth = %+v, want the NEW_PASSWORD_REQUIRED challenge", out)
		}
		return out
	}
	respond := func(session *string, email, pw string) (*idp.RespondToAuthChallengeOutput, error) {
		return s.idp.RespondToAuthChallenge(ctx, &idp.RespondToAuthChallengeInput{
			ClientId: aws.String(s.web), ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: session,
			ChallengeResponses: map[string]string{"USERNAME": email, "NEW_PASSWORD": pw},
		})
	}

	ivyTemp := temp("ivy@example.com")
	first := challenge("ivy@example.com", ivyTemp)
	_, err := respond(first.Session, "ivy@example.com", "weak")
	wantError(t, err, new(*types.InvalidPasswordException), "Password not long enough")
	s.clock.Advance(3 * time.Minute)
	_, err = respond(first.Session, "ivy@example.com", password)
	wantError(t, err, new(*types.NotAuthorizedException), "session is expired")

	out, err := respond(challenge("ivy@example.com", ivyTemp).Session, "ivy@example.com", password)
	if err != nil || out.AuthenticationResult == nil || aws.ToString(out.AuthenticationResult.AccessToken) == "" {
		t.Fatalf("RespondToAuthChallenge = %+v, %v; want tokens", out, err)
	}
	s.mustSignIn(t, "ivy@example.com")
	_, err = s.signIn(t, "ivy@example.com", ivyTemp)
	wantError(t, err, new(*types.NotAuthorizedException), "Incorrect username or password.")

	jackTemp := temp("jack@example.com")
	challenge("jack@example.com", jackTemp) // works before expiry
	s.clock.Advance(3 * 24 * time.Hour)
	_, err = s.signIn(t, "jack@example.com", jackTemp)
	wantError(t, err, new(*types.NotAuthorizedException), "Temporary password has expired")
}

// Concurrent sign-ups, sign-ins, refreshes and group changes of one pool keep every user
// (run under -race by make test).
func TestConcurrentUse(t *testing.T) {
	s := start(t, cognito.Options{AutoConfirm: true, DataDir: t.TempDir()})
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			email := fmt.Sprintf("user%d@example.com", i)
			ctx := context.Background()
			if _, err := s.idp.SignUp(ctx, &idp.SignUpInput{ClientId: aws.String(s.web), Username: aws.String(email), Password: aws.String(password)}); err != nil {
				errs <- err
				return
			}
			res, err := s.signIn(t, email, password)
			if err == nil {
				_, err = s.idp.AdminAddUserToGroup(ctx, &idp.AdminAddUserToGroupInput{UserPoolId: aws.String(s.pool.ID), Username: aws.String(email), GroupName: aws.String("admin")})
			}
			if err == nil {
				_, err = s.refresh(t, s.web, aws.ToString(res.RefreshToken))
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	out, err := s.idp.ListUsersInGroup(context.Background(), &idp.ListUsersInGroupInput{UserPoolId: aws.String(s.pool.ID), GroupName: aws.String("admin")})
	if err != nil || len(out.Users) != n {
		t.Errorf("ListUsersInGroup = %d users, %v; want %d", len(out.Users), err, n)
	}
}

// Requests the service cannot serve get Cognito-style client errors, never a 5xx.
func TestWireErrors(t *testing.T) {
	s := start(t, cognito.Options{})
	tests := []struct {
		name, target, body, wantType string
	}{
		{"operation not implemented", "AWSCognitoIdentityProviderService.ForgotPassword", `{}`, "UnknownOperationException"},
		{"malformed JSON", "AWSCognitoIdentityProviderService.SignUp", `{"ClientId":`, "SerializationException"},
		{"wrong field type", "AWSCognitoIdentityProviderService.InitiateAuth", `{"AuthParameters":"x"}`, "SerializationException"},
		{"missing pool ID", "AWSCognitoIdentityProviderService.ListUsers", `{}`, "InvalidParameterException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.edgeURL, strings.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", tt.target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			got := []string{strconv.Itoa(resp.StatusCode), resp.Header.Get("X-Amzn-Errortype"), body.Type}
			if diff := cmp.Diff([]string{"400", tt.wantType, tt.wantType}, got); diff != "" || body.Message == "" {
				t.Errorf("status, header, __type mismatch (-want +got):\n%s\nmessage %q", diff, body.Message)
			}
		})
	}
}
