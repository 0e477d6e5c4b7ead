// Package e2e drives the payments service end to end: the local runtime runs the synthesized
// CDK template (the payments functions as real processes, the HTTP API with its JWT
// authorizer, the local DynamoDB engine, the bus, the consumers' queues and the table's
// outbox publisher); the tests put upstream events on the bus with the EventBridge API, read
// the payments' own events from a tap on the bus, and ask the HTTP API with real tokens.
package e2e

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/microshop/microshop/events/envelope"
	paymentsspec "github.com/microshop/microshop/functions/payments/spec"
	"github.com/microshop/microshop/local/stacktest"
	"github.com/microshop/microshop/shared/correlation"
)

var st *stacktest.Stack

func TestMain(m *testing.M) {
	os.Exit(stacktest.Main(m, "payments", paymentsspec.Service().Functions(), func(s *stacktest.Stack) error {
		st = s
		return nil
	}))
}

// put puts ev on the bus from source as its service's outbox publisher would, in the chain
// of work correlationID, and returns the envelope.
func put(t *testing.T, source, correlationID string, ev envelope.Event) envelope.Envelope {
	t.Helper()
	return st.Publish(t, correlation.With(context.Background(), correlationID), source, ev, time.Now())
}

// eventually polls GET path as tok until it answers status want, or fails after 20 seconds.
func eventually(t *testing.T, path, tok string, want int, ok func([]byte) bool) []byte {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body := st.Request(t, http.MethodGet, path, tok, "", nil)
		if status == want && ok(body) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: still %d %s after 20 s", path, status, body)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not a wait for an assertion
	}
}
