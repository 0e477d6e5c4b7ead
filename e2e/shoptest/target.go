// Package shoptest is the shop's end-to-end client: it talks to a running shop only through
// what a customer and an operator have — the HTTP API's base URL, the Cognito user pool to sign
// users in, and (for the dead-letter check) the SQS API — so the same scenarios run against the
// local runtime and against a stack deployed on AWS. A Target says where those are; FromEnv
// reads one from E2E_* variables (`make e2e-aws` sets them from the stack's outputs) and Local
// starts the local runtime and describes it as one.
//
// The helpers speak issue 8's API contract (the shop), not the services' code: users signed in
// with real tokens, products stocked through the admin routes, orders placed and awaited,
// and the saga's invariants checked from the outside after every scenario (CheckInvariants).
package shoptest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Target is a running shop as the suite sees it.
type Target struct {
	// APIURL is the HTTP API's base URL (the stack's ApiUrl output), without a trailing slash.
	APIURL string
	// Region is the AWS region of the user pool and the queues.
	Region string
	// UserPoolID and ClientID are the Cognito user pool and its public app client
	// (UserPoolId, UserPoolClientId); the client must allow USER_PASSWORD_AUTH.
	UserPoolID, ClientID string
	// CognitoEndpoint and SQSEndpoint override the AWS endpoints ("" for AWS's own).
	CognitoEndpoint, SQSEndpoint string
	// Credentials sign the Cognito admin calls and the SQS calls; nil for the SDK's default
	// chain (environment, profile, SSO, role).
	Credentials aws.CredentialsProvider
	// AdminUsername and AdminPassword sign in a member of the admin group. When empty, the
	// suite creates an admin with the Cognito admin API (and deletes it in Close).
	AdminUsername, AdminPassword string
	// DeadLetterQueues are the URLs of the stack's dead-letter queues, which CheckInvariants
	// wants empty; none: the check is skipped and says so in the log.
	DeadLetterQueues []string
	// Currency is the shop's currency (SHOP_CURRENCY; USD when empty).
	Currency string
}

// The environment variables FromEnv reads.
const (
	EnvAPIURL           = "E2E_API_URL"
	EnvRegion           = "E2E_REGION"
	EnvUserPoolID       = "E2E_USER_POOL_ID"
	EnvClientID         = "E2E_CLIENT_ID"
	EnvCognitoEndpoint  = "E2E_COGNITO_ENDPOINT"
	EnvSQSEndpoint      = "E2E_SQS_ENDPOINT"
	EnvAdminUsername    = "E2E_ADMIN_USERNAME"
	EnvAdminPassword    = "E2E_ADMIN_PASSWORD"
	EnvDeadLetterQueues = "E2E_DLQ_URLS" // separated by spaces or commas
	EnvCurrency         = "E2E_CURRENCY"
)

// FromEnv returns the target the E2E_* variables describe; ok is false when E2E_API_URL is
// not set. The region defaults to AWS_REGION.
func FromEnv() (tg Target, ok bool, err error) {
	tg = Target{
		APIURL: strings.TrimRight(os.Getenv(EnvAPIURL), "/"), Region: os.Getenv(EnvRegion),
		UserPoolID: os.Getenv(EnvUserPoolID), ClientID: os.Getenv(EnvClientID),
		CognitoEndpoint: os.Getenv(EnvCognitoEndpoint), SQSEndpoint: os.Getenv(EnvSQSEndpoint),
		AdminUsername: os.Getenv(EnvAdminUsername), AdminPassword: os.Getenv(EnvAdminPassword),
		DeadLetterQueues: strings.FieldsFunc(os.Getenv(EnvDeadLetterQueues), func(r rune) bool { return r == ',' || r == ' ' }),
		Currency:         os.Getenv(EnvCurrency),
	}
	if tg.APIURL == "" {
		return tg, false, nil
	}
	if tg.Region == "" {
		tg.Region = os.Getenv("AWS_REGION")
	}
	var missing []string
	for name, v := range map[string]string{EnvRegion: tg.Region, EnvUserPoolID: tg.UserPoolID, EnvClientID: tg.ClientID} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return tg, true, fmt.Errorf("%s is set, but not %s", EnvAPIURL, strings.Join(missing, ", "))
	}
	return tg, true, nil
}

// The target the helpers talk to, and its clients; set by Open.
var (
	target  Target
	clients struct {
		cognito *idp.Client
		sqs     *sqs.Client
	}
	// Admin is a signed-in member of the admin group (set by Open).
	Admin *User

	createdMu sync.Mutex
	created   []string // usernames the suite created, deleted by Close
)

// Open points the helpers at tg and signs the admin in.
func Open(ctx context.Context, tg Target) error {
	if tg.APIURL == "" || tg.UserPoolID == "" || tg.ClientID == "" {
		return errors.New("shoptest: the target needs an API URL, a user pool and an app client")
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(tg.Region)}
	if tg.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(tg.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("shoptest: AWS configuration: %w", err)
	}
	target = tg
	clients.cognito = idp.NewFromConfig(cfg, func(o *idp.Options) {
		if tg.CognitoEndpoint != "" {
			o.BaseEndpoint = aws.String(tg.CognitoEndpoint)
		}
	})
	clients.sqs = sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if tg.SQSEndpoint != "" {
			o.BaseEndpoint = aws.String(tg.SQSEndpoint)
		}
	})
	if tg.AdminUsername != "" {
		Admin, err = signIn(ctx, tg.AdminUsername, tg.AdminPassword)
	} else {
		Admin, err = NewUser(ctx, "admin")
	}
	if err != nil {
		return fmt.Errorf("shoptest: sign the admin in: %w", err)
	}
	return nil
}

// Close deletes the users the suite created (AdminDeleteUser), so runs against a deployed
// stage leave no test users behind.
func Close(ctx context.Context) error {
	createdMu.Lock()
	defer createdMu.Unlock()
	var errs []error
	for _, name := range created {
		if _, err := clients.cognito.AdminDeleteUser(ctx, &idp.AdminDeleteUserInput{
			UserPoolId: aws.String(target.UserPoolID), Username: aws.String(name),
		}); err != nil {
			errs = append(errs, fmt.Errorf("AdminDeleteUser %s: %w", name, err))
		}
	}
	created = nil
	return errors.Join(errs...)
}
