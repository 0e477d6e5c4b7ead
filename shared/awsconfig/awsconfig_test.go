package awsconfig_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/awsconfig"
)

func env(m map[string]string) awsconfig.Getenv { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	lambdaEnv := map[string]string{
		"AWS_REGION":            "eu-west-1",
		"AWS_ACCESS_KEY_ID":     "ASIAEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN":     "token",
		"AWS_SDK_UA_APP_ID":     "orders-place-order",
	}
	cfg, err := awsconfig.Load(env(lambdaEnv))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := []string{cfg.Region, creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken, cfg.AppID}
	if diff := cmp.Diff([]string{"eu-west-1", "ASIAEXAMPLE", "secret", "token", "orders-place-order"}, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if cfg.BaseEndpoint != nil {
		t.Errorf("BaseEndpoint = %q, want none", *cfg.BaseEndpoint)
	}
}

func TestLoadReportsEveryMissingVariable(t *testing.T) {
	_, err := awsconfig.Load(env(map[string]string{"AWS_ACCESS_KEY_ID": "x"}))
	if !errors.Is(err, awsconfig.ErrMissing) {
		t.Fatalf("err = %v, want ErrMissing", err)
	}
	if got, want := err.Error(), "aws config: missing environment variable: AWS_REGION, AWS_SECRET_ACCESS_KEY"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want *string
	}{
		{"none", map[string]string{}, nil},
		{"global", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, aws.String("http://127.0.0.1:4566")},
		{"service wins", map[string]string{"AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_DYNAMODB": "http://b"}, aws.String("http://b")},
		{"other service ignored", map[string]string{"AWS_ENDPOINT_URL_SQS": "http://b"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, awsconfig.Endpoint(env(tt.env), "DYNAMODB")); diff != "" {
				t.Errorf("Endpoint (-want +got):\n%s", diff)
			}
		})
	}
}
