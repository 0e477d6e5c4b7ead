// Package hostile holds the end-to-end tests of hostile input, through the local runtime
// serving the synthesized template: the limits of docs/limits.md at their boundaries
// (limits_test.go), and the authorization matrix (matrix_test.go): every HTTP route of every service (from the
// services' specs, functions/*/spec, so a new route is covered as soon as its spec lists it)
// × every kind of caller, through the local runtime serving the synthesized template, with
// tokens of the runtime's own JWT issuer (valid ones as `make token` mints them, broken ones
// crafted with golang-jwt). Every cell must answer as specified — 401 from the authorizer for
// a token problem, 403 JSON for a non-admin on an admin route, 404 for another customer's
// resource, 2xx for the owner or an admin — and no refused cell's body may carry any value of
// the resource it was refused.
package hostile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/microshop/microshop/local/jwtauth"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/runtime"
)

var (
	rt     *runtime.Runtime
	keyDir string // the runtime's JWT key directory: tokens signed with its key are genuine
	logs   = &syncBuffer{}
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	root, err := modroot.FromWorkingDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	tmpl := filepath.Join(root, "cdk.out", "Microshop.template.json")
	if _, err := os.Stat(tmpl); err != nil {
		fmt.Fprintf(os.Stderr, "hostile: %v: run `make synth` (make test does) first\n", err)
		return 1
	}
	if keyDir, err = os.MkdirTemp("", "hostile-e2e-jwt-"); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		return 1
	}
	defer os.RemoveAll(keyDir)
	rt, err = runtime.Start(context.Background(), runtime.Config{
		Template: tmpl, Root: root, KeyDir: keyDir, APIAddr: "127.0.0.1:0", Log: logs,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostile: start runtime:", err)
		return 1
	}
	code := m.Run()
	if err := rt.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "hostile: close runtime:", err)
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- runtime log ---\n%s", logs.String())
	}
	return code
}

// issuer returns an issuer with the runtime's signing key, issuer URL and app client (as the
// runtime recorded them in keyDir) whose clock is shifted by skew.
func issuer(t *testing.T, skew time.Duration) *jwtauth.Issuer {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(keyDir, jwtauth.DefaultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var d struct{ Issuer, ClientID string }
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	iss, err := jwtauth.NewIssuer(jwtauth.Options{KeyDir: keyDir, IssuerURL: d.Issuer, ClientID: d.ClientID,
		Now: func() time.Time { return time.Now().Add(skew) }})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
