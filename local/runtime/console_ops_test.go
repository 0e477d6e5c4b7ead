package runtime_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// opsAPI sends a request to the console's JSON API and returns the status and the body.
func opsAPI(t *testing.T, rt *runtime.Runtime, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, rt.ConsoleURL()+"api/"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func decodeInto(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}

// The console's JSON API: the event log has each event with its matched rule and targets;
// a table query goes through the DynamoDB API (key condition, filter, paging) and an item
// can be put and, with a confirmation only, deleted; the stream records follow; a queue purge
// needs its name as confirmation; users are listed per pool.
func TestConsoleOpsAPI(t *testing.T) {
	rt, _ := startEvents(t)
	ctx := context.Background()

	// Events: one matching the rule, one matching nothing.
	eb := sdk.EventBridge(rt.EdgeURL())
	for _, total := range []string{"5", "0"} {
		out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			EventBusName: aws.String("shop-bus"), Source: aws.String("shop.orders"), DetailType: aws.String("OrderPlaced"),
			Detail: aws.String(`{"orderId":"o-` + total + `","total":` + total + `}`),
		}}})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("PutEvents: %v %+v", err, out)
		}
	}
	status, body := opsAPI(t, rt, "GET", "events?q=OrderPlaced", "")
	var events struct {
		Events []struct {
			Source, DetailType string
			Matches            []struct {
				Rule    string
				Targets []struct{ ID string }
			}
			Event struct{ Detail struct{ OrderID string } }
		}
	}
	decodeInto(t, body, &events)
	type row struct {
		Order   string
		Rules   []string
		Targets []string
	}
	var got []row
	for _, e := range events.Events {
		r := row{Order: e.Event.Detail.OrderID}
		for _, m := range e.Matches {
			r.Rules = append(r.Rules, m.Rule)
			for _, tg := range m.Targets {
				r.Targets = append(r.Targets, tg.ID)
			}
		}
		got = append(got, r)
	}
	ruleName := rt.Model().Rules[0].Name
	for _, r := range rt.Model().Rules {
		if strings.Contains(r.LogicalID, "OrderPlaced") {
			ruleName = r.Name
		}
	}
	want := []row{{Order: "o-0"}, {Order: "o-5", Rules: []string{ruleName}, Targets: []string{"ToQueue", "ToSink"}}}
	if status != http.StatusOK {
		t.Fatalf("GET events: %d %s", status, body)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event log, newest first (-want +got):\n%s", diff)
	}

	// Tables: put three items, query one by key, scan with a filter two per page.
	for _, id := range []string{"a", "b", "c"} {
		status, body = opsAPI(t, rt, "PUT", "tables/OrdersTable/items", `{"item":{"pk":{"S":"`+id+`"},"total":{"N":"`+map[string]string{"a": "1", "b": "2", "c": "3"}[id]+`"}}}`)
		if status != http.StatusOK {
			t.Fatalf("PUT item %s: %d %s", id, status, body)
		}
	}
	var res struct {
		Operation        string
		Items            []map[string]map[string]string
		Count            int
		LastEvaluatedKey map[string]map[string]string
	}
	status, body = opsAPI(t, rt, "POST", "tables/OrdersTable/query", `{"partition":"b"}`)
	decodeInto(t, body, &res)
	if status != http.StatusOK || res.Operation != "Query" || res.Count != 1 || res.Items[0]["pk"]["S"] != "b" {
		t.Errorf("query pk=b: %d %s", status, body)
	}
	var pages []string
	start := "null"
	for range 3 {
		status, body = opsAPI(t, rt, "POST", "tables/OrdersTable/query", `{"filter":"#t >= :min","names":{"#t":"total"},"values":{":min":2},"limit":2,"startKey":`+start+`}`)
		res.LastEvaluatedKey, res.Items = nil, nil
		decodeInto(t, body, &res)
		if status != http.StatusOK || res.Operation != "Scan" {
			t.Fatalf("scan: %d %s", status, body)
		}
		for _, it := range res.Items {
			pages = append(pages, it["pk"]["S"])
		}
		if res.LastEvaluatedKey == nil {
			break
		}
		b, _ := json.Marshal(res.LastEvaluatedKey)
		start = string(b)
	}
	if diff := cmp.Diff([]string{"b", "c"}, sorted(pages)); diff != "" {
		t.Errorf("scanned with total >= 2 over pages (-want +got):\n%s", diff)
	}
	if status, body = opsAPI(t, rt, "POST", "tables/OrdersTable/query", `{"partition":"a","sortOp":"="}`); status != http.StatusBadRequest || !strings.Contains(body, "ValidationException") {
		t.Errorf("a sort condition on a table without a sort key: %d %s, want 400 ValidationException", status, body)
	}
	if status, body = opsAPI(t, rt, "PUT", "tables/OrdersTable/items", `{"item":{"nokey":{"S":"x"}}}`); status != http.StatusBadRequest || !strings.Contains(body, "ValidationException") {
		t.Errorf("an item without its key: %d %s, want the engine's 400 ValidationException", status, body)
	}
	if status, body = opsAPI(t, rt, "DELETE", "tables/OrdersTable/items", `{"key":{"pk":{"S":"a"}}}`); status != http.StatusBadRequest || !strings.Contains(body, "ConfirmationRequired") {
		t.Errorf("delete without confirmation: %d %s, want 400 ConfirmationRequired", status, body)
	}
	if status, body = opsAPI(t, rt, "DELETE", "tables/OrdersTable/items", `{"key":{"pk":{"S":"a"}},"confirm":true}`); status != http.StatusOK || !strings.Contains(body, `"deleted"`) {
		t.Errorf("delete: %d %s", status, body)
	}
	_, body = opsAPI(t, rt, "POST", "tables/OrdersTable/query", `{"partition":"a"}`)
	if decodeInto(t, body, &res); res.Count != 0 {
		t.Errorf("item a after the delete: %s, want gone", body)
	}

	// Streams: the puts and the delete, newest first.
	status, body = opsAPI(t, rt, "GET", "streams/OrdersTable", "")
	var recs struct {
		Records []struct {
			EventName string
			Dynamodb  struct{ Keys map[string]map[string]string }
		}
	}
	decodeInto(t, body, &recs)
	var names []string
	for _, r := range recs.Records {
		names = append(names, r.EventName+" "+r.Dynamodb.Keys["pk"]["S"])
	}
	if diff := cmp.Diff([]string{"REMOVE a", "INSERT c", "INSERT b", "INSERT a"}, names); status != http.StatusOK || diff != "" {
		t.Errorf("stream records %d (-want +got):\n%s", status, diff)
	}

	// Queues: the list has counts; purge needs the queue's name.
	status, body = opsAPI(t, rt, "GET", "queues", "")
	if status != http.StatusOK || !strings.Contains(body, `"name":"`) || !strings.Contains(body, `"inFlight"`) {
		t.Errorf("GET queues: %d %s", status, body)
	}
	q := rt.Model().Queues[0].Name
	if status, body = opsAPI(t, rt, "POST", "queues/"+q+"/purge", `{}`); status != http.StatusBadRequest || !strings.Contains(body, "ConfirmationRequired") {
		t.Errorf("purge without confirmation: %d %s, want 400", status, body)
	}
	if status, body = opsAPI(t, rt, "POST", "queues/"+q+"/purge", `{"confirm":"`+q+`"}`); status != http.StatusOK {
		t.Errorf("purge: %d %s", status, body)
	}
	if status, body = opsAPI(t, rt, "GET", "queues/nope", ""); status != http.StatusBadRequest || !strings.Contains(body, "QueueDoesNotExist") {
		t.Errorf("unknown queue: %d %s, want 400 QueueDoesNotExist", status, body)
	}
	if status, body = opsAPI(t, rt, "POST", "queues/"+q+"/redrive", `{}`); status != http.StatusBadRequest || !strings.Contains(body, "InvalidParameterValue") {
		t.Errorf("redrive of a queue that is no DLQ: %d %s, want 400 InvalidParameterValue", status, body)
	}
}
