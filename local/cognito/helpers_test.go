package cognito_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/crypto/bcrypt"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/cognito"
	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/internal/fakeclock"
	"github.com/microshop/microshop/local/internal/syncbuf"
	"github.com/microshop/microshop/local/jwtauth"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/template"
)

// Logical IDs in testdata/Users.template.json.
const (
	poolLogicalID   = "UserPool6BA7E5F2"
	webLogicalID    = "UserPoolWebClient8C5D3E2A"
	srpLogicalID    = "UserPoolSrpClientB1A0F6D4"
	serverLogicalID = "UserPoolServerClient0D7C4B9E"
)

// password satisfies the test pool's policy (10 characters, upper, lower, digit).
const password = "Correct-Horse-9"

// sharedIssuer is the token issuer of every test: keys are slow to generate.
var sharedIssuer = sync.OnceValue(func() *jwtauth.Issuer {
	iss, err := jwtauth.NewIssuer(jwtauth.Options{})
	if err != nil {
		panic(err)
	}
	return iss
})

// stack is the test template served as the local runtime serves it: the Cognito API on an
// edge, and the HTTP API with the template's JWT authorizer in front of a recording function.
type stack struct {
	model   *template.Model
	pool    *template.UserPool
	web     string // client IDs
	srp     string
	server  string
	idp     *idp.Client
	edgeURL string
	apiURL  string
	log     *syncbuf.Buffer
	clock   *fakeclock.Clock
	fn      *recorder
}

// start serves the test template with opts (Issuer, Log, Now and PasswordCost are filled in).
func start(t testing.TB, opts cognito.Options) *stack {
	t.Helper()
	m, err := template.Load("testdata/Users.template.json", template.Options{})
	if err != nil {
		t.Fatalf("load template: %v", err)
	}
	s := &stack{
		model: m, pool: m.UserPools[0], log: &syncbuf.Buffer{},
		clock: fakeclock.New(time.Now()), fn: &recorder{},
	}
	for _, c := range s.pool.Clients {
		switch c.LogicalID {
		case webLogicalID:
			s.web = c.ID
		case srpLogicalID:
			s.srp = c.ID
		case serverLogicalID:
			s.server = c.ID
		}
	}
	opts.Issuer, opts.Log, opts.Now = sharedIssuer(), s.log, s.clock.Now
	if opts.PasswordCost == 0 {
		opts.PasswordCost = bcrypt.MinCost // the default cost is tested in TestPasswordsStoredHashed
	}
	svc, err := cognito.New(m.UserPools, opts)
	if err != nil {
		t.Fatalf("cognito.New: %v", err)
	}
	gw := edge.New()
	gw.Handle(edge.CognitoIdentityProvider, svc)
	edgeSrv := httptest.NewServer(gw)
	t.Cleanup(edgeSrv.Close)
	s.edgeURL = edgeSrv.URL
	s.idp = sdk.Cognito(edgeSrv.URL)

	functions := map[string]string{}
	for id, fn := range m.Functions {
		functions[id] = fn.Name
	}
	api := httptest.NewServer(apigw.New(m.APIs[0], functions, s.fn, apigw.Options{Authorizer: jwtauth.FromModel(m, sharedIssuer())}))
	t.Cleanup(api.Close)
	s.apiURL = api.URL
	return s
}

// recorder is a fake function behind the HTTP API that keeps the claims it was called with.
type recorder struct {
	mu     sync.Mutex
	claims map[string]string
}

func (r *recorder) Invoke(_ context.Context, _ string, payload []byte) (*lambdahost.Result, error) {
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.claims = nil
	if a := ev.RequestContext.Authorizer; a != nil && a.JWT != nil {
		r.claims = a.JWT.Claims
	}
	return &lambdahost.Result{Payload: []byte(`{"statusCode":200,"body":"ok"}`)}, nil
}

// callAPI calls GET /me with the token and returns the status and the claims the function
// saw (nil when it was not called).
func (s *stack) callAPI(t testing.TB, token string) (int, map[string]string) {
	t.Helper()
	s.fn.mu.Lock()
	s.fn.claims = map[string]string{"not": "called"}
	s.fn.mu.Unlock()
	req, _ := http.NewRequest(http.MethodGet, s.apiURL+"/me", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s.fn.mu.Lock()
	defer s.fn.mu.Unlock()
	if s.fn.claims["not"] == "called" {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, s.fn.claims
}

var codeLine = regexp.MustCompile(`confirmation code for (\S+) in pool \S+: (\d{6})`)

// code is the confirmation code the service logged for username.
func (s *stack) code(t testing.TB, username string) string {
	t.Helper()
	for _, m := range codeLine.FindAllStringSubmatch(s.log.String(), -1) {
		if m[1] == username {
			return m[2]
		}
	}
	t.Fatalf("no confirmation code for %s in the log:\n%s", username, s.log.String())
	return ""
}

// signUp signs up email with the web client and returns the user's sub.
func (s *stack) signUp(t testing.TB, email string) string {
	t.Helper()
	out, err := s.idp.SignUp(context.Background(), &idp.SignUpInput{
		ClientId: aws.String(s.web), Username: aws.String(email), Password: aws.String(password),
	})
	if err != nil {
		t.Fatalf("SignUp(%s): %v", email, err)
	}
	return aws.ToString(out.UserSub)
}

// confirmedUser signs up and confirms email with the logged code; it returns the sub.
func (s *stack) confirmedUser(t testing.TB, email string) string {
	t.Helper()
	sub := s.signUp(t, email)
	_, err := s.idp.ConfirmSignUp(context.Background(), &idp.ConfirmSignUpInput{
		ClientId: aws.String(s.web), Username: aws.String(email), ConfirmationCode: aws.String(s.code(t, email)),
	})
	if err != nil {
		t.Fatalf("ConfirmSignUp(%s): %v", email, err)
	}
	return sub
}

// signIn runs USER_PASSWORD_AUTH with the web client.
func (s *stack) signIn(t testing.TB, email, pw string) (*types.AuthenticationResultType, error) {
	t.Helper()
	out, err := s.idp.InitiateAuth(context.Background(), &idp.InitiateAuthInput{
		ClientId: aws.String(s.web), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": pw},
	})
	if err != nil {
		return nil, err
	}
	return out.AuthenticationResult, nil
}

// mustSignIn is signIn that must succeed.
func (s *stack) mustSignIn(t testing.TB, email string) *types.AuthenticationResultType {
	t.Helper()
	res, err := s.signIn(t, email, password)
	if err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
	return res
}

// refresh runs REFRESH_TOKEN_AUTH with client.
func (s *stack) refresh(t testing.TB, client, token string) (*types.AuthenticationResultType, error) {
	t.Helper()
	out, err := s.idp.InitiateAuth(context.Background(), &idp.InitiateAuthInput{
		ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": token},
	})
	if err != nil {
		return nil, err
	}
	return out.AuthenticationResult, nil
}

// claims decodes a JWT's payload without checking it (the HTTP API checks it).
func claims(t testing.TB, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// wantError fails unless err is (or wraps) an error of the type target points to, e.g.
// new(*types.NotAuthorizedException), with a message containing msg.
func wantError(t testing.TB, err error, target any, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %T", target)
	}
	if !errors.As(err, target) {
		t.Fatalf("error %v (%T), want %T", err, err, target)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q, want it to contain %q", err, msg)
	}
}
