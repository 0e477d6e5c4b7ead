// Package consumefuzz feeds a service's event consumers (shared/consume Handlers) arbitrary
// SQS message bodies and EventBridge events (go test -fuzz) and checks the promises every
// consumer makes about its input:
//
//   - nothing panics (a panic the handler does not recover is a fuzz failure here, though
//     shared/consume would turn it into a batch item failure in production);
//   - a message is acknowledged only if the handler ran and returned nil on an envelope that
//     events/envelope decodes: garbage is reported as a failure, so SQS redelivers it and its
//     queue's redrive policy moves it to the dead-letter queue, never silently dropped;
//   - the failure is reported under the message's own id;
//   - the same holds for an EventBridge target (shared/consume.Target): garbage is an error,
//     so Lambda retries it and then sends it to the on-failure destination.
//
// The seed corpus is the events' golden envelopes (events/*/testdata/*.v1.json), each sent
// to each handler, plus a few malformed bodies.
package consumefuzz

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/shared/consume"
)

// Seed adds to f's corpus every golden envelope of the shop's events, wrapped as the body an
// EventBridge rule sends to a queue, for each of n handlers, plus malformed bodies.
func Seed(f *testing.F, n int) {
	f.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		f.Fatal("consumefuzz: cannot locate the events' golden files")
	}
	goldens, err := filepath.Glob(filepath.Join(filepath.Dir(file), "..", "..", "..", "events", "*", "testdata", "*.v1.json"))
	if err != nil || len(goldens) == 0 {
		f.Fatalf("consumefuzz: no golden envelopes found (%v)", err)
	}
	bodies := [][]byte{
		nil, []byte(`{}`), []byte(`{"detail":null}`), []byte(`{"detail":"x"}`), []byte(`[]`),
		[]byte(`{"detail":{"id":"1","type":"OrderPlaced","version":1,"source":"s","time":"2026-01-01T00:00:00Z","data":{}}}`),
		[]byte(`{"detail":{"id":"1","type":"OrderPlaced","version":1,"source":"s","time":"2026-01-01T00:00:00Z","data":{"lines":[{"quantity":-1}]}}}`),
	}
	for _, g := range goldens {
		env, err := os.ReadFile(g)
		if err != nil {
			f.Fatal(err)
		}
		body, err := json.Marshal(events.EventBridgeEvent{
			Version: "0", ID: "eb-1", DetailType: "x", Source: "microshop", AccountID: "000000000000",
			Time: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC), Region: "us-east-1", Detail: env,
		})
		if err != nil {
			f.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	for h := range n {
		for _, b := range bodies {
			f.Add(uint8(h), b)
		}
	}
}

// Fuzz runs the fuzz target over handlers; the fuzzer picks one per input.
func Fuzz(f *testing.F, handlers ...consume.Handler) {
	log := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		h := handlers[int(which)%len(handlers)]
		checkBatch(t, h, log, body)
		var ev events.EventBridgeEvent
		if json.Unmarshal(body, &ev) == nil {
			checkTarget(t, h, log, ev)
		}
	})
}

// guard runs h, failing t on a panic, and records what h saw and answered.
type guard struct {
	called bool
	env    json.RawMessage
	err    error
}

func (g *guard) wrap(t *testing.T, h consume.Handler) consume.Handler {
	return func(ctx context.Context, ev consume.Event) (err error) {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("handler panicked on %s: %v", ev.Envelope, p)
			}
		}()
		g.called, g.env = true, ev.Envelope
		g.err = h(ctx, ev)
		return g.err
	}
}

func checkBatch(t *testing.T, h consume.Handler, log *slog.Logger, body []byte) {
	t.Helper()
	var g guard
	resp, err := consume.Batch(g.wrap(t, h), log)(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{
		MessageId: "m-1", Body: string(body), EventSourceARN: "arn:aws:sqs:us-east-1:000000000000:fuzz",
	}}})
	if err != nil {
		t.Fatalf("batch failed as a whole (Lambda retries every message): %v", err)
	}
	switch {
	case len(resp.BatchItemFailures) > 1:
		t.Fatalf("one message, %d failures: %+v", len(resp.BatchItemFailures), resp.BatchItemFailures)
	case len(resp.BatchItemFailures) == 1:
		if id := resp.BatchItemFailures[0].ItemIdentifier; id != "m-1" {
			t.Fatalf("failure reported for %q, want the message id m-1", id)
		}
	default:
		assertAcked(t, "batch", g, body)
	}
}

func checkTarget(t *testing.T, h consume.Handler, log *slog.Logger, ev events.EventBridgeEvent) {
	t.Helper()
	var g guard
	if err := consume.Target(g.wrap(t, h), log)(context.Background(), ev); err == nil {
		assertAcked(t, "target", g, ev.Detail)
	}
}

// assertAcked fails t unless an acknowledged input was handled successfully and held an
// envelope.
func assertAcked(t *testing.T, how string, g guard, input []byte) {
	t.Helper()
	if !g.called || g.err != nil {
		t.Fatalf("%s: acknowledged %q without handling it (called %v, error %v)", how, input, g.called, g.err)
	}
	if _, err := envelope.Decode(g.env); err != nil {
		t.Fatalf("%s: acknowledged %q, which holds no envelope: %v", how, input, err)
	}
}
