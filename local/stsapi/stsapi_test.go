package stsapi_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/stsapi"
)

const account = "123456789012"

// startEdge serves STS behind an edge, as the local runtime does, and returns its URL.
func startEdge(t *testing.T) string {
	t.Helper()
	e := edge.New()
	e.Handle(edge.STS, stsapi.New(stsapi.Options{AccountID: account}))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

type identity struct{ UserID, Account, ARN string }

var want = identity{UserID: account, Account: account, ARN: "arn:aws:iam::" + account + ":root"}

func TestGetCallerIdentitySDK(t *testing.T) {
	t.Parallel()
	c := sts.New(sts.Options{Region: "eu-west-1", BaseEndpoint: aws.String(startEdge(t)), Credentials: sdk.Credentials})
	out, err := c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	got := identity{aws.ToString(out.UserId), aws.ToString(out.Account), aws.ToString(out.Arn)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
}

func TestOtherActionsAreInvalidAction(t *testing.T) {
	t.Parallel()
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(startEdge(t)), Credentials: sdk.Credentials})
	_, err := c.GetSessionToken(t.Context(), &sts.GetSessionTokenInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidAction" || ae.ErrorMessage() != "Could not find operation GetSessionToken for version 2011-06-15" {
		t.Fatalf("GetSessionToken: %v, want InvalidAction", err)
	}
}

func TestGetCallerIdentityRawQuery(t *testing.T) {
	t.Parallel()
	url := startEdge(t)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abc")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(res.Body)
	for _, part := range []string{
		`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`,
		"<Account>" + account + "</Account>", "<RequestId>" + res.Header.Get("x-amzn-RequestId") + "</RequestId>",
	} {
		if !strings.Contains(body.String(), part) {
			t.Errorf("response %d %s lacks %s", res.StatusCode, body.String(), part)
		}
	}
}

func TestGetCallerIdentityCLIAndBoto3(t *testing.T) {
	for _, tool := range []string{"aws", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: this test drives STS as users do", tool)
		}
	}
	t.Parallel()
	url := startEdge(t)
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=ap-southeast-2",
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_PAGER=", "AWS_ENDPOINT_URL="+url)
	tests := []struct {
		name string
		args []string
	}{
		{"aws cli", []string{"aws", "sts", "get-caller-identity", "--output", "text", "--query", "[UserId,Account,Arn]"}},
		{"boto3", []string{"python3", "-c", `import boto3; i = boto3.client("sts").get_caller_identity(); print(i["UserId"], i["Account"], i["Arn"], sep="\t")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), tt.args[0], tt.args[1:]...)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %v\n%s", tt.args, err, out)
			}
			got := strings.Fields(string(out))
			if diff := cmp.Diff([]string{want.UserID, want.Account, want.ARN}, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
}
