package shoptest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microshop/microshop/e2e/shoptest"
)

// setenv sets every variable FromEnv reads to env's value ("" when absent).
func setenv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range []string{"E2E_API_URL", "E2E_REGION", "E2E_USER_POOL_ID", "E2E_CLIENT_ID", "E2E_COGNITO_ENDPOINT",
		"E2E_SQS_ENDPOINT", "E2E_ADMIN_USERNAME", "E2E_ADMIN_PASSWORD", "E2E_DLQ_URLS", "E2E_CURRENCY", "AWS_REGION"} {
		t.Setenv(k, env[k])
	}
}

// FromEnv reads a deployed target from E2E_* (the names make e2e-aws sets): it trims the API
// URL's trailing slash (CloudFormation's ApiUrl has one), splits the DLQ list and falls back
// to AWS_REGION.
func TestFromEnv(t *testing.T) {
	setenv(t, map[string]string{
		"E2E_API_URL": "https://abc.execute-api.eu-west-1.amazonaws.com/", "AWS_REGION": "eu-west-1",
		"E2E_USER_POOL_ID": "eu-west-1_X", "E2E_CLIENT_ID": "client", "E2E_ADMIN_USERNAME": "ops@example.com",
		"E2E_ADMIN_PASSWORD": "pw", "E2E_DLQ_URLS": "https://sqs/1/a https://sqs/1/b,https://sqs/1/c",
	})
	got, ok, err := shoptest.FromEnv()
	if !ok || err != nil {
		t.Fatalf("FromEnv: ok %v, error %v; want a target", ok, err)
	}
	want := shoptest.Target{
		APIURL: "https://abc.execute-api.eu-west-1.amazonaws.com", Region: "eu-west-1",
		UserPoolID: "eu-west-1_X", ClientID: "client", AdminUsername: "ops@example.com", AdminPassword: "pw",
		DeadLetterQueues: []string{"https://sqs/1/a", "https://sqs/1/b", "https://sqs/1/c"},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(shoptest.Target{}, "Credentials")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Without E2E_API_URL there is no target (the local runtime is used); with it, a missing pool,
// client or region is an error rather than a run against half a target.
func TestFromEnvIncomplete(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		wantOK bool
		errOK  bool
	}{
		{"no target", map[string]string{"E2E_USER_POOL_ID": "p"}, false, true},
		{"no pool", map[string]string{"E2E_API_URL": "https://x", "E2E_REGION": "us-east-1", "E2E_CLIENT_ID": "c"}, true, false},
		{"no region", map[string]string{"E2E_API_URL": "https://x", "E2E_USER_POOL_ID": "p", "E2E_CLIENT_ID": "c"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setenv(t, tt.env)
			_, ok, err := shoptest.FromEnv()
			if ok != tt.wantOK || (err == nil) != tt.errOK {
				t.Errorf("FromEnv: ok %v, error %v; want ok %v, no error %v", ok, err, tt.wantOK, tt.errOK)
			}
		})
	}
}
