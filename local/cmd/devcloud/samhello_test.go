package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// helloEvent is the API Gateway proxy event `sam init` writes to events/event.json, cut to
// what the hello world function reads.
const helloEvent = `{"httpMethod": "GET", "path": "/hello", "resource": "/hello",
  "requestContext": {"stage": "Prod", "identity": {"sourceIp": "203.0.113.9"}}}`

// `sam init`'s Go hello world used as its users use `sam local`: from inside the app's
// folder, with no --template (template.yaml is found), `devcloud invoke` replaces `sam
// local invoke HelloWorldFunction --event events/event.json` and `devcloud serve` replaces
// `sam local start-api`. The function is built from its own module (hello-world/go.mod),
// once: serve reuses invoke's build in the shared cache.
func TestSAMHelloWorldFromItsFolder(t *testing.T) {
	app := filepath.Join(t.TempDir(), "sam-app")
	if err := os.CopyFS(app, os.DirFS(filepath.Join("..", "..", "testdata", "ownstacks", "sam-hello"))); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(app, "events"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(app, "events", "event.json"), []byte(helloEvent), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	t.Chdir(app)

	t.Run("invoke", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"invoke", "--cache-dir", cache,
			"--event", filepath.Join("events", "event.json"), "HelloWorldFunction"}, &stdout, &stderr)
		if err != nil {
			t.Fatalf("invoke: %v\n%s", err, stderr.String())
		}
		var res struct {
			StatusCode int
			Body       string
		}
		if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
			t.Fatalf("stdout is not the function's result: %q", stdout.String())
		}
		if res.StatusCode != 200 || res.Body != "Hello, 203.0.113.9!\n" {
			t.Errorf("result = %+v, want 200 greeting the event's source IP", res)
		}
		if !strings.Contains(stderr.String(), "REPORT RequestId:") {
			t.Errorf("no REPORT line in the logs:\n%s", stderr.String())
		}
	})

	t.Run("serve", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out := &lineWriter{want: "Ctrl-C stops", seen: make(chan struct{})}
		seen := out.seen
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--cache-dir", cache,
				"--api-addr", "127.0.0.1:0", "--edge-addr", "127.0.0.1:0", "--site-addr", "", "--watch=false",
			}, out, out)
		}()
		select {
		case <-seen:
		case err := <-done:
			t.Fatalf("serve ended before serving: %v\n%s", err, out.String())
		case <-time.After(2 * time.Minute):
			t.Fatalf("no banner after 2 minutes:\n%s", out.String())
		}
		text := out.String()
		if !strings.Contains(text, "devcloud: starting template.yaml") || !strings.Contains(text, "serving 1 functions") {
			t.Errorf("banner does not say it serves the discovered template.yaml's function:\n%s", text)
		}
		m := regexp.MustCompile(`REST API \S+\s+(http://127\.0\.0\.1:\d+)  \(stage Prod: also (http://127\.0\.0\.1:\d+/Prod)\)`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no REST API line with stage Prod in the banner:\n%s", text)
		}
		for _, u := range []string{m[1] + "/hello", m[2] + "/hello"} {
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || string(body) != "Hello, 127.0.0.1!\n" {
				t.Errorf("GET %s = %s %q, want 200 %q", u, resp.Status, body, "Hello, 127.0.0.1!\n")
			}
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
}
