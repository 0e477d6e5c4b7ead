package faults_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/faults"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/sdk"
)

func TestParseRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, want string
	}{
		{"unknown field", "rules:\n- fault: error\n  function: f\n  probability: 1\n  chance: 2\n", "field chance not found"},
		{"unknown fault", "rules:\n- fault: explode\n  function: f\n  probability: 1\n", `unknown fault "explode"`},
		{"no function", "rules:\n- fault: crash-after\n  probability: 1\n", "needs a function"},
		{"no source", "rules:\n- fault: duplicate\n  function: f\n  probability: 1\n", "needs a source"},
		{"both targets", "rules:\n- fault: throttle\n  function: f\n  source: q\n  probability: 1\n", "either a function or a source"},
		{"probability 0", "rules:\n- fault: error\n  function: f\n", "probability 0"},
		{"probability over 1", `{"rules":[{"fault":"error","function":"f","probability":1.5}]}`, "probability 1.5"},
		{"latency missing", "rules:\n- fault: latency\n  function: f\n  probability: 1\n", "needs a latency"},
		{"latency bad", "rules:\n- fault: latency\n  function: f\n  probability: 1\n  latency: soon\n", `latency "soon"`},
		{"latency elsewhere", "rules:\n- fault: error\n  function: f\n  probability: 1\n  latency: 1s\n", "latency applies to"},
		{"bad code", "rules:\n- fault: putevents-fail\n  probability: 1\n  code: Oops\n", `code "Oops"`},
		{"table on invocation", "rules:\n- fault: error\n  function: f\n  table: t\n  probability: 1\n", "table and operation apply"},
		{"target on dynamodb", "rules:\n- fault: throughput-exceeded\n  function: f\n  probability: 1\n", "takes no function"},
		{"duplicate name", "rules:\n- {name: a, fault: error, function: f, probability: 1}\n- {name: a, fault: error, function: g, probability: 1}\n", "duplicate name"},
		{"negative max", "rules:\n- fault: error\n  function: f\n  probability: 1\n  max: -1\n", "max -1"},
		{"not yaml", "rules: [", "invalid fault file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := faults.Parse([]byte(tt.file))
			if !errors.Is(err, faults.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse: %v, want ErrInvalid saying %q", err, tt.want)
			}
		})
	}
}

