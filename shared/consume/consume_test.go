package consume_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/correlation"
)

const queueARN = "arn:aws:sqs:us-east-1:123456789012:inventory-order-placed"

// envelopeJSON is an envelope as events/envelope writes it.
func envelopeJSON(id, typ, correlationID string) string {
	return fmt.Sprintf(`{"id":%q,"type":%q,"version":1,"source":"microshop.catalog","time":"2026-12-04T10:00:00Z",`+
		`"correlationId":%q,"causationId":"","data":{"productId":"p-1","price":{"amount":1450,"currency":"EUR"}}}`,
		id, typ, correlationID)
}

// ruleDelivery is the body of the SQS message an EventBridge rule with an SQS target sends:
// the EventBridge event, its detail the envelope.
func ruleDelivery(detail string) string {
	return `{"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"ProductChanged",` +
		`"source":"microshop.catalog","account":"123456789012","time":"2026-12-04T10:00:00Z","region":"us-east-1",` +
		`"resources":[],"detail":` + detail + `}`
}

func message(id, body string) events.SQSMessage {
	return events.SQSMessage{
		MessageId: id, ReceiptHandle: "rh-" + id, Body: body, EventSourceARN: queueARN,
		EventSource: "aws:sqs", AWSRegion: "us-east-1",
		Attributes: map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": "1764842400000"},
	}
}

// recorder is a handler that records what it was called with and fails or panics on demand
// (by the event's type).
type recorder struct {
	calls []call
}

type call struct {
	EventID, Type, CorrelationID, CtxCorrelation string
	EnvelopeIsJSON                               bool
}

func (r *recorder) handle(ctx context.Context, ev consume.Event) error {
	r.calls = append(r.calls, call{
		EventID: ev.ID, Type: ev.Type, CorrelationID: ev.CorrelationID,
		CtxCorrelation: correlation.ID(ctx), EnvelopeIsJSON: json.Valid(ev.Envelope),
	})
	switch ev.Type {
	case "Fails":
		return errStock
	case "Panics":
		items := []string{}
		_ = items[len(ev.ID)] // a real runtime panic: index out of range
	}
	return nil
}

// logLines decodes the JSON lines in buf.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		out = append(out, m)
	}
	return out
}

func failures(ids ...string) events.SQSEventResponse {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, id := range ids {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
	}
	return resp
}

func TestBatchReportsEveryFailure(t *testing.T) {
	batch := events.SQSEvent{Records: []events.SQSMessage{
		message("m-ok", ruleDelivery(envelopeJSON("e-1", "ProductChanged", "corr-1"))),
		message("m-not-json", `ProductChanged e-2`),
		message("m-no-detail", `{"version":"0","id":"x","detail-type":"ProductChanged","source":"microshop.catalog"}`),
		message("m-detail-string", ruleDelivery(`"ProductChanged"`)),
		message("m-no-id", ruleDelivery(`{"type":"ProductChanged","data":{}}`)),
		message("m-fails", ruleDelivery(envelopeJSON("e-3", "Fails", "corr-3"))),
		message("m-panics", ruleDelivery(envelopeJSON("e-4", "Panics", "corr-4"))),
		message("m-ok-2", ruleDelivery(envelopeJSON("e-5", "ProductChanged", ""))),
	}}
	var logs bytes.Buffer
	rec := &recorder{}
	resp, err := consume.Batch(rec.handle, slog.New(slog.NewJSONHandler(&logs, nil)))(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}

	want := failures("m-not-json", "m-no-detail", "m-detail-string", "m-no-id", "m-fails", "m-panics")
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Errorf("response mismatch (-want +got):\n%s", diff)
	}
	wantCalls := []call{
		{EventID: "e-1", Type: "ProductChanged", CorrelationID: "corr-1", CtxCorrelation: "corr-1", EnvelopeIsJSON: true},
		{EventID: "e-3", Type: "Fails", CorrelationID: "corr-3", CtxCorrelation: "corr-3", EnvelopeIsJSON: true},
		{EventID: "e-4", Type: "Panics", CorrelationID: "corr-4", CtxCorrelation: "corr-4", EnvelopeIsJSON: true},
		// No correlation id in the envelope: the event's own id starts the chain.
		{EventID: "e-5", Type: "ProductChanged", CorrelationID: "", CtxCorrelation: "e-5", EnvelopeIsJSON: true},
	}
	if diff := cmp.Diff(wantCalls, rec.calls); diff != "" {
		t.Errorf("handler calls mismatch (-want +got):\n%s", diff)
	}

	// Every failed message has an ERROR line naming it.
	logged := map[string]string{}
	for _, l := range logLines(t, &logs) {
		if l["level"] == "ERROR" {
			logged[fmt.Sprint(l["messageId"])] = fmt.Sprint(l["msg"])
		}
	}
	wantLogged := map[string]string{
		"m-not-json": "undecodable message", "m-no-detail": "undecodable message", "m-detail-string": "undecodable message",
		"m-no-id": "undecodable message", "m-fails": "event failed", "m-panics": "event failed",
	}
	if diff := cmp.Diff(wantLogged, logged); diff != "" {
		t.Errorf("logged failures mismatch (-want +got):\n%s\n%s", diff, logs.String())
	}
	if !strings.Contains(logs.String(), consume.ErrPanic.Error()) || !strings.Contains(logs.String(), "index out of range") {
		t.Errorf("the panic's log line does not say what panicked:\n%s", logs.String())
	}
}

