// Package awsconfig builds AWS SDK configuration from the environment Lambda gives every
// function: AWS_REGION, the execution role's credentials in AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and the SDK's standard endpoint overrides
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> (which the local runtime sets),
// AWS_SDK_UA_APP_ID (the app id the SDK sends in its User-Agent, as config.LoadDefaultConfig
// reads it; the local runtime sets it to the function's name so its console knows which
// function made a call), and AWS_XRAY_DAEMON_ADDRESS (active tracing) for the SDK calls' X-Ray
// subsegments.
//
// It replaces config.LoadDefaultConfig in functions because that package links every
// credential source (SSO, STS, IMDS, login), which a Lambda function never uses and which
// costs about 1.2 MB in each binary.
package awsconfig

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/microshop/microshop/shared/tracing"
)

// ErrMissing is returned when a variable Lambda always sets is absent.
var ErrMissing = errors.New("missing environment variable")

// Getenv reads one environment variable; os.Getenv in production, a map in tests.
type Getenv func(string) string

// FromEnv returns the SDK configuration for the process environment.
func FromEnv() (aws.Config, error) { return Load(os.Getenv) }

// Load returns the SDK configuration for the environment getenv reads.
func Load(getenv Getenv) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	var missing []string
	if region == "" {
		missing = append(missing, "AWS_REGION")
	}
	key, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if key == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID")
	}
	if secret == "" {
		missing = append(missing, "AWS_SECRET_ACCESS_KEY")
	}
	if len(missing) > 0 {
		return aws.Config{}, fmt.Errorf("aws config: %w: %s", ErrMissing, strings.Join(missing, ", "))
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, getenv("AWS_SESSION_TOKEN")),
		AppID:       getenv("AWS_SDK_UA_APP_ID"),
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" {
		cfg.BaseEndpoint = aws.String(u)
	}
	// Every client built from cfg traces its calls (subsegments to the X-Ray daemon when
	// Lambda runs one) and passes the trace header on; see shared/tracing.
	cfg.APIOptions = append(cfg.APIOptions, tracing.SDKMiddleware(tracing.NewDaemon(getenv(tracing.EnvDaemonAddress)))...)
	return cfg, nil
}

// Endpoint returns the endpoint override for a service, named as in its environment variable
// (for example "DYNAMODB" for AWS_ENDPOINT_URL_DYNAMODB), falling back to AWS_ENDPOINT_URL;
// nil when neither is set. Pass it to the client's options:
//
//	dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = awsconfig.Endpoint(os.Getenv, "DYNAMODB") })
func Endpoint(getenv Getenv, service string) *string {
	if u := getenv("AWS_ENDPOINT_URL_" + service); u != "" {
		return aws.String(u)
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" {
		return aws.String(u)
	}
	return nil
}
