package start_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/shared/correlation"
)

// These tests run real function processes built from testdata/ (main packages that use
// start.SQS and start.HTTP) under the local runtime, with its SQS queues, EventBridge bus and
// event source mapping, as on AWS.

// logBuffer collects the runtime's log, which holds the functions' output.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// lines returns the JSON lines function fn wrote ("[fn] {...}" in the runtime's log).
func (l *logBuffer) lines(t *testing.T, fn string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "["+fn+"] {")
		if !ok {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte("{"+rest), &m); err != nil {
			t.Fatalf("%s wrote a line that is not JSON: %v: {%s", fn, err, rest)
		}
		out = append(out, m)
	}
	return out
}

func startRuntime(t *testing.T) (*runtime.Runtime, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	rt, err := runtime.Start(context.Background(), runtime.Config{
		Template: filepath.Join("testdata", "Start.template.json"), APIAddr: "127.0.0.1:0", KeyDir: t.TempDir(), Log: logs,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = rt.Close()
		if t.Failed() {
			t.Logf("runtime log:\n%s", logs.buf.String())
		}
	})
	return rt, logs
}

// eventually polls cond every 20 ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// keep returns m restricted to keys.
func keep(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// TestSQSConsumerThroughTheBus sends events the way producers do (PutEvents onto the bus; a
// rule targets the consumer's queue) plus a message no producer could have sent. The good
// event is handled once with its correlation id; the failing event and the undecodable
// message are reported as batch item failures, redelivered, and moved to the DLQ after
// maxReceiveCount (2), each with log lines naming it; the queue ends empty.
func TestSQSConsumerThroughTheBus(t *testing.T) {
	rt, logs := startRuntime(t)
	ctx := context.Background()
	envelope := func(id, typ, corr string) string {
		return fmt.Sprintf(`{"id":%q,"type":%q,"version":1,"source":"microshop.catalog","time":"2026-12-04T10:00:00Z","correlationId":%q,"causationId":"","data":{"productId":"p-1"}}`, id, typ, corr)
	}
	eb := sdk.EventBridge(rt.EdgeURL())
	out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String("shop-bus"), Source: aws.String("microshop.catalog"), DetailType: aws.String("ProductChanged"), Detail: aws.String(envelope("e-good", "ProductChanged", "corr-good"))},
		{EventBusName: aws.String("shop-bus"), Source: aws.String("microshop.catalog"), DetailType: aws.String("Fails"), Detail: aws.String(envelope("e-fails", "Fails", "corr-fails"))},
	}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v, %d failed", err, out.FailedEntryCount)
	}
	q := sdk.SQS(rt.EdgeURL())
	work := queueURL(t, q, "consumer")
	sent, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: work, MessageBody: aws.String("not an event")})
	if err != nil {
		t.Fatal(err)
	}
	garbageID := aws.ToString(sent.MessageId)

	// The DLQ gets exactly the two messages that cannot succeed.
	dlq := queueURL(t, q, "consumer-dlq")
	var dead []string
	r := sdk.QueueReader{Client: q, URL: aws.ToString(dlq), VisibilityTimeout: 2} // each message once
	eventually(t, 15*time.Second, "two messages in the DLQ", func() bool {
		got, err := r.Receive(ctx, 10, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got {
			dead = append(dead, deadLabel(aws.ToString(m.Body)))
		}
		return len(dead) >= 2
	})
	slices.Sort(dead)
	if diff := cmp.Diff([]string{"event e-fails", "not an event"}, dead); diff != "" {
		t.Errorf("DLQ mismatch (-want +got):\n%s", diff)
	}

	// The good event was handled, with its correlation id in the handler's context.
	db := sdk.DynamoDB(rt.EdgeURL())
	scan, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("SeenTable")})
	if err != nil {
		t.Fatal(err)
	}
	var seen []map[string]string
	if err := attributevalue.UnmarshalListOfMaps(scan.Items, &seen); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]map[string]string{{"pk": "e-good", "type": "ProductChanged", "correlation": "corr-good"}}, seen); diff != "" {
		t.Errorf("handled events mismatch (-want +got):\n%s", diff)
	}
	// Nothing is left in flight: the good message was deleted, not redelivered.
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: work, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"} {
		if attrs.Attributes[a] != "0" {
			t.Errorf("queue %s = %s, want 0", a, attrs.Attributes[a])
		}
	}

	// The function's log: JSON lines with the invocation's fields; each failure names its
	// message, once per delivery (2 each).
	var handled []map[string]any
	failures := map[string]int{}
	for _, l := range logs.lines(t, "consumer") {
		switch l["message"] {
		case "handled":
			handled = append(handled, keep(l, "service", "functionName", "correlationId", "eventId"))
			if id, _ := l["requestId"].(string); id == "" || l["coldStart"] == nil {
				t.Errorf("line without requestId or coldStart: %v", l)
			}
		case "undecodable message", "event failed":
			failures[fmt.Sprint(l["message"], " ", l["messageId"] == garbageID, " ", l["eventId"])]++
		}
	}
	wantHandled := []map[string]any{{"service": "test", "functionName": "consumer", "correlationId": "corr-good", "eventId": "e-good"}}
	if diff := cmp.Diff(wantHandled, handled); diff != "" {
		t.Errorf("handled lines mismatch (-want +got):\n%s", diff)
	}
	wantFailures := map[string]int{"undecodable message true <nil>": 2, "event failed false e-fails": 2}
	if diff := cmp.Diff(wantFailures, failures); diff != "" {
		t.Errorf("failure lines mismatch (-want +got):\n%s", diff)
	}
}

// deadLabel names a DLQ message: the envelope id of an EventBridge event, or the body.
func deadLabel(body string) string {
	var ev struct {
		Detail struct {
			ID string `json:"id"`
		} `json:"detail"`
	}
	if json.Unmarshal([]byte(body), &ev) == nil && ev.Detail.ID != "" {
		return "event " + ev.Detail.ID
	}
	return body
}

func queueURL(t *testing.T, q *sqs.Client, name string) *string {
	t.Helper()
	out, err := q.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out.QueueUrl
}

// TestHTTPFunction: a function started with start.HTTP echoes the client's correlation id,
// and its log lines carry it with the request id and the cold start flag.
func TestHTTPFunction(t *testing.T) {
	rt, logs := startRuntime(t)
	for _, corr := range []string{"it-corr-1", "it-corr-2"} {
		req, err := http.NewRequest(http.MethodGet, rt.APIURL()+"/hello", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(correlation.Header, corr)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get(correlation.Header) != corr {
			t.Errorf("GET /hello: %d, %s %q, want 200 and %q", resp.StatusCode, correlation.Header, resp.Header.Get(correlation.Header), corr)
		}
	}
	var got []map[string]any
	for _, l := range logs.lines(t, "greeter") {
		if id, _ := l["requestId"].(string); id == "" && l["message"] == "greeting" {
			t.Errorf("invocation line without requestId: %v", l)
		}
		got = append(got, keep(l, "level", "message", "service", "functionName", "coldStart", "correlationId"))
	}
	want := []map[string]any{
		{"level": "INFO", "message": "greeter built", "service": "test", "functionName": "greeter"},
		{"level": "INFO", "message": "greeting", "service": "test", "functionName": "greeter", "coldStart": true, "correlationId": "it-corr-1"},
		{"level": "INFO", "message": "greeting", "service": "test", "functionName": "greeter", "coldStart": false, "correlationId": "it-corr-2"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("greeter's log mismatch (-want +got):\n%s", diff)
	}
}
