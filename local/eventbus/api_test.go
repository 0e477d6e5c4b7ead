package eventbus_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/eventbus/pattern"
)

const orderPlaced = `{"Source":"microshop.orders","DetailType":"OrderPlaced","EventBusName":"shop",` +
	`"Detail":"{\"orderId\":\"o-1\",\"total\":1250}","Resources":["arn:aws:dynamodb:us-east-1:123456789012:table/orders"]}`

func TestPutEventsDeliversTheEnvelope(t *testing.T) {
	s, _ := newService(t, eventbus.Options{Region: "eu-west-1"})
	if err := s.AddBus("shop"); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	addRule(t, s, eventbus.Rule{
		Name: "orders", Bus: "shop",
		Pattern: json.RawMessage(`{"source":["microshop.orders"],"detail":{"total":[{"numeric":[">",1000]}]}}`),
		Targets: []eventbus.Target{{ID: "q", ARN: "arn:aws:sqs:eu-west-1:123456789012:q", Deliver: rec.deliver}},
	})
	srv := serve(t, s)

	status, out := call(t, srv.URL, "PutEvents", putEvents(orderPlaced))
	if status != http.StatusOK || out["FailedEntryCount"] != 0.0 {
		t.Fatalf("PutEvents = %d %v", status, out)
	}
	id := out["Entries"].([]any)[0].(map[string]any)["EventId"].(string)

	var got map[string]any
	raw := rec.next(t)
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"version": "0", "id": id, "detail-type": "OrderPlaced", "source": "microshop.orders",
		"account": "123456789012", "time": "2024-05-06T07:08:09Z", "region": "eu-west-1",
		"resources": []any{"arn:aws:dynamodb:us-east-1:123456789012:table/orders"},
		"detail":    map[string]any{"orderId": "o-1", "total": 1250.0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivered event (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(string(raw), `{"version":"0","id":`) {
		t.Errorf("envelope field order: %s", raw)
	}
}

func TestPutEventsEntryResults(t *testing.T) {
	s, _ := newService(t, eventbus.Options{})
	srv := serve(t, s)
	missing := func(f string) map[string]any {
		return map[string]any{"ErrorCode": "InvalidArgument",
			"ErrorMessage": "Parameter " + f + " is not valid. Reason: " + f + " is a required argument."}
	}
	malformed := map[string]any{"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
	tests := []struct {
		name  string
		entry string
		want  map[string]any
	}{
		{"no source", `{"DetailType":"t","Detail":"{}"}`, missing("Source")},
		{"no detail type", `{"Source":"s","Detail":"{}"}`, missing("DetailType")},
		{"no detail", `{"Source":"s","DetailType":"t"}`, missing("Detail")},
		{"detail not json", `{"Source":"s","DetailType":"t","Detail":"detail"}`, malformed},
		{"detail an array", `{"Source":"s","DetailType":"t","Detail":"[1]"}`, malformed},
		{"detail a string", `{"Source":"s","DetailType":"t","Detail":"\"x\""}`, malformed},
		{"detail null", `{"Source":"s","DetailType":"t","Detail":"null"}`, malformed},
		{"unknown bus", `{"Source":"s","DetailType":"t","Detail":"{}","EventBusName":"nope"}`,
			map[string]any{"ErrorCode": "ResourceNotFoundException", "ErrorMessage": "Event bus nope does not exist."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok := `{"Source":"s","DetailType":"t","Detail":"{}"}`
			status, out := call(t, srv.URL, "PutEvents", putEvents(ok, tt.entry))
			if status != http.StatusOK {
				t.Fatalf("status = %d %v", status, out)
			}
			if out["FailedEntryCount"] != 1.0 {
				t.Errorf("FailedEntryCount = %v, want 1", out["FailedEntryCount"])
			}
			entries := out["Entries"].([]any)
			if _, ok := entries[0].(map[string]any)["EventId"]; !ok {
				t.Errorf("valid entry result = %v, want an EventId", entries[0])
			}
			if diff := cmp.Diff(tt.want, entries[1]); diff != "" {
				t.Errorf("entry result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPutEventsEntryCount(t *testing.T) {
	s, _ := newService(t, eventbus.Options{})
	srv := serve(t, s)
	entry := `{"Source":"s","DetailType":"t","Detail":"{}"}`
	for _, n := range []int{0, 11} {
		entries := make([]string, n)
		for i := range entries {
			entries[i] = entry
		}
		status, out := call(t, srv.URL, "PutEvents", putEvents(entries...))
		if status != http.StatusBadRequest || out["__type"] != "ValidationException" {
			t.Errorf("%d entries: %d %v, want 400 ValidationException", n, status, out)
		}
	}
}

func TestPutEventsRouting(t *testing.T) {
	s, _ := newService(t, eventbus.Options{})
	if err := s.AddBus("shop"); err != nil {
		t.Fatal(err)
	}
	enabled, disabled, other, byDefault := newRecorder(), newRecorder(), newRecorder(), newRecorder()
	target := func(r *recorder) []eventbus.Target {
		return []eventbus.Target{{ID: "t", ARN: "arn:t", Deliver: r.deliver}}
	}
	addRule(t, s, eventbus.Rule{Name: "a", Bus: "shop", Pattern: json.RawMessage(`{"source":["microshop.orders"]}`), Targets: target(enabled)})
	addRule(t, s, eventbus.Rule{Name: "b", Bus: "shop", State: eventbus.Disabled, Pattern: json.RawMessage(`{"source":["microshop.orders"]}`), Targets: target(disabled)})
	addRule(t, s, eventbus.Rule{Name: "c", Bus: "shop", Pattern: json.RawMessage(`{"source":["microshop.payments"]}`), Targets: target(other)})
	addRule(t, s, eventbus.Rule{Name: "d", Pattern: json.RawMessage(`{"source":["microshop.orders"]}`), Targets: target(byDefault)})
	srv := serve(t, s)

	byARN := strings.Replace(orderPlaced, `"EventBusName":"shop"`, `"EventBusName":"`+s.BusARN("shop")+`"`, 1)
	if status, out := call(t, srv.URL, "PutEvents", putEvents(byARN)); out["FailedEntryCount"] != 0.0 {
		t.Fatalf("PutEvents = %d %v", status, out)
	}
	enabled.next(t)
	disabled.none(t, s)
	other.none(t, s)
	byDefault.none(t, s)
	if got := s.Metrics().MatchedEvents; got != 1 {
		t.Errorf("MatchedEvents = %d, want 1", got)
	}
}

func TestTestEventPattern(t *testing.T) {
	s, _ := newService(t, eventbus.Options{})
	srv := serve(t, s)
	event := `{"id":"1","account":"123456789012","source":"aws.ec2","time":"2017-12-22T18:43:48Z",` +
		`"region":"us-east-1","resources":[],"detail-type":"x","detail":{"state":"terminated"}}`
	body := func(pat, ev string) string {
		b, _ := json.Marshal(map[string]string{"EventPattern": pat, "Event": ev})
		return string(b)
	}
	tests := []struct {
		name    string
		pattern string
		event   string
		status  int
		want    map[string]any
	}{
		{"match", `{"detail":{"state":["terminated"]}}`, event, 200, map[string]any{"Result": true}},
		{"no match", `{"detail":{"state":["running"]}}`, event, 200, map[string]any{"Result": false}},
		{"invalid pattern", `{"detail":{"state":"running"}}`, event, 400, map[string]any{
			"__type": "InvalidEventPatternException",
			"message": "Event pattern is not valid. Reason: \"state\" must be an object or an array\n" +
				` at [Source: (String)"{\"detail\":{\"state\":\"running\"}}"; line: 1, column: 29]`,
		}},
		{"event missing fields", `{"source":["a"]}`, `{"source":"a"}`, 400, map[string]any{
			"__type": "ValidationException", "message": "Parameter Event is not valid.",
		}},
		{"event not json", `{"source":["a"]}`, `{`, 400, map[string]any{
			"__type": "ValidationException", "message": "Parameter Event is not valid.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := call(t, srv.URL, "TestEventPattern", body(tt.pattern, tt.event))
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			if diff := cmp.Diff(tt.want, out); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
		})
	}
}

// catalog builds a service with two buses and three rules for the read APIs.
func catalog(t *testing.T) *eventbus.Service {
	t.Helper()
	s, _ := newService(t, eventbus.Options{})
	if err := s.AddBus("shop"); err != nil {
		t.Fatal(err)
	}
	addRule(t, s, eventbus.Rule{Name: "orders-to-inventory", Bus: "shop", Description: "reserve stock",
		Pattern: json.RawMessage(`{"detail-type":["OrderPlaced"]}`),
		Targets: []eventbus.Target{{
			ID: "inventory", ARN: "arn:aws:sqs:us-east-1:123456789012:inventory", InputPath: "$.detail",
			RetryPolicy:   &eventbus.RetryPolicy{MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 60},
			DeadLetterARN: "arn:aws:sqs:us-east-1:123456789012:inventory-dlq",
		}, {
			ID: "audit", ARN: "arn:aws:lambda:us-east-1:123456789012:function:audit",
			InputTransformer: &eventbus.InputTransformer{
				InputPathsMap: map[string]string{"id": "$.detail.orderId"}, InputTemplate: `{"order":<id>}`},
		}}})
	addRule(t, s, eventbus.Rule{Name: "orders-to-payments", Bus: "shop", State: eventbus.Disabled,
		Pattern: json.RawMessage(`{"detail-type":["StockReserved"]}`)})
	addRule(t, s, eventbus.Rule{Name: "ec2", Pattern: json.RawMessage(`{"source":["aws.ec2"]}`)})
	return s
}

func TestReadAPIs(t *testing.T) {
	s := catalog(t)
	srv := serve(t, s)
	shopARN := "arn:aws:events:us-east-1:123456789012:event-bus/shop"
	created := float64(fixedTime.Unix()) // buses are created at the service clock
	inventoryRule := map[string]any{
		"Name": "orders-to-inventory", "Arn": "arn:aws:events:us-east-1:123456789012:rule/shop/orders-to-inventory",
		"EventPattern": `{"detail-type":["OrderPlaced"]}`, "State": "ENABLED", "Description": "reserve stock",
		"EventBusName": "shop",
	}
	paymentsRule := map[string]any{
		"Name": "orders-to-payments", "Arn": "arn:aws:events:us-east-1:123456789012:rule/shop/orders-to-payments",
		"EventPattern": `{"detail-type":["StockReserved"]}`, "State": "DISABLED", "EventBusName": "shop",
	}
	withCreatedBy := map[string]any{"CreatedBy": "123456789012"}
	for k, v := range inventoryRule {
		withCreatedBy[k] = v
	}
	tests := []struct {
		op, body string
		status   int
		want     map[string]any
	}{
		{"ListRules", `{"EventBusName":"shop"}`, 200, map[string]any{"Rules": []any{inventoryRule, paymentsRule}}},
		{"ListRules", `{"EventBusName":"` + shopARN + `","NamePrefix":"orders-to-p"}`, 200, map[string]any{"Rules": []any{paymentsRule}}},
		{"ListRules", `{"EventBusName":"shop","Limit":1}`, 200, map[string]any{"Rules": []any{inventoryRule}, "NextToken": "MQ=="}},
		{"ListRules", `{"EventBusName":"shop","Limit":1,"NextToken":"MQ=="}`, 200, map[string]any{"Rules": []any{paymentsRule}}},
		{"ListRules", `{}`, 200, map[string]any{"Rules": []any{map[string]any{
			"Name": "ec2", "Arn": "arn:aws:events:us-east-1:123456789012:rule/ec2",
			"EventPattern": `{"source":["aws.ec2"]}`, "State": "ENABLED", "EventBusName": "default"}}}},
		{"ListRules", `{"EventBusName":"nope"}`, 400, map[string]any{
			"__type": "ResourceNotFoundException", "message": "Event bus nope does not exist."}},
		{"DescribeRule", `{"Name":"orders-to-inventory","EventBusName":"shop"}`, 200, withCreatedBy},
		{"DescribeRule", `{"Name":"orders-to-inventory"}`, 400, map[string]any{
			"__type": "ResourceNotFoundException", "message": "Rule orders-to-inventory does not exist on EventBus default."}},
		{"DescribeRule", `{}`, 400, map[string]any{"__type": "ValidationException",
			"message": "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"}},
		{"ListEventBuses", `{}`, 200, map[string]any{"EventBuses": []any{
			map[string]any{"Name": "default", "Arn": "arn:aws:events:us-east-1:123456789012:event-bus/default", "CreationTime": created, "LastModifiedTime": created},
			map[string]any{"Name": "shop", "Arn": shopARN, "CreationTime": created, "LastModifiedTime": created}}}},
		{"ListEventBuses", `{"NamePrefix":"sh"}`, 200, map[string]any{"EventBuses": []any{
			map[string]any{"Name": "shop", "Arn": shopARN, "CreationTime": created, "LastModifiedTime": created}}}},
		{"DescribeEventBus", `{"Name":"shop"}`, 200, map[string]any{"Name": "shop", "Arn": shopARN, "CreationTime": created, "LastModifiedTime": created}},
		{"ListTargetsByRule", `{"Rule":"orders-to-inventory","EventBusName":"shop"}`, 200, map[string]any{"Targets": []any{
			map[string]any{"Id": "inventory", "Arn": "arn:aws:sqs:us-east-1:123456789012:inventory", "InputPath": "$.detail",
				"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 3.0, "MaximumEventAgeInSeconds": 60.0},
				"DeadLetterConfig": map[string]any{"Arn": "arn:aws:sqs:us-east-1:123456789012:inventory-dlq"}},
			map[string]any{"Id": "audit", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:audit",
				"InputTransformer": map[string]any{"InputPathsMap": map[string]any{"id": "$.detail.orderId"}, "InputTemplate": `{"order":<id>}`}},
		}}},
		{"ListTargetsByRule", `{"Rule":"missing","EventBusName":"shop"}`, 400, map[string]any{
			"__type": "ResourceNotFoundException", "message": "Rule missing does not exist on EventBus shop."}},
		{"CreateApiDestination", `{"Name":"x"}`, 400, map[string]any{
			"__type": "UnknownOperationException", "message": "the local EventBridge does not support CreateApiDestination"}},
		{"ListRules", `not json`, 400, map[string]any{"__type": "SerializationException",
			"message": "the request body is not valid: invalid character 'o' in literal null (expecting 'u')"}},
	}
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.body, func(t *testing.T) {
			status, out := call(t, srv.URL, tt.op, tt.body)
			if status != tt.status {
				t.Errorf("status = %d, want %d", status, tt.status)
			}
			if diff := cmp.Diff(tt.want, out); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAddRuleErrors(t *testing.T) {
	s, _ := newService(t, eventbus.Options{})
	deliver := newRecorder().deliver
	tests := []struct {
		name string
		rule eventbus.Rule
		want error
	}{
		{"invalid pattern", eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"a":[]}`)}, pattern.ErrInvalid},
		{"unknown bus", eventbus.Rule{Name: "r", Bus: "nope", Pattern: json.RawMessage(`{"a":[1]}`)}, eventbus.ErrNotFound},
		{"no name", eventbus.Rule{Pattern: json.RawMessage(`{"a":[1]}`)}, eventbus.ErrInvalid},
		{"bad state", eventbus.Rule{Name: "r", State: "ON", Pattern: json.RawMessage(`{"a":[1]}`)}, eventbus.ErrInvalid},
		{"repeated target id", eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"a":[1]}`), Targets: []eventbus.Target{
			{ID: "t", Deliver: deliver}, {ID: "t", Deliver: deliver}}}, eventbus.ErrInvalid},
		{"two input kinds", eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"a":[1]}`), Targets: []eventbus.Target{
			{ID: "t", Input: `{}`, InputPath: "$.detail"}}}, eventbus.ErrInvalid},
		{"input not json", eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"a":[1]}`), Targets: []eventbus.Target{
			{ID: "t", Input: `{`}}}, eventbus.ErrInvalid},
		{"bad input path", eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"a":[1]}`), Targets: []eventbus.Target{
			{ID: "t", InputPath: "detail.x"}}}, eventbus.ErrInvalid},
		{"reserved variable", eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"a":[1]}`), Targets: []eventbus.Target{
			{ID: "t", InputTransformer: &eventbus.InputTransformer{
				InputPathsMap: map[string]string{"aws.x": "$.id"}, InputTemplate: "<aws.x>"}}}}, eventbus.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.AddRule(tt.rule); !errors.Is(err, tt.want) {
				t.Errorf("AddRule error = %v, want %v", err, tt.want)
			}
		})
	}
}

