package runtime_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/microshop/microshop/local/internal/syncbuf"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/runtime"
)

// hotModule writes a one-function module (its own go.mod, using aws-lambda-go from the module
// cache) with a template serving it on GET /version, and returns its root.
func hotModule(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	repo, err := modroot.FromWorkingDir()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod": "module hot.example\n\ngo 1.26\n\nrequire github.com/aws/aws-lambda-go v1.55.1\n",
		"go.sum": string(sum),
		"Hot.template.json": `{"Resources": {
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "hot", "Handler": "bootstrap", "Runtime": "provided.al2023", "Timeout": 10},
         "Metadata": {"LocalRuntime": {"GoPackage": "./fn"}}},
  "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "hot", "ProtocolType": "HTTP"}},
  "Integ": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {"ApiId": {"Ref": "Api"}, "IntegrationType": "AWS_PROXY", "IntegrationUri": {"Fn::GetAtt": ["Fn", "Arn"]}, "PayloadFormatVersion": "2.0"}},
  "Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "GET /version", "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "Integ"}]]}}}
}}`,
		"fn/main.go":    hotSource("v1"),
		"fn/version.go": "package main\n",
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func hotSource(version string) string {
	return `package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if d, err := time.ParseDuration(e.QueryStringParameters["sleep"]); err == nil {
			time.Sleep(d)
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "` + version + `"}, nil
	})
}
`
}

func startHot(t testing.TB, dir string) (*runtime.Runtime, *syncbuf.Buffer) {
	t.Helper()
	log := &syncbuf.Buffer{}
	rt := startRuntime(t, runtime.Config{
		Template: filepath.Join(dir, "Hot.template.json"), Root: dir, APIAddr: "127.0.0.1:0", Watch: true,
		KeyDir: t.TempDir(), Log: log,
	})
	return rt, log
}

// waitUntil polls cond every 10ms for up to within.
func waitUntil(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func version(t testing.TB, rt *runtime.Runtime, query string) (int, string) {
	t.Helper()
	resp, err := http.Get(rt.APIURL() + "/version" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitForVersion polls until the function answers want and returns how long that took.
func waitForVersion(t testing.TB, rt *runtime.Runtime, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if _, got := version(t, rt, ""); got == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("still not serving %s after %s", want, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHotRebuildSwapsCodeWithoutFailingInFlightRequests(t *testing.T) {
	dir := hotModule(t)
	rt, log := startHot(t, dir)
	if status, got := version(t, rt, ""); status != 200 || got != "v1" {
		t.Fatalf("before the edit: %d %q", status, got)
	}

	inFlight := make(chan string, 1)
	go func() {
		status, got := version(t, rt, "?sleep=800ms")
		inFlight <- strings.Join([]string{http.StatusText(status), got}, " ")
	}()
	waitUntil(t, "the slow request to run on the v1 process", 10*time.Second, func() bool {
		st, _ := rt.Manager().Stats("hot")
		return st.Busy == 1
	})
	if err := os.WriteFile(filepath.Join(dir, "fn", "main.go"), []byte(hotSource("v2")), 0o644); err != nil {
		t.Fatal(err)
	}
	waitForVersion(t, rt, "v2", 30*time.Second)
	if got := <-inFlight; got != "OK v1" {
		t.Errorf("the request in flight during the swap got %q, want OK v1", got)
	}

	// A broken edit keeps the last good code serving: once the watcher has logged the failed
	// build, that round is over and nothing replaces v2.
	if err := os.WriteFile(filepath.Join(dir, "fn", "version.go"), []byte("package main\n\nvar broken = undefinedName\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the failed build", 30*time.Second, func() bool { return strings.Contains(log.String(), "undefined: undefinedName") })
	if status, got := version(t, rt, ""); status != 200 || got != "v2" {
		t.Errorf("after a failing build: %d %q, want the v2 code still serving", status, got)
	}
	// Fixing it swaps in the new code, as the check above would have seen.
	if err := os.WriteFile(filepath.Join(dir, "fn", "version.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fn", "main.go"), []byte(hotSource("v3")), 0o644); err != nil {
		t.Fatal(err)
	}
	waitForVersion(t, rt, "v3", 30*time.Second)
}

// BenchmarkHotRebuild reports the time from saving a function's source to the first response
// served by the new code (target ≤ 2 s).
func BenchmarkHotRebuild(b *testing.B) {
	dir := hotModule(b)
	rt, _ := startHot(b, dir)
	waitForVersion(b, rt, "v1", 30*time.Second)
	var total time.Duration
	for i := range b.N {
		want := "v" + strings.Repeat("x", i+2)
		if err := os.WriteFile(filepath.Join(dir, "fn", "main.go"), []byte(hotSource(want)), 0o644); err != nil {
			b.Fatal(err)
		}
		total += waitForVersion(b, rt, want, 30*time.Second)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "edit-to-response-ms")
}
