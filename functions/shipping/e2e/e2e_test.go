// Package e2e drives the shipping service end to end: the local runtime runs the synthesized
// CDK template (the shipping functions as real processes, the HTTP API with its JWT
// authorizer, the local DynamoDB engine, the bus, the consumers' queues and the table's
// outbox publisher); the tests put upstream events on the bus with the EventBridge API, read
// the shipments' events from a tap on the bus, and ask the HTTP API with real tokens.
package e2e

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
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/microshop/microshop/events/envelope"
	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
	"github.com/microshop/microshop/local/jwtauth"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/shared/correlation"
)

// bus is the shop's event bus (infra names it).
const bus = "microshop"

var (
	rt     *runtime.Runtime
	logs   = &syncWriter{w: &bytes.Buffer{}}
	keyDir string
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
		fmt.Fprintf(os.Stderr, "e2e: %v: run `make synth` (make test does) first\n", err)
		return 1
	}
	if keyDir, err = os.MkdirTemp("", "shipping-e2e-jwt-"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(keyDir)
	rt, err = runtime.Start(context.Background(), runtime.Config{
		Template: tmpl, Root: root, KeyDir: keyDir, APIAddr: "127.0.0.1:0", Log: logs,
		Functions: shippingspec.Service().Functions(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start runtime:", err)
		return 1
	}
	code := m.Run()
	if err := rt.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: close runtime:", err)
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- runtime log ---\n%s", logs.w.(*bytes.Buffer).String())
	}
	return code
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// token mints a token of the runtime's issuer for user (sub) in groups ("" for none).
func token(t *testing.T, user, groups string) string {
	t.Helper()
	args := []string{"--dir", keyDir, "--user", user}
	if groups != "" {
		args = append(args, "--groups", groups)
	}
	var out bytes.Buffer
	if err := jwtauth.TokenCommand(args, &out); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out.String())
}

// get sends GET path with token (none if "") and returns the status and body.
func get(t *testing.T, path, tok string) (int, []byte) {
	t.Helper()
	return send(t, http.MethodGet, path, tok, "")
}

// send sends a request with token (none if "") and body (none if "") and returns the status
// and body.
func send(t *testing.T, method, path, tok, body string) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, rt.APIURL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// put puts ev on the bus from source as its service's outbox publisher would, in the chain
// of work correlationID, and returns the envelope.
func put(t *testing.T, source, correlationID string, ev envelope.Event) envelope.Envelope {
	t.Helper()
	env, err := envelope.New(correlation.With(context.Background(), correlationID), source, ev, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	putEnvelope(t, env)
	return env
}

// putEnvelope puts env on the bus (again, for a redelivery).
func putEnvelope(t *testing.T, env envelope.Envelope) {
	t.Helper()
	detail, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sdk.EventBridge(rt.EdgeURL()).PutEvents(context.Background(), &eventbridge.PutEventsInput{
		Entries: []ebtypes.PutEventsRequestEntry{{EventBusName: aws.String(bus), Source: aws.String(env.Source),
			DetailType: aws.String(env.Type), Detail: aws.String(string(detail))}},
	})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v, %d failed", err, out.FailedEntryCount)
	}
}

// tap returns a queue receiving the bus's events from source.
func tap(t *testing.T, source string) string {
	t.Helper()
	url, err := rt.Tap(bus, []byte(fmt.Sprintf(`{"source":[%q]}`, source)))
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// receive long-polls queueURL until it holds n envelopes or wait passes, and returns them.
func receive(t *testing.T, queueURL string, n int, wait time.Duration) []envelope.Envelope {
	t.Helper()
	q := sdk.SQS(rt.EdgeURL())
	var got []envelope.Envelope
	deadline := time.Now().Add(wait)
	for len(got) < n && time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
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
	}
	return got
}

// eventually polls GET path as tok until it answers status want, or fails after 20 seconds.
func eventually(t *testing.T, path, tok string, want int, ok func([]byte) bool) []byte {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body := get(t, path, tok)
		if status == want && ok(body) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: still %d %s after 20 s", path, status, body)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not a wait for an assertion
	}
}