func TestParseYAMLAndJSON(t *testing.T) {
	t.Parallel()
	y, err := faults.Parse([]byte(`
rules:
  - name: slow-charge
    fault: latency
    function: payments-charge
    probability: 0.5
    seed: 42
    latency: 250ms
  - fault: putevents-fail
    probability: 0.1
    seed: 7
`))
	if err != nil {
		t.Fatal(err)
	}
	j, err := faults.Parse([]byte(`{"rules":[{"name":"slow-charge","fault":"latency","function":"payments-charge","probability":0.5,"seed":42,"latency":"250ms"},{"fault":"putevents-fail","probability":0.1,"seed":7}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []faults.Rule{
		{Name: "slow-charge", Fault: faults.Latency, Function: "payments-charge", Probability: 0.5, Seed: 42, Latency: "250ms"},
		{Name: "putevents-fail#1", Fault: faults.PutEventsFail, Probability: 0.1, Seed: 7, Code: "InternalFailure"},
	}
	if diff := cmp.Diff(want, y.Rules()); diff != "" {
		t.Errorf("YAML rules (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, j.Rules()); diff != "" {
		t.Errorf("JSON rules (-want +got):\n%s", diff)
	}
}

// decisions asks inj n times about fn and returns the faults, "" for none.
func decisions(inj *faults.Injector, fn string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = inj.Invocation(fn).Fault
	}
	return out
}

func TestReplay(t *testing.T) {
	t.Parallel()
	rules := []faults.Rule{
		{Name: "a", Fault: faults.CrashAfter, Function: "f", Probability: 0.3, Seed: 1},
		{Name: "b", Fault: faults.Error, Function: "f", Probability: 0.3, Seed: 2},
		{Name: "c", Fault: faults.Error, Function: "g", Probability: 0.5, Seed: 3, Max: 4},
	}
	one, _ := faults.New(rules)
	two, _ := faults.New(rules)
	first := decisions(one, "f", 1000)
	if diff := cmp.Diff(first, decisions(two, "f", 1000)); diff != "" {
		t.Errorf("same rules, same calls, different faults (-first +second):\n%s", diff)
	}
	counts := map[string]int{}
	for _, d := range first {
		counts[d]++
	}
	// a fires 30%; b is asked only when a did not fire: 0.7 × 0.3 = 21%.
	if counts[faults.CrashAfter] < 250 || counts[faults.CrashAfter] > 350 || counts[faults.Error] < 160 || counts[faults.Error] > 260 {
		t.Errorf("faults %v in 1000 decisions, want about 300 crash-after and 210 error", counts)
	}
	if got := one.Fired(); got["a"] != counts[faults.CrashAfter] || got["b"] != counts[faults.Error] || got["c"] != 0 {
		t.Errorf("Fired = %v, want a %d, b %d, c 0", got, counts[faults.CrashAfter], counts[faults.Error])
	}
	// Another seed, other faults.
	other := append([]faults.Rule(nil), rules...)
	other[0].Seed = 99
	three, _ := faults.New(other)
	if cmp.Equal(first, decisions(three, "f", 1000)) {
		t.Error("another seed replayed the same faults")
	}
	// Max caps a rule.
	if got := decisions(one, "g", 100); strings.Count(strings.Join(got, ","), faults.Error) != 4 {
		t.Errorf("rule c fired %d times, want its max 4", one.Fired()["c"])
	}
	var nilInj *faults.Injector
	if d := nilInj.Invocation("f"); d.Fault != "" {
		t.Errorf("nil injector decided %+v", d)
	}
}

// dynamo serves the embedded engine behind inj's DynamoDB faults, with a table "tbl".
func dynamo(t *testing.T, inj *faults.Injector) string {
	t.Helper()
	e, err := ddbengine.Open(ddbengine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(inj.DynamoDB(e))
	t.Cleanup(func() { srv.Close(); _ = e.Close() })
	_, err = sdk.DynamoDB(srv.URL).CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:            aws.String("tbl"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL
}

func item(pk string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: pk}}
}

// TestDynamoDBFaultsAsTheSDKSeesThem: through the real SDK, a throttle fault that fires once
// is retried by the SDK's retryer and the call succeeds, as on AWS; one that always fires
// surfaces as ProvisionedThroughputExceededException; a conflict is a
// TransactionCanceledException with a TransactionConflict reason for TransactWriteItems and a
// TransactionConflictException for PutItem; a failed call writes nothing.
func TestDynamoDBFaultsAsTheSDKSeesThem(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	inj, _ := faults.New(nil)
	url := dynamo(t, inj)
	c := sdk.DynamoDB(url)
	noRetry := dynamodb.New(c.Options(), func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	set := func(r faults.Rule) {
		t.Helper()
		r.Probability, r.Seed = 1, 1
		if err := inj.Set([]faults.Rule{r}); err != nil {
			t.Fatal(err)
		}
	}

	set(faults.Rule{Name: "once", Fault: faults.ThroughputExceeded, Table: "tbl", Max: 1})
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item("retried")}); err != nil {
		t.Fatalf("PutItem with one throttle: %v, want the SDK to retry it", err)
	}
	if n := inj.Fired()["once"]; n != 1 {
		t.Errorf("throttle fired %d times, want 1", n)
	}

	set(faults.Rule{Name: "always", Fault: faults.ThroughputExceeded, Table: "tbl", Operation: "PutItem"})
	_, err := noRetry.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item("throttled")})
	var pte *ddbtypes.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) {
		t.Errorf("PutItem: %v, want ProvisionedThroughputExceededException", err)
	}
	// GetItem is another operation: not throttled.
	if _, err := noRetry.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: item("x")}); err != nil {
		t.Errorf("GetItem under a PutItem rule: %v", err)
	}

	set(faults.Rule{Name: "conflict", Fault: faults.TransactionConflict, Table: "tbl"})
	_, err = noRetry.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{Put: &ddbtypes.Put{TableName: aws.String("tbl"), Item: item("tx1")}},
		{Put: &ddbtypes.Put{TableName: aws.String("tbl"), Item: item("tx2")}},
	}})
	var tce *ddbtypes.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("TransactWriteItems: %v, want TransactionCanceledException", err)
	}
	var codes []string
	for _, r := range tce.CancellationReasons {
		codes = append(codes, aws.ToString(r.Code))
	}
	if diff := cmp.Diff([]string{"TransactionConflict", "None"}, codes); diff != "" {
		t.Errorf("cancellation reasons (-want +got):\n%s", diff)
	}
	_, err = noRetry.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item("conflicted")})
	var tcx *ddbtypes.TransactionConflictException
	if !errors.As(err, &tcx) {
		t.Errorf("PutItem: %v, want TransactionConflictException", err)
	}

	_ = inj.Set(nil)
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("tbl")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, it := range out.Items {
		keys = append(keys, it["pk"].(*ddbtypes.AttributeValueMemberS).Value)
	}
	if diff := cmp.Diff([]string{"retried"}, keys); diff != "" {
		t.Errorf("items (-want +got): failed calls must write nothing\n%s", diff)
	}
}

// TestPutEventsFaults: through the real SDK, the entries a rule fails carry its ErrorCode
// and count in FailedEntryCount; exactly the other entries reach the bus's rule target, and
// the same seed fails the same entries.
func TestPutEventsFaults(t *testing.T) {
	t.Parallel()
	run := func(seed uint64) (failed []int, delivered []int) {
		inj, err := faults.New([]faults.Rule{{Name: "pe", Fault: faults.PutEventsFail, Probability: 0.4, Seed: seed, Code: "ThrottlingException"}})
		if err != nil {
			t.Fatal(err)
		}
		svc := eventbus.New(eventbus.Options{})
		t.Cleanup(func() { _ = svc.Close() })
		var mu sync.Mutex
		got := map[int]bool{}
		err = svc.AddRule(eventbus.Rule{Name: "all", Bus: "default", Pattern: json.RawMessage(`{"source":["test"]}`),
			Targets: []eventbus.Target{{ID: "t", ARN: "arn:aws:sqs:us-east-1:000000000000:q", Deliver: func(_ context.Context, b []byte) error {
				var ev struct{ Detail struct{ N int } }
				_ = json.Unmarshal(b, &ev)
				mu.Lock()
				got[ev.Detail.N] = true
				mu.Unlock()
				return nil
			}}}})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(inj.EventBridge(svc))
		t.Cleanup(srv.Close)
		var entries []ebtypes.PutEventsRequestEntry
		for i := range 10 {
			entries = append(entries, ebtypes.PutEventsRequestEntry{Source: aws.String("test"), DetailType: aws.String("T"), Detail: aws.String(fmt.Sprintf(`{"N":%d}`, i))})
		}
		out, err := sdk.EventBridge(srv.URL).PutEvents(t.Context(), &eventbridge.PutEventsInput{Entries: entries})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Entries) != 10 {
			t.Fatalf("%d result entries, want 10", len(out.Entries))
		}
		for i, e := range out.Entries {
			switch {
			case e.ErrorCode != nil:
				if aws.ToString(e.ErrorCode) != "ThrottlingException" || e.EventId != nil {
					t.Errorf("entry %d: %+v, want ThrottlingException and no EventId", i, e)
				}
				failed = append(failed, i)
			case e.EventId == nil:
				t.Errorf("entry %d: no EventId and no ErrorCode", i)
			}
		}
		if int(out.FailedEntryCount) != len(failed) || out.FailedEntryCount != int32(inj.Fired()["pe"]) {
			t.Errorf("FailedEntryCount %d, %d entries with an ErrorCode, fired %d: want all equal", out.FailedEntryCount, len(failed), inj.Fired()["pe"])
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n >= 10-len(failed) || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		for i := range 10 {
			if got[i] {
				delivered = append(delivered, i)
			}
		}
		return failed, delivered
	}
	failed, delivered := run(5)
	if len(failed) == 0 || len(failed) == 10 {
		t.Fatalf("failed entries %v: want some, not all (pick another seed)", failed)
	}
	want := []int{}
	isFailed := map[int]bool{}
	for _, i := range failed {
		isFailed[i] = true
	}
	for i := range 10 {
		if !isFailed[i] {
			want = append(want, i)
		}
	}
	if diff := cmp.Diff(want, delivered); diff != "" {
		t.Errorf("delivered entries (-want +got):\n%s", diff)
	}
	again, _ := run(5)
	if diff := cmp.Diff(failed, again); diff != "" {
		t.Errorf("same seed, other entries failed (-first +second):\n%s", diff)
	}
}

// recorder is an Invoker that records the payloads it is given.
type recorder struct {
	mu       sync.Mutex
	payloads []string
}

func (r *recorder) Invoke(_ context.Context, _ string, payload []byte) (*lambdahost.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.payloads = append(r.payloads, string(payload))
	return &lambdahost.Result{Payload: []byte(`{}`)}, nil
}

// TestSourceFaults: a duplicate delivers the batch twice, a reorder shuffles its records
// (the same way for the same seed), a throttle never reaches the function.
func TestSourceFaults(t *testing.T) {
	t.Parallel()
	batch := `{"Records":[{"n":0},{"n":1},{"n":2},{"n":3},{"n":4},{"n":5}]}`
	deliver := func(r faults.Rule) ([]string, error) {
		t.Helper()
		r.Source, r.Probability, r.Seed = "q", 1, 3
		inj, err := faults.New([]faults.Rule{r})
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		_, err = inj.Source("q", rec).Invoke(t.Context(), "f", []byte(batch))
		if n := inj.Fired()[r.Name]; n != 1 {
			t.Errorf("%s fired %d times, want 1", r.Name, n)
		}
		return rec.payloads, err
	}
	if got, _ := deliver(faults.Rule{Name: "dup", Fault: faults.Duplicate}); !cmp.Equal(got, []string{batch, batch}) {
		t.Errorf("duplicate delivered %q, want the batch twice", got)
	}
	if got, err := deliver(faults.Rule{Name: "thr", Fault: faults.Throttle}); !errors.Is(err, lambdahost.ErrThrottled) || len(got) != 0 {
		t.Errorf("throttle: %v, %d deliveries; want ErrThrottled and none", err, len(got))
	}
	first, _ := deliver(faults.Rule{Name: "re", Fault: faults.Reorder, Latency: "1ms"})
	second, _ := deliver(faults.Rule{Name: "re", Fault: faults.Reorder, Latency: "1ms"})
	if len(first) != 1 || first[0] == batch || !cmp.Equal(first, second) {
		t.Errorf("reorder delivered %q then %q, want one shuffled batch, the same both times", first, second)
	}
	var ev struct{ Records []struct{ N int } }
	if len(first) == 1 {
		_ = json.Unmarshal([]byte(first[0]), &ev)
	}
	if len(ev.Records) != 6 {
		t.Errorf("reordered batch %q: want its 6 records", first)
	}
}

// TestExampleFile keeps the example fault file of the docs valid.
func TestExampleFile(t *testing.T) {
	t.Parallel()
	inj, err := faults.Load("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range inj.Rules() {
		names = append(names, r.Name)
	}
	if diff := cmp.Diff([]string{"charge-crash-after", "slow-reserve", "publish-fails", "orders-throttled"}, names); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if _, err := faults.Load("testdata/missing.yaml"); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}
