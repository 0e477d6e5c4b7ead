package lambdaapi_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/internal/syncbuf"
	"github.com/microshop/microshop/local/lambdaapi"
	"github.com/microshop/microshop/local/lambdahost"
)

// awsCLI runs the AWS CLI against endpoint with dummy credentials and no user configuration.
// It skips the test when the CLI is not installed.
func awsCLI(t *testing.T, endpoint string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	path, lookErr := exec.LookPath("aws")
	if lookErr != nil {
		t.Fatal("the AWS CLI is not installed: these tests drive the API as a user would, with `aws`")
	}
	version, _ := exec.Command(path, "--version").CombinedOutput()
	// CLI v2 reads blob arguments as base64 unless told otherwise; v1 has no such option.
	if strings.HasPrefix(string(version), "aws-cli/2") {
		args = append(args, "--cli-binary-format", "raw-in-base64-out")
	}
	cmd := exec.Command(path, append([]string{"--endpoint-url", endpoint}, args...)...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// TestAWSCLI drives the handler with `aws lambda invoke`.
func TestAWSCLI(t *testing.T) {
	const logLines = "START RequestId: req-fn-orders\nhello\nEND RequestId: req-fn-orders\n"
	inv := newFake(func(n int, name string, p []byte) (*lambdahost.Result, error) {
		if strings.Contains(string(p), "fail") {
			return functionError("req-fail"), nil
		}
		return &lambdahost.Result{RequestID: "req-" + name, Payload: []byte(`{"ok":true}`)}, nil
	})
	url := serve(t, lambdaapi.New(inv, known, lambdaapi.Options{
		Log:     &syncbuf.Buffer{},
		LogTail: func(string) []byte { return []byte(logLines) },
	}))
	tests := []struct {
		name       string
		args       []string
		wantStdout map[string]any
		wantFile   string
	}{
		{"sync", []string{"--function-name", "orders", "--payload", `{}`},
			map[string]any{"StatusCode": 200.0, "ExecutedVersion": "$LATEST"}, `{"ok":true}`},
		{"ARN with log tail", []string{"--function-name", "arn:aws:lambda:us-east-1:000000000000:function:orders", "--log-type", "Tail", "--payload", `{}`},
			map[string]any{"StatusCode": 200.0, "ExecutedVersion": "$LATEST", "LogResult": base64.StdEncoding.EncodeToString([]byte(logLines))}, `{"ok":true}`},
		{"function error", []string{"--function-name", "orders", "--payload", `{"fail":1}`},
			map[string]any{"StatusCode": 200.0, "ExecutedVersion": "$LATEST", "FunctionError": "Unhandled"}, `{"errorMessage":"boom","errorType":"errorString"}`},
		{"Event", []string{"--function-name", "cart", "--invocation-type", "Event", "--payload", `{"e":1}`},
			map[string]any{"StatusCode": 202.0}, ""},
		{"DryRun", []string{"--function-name", "cart", "--invocation-type", "DryRun", "--payload", `{}`},
			map[string]any{"StatusCode": 204.0}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outFile := filepath.Join(t.TempDir(), "out.json")
			stdout, stderr, err := awsCLI(t, url, append(append([]string{"lambda", "invoke"}, tt.args...), outFile)...)
			if err != nil {
				t.Fatalf("aws: %v\n%s", err, stderr)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("aws output %q: %v", stdout, err)
			}
			if diff := cmp.Diff(tt.wantStdout, got); diff != "" {
				t.Errorf("aws output mismatch (-want +got):\n%s", diff)
			}
			file, _ := os.ReadFile(outFile)
			if string(file) != tt.wantFile {
				t.Errorf("outfile = %q, want %q", file, tt.wantFile)
			}
		})
	}
	// The Event invocation ran in the background.
	calls := inv.waitCalls(t, 4)
	if last := calls[len(calls)-1]; last.name != "fn-cart" || last.payload != `{"e":1}` {
		t.Errorf("Event invocation = %+v, want fn-cart with its payload", last)
	}
}

func TestAWSCLINotFound(t *testing.T) {
	url := serve(t, lambdaapi.New(newFake(nil), known, lambdaapi.Options{Log: &syncbuf.Buffer{}}))
	_, stderr, err := awsCLI(t, url, "lambda", "invoke", "--function-name", "nope", "--payload", "{}", filepath.Join(t.TempDir(), "out.json"))
	want := "An error occurred (ResourceNotFoundException) when calling the Invoke operation: Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"
	if err == nil || !strings.Contains(stderr, want) {
		t.Errorf("aws: err %v, stderr %q; want a failure saying %q", err, stderr, want)
	}
}