// The runtime serves the Service behind the edge port, which dispatches on X-Amz-Target.
func TestServedBehindTheEdge(t *testing.T) {
	s, _ := newService(t, eventbus.Options{})
	rec := newRecorder()
	addRule(t, s, eventbus.Rule{Name: "r", Pattern: json.RawMessage(`{"source":["s"]}`),
		Targets: []eventbus.Target{{ID: "t", Deliver: rec.deliver}}})
	e := edge.New()
	e.Handle(edge.EventBridge, s)
	srv := httptest.NewServer(e)
	defer srv.Close()

	status, out := call(t, srv.URL, "PutEvents", putEvents(`{"Source":"s","DetailType":"d","Detail":"{\"html\":\"<b>&</b>\"}"}`))
	if status != http.StatusOK || out["FailedEntryCount"] != 0.0 {
		t.Fatalf("PutEvents = %d %v", status, out)
	}
	// Targets get the detail as sent: no HTML escaping of <, > and &.
	if got := string(rec.next(t)); !strings.Contains(got, `"detail":{"html":"<b>&</b>"}`) {
		t.Errorf("delivered %s", got)
	}
}

// An entry's TraceHeader reaches its targets' Deliver (TraceHeaderOf), as EventBridge passes it
// on; an entry without one gives none.
func TestPutEventsPassesTheTraceHeader(t *testing.T) {
	s, _ := newService(t, eventbus.Options{})
	if err := s.AddBus("shop"); err != nil {
		t.Fatal(err)
	}
	traces := make(chan string, 2)
	addRule(t, s, eventbus.Rule{
		Name: "orders", Bus: "shop", Pattern: json.RawMessage(`{"source":["microshop.orders"]}`),
		Targets: []eventbus.Target{{ID: "q", Deliver: func(ctx context.Context, _ []byte) error {
			traces <- eventbus.TraceHeaderOf(ctx)
			return nil
		}}},
	})
	srv := serve(t, s)
	const trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	for _, tt := range []struct{ entry, want string }{
		{strings.Replace(orderPlaced, `{"Source"`, `{"TraceHeader":"`+trace+`","Source"`, 1), trace},
		{orderPlaced, ""},
	} {
		if status, out := call(t, srv.URL, "PutEvents", putEvents(tt.entry)); status != http.StatusOK || out["FailedEntryCount"] != 0.0 {
			t.Fatalf("PutEvents = %d %v", status, out)
		}
		if got := <-traces; got != tt.want {
			t.Errorf("TraceHeaderOf = %q, want %q", got, tt.want)
		}
	}
}
