// Package stacktest runs a service's end-to-end tests against the local runtime serving the
// synthesized CDK template (cdk.out/Microshop.template.json, made by `make synth`): it starts
// the runtime with the API on port 0 and a temporary JWT key directory, mints tokens as
// `make token` does, sends HTTP requests with them, puts event envelopes on the shop's bus
// with the EventBridge API and reads the bus's events from tap queues.
package stacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/infra"
	"github.com/microshop/microshop/local/jwtauth"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// Stack is a running local runtime for a test binary.
type Stack struct {
	rt     *runtime.Runtime
	keyDir string
}

// Main starts the runtime for the test binary of service (which names its temporary key
// directory) running functions (all of the template's if nil), calls setup (if not nil) with
// the stack, runs the tests and stops the runtime. It returns the exit code for os.Exit and
// prints the runtime's log when a test failed. Use it in TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(stacktest.Main(m, "cart", fns, func(s *stacktest.Stack) error { ... })) }
func Main(m *testing.M, service string, functions []string, setup func(*Stack) error) int {
	root, err := modroot.FromWorkingDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	tmpl := filepath.Join(root, "cdk.out", "Microshop.template.json")
	if _, err := os.Stat(tmpl); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v: run `make synth` (make test does) first\n", err)
		return 1
	}
	keyDir, err := os.MkdirTemp("", service+"-e2e-jwt-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(keyDir)
	logs := &syncBuffer{}
	rt, err := runtime.Start(context.Background(), runtime.Config{
		Template: tmpl, Root: root, KeyDir: keyDir, APIAddr: "127.0.0.1:0", Log: logs,
		Functions: functions,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start runtime:", err)
		return 1
	}
	s := &Stack{rt: rt, keyDir: keyDir}
	code := 1
	if setup != nil {
		err = setup(s)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
	} else {
		code = m.Run()
	}
	if err := rt.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: close runtime:", err)
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- runtime log ---\n%s", logs.String())
	}
	return code
}

// syncBuffer is a bytes.Buffer safe for the runtime's concurrent writers.
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

// Runtime returns the running runtime.
func (s *Stack) Runtime() *runtime.Runtime { return s.rt }

// APIURL returns the base URL of the HTTP API.
func (s *Stack) APIURL() string { return s.rt.APIURL() }

// MintToken mints a token of the runtime's issuer for user (sub) in groups (comma-separated,
// "" for none), as `make token` does.
func (s *Stack) MintToken(user, groups string) (string, error) {
	args := []string{"--dir", s.keyDir, "--user", user}
	if groups != "" {
		args = append(args, "--groups", groups)
	}
	var out bytes.Buffer
	if err := jwtauth.TokenCommand(args, &out); err != nil {
		return "", fmt.Errorf("mint a token for %s: %w", user, err)
	}
	return strings.TrimSpace(out.String()), nil
}

// Token is MintToken that fails the test on an error.
func (s *Stack) Token(t testing.TB, user, groups string) string {
	t.Helper()
	tok, err := s.MintToken(user, groups)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Request sends method path to the API with token as bearer (none if ""), body as JSON (none
// if "") and the extra header fields, and returns the status and body.
func (s *Stack) Request(t testing.TB, method, path, token, body string, header map[string]string) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.rt.APIURL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// Publish puts ev from source on the shop's bus as the service's outbox publisher would, in
// an envelope made at the time at with ctx's correlation id, and returns the envelope.
func (s *Stack) Publish(t testing.TB, ctx context.Context, source string, ev envelope.Event, at time.Time) envelope.Envelope {
	t.Helper()
	env, err := envelope.New(ctx, source, ev, at)
	if err != nil {
		t.Fatal(err)
	}
	s.Put(t, env)
	return env
}

// Put puts env on the shop's bus with the EventBridge API (again, for a redelivery).
func (s *Stack) Put(t testing.TB, env envelope.Envelope) {
	t.Helper()
	detail, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sdk.EventBridge(s.rt.EdgeURL()).PutEvents(context.Background(), &eventbridge.PutEventsInput{
		Entries: []ebtypes.PutEventsRequestEntry{{
			EventBusName: aws.String(infra.EventBusName), Source: aws.String(env.Source),
			DetailType: aws.String(env.Type), Detail: aws.String(string(detail)),
		}},
	})
	if err != nil {
		t.Fatalf("PutEvents %s: %v", env.Type, err)
	}
	if out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents %s: %d failed", env.Type, out.FailedEntryCount)
	}
}

// Tap is a queue receiving the shop's bus's events from one source.
type Tap struct {
	r    sdk.QueueReader     // at least once, draining: a message received again counts once
	seen []envelope.Envelope // received but not yet returned by Await
}

// Tap returns a new queue receiving the bus's events from source.
func (s *Stack) Tap(t testing.TB, source string) *Tap {
	t.Helper()
	url, err := s.rt.Tap(infra.EventBusName, []byte(fmt.Sprintf(`{"source":[%q]}`, source)))
	if err != nil {
		t.Fatal(err)
	}
	return &Tap{r: sdk.QueueReader{Client: sdk.SQS(s.rt.EdgeURL()), URL: url, VisibilityTimeout: 3, Delete: true}}
}

// Receive long-polls the queue once (up to a second) and returns the envelopes it got, each
// once (sdk.QueueReader). Duplicate deliveries by the bus are separate messages, with their
// own ids, and are still returned.
func (tp *Tap) Receive(t testing.TB) []envelope.Envelope {
	t.Helper()
	msgs, err := tp.r.Receive(context.Background(), 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []envelope.Envelope
	for _, m := range msgs {
		var eb struct {
			Detail json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &eb); err != nil {
			t.Fatal(err)
		}
		env, err := envelope.Decode(eb.Detail)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, env)
	}
	return got
}

// Collect receives until the queue has given n envelopes or wait passes, and returns them.
func (tp *Tap) Collect(t testing.TB, n int, wait time.Duration) []envelope.Envelope {
	t.Helper()
	var got []envelope.Envelope
	deadline := time.Now().Add(wait)
	for len(got) < n && time.Now().Before(deadline) {
		got = append(got, tp.Receive(t)...)
	}
	return got
}

// Await receives until an envelope for which match holds has arrived, and returns it; it
// fails the test (naming what) after 20 seconds. Envelopes received that do not match are
// kept for later calls; the returned one is not returned again.
func (tp *Tap) Await(t testing.TB, what string, match func(envelope.Envelope) bool) envelope.Envelope {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for i, env := range tp.seen {
			if match(env) {
				tp.seen = append(tp.seen[:i], tp.seen[i+1:]...)
				return env
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not on the bus within 20 s", what)
		}
		tp.seen = append(tp.seen, tp.Receive(t)...)
	}
}
