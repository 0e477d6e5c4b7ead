package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/faults"
)

// devcloud invoke runs one function once with a sample event and prints its result, like
// `sam local invoke`.
func TestInvokePrintsTheResult(t *testing.T) {
	event := filepath.Join("..", "..", "..", "events", "samples", "sqs", "batch.json")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"invoke",
		"--template", filepath.Join("..", "..", "runtime", "testdata", "Echo.template.json"),
		"--event", event, "echo"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("invoke: %v\n%s", err, stderr.String())
	}
	want, err := os.ReadFile(event)
	if err != nil {
		t.Fatal(err)
	}
	var w, g any
	_ = json.Unmarshal(want, &w)
	if err := json.Unmarshal(stdout.Bytes(), &g); err != nil {
		t.Fatalf("stdout is not the function's JSON result: %q", stdout.String())
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("result (-event +printed):\n%s", diff)
	}
	if !strings.Contains(stderr.String(), "REPORT RequestId:") {
		t.Errorf("no REPORT line in the logs:\n%s", stderr.String())
	}
}

func TestUsageErrors(t *testing.T) {
	tests := [][]string{
		{},
		{"frobnicate"},
		{"invoke", "--template", filepath.Join("..", "..", "runtime", "testdata", "Echo.template.json")},
		{"token"},
	}
	for _, args := range tests {
		if err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("devcloud %v succeeded, want a usage error", args)
		}
	}
}

func TestTokenPrintsAJWT(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"token", "--dir", t.TempDir(), "--user", "alice", "--groups", "admin", "--issuer", "https://issuer.example", "--client-id", "app"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(strings.TrimSpace(out.String()), "."); len(parts) != 3 {
		t.Errorf("token = %q, want a JWT", out.String())
	}
}

func TestParameterFlag(t *testing.T) {
	p := paramFlag{}
	for _, v := range []string{"NotifyURL=http://127.0.0.1:9/x=y", "Stage=dev"} {
		if err := p.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(paramFlag{"NotifyURL": "http://127.0.0.1:9/x=y", "Stage": "dev"}, p); diff != "" {
		t.Errorf("parameters (-want +got):\n%s", diff)
	}
	if err := p.Set("no-equals"); err == nil {
		t.Error("a parameter without = was accepted")
	}
}

// lineWriter collects output and signals once a line containing want was written.
type lineWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.seen != nil && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
		w.seen = nil
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// devcloud serve prints the web site's URL with the API and the edge, and the site answers.
func TestServePrintsTheSiteURL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWriter{want: "Ctrl-C stops", seen: make(chan struct{})}
	seen := out.seen
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve",
			"--template", filepath.Join("..", "..", "runtime", "testdata", "site", "Site.template.json"),
			"--api-addr", "127.0.0.1:0", "--edge-addr", "127.0.0.1:0", "--site-addr", "127.0.0.1:0", "--watch=false",
		}, out, out)
	}()
	select {
	case <-seen:
	case err := <-done:
		t.Fatalf("serve ended before serving: %v\n%s", err, out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no banner after 2 minutes:\n%s", out.String())
	}
	m := regexp.MustCompile(`web site\s+(http://127\.0\.0\.1:\d+)/`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no web site line in the banner:\n%s", out.String())
	}
	resp, err := http.Get(m[1] + "/config.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s/config.json: %s", m[1], resp.Status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// TestServeRefusesABadFaultFile: serve checks --faults before starting anything and names
// the problem.
func TestServeRefusesABadFaultFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faults.yaml")
	if err := os.WriteFile(path, []byte("rules:\n- fault: explode\n  function: f\n  probability: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmpl := filepath.Join("..", "..", "runtime", "testdata", "Echo.template.json")
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"serve", "--template", tmpl, "--api-addr", "127.0.0.1:0", "--edge-addr", "127.0.0.1:0", "--site-addr", "", "--faults", path}, &stdout, &bytes.Buffer{})
	if !errors.Is(err, faults.ErrInvalid) || !strings.Contains(err.Error(), `unknown fault "explode"`) {
		t.Errorf("serve --faults with a bad file: %v, want ErrInvalid naming the fault", err)
	}
	if strings.Contains(stdout.String(), "starting") {
		t.Errorf("serve started the runtime before checking the fault file:\n%s", stdout.String())
	}
}

// devcloud serve prints each REST API's URL with its stage, and the API answers there with
// and without the stage prefix.
func TestServePrintsTheRestAPIURL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWriter{want: "Ctrl-C stops", seen: make(chan struct{})}
	seen := out.seen
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve",
			"--template", filepath.Join("..", "..", "testdata", "ownstacks", "restapi", "RestApiStack.template.json"),
			"--api-addr", "127.0.0.1:0", "--edge-addr", "127.0.0.1:0", "--watch=false",
		}, out, out)
	}()
	select {
	case <-seen:
	case err := <-done:
		t.Fatalf("serve ended before serving: %v\n%s", err, out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no banner after 2 minutes:\n%s", out.String())
	}
	m := regexp.MustCompile(`REST API shop-rest\s+(http://127\.0\.0\.1:\d+)  \(stage prod: also (http://127\.0\.0\.1:\d+/prod)\)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no REST API line in the banner:\n%s", out.String())
	}
	for _, u := range []string{m[1] + "/items", m[2] + "/items"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", u, resp.Status)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// devcloud serve prints the API keys, the generated one among them, and the printed key
// opens the REST API's methods that require one.
func TestServePrintsTheAPIKeys(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWriter{want: "Ctrl-C stops", seen: make(chan struct{})}
	seen := out.seen
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve",
			"--template", filepath.Join("..", "..", "testdata", "ownstacks", "sam-restapi-keys", "template.yaml"),
			"--api-addr", "127.0.0.1:0", "--edge-addr", "127.0.0.1:0", "--watch=false", "--cache-dir", t.TempDir(),
		}, out, out)
	}()
	select {
	case <-seen:
	case err := <-done:
		t.Fatalf("serve ended before serving: %v\n%s", err, out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("no banner after 2 minutes:\n%s", out.String())
	}
	banner := out.String()
	key := regexp.MustCompile(`API key PartnerApiApiKey\s+([A-Za-z0-9]{40})  \(send as x-api-key; generated: the template gives no Value\)`).FindStringSubmatch(banner)
	if key == nil {
		t.Fatalf("no generated key line in the banner:\n%s", banner)
	}
	for _, want := range []string{
		`API key PartnerKey\s+partner-key-0123456789abcdef  \(send as x-api-key\)\n`,
		`API key RetiredKey\s+retired-key-0123456789abcdef  \(send as x-api-key; disabled: refused\)\n`,
	} {
		if !regexp.MustCompile(want).MatchString(banner) {
			t.Errorf("banner lacks %s:\n%s", want, banner)
		}
	}
	u := regexp.MustCompile(`REST API \S+\s+(http://127\.0\.0\.1:\d+)`).FindStringSubmatch(banner)
	if u == nil {
		t.Fatalf("no REST API line in the banner:\n%s", banner)
	}
	for _, tt := range []struct {
		key  string
		want int
	}{{"", http.StatusForbidden}, {key[1], http.StatusOK}} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u[1]+"/items", nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.key != "" {
			req.Header.Set("X-Api-Key", tt.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET /items with key %q: %s, want %d", tt.key, resp.Status, tt.want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
