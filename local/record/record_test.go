package record

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCorrelations(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"plain JSON", `{"detail":{"id":"e1","correlationId":"c-1","data":{}}}`, []string{"c-1"}},
		{"inside a JSON string (SQS body, PutEvents Detail)", `{"Records":[{"body":"{\"detail\":{\"correlationId\":\"c-2\"}}"}]}`, []string{"c-2"}},
		{"DynamoDB attribute", `{"NewImage":{"correlationId":{"S":"c-3"},"pk":{"S":"ORDER#1"}}}`, []string{"c-3"}},
		{"DynamoDB attribute holding an envelope", `{"outboxEvent":{"S":"{\"id\":\"e\",\"correlationId\":\"c-4\"}"}}`, []string{"c-4"}},
		{"spaces after the colon", `{"correlationId" : "c-5"}`, []string{"c-5"}},
		{"several, repeats once", `[{"correlationId":"a"},{"correlationId":"b"},{"correlationId":"a"}]`, []string{"a", "b"}},
		{"empty value", `{"correlationId":""}`, nil},
		{"not a string", `{"correlationId":7}`, nil},
		{"none", `{"requestId":"r"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Correlations([]byte(tt.in))); diff != "" {
				t.Errorf("Correlations(%s) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestRingsAreBounded(t *testing.T) {
	r := New(3)
	t0 := time.Now()
	for i := range 10 {
		r.Invoked(&Invocation{Function: "f", RequestID: fmt.Sprint(i), Start: t0.Add(time.Duration(i) * time.Millisecond), Duration: time.Duration(i+1) * time.Millisecond})
	}
	for i := range 100 {
		r.Span(&Span{Kind: KindHTTP, Name: fmt.Sprint(i)})
	}
	var got []string
	for _, inv := range r.Invocations("f") {
		got = append(got, inv.RequestID)
	}
	if diff := cmp.Diff([]string{"9", "8", "7"}, got); diff != "" {
		t.Errorf("invocations kept (-want +got):\n%s", diff)
	}
	if n := len(r.spanList()); n != 3*spansPerInvocation {
		t.Errorf("spans kept = %d, want %d", n, 3*spansPerInvocation)
	}
	st := r.Stats("f")
	want := FunctionStats{Function: "f", Invocations: 10, P50Ms: 9, P99Ms: 9, LastMinute: 3, LastInvoked: st.LastInvoked}
	// The counters count every invocation; the percentiles those in the ring (8, 9, 10 ms).
	want.P50Ms, want.P99Ms = 9, 9
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

func TestStatsCountErrorsThrottlesColdStarts(t *testing.T) {
	r := New(10)
	r.Invoked(&Invocation{Function: "f", RequestID: "1", Init: time.Millisecond, Duration: time.Millisecond})
	r.Invoked(&Invocation{Function: "f", RequestID: "2", Error: "Boom: no", Duration: 3 * time.Millisecond})
	r.Invoked(&Invocation{Function: "f", RequestID: "3", Throttled: true, Error: "rate exceeded"})
	st := r.Stats("f")
	got := [4]int64{st.Invocations, st.Errors, st.Throttles, st.ColdStarts}
	if want := [4]int64{3, 1, 1, 1}; got != want {
		t.Errorf("invocations, errors, throttles, cold starts = %v, want %v", got, want)
	}
}

func TestLogLinesBelongToTheirInvocation(t *testing.T) {
	r := New(10)
	now := time.Now()
	lines := []struct{ stream, line string }{
		{"s1", "START RequestId: a Version: $LATEST"},
		{"s2", "START RequestId: b Version: $LATEST"},
		{"s1", "hello from a"},
		{"s2", "hello from b"},
		{"s1", "END RequestId: a"},
		{"s1", "REPORT RequestId: a\tDuration: 1.00 ms"},
	}
	for _, l := range lines {
		r.RecordLog("f", l.stream, now, []byte(l.line))
	}
	r.Invoked(&Invocation{Function: "f", RequestID: "a"})
	r.RecordLog("f", "s1", now, []byte("late line of a")) // the pipes lag the response
	r.Invoked(&Invocation{Function: "f", RequestID: "b"})
	r.RecordLog("f", "s2", now, []byte("END RequestId: b"))

	got := map[string][]string{}
	for _, inv := range r.Invocations("f") {
		got[inv.RequestID] = r.Logs(inv)
	}
	want := map[string][]string{
		"a": {"START RequestId: a Version: $LATEST", "hello from a", "END RequestId: a", "REPORT RequestId: a\tDuration: 1.00 ms", "late line of a"},
		"b": {"START RequestId: b Version: $LATEST", "hello from b", "END RequestId: b"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
}

// TestTraceFollowsTheSaga records the hops of an order's saga as the runtime's hooks do,
// with a second order's hops interleaved, and checks the first order's tree.
func TestTraceFollowsTheSaga(t *testing.T) {
	r := New(50)
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	const trace1, trace2 = "Root=1-aaaa-1;Parent=p;Sampled=0", "Root=1-bbbb-2;Parent=p;Sampled=0"

	// Order 1: POST /orders → orders-place (trace1) → TransactWriteItems (trace1).
	r.Invoked(&Invocation{Function: "orders-place", RequestID: "inv-1", TraceID: trace1, Start: at(1), Duration: 8 * time.Millisecond,
		Event: []byte(`{"routeKey":"POST /orders","requestContext":{"requestId":"apigw-1"}}`), Result: []byte(`{"body":"{\"id\":\"ord-1\"}"}`)})
	r.Span(&Span{Kind: KindDynamoDB, Name: "TransactWriteItems", Start: at(3), Duration: time.Millisecond, TraceID: "Root=1-aaaa-1;Parent=q",
		Body: []byte(`{"TransactItems":[{"Put":{"TableName":"orders","Item":{"pk":{"S":"ORDER#ord-1"}}}}]}`)})
	r.Span(&Span{Kind: KindHTTP, Name: "POST /orders", Start: at(0), Duration: 10 * time.Millisecond, RequestID: "inv-1", Correlation: "corr-1"})
	// Order 2, interleaved, with its own correlation id.
	r.Span(&Span{Kind: KindHTTP, Name: "POST /orders", Start: at(2), Duration: 10 * time.Millisecond, RequestID: "inv-2", Correlation: "corr-2"})
	r.Invoked(&Invocation{Function: "orders-place", RequestID: "inv-2", TraceID: trace2, Start: at(2), Duration: 8 * time.Millisecond})
	// Stream → publisher → PutEvents → rule → queue → consumer (with a retry).
	r.Span(&Span{Kind: KindStream, Name: "orders → orders-publish", Start: at(12), Duration: 4 * time.Millisecond, RequestID: "inv-3",
		Body: []byte(`{"Records":[{"dynamodb":{"NewImage":{"outboxEvent":{"S":"{\"correlationId\":\"corr-1\"}"}}}}]}`), Attrs: map[string]string{"table": "orders"}})
	r.Invoked(&Invocation{Function: "orders-publish", RequestID: "inv-3", TraceID: "Root=1-cccc-3", Start: at(12), Duration: 3 * time.Millisecond,
		Event: []byte(`{"Records":[{"dynamodb":{"NewImage":{"outboxEvent":{"S":"{\"correlationId\":\"corr-1\"}"}}}}]}`)})
	r.Span(&Span{Kind: KindPutEvents, Name: "PutEvents", Start: at(13), Duration: time.Millisecond, TraceID: "Root=1-cccc-3",
		Body: []byte(`{"Entries":[{"DetailType":"OrderPlaced","Detail":"{\"correlationId\":\"corr-1\",\"data\":{\"orderId\":\"ord-1\"}}"}]}`)})
	r.Span(&Span{Kind: KindTarget, Name: "on-order-placed → inventory-q", Start: at(14), Duration: time.Millisecond,
		Body: []byte(`{"detail-type":"OrderPlaced","detail":{"correlationId":"corr-1"}}`), Attrs: map[string]string{"queue": "inventory-q"}})
	r.Span(&Span{Kind: KindQueue, Name: "inventory-q → inventory-reserve", Start: at(15), Duration: 2 * time.Millisecond, RequestID: "inv-4", Error: "Boom: retry me",
		Body: []byte(`{"Records":[{"body":"{\"detail\":{\"correlationId\":\"corr-1\"}}","attributes":{"ApproximateReceiveCount":"1"}}]}`), Attrs: map[string]string{"queue": "inventory-q"}})
	r.Invoked(&Invocation{Function: "inventory-reserve", RequestID: "inv-4", Start: at(15), Duration: time.Millisecond, Error: "Boom: retry me",
		Event: []byte(`{"Records":[{"body":"{\"detail\":{\"correlationId\":\"corr-1\"}}"}]}`)})
	r.Span(&Span{Kind: KindQueue, Name: "inventory-q → inventory-reserve", Start: at(40), Duration: 2 * time.Millisecond, RequestID: "inv-5",
		Body: []byte(`{"Records":[{"body":"{\"detail\":{\"correlationId\":\"corr-1\"}}","attributes":{"ApproximateReceiveCount":"2"}}]}`), Attrs: map[string]string{"queue": "inventory-q"}})
	r.Invoked(&Invocation{Function: "inventory-reserve", RequestID: "inv-5", Start: at(40), Duration: time.Millisecond,
		Event: []byte(`{"Records":[{"body":"{\"detail\":{\"correlationId\":\"corr-1\"}}"}]}`)})

	tr, ok := r.Trace("corr-1")
	if !ok {
		t.Fatal("Trace(corr-1) found nothing")
	}
	type hop struct {
		Depth      int
		Kind, Name string
		Error      string
		Attr       string
	}
	var got []hop
	for _, n := range tr.Nodes {
		got = append(got, hop{n.Depth, n.Kind, n.Name, n.Error, n.Attrs["receiveCount"] + n.Attrs["tables"]})
	}
	want := []hop{
		{0, KindHTTP, "POST /orders", "", ""},
		{1, KindInvoke, "orders-place", "", ""},
		{2, KindDynamoDB, "TransactWriteItems", "", "orders"},
		{3, KindStream, "orders → orders-publish", "", ""},
		{4, KindInvoke, "orders-publish", "", ""},
		{5, KindPutEvents, "PutEvents OrderPlaced", "", ""},
		{6, KindTarget, "on-order-placed → inventory-q", "", ""},
		{7, KindQueue, "inventory-q → inventory-reserve", "Boom: retry me", ""},
		{8, KindInvoke, "inventory-reserve", "Boom: retry me", ""},
		{7, KindQueue, "inventory-q → inventory-reserve", "", "2"},
		{8, KindInvoke, "inventory-reserve", "", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trace corr-1 (-want +got):\n%s", diff)
	}
	if tr.Errors != 2 || tr.DurationMs != 42 {
		t.Errorf("trace errors, duration = %d, %v ms; want 2, 42 ms", tr.Errors, tr.DurationMs)
	}

	// The order id, seen in the place function's result and in the event, leads to corr-1
	// only; an unknown id to nothing.
	var ids []string
	for _, s := range r.Search("ord-1") {
		ids = append(ids, s.Correlation)
	}
	if diff := cmp.Diff([]string{"corr-1"}, ids); diff != "" {
		t.Errorf("Search(ord-1) (-want +got):\n%s", diff)
	}
	if s := r.Search("ord-404"); len(s) != 0 {
		t.Errorf("Search(ord-404) = %v, want none", s)
	}
}

func TestNilRecorderRecordsNothing(t *testing.T) {
	var r *Recorder
	r.Span(&Span{Kind: KindHTTP})
	r.Invoked(&Invocation{Function: "f"})
	r.RecordLog("f", "s", time.Now(), []byte("START RequestId: x Version: $LATEST"))
	if _, ok := r.Trace("x"); ok || len(r.Functions()) != 0 || r.Size() != 0 || len(r.Recent(5)) != 0 {
		t.Error("a nil Recorder answered something")
	}
}

// A message a function sends itself leads, through the queue, to its consumer.
func TestTraceFollowsASentMessage(t *testing.T) {
	r := New(10)
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	r.Invoked(&Invocation{Function: "producer", RequestID: "p", TraceID: "Root=1-p", Start: at(0), End: at(10), Duration: 9 * time.Millisecond,
		Event: []byte(`{"correlationId":"c"}`)})
	r.Span(&Span{Kind: KindSend, Name: "SendMessage", Start: at(5), Duration: time.Millisecond, TraceID: "Root=1-p",
		Body: []byte(`{"QueueUrl":"http://127.0.0.1:4566/000000000000/work","MessageBody":"{\"correlationId\":\"c\"}"}`)})
	r.Span(&Span{Kind: KindQueue, Name: "work → consumer", Start: at(12), Duration: time.Millisecond, RequestID: "q",
		Body: []byte(`{"Records":[{"body":"{\"correlationId\":\"c\"}"}]}`), Attrs: map[string]string{"queue": "work"}})
	r.Invoked(&Invocation{Function: "consumer", RequestID: "q", Start: at(12), Duration: time.Millisecond, Event: []byte(`{"Records":[{"body":"{\"correlationId\":\"c\"}"}]}`)})
	tr, _ := r.Trace("c")
	var got []string
	for _, n := range tr.Nodes {
		got = append(got, fmt.Sprintf("%d %s %s", n.Depth, n.Kind, n.Name))
	}
	want := []string{"0 invoke producer", "1 send SendMessage → work", "2 queue work → consumer", "3 invoke consumer"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

// Pages read while the runtime records (run with -race).
func TestReadWhileRecording(t *testing.T) {
	r := New(20)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 500 {
			id := fmt.Sprint(i)
			r.RecordLog("f", "s", time.Now(), []byte("START RequestId: "+id+" Version: $LATEST"))
			r.RecordLog("f", "s", time.Now(), []byte(`{"correlationId":"c"}`))
			r.Span(&Span{Kind: KindHTTP, Name: "GET /", Start: time.Now(), RequestID: id, Correlation: "c"})
			r.Invoked(&Invocation{Function: "f", RequestID: id, Start: time.Now(), Event: []byte(`{"correlationId":"c"}`)})
			r.RecordLog("f", "s", time.Now(), []byte("REPORT RequestId: "+id))
		}
	}()
	reads := 0
	for running := true; running; reads++ {
		select {
		case <-done:
			running = false
		default:
		}
		r.Trace("c")
		r.Search("GET")
		r.Stats("f")
		for _, inv := range r.Invocations("f") {
			r.Logs(inv)
		}
	}
	if tr, ok := r.Trace("c"); !ok || len(tr.Nodes) == 0 || reads == 0 {
		t.Errorf("after recording: trace found %v with %d hops, %d reads", ok, len(tr.Nodes), reads)
	}
}

func TestTrigger(t *testing.T) {
	tests := []struct{ event, want string }{
		{`{"version":"2.0","routeKey":"GET /x"}`, "http"},
		{`{"Records":[{"eventSource":"aws:sqs","body":"{}"}]}`, "queue"},
		{`{"Records":[{"eventSource":"aws:dynamodb","dynamodb":{}}]}`, "stream"},
		{`{"detail-type":"OrderPlaced","detail":{}}`, "event"},
		{`{"edited":true}`, "direct"},
	}
	for _, tt := range tests {
		if got := (&Invocation{Event: []byte(tt.event)}).Trigger(); got != tt.want {
			t.Errorf("Trigger(%s) = %q, want %q", tt.event, got, tt.want)
		}
	}
}

// A write belongs to the function that made it (its SDK's app id), even when another
// invocation of the same saga, carrying the same X-Ray root, still runs.
func TestWriteParentIsItsCaller(t *testing.T) {
	r := New(10)
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ev := []byte(`{"correlationId":"c"}`)
	r.Invoked(&Invocation{Function: "slow", RequestID: "a", TraceID: "Root=1-r", Start: at(0), End: at(100), Event: ev})
	r.Invoked(&Invocation{Function: "consumer", RequestID: "b", TraceID: "Root=1-other", Start: at(50), End: at(60), Event: ev})
	r.Span(&Span{Kind: KindDynamoDB, Name: "PutItem", Start: at(55), TraceID: "Root=1-r", Caller: "consumer", Body: ev})
	r.Span(&Span{Kind: KindDynamoDB, Name: "UpdateItem", Start: at(56), TraceID: "Root=1-r", Body: ev}) // no app id: the root decides
	tr, _ := r.Trace("c")
	var got []string
	for _, n := range tr.Nodes {
		got = append(got, fmt.Sprintf("%d %s", n.Depth, n.Name))
	}
	want := []string{"0 slow", "1 UpdateItem", "0 consumer", "1 PutItem"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}