// A batch with no failure reports an empty list, which Lambda reads as "all succeeded".
func TestBatchAllSucceed(t *testing.T) {
	batch := events.SQSEvent{Records: []events.SQSMessage{
		message("m-1", ruleDelivery(envelopeJSON("e-1", "ProductChanged", "c"))),
		message("m-2", ruleDelivery(envelopeJSON("e-2", "ProductDeleted", "c"))),
	}}
	rec := &recorder{}
	resp, err := consume.Batch(rec.handle, slog.New(slog.DiscardHandler))(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"batchItemFailures":[]}` {
		t.Errorf("response = %s, want no failures", got)
	}
	if len(rec.calls) != 2 {
		t.Errorf("handler called %d times, want 2", len(rec.calls))
	}
}

// On a FIFO queue the messages after a failure are failed unhandled; the same batch from a
// standard queue has them handled, which proves they would have been seen.
func TestBatchFIFOStopsAtFirstFailure(t *testing.T) {
	tests := []struct {
		name         string
		arn          string
		wantFailures events.SQSEventResponse
		wantHandled  []string
	}{
		{name: "fifo", arn: queueARN + ".fifo", wantFailures: failures("m-2", "m-3"), wantHandled: []string{"e-1", "e-2"}},
		{name: "standard", arn: queueARN, wantFailures: failures("m-2"), wantHandled: []string{"e-1", "e-2", "e-3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batch := events.SQSEvent{Records: []events.SQSMessage{
				message("m-1", ruleDelivery(envelopeJSON("e-1", "OrderPlaced", "c"))),
				message("m-2", ruleDelivery(envelopeJSON("e-2", "Fails", "c"))),
				message("m-3", ruleDelivery(envelopeJSON("e-3", "OrderPlaced", "c"))),
			}}
			for i := range batch.Records {
				batch.Records[i].EventSourceARN = tt.arn
			}
			rec := &recorder{}
			resp, err := consume.Batch(rec.handle, slog.New(slog.DiscardHandler))(context.Background(), batch)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantFailures, resp); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
			var handled []string
			for _, c := range rec.calls {
				handled = append(handled, c.EventID)
			}
			if diff := cmp.Diff(tt.wantHandled, handled); diff != "" {
				t.Errorf("handled mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// When the invocation's context is done, no message is handled and all are reported failed.
func TestBatchStopsWhenTheInvocationEnds(t *testing.T) {
	batch := events.SQSEvent{Records: []events.SQSMessage{
		message("m-1", ruleDelivery(envelopeJSON("e-1", "OrderPlaced", "c"))),
		message("m-2", ruleDelivery(envelopeJSON("e-2", "OrderPlaced", "c"))),
	}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := &recorder{}
	resp, err := consume.Batch(rec.handle, slog.New(slog.DiscardHandler))(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(failures("m-1", "m-2"), resp); diff != "" {
		t.Errorf("response mismatch (-want +got):\n%s", diff)
	}
	if len(rec.calls) != 0 {
		t.Errorf("handler called %d times after the invocation ended", len(rec.calls))
	}
}

func TestTarget(t *testing.T) {
	tests := []struct {
		name      string
		detail    string
		wantErr   error
		wantCalls int
	}{
		{name: "envelope", detail: envelopeJSON("e-1", "ProductChanged", "corr-1"), wantCalls: 1},
		{name: "not an envelope", detail: `{"orderId":"o-1"}`, wantErr: consume.ErrUndecodable},
		{name: "no detail", detail: ``, wantErr: consume.ErrUndecodable},
		{name: "handler fails", detail: envelopeJSON("e-2", "Fails", "corr-2"), wantCalls: 1, wantErr: errStock},
		{name: "handler panics", detail: envelopeJSON("e-3", "Panics", "corr-3"), wantCalls: 1, wantErr: consume.ErrPanic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in events.EventBridgeEvent
			if err := json.Unmarshal([]byte(ruleDelivery(`null`)), &in); err != nil {
				t.Fatal(err)
			}
			in.Detail = json.RawMessage(tt.detail)
			var logs bytes.Buffer
			rec := &recorder{}
			err := consume.Target(rec.handle, slog.New(slog.NewJSONHandler(&logs, nil)))(context.Background(), in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if len(rec.calls) != tt.wantCalls {
				t.Fatalf("handler called %d times, want %d", len(rec.calls), tt.wantCalls)
			}
			if tt.wantCalls > 0 && rec.calls[0].CtxCorrelation != rec.calls[0].CorrelationID {
				t.Errorf("handler's ctx correlation = %q, want the envelope's %q", rec.calls[0].CtxCorrelation, rec.calls[0].CorrelationID)
			}
			if err != nil && !strings.Contains(logs.String(), `"eventBridgeId":"6a7e8feb-b491-4cf7-a9f1-bf3703467718"`) {
				t.Errorf("failure not logged with the EventBridge event id:\n%s", logs.String())
			}
		})
	}
}

// errStock is the error the recorder's handler returns for events of type "Fails".
var errStock = errors.New("stock table unavailable")
