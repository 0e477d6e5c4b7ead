package streamsource_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/streamsource"
)

const table = "orders"

// newEngine returns an engine with table "orders" (hash key id) streaming the view type.
func newEngine(t testing.TB, view string, opts ddbengine.Options) *ddbengine.Engine {
	t.Helper()
	if opts.TTLInterval == 0 {
		opts.TTLInterval = -1
	}
	e := ddbengine.New(opts)
	t.Cleanup(func() { _ = e.Close() })
	do(t, e, "CreateTable", fmt.Sprintf(`{"TableName":%q,"BillingMode":"PAY_PER_REQUEST",
		"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
		"StreamSpecification":{"StreamEnabled":true,"StreamViewType":%q}}`, table, view))
	return e
}

func do(t testing.TB, e *ddbengine.Engine, op, body string) []byte {
	t.Helper()
	status, out := e.Do("DynamoDB_20120810."+op, []byte(body))
	if status != 200 {
		t.Fatalf("%s: %d %s", op, status, out)
	}
	return out
}

func put(t testing.TB, e *ddbengine.Engine, ids ...string) {
	t.Helper()
	for _, id := range ids {
		do(t, e, "PutItem", fmt.Sprintf(`{"TableName":%q,"Item":{"id":{"S":%q},"v":{"N":"1"}}}`, table, id))
	}
}

// call is one invocation the fake function received.
type call struct {
	ids    []string
	failed bool // the function returned an error
}

// function is a fake lambdahost.Invoker. respond decides each invocation's result (nil: success).
type function struct {
	mu      sync.Mutex
	calls   []call
	records [][]events.DynamoDBEventRecord
	raw     []json.RawMessage // every record as sent
	respond func(n int, recs []events.DynamoDBEventRecord) *lambdahost.Result
	err     error // the first payload that was not a valid events.DynamoDBEvent
}

func (f *function) Invoke(_ context.Context, name string, payload []byte) (*lambdahost.Result, error) {
	// Strict decoding: the payload must be exactly aws-lambda-go's event shape.
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var ev events.DynamoDBEvent
	err := dec.Decode(&ev)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil || name != "fn" {
		if f.err == nil {
			f.err = fmt.Errorf("invoke %s with %s: %v", name, payload, err)
		}
		return &lambdahost.Result{Error: &lambdahost.FunctionError{Type: "test", Message: "bad payload"}}, nil
	}
	res := &lambdahost.Result{RequestID: fmt.Sprintf("req-%d", len(f.calls))}
	if f.respond != nil {
		if r := f.respond(len(f.calls), ev.Records); r != nil {
			res = r
		}
	}
	f.calls = append(f.calls, call{ids: ids(ev.Records), failed: res.Error != nil})
	f.records = append(f.records, ev.Records)
	var wire struct{ Records []json.RawMessage }
	_ = json.Unmarshal(payload, &wire)
	f.raw = append(f.raw, wire.Records...)
	return res, nil
}

// fail is a failed invocation's result.
func fail() *lambdahost.Result {
	return &lambdahost.Result{
		RequestID: "req-failed",
		Payload:   []byte(`{"errorMessage":"boom","errorType":"errorString"}`),
		Error:     &lambdahost.FunctionError{Type: "errorString", Message: "boom", Kind: "Unhandled"},
	}
}

func (f *function) check(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		t.Error(f.err)
	}
}

func (f *function) callIDs() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([][]string, len(f.calls))
	for i, c := range f.calls {
		out[i] = c.ids
	}
	return out
}

// delivered lists the records of the invocations that succeeded, in order.
func (f *function) delivered() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []string{}
	for _, c := range f.calls {
		if !c.failed {
			out = append(out, c.ids...)
		}
	}
	return out
}

func (f *function) allRecords() []events.DynamoDBEventRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []events.DynamoDBEventRecord
	for _, rs := range f.records {
		out = append(out, rs...)
	}
	return out
}

func ids(recs []events.DynamoDBEventRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Change.Keys["id"].String()
	}
	return out
}

// destination is a fake on-failure destination.
type destination struct {
	mu    sync.Mutex
	infos []streamsource.FailureRecord
}

func (d *destination) send(_ context.Context, info []byte) error {
	dec := json.NewDecoder(bytes.NewReader(info))
	dec.DisallowUnknownFields()
	var fr streamsource.FailureRecord
	if err := dec.Decode(&fr); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.infos = append(d.infos, fr)
	return nil
}

func (d *destination) received() []streamsource.FailureRecord {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]streamsource.FailureRecord(nil), d.infos...)
}

// config is a mapping of table to the fake function "fn" with fast retries.
func config(e *ddbengine.Engine, fn *function, start string) streamsource.Config {
	return streamsource.Config{
		Engine: e, Table: table, Function: "fn", Invoker: fn, StartingPosition: start,
		RetryBackoff: time.Millisecond, Log: slog.New(slog.DiscardHandler),
	}
}

func start(t *testing.T, cfg streamsource.Config) *streamsource.Mapping {
	t.Helper()
	m, err := streamsource.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
