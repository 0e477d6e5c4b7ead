package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

func start(t *testing.T, cfg runtime.Config) *runtime.Runtime {
	t.Helper()
	cfg.Template = filepath.Join("testdata", "Echo.template.json")
	if cfg.APIAddr == "" {
		cfg.APIAddr = "127.0.0.1:0"
	}
	return startRuntime(t, cfg)
}

// startRuntime starts the runtime for the test and closes it when the test ends.
func startRuntime(t testing.TB, cfg runtime.Config) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	return rt
}

// The runtime serves a template it knows nothing about: its HTTP API, functions and table.
func TestStartServesTheTemplate(t *testing.T) {
	for _, engine := range []string{runtime.EngineEmbedded, runtime.EngineDynalite} {
		t.Run(engine, func(t *testing.T) {
			rt := start(t, runtime.Config{DynamoDBEngine: engine})

			resp, err := http.Get(rt.APIURL() + "/hello/world?x=1")
			if err != nil {
				t.Fatal(err)
			}
			var ev struct {
				RawPath        string            `json:"rawPath"`
				RawQueryString string            `json:"rawQueryString"`
				PathParameters map[string]string `json:"pathParameters"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&ev); err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || ev.RawPath != "/hello/world" || ev.RawQueryString != "x=1" || ev.PathParameters["proxy"] != "hello/world" {
				t.Errorf("echo: %d %+v", resp.StatusCode, ev)
			}

			res, err := rt.Invoke(context.Background(), "EnvFn9C0D1E2F", []byte(`{}`))
			if err != nil || res.Error != nil {
				t.Fatalf("invoke env: %v %v", err, res.Error)
			}
			var got struct {
				Env map[string]string `json:"env"`
			}
			if err := json.Unmarshal(res.Payload, &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"TABLE":                           "Things1A2B3C4D",
				"TABLE_ARN":                       "arn:aws:dynamodb:us-east-1:000000000000:table/Things1A2B3C4D",
				"GREETING":                        "hello from us-east-1",
				"AWS_ENDPOINT_URL":                rt.EdgeURL(),
				"AWS_ENDPOINT_URL_DYNAMODB":       rt.EdgeURL(),
				"AWS_LAMBDA_FUNCTION_NAME":        "EnvFn9C0D1E2F",
				"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
			}
			for k, v := range want {
				if got.Env[k] != v {
					t.Errorf("env %s = %q, want %q", k, got.Env[k], v)
				}
			}

			db := sdk.DynamoDB(rt.EdgeURL())
			out, err := db.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("Things1A2B3C4D")})
			if err != nil {
				t.Fatalf("the template's table through the edge: %v", err)
			}
			if got := aws.ToString(out.Table.KeySchema[0].AttributeName); got != "pk" {
				t.Errorf("key = %q, want pk", got)
			}

			page, err := http.Get(rt.ConsoleURL())
			if err != nil {
				t.Fatal(err)
			}
			page.Body.Close()
			if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
				t.Errorf("console at %s: %d %s", rt.ConsoleURL(), page.StatusCode, page.Header.Get("Content-Type"))
			}
		})
	}
}

func TestCloseLeavesNoProcessBehind(t *testing.T) {
	rt := start(t, runtime.Config{DynamoDBEngine: runtime.EngineDynalite})
	for range 3 {
		if _, err := http.Get(rt.APIURL() + "/x"); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := rt.Manager().Stats("echo")
	if len(st.PIDs) == 0 {
		t.Fatal("no echo process ran")
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for _, pid := range st.PIDs {
		for syscall.Kill(pid, 0) == nil {
			if time.Now().After(deadline) {
				t.Fatalf("function process %d alive after Close", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if _, err := http.Get(rt.EdgeURL() + "/_local/health"); err == nil {
		t.Error("edge still serving after Close")
	}
}

func TestLookup(t *testing.T) {
	rt := start(t, runtime.Config{Functions: []string{"echo"}})
	tests := []struct{ name, want string }{
		{"echo", "EchoFn5E6F7A8B"},           // function name
		{"EchoFn5E6F7A8B", "EchoFn5E6F7A8B"}, // logical ID
		{"env", "EnvFn9C0D1E2F"},             // Go package base name
		{"EnvFn", "EnvFn9C0D1E2F"},           // unique logical-ID prefix
	}
	for _, tt := range tests {
		fn, err := rt.Lookup(tt.name)
		if err != nil {
			t.Errorf("Lookup(%q): %v", tt.name, err)
			continue
		}
		if fn.LogicalID != tt.want {
			t.Errorf("Lookup(%q) = %s, want %s", tt.name, fn.LogicalID, tt.want)
		}
	}
	if _, err := rt.Lookup("nope"); !errors.Is(err, runtime.ErrUnknownFunction) {
		t.Errorf("Lookup(nope) = %v, want ErrUnknownFunction", err)
	}
	// Two functions share a prefix: a prefix is not enough to pick one.
	if _, err := rt.Lookup("E"); !errors.Is(err, runtime.ErrAmbiguousFunction) {
		t.Errorf("Lookup(E) = %v, want ErrAmbiguousFunction", err)
	}
}

func TestOnlySelectedFunctionsRun(t *testing.T) {
	rt := start(t, runtime.Config{Functions: []string{"echo"}})
	_, err := rt.Invoke(context.Background(), "env", []byte(`{}`))
	if err == nil {
		t.Fatal("a function left out of Config.Functions was invoked")
	}
	res, err := rt.Invoke(context.Background(), "echo", []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"a":1}`, string(res.Payload)); diff != "" {
		t.Errorf("payload (-want +got):\n%s", diff)
	}
}

func TestUnknownEngineIsAnError(t *testing.T) {
	_, err := runtime.Start(context.Background(), runtime.Config{
		Template: filepath.Join("testdata", "Echo.template.json"), DynamoDBEngine: "cassandra", Log: io.Discard,
	})
	if err == nil {
		t.Fatal("Start accepted an unknown engine")
	}
}
