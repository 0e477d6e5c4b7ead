package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/logging"
)

// lines decodes each JSON line of buf, dropping the timestamp after checking it is there.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, l)
		}
		if _, ok := m["timestamp"]; !ok {
			t.Errorf("line has no timestamp: %s", l)
		}
		delete(m, "timestamp")
		out = append(out, m)
	}
	return out
}

func invocation(requestID string, cold bool, correlationID string) context.Context {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: requestID})
	return correlation.With(logging.WithColdStart(ctx, cold), correlationID)
}

func TestEveryLineNamesItsInvocation(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(&buf, logging.Options{Service: "catalog", FunctionName: "catalog-get-product"})

	log.InfoContext(context.Background(), "starting")
	log.InfoContext(invocation("req-1", true, "corr-1"), "served", slog.Int("status", 200))
	log.With(slog.String("route", "GET /x")).WarnContext(invocation("req-2", false, "corr-2"), "slow")
	log.WithGroup("product").ErrorContext(invocation("req-3", false, "corr-3"), "failed", slog.String("id", "p-1"))

	want := []map[string]any{
		{"level": "INFO", "message": "starting", "service": "catalog", "functionName": "catalog-get-product"},
		{
			"level": "INFO", "message": "served", "service": "catalog", "functionName": "catalog-get-product",
			"status": 200.0, "requestId": "req-1", "coldStart": true, "correlationId": "corr-1",
		},
		{
			"level": "WARN", "message": "slow", "service": "catalog", "functionName": "catalog-get-product",
			"route": "GET /x", "requestId": "req-2", "coldStart": false, "correlationId": "corr-2",
		},
		{
			// The invocation's fields stay at the top level when the logger has a group.
			"level": "ERROR", "message": "failed", "service": "catalog", "functionName": "catalog-get-product",
			"requestId": "req-3", "coldStart": false, "correlationId": "corr-3", "product": map[string]any{"id": "p-1"},
		},
	}
	if diff := cmp.Diff(want, lines(t, &buf)); diff != "" {
		t.Errorf("log lines mismatch (-want +got):\n%s", diff)
	}
}

func TestLevelFromEnv(t *testing.T) {
	tests := []struct {
		env  string
		want slog.Level
	}{
		{env: "DEBUG", want: slog.LevelDebug},
		{env: "INFO", want: slog.LevelInfo},
		{env: "WARN", want: slog.LevelWarn},
		{env: "ERROR", want: slog.LevelError},
		{env: "", want: slog.LevelInfo},
		{env: "debug", want: slog.LevelInfo}, // Lambda's values are upper case
	}
	for _, tt := range tests {
		got := logging.LevelFromEnv(func(string) string { return tt.env })
		if got != tt.want {
			t.Errorf("LevelFromEnv(%q) = %v, want %v", tt.env, got, tt.want)
		}
	}
}

func TestLevelFilters(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(&buf, logging.Options{Level: slog.LevelWarn})
	log.Info("hidden")
	log.Warn("shown")
	got := lines(t, &buf)
	if len(got) != 1 || got[0]["message"] != "shown" {
		t.Errorf("lines = %v, want only the WARN line", got)
	}
}
