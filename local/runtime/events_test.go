package runtime_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/jwtauth"
	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// startEvents runs testdata/Events.template.json: queues, a bus with a rule, an event source
// mapping, a stream table, a JWT-protected HTTP API, and the sink and echo functions.
func startEvents(t *testing.T) (*runtime.Runtime, string) {
	t.Helper()
	keyDir := t.TempDir()
	rt := startRuntime(t, runtime.Config{
		Template: filepath.Join("testdata", "Events.template.json"), APIAddr: "127.0.0.1:0", KeyDir: keyDir,
	})
	return rt, keyDir
}

// sunk returns the events the sink function stored, waiting until want(events) holds.
func sunk(t *testing.T, rt *runtime.Runtime, want func([]string) bool) []string {
	t.Helper()
	db := sdk.DynamoDB(rt.EdgeURL())
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("SinkTable")})
		if err != nil {
			t.Fatal(err)
		}
		var events []string
		for _, it := range out.Items {
			var s string
			if err := attributeString(it["event"], &s); err == nil {
				events = append(events, s)
			}
		}
		if want(events) {
			return events
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink never saw the expected events; it has %q", events)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func containing(sub string, n int) func([]string) bool {
	return func(events []string) bool {
		c := 0
		for _, e := range events {
			if strings.Contains(e, sub) {
				c++
			}
		}
		return c >= n
	}
}

func TestEventBridgeRuleDeliversToQueueAndFunction(t *testing.T) {
	rt, _ := startEvents(t)
	eb := sdk.EventBridge(rt.EdgeURL())
	out, err := eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String("shop-bus"), Source: aws.String("shop.orders"), DetailType: aws.String("OrderPlaced"),
			Detail: aws.String(`{"orderId":"o-42","total":1999}`)},
		{EventBusName: aws.String("shop-bus"), Source: aws.String("shop.orders"), DetailType: aws.String("OrderPlaced"),
			Detail: aws.String(`{"orderId":"o-free","total":0}`)}, // does not match: total must be > 0
		{EventBusName: aws.String("shop-bus"), Source: aws.String("shop.orders"), DetailType: aws.String("OrderPlaced"),
			Detail: aws.String(`not json`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 1 || out.Entries[2].ErrorCode == nil || out.Entries[0].EventId == nil {
		t.Fatalf("PutEvents results: failed %d, entries %+v", out.FailedEntryCount, out.Entries)
	}
	// The function target gets the transformed input; the queue target gets $.detail, which the
	// queue's event source mapping hands to the same function as an SQS event.
	events := sunk(t, rt, func(e []string) bool {
		return containing(`{"placed": "o-42"}`, 1)(e) && containing(`\"orderId\":\"o-42\"`, 1)(e)
	})
	for _, e := range events {
		if strings.Contains(e, "o-free") {
			t.Errorf("an event the pattern does not match was delivered: %s", e)
		}
	}
}

// A function target is invoked asynchronously: a function error goes through Lambda's retries
// (as many as its EventInvokeConfig allows) and then to the function's dead-letter queue (the rule's DLQ is for events Lambda
// does not accept).
func TestEventBridgeFunctionTargetFailuresReachTheFunctionDLQ(t *testing.T) {
	rt, _ := startEvents(t)
	eb := sdk.EventBridge(rt.EdgeURL())
	_, err := eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String("shop-bus"), Source: aws.String("shop.orders"), DetailType: aws.String("OrderPlaced"),
			Detail: aws.String(`{"orderId":"poison-1","total":5}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	body := receiveOne(t, rt, "sink-dlq", 15*time.Second)
	if body != `{"placed": "poison-1"}` {
		t.Errorf("function DLQ message = %s, want the transformed event the function failed on", body)
	}
	// The DLQ message comes after the last attempt. The sink's EventInvokeConfig allows one
	// retry: two attempts in all.
	attempts := 0
	for _, e := range sunk(t, rt, containing(`{"placed": "poison-1"}`, 1)) {
		if strings.Contains(e, `{"placed": "poison-1"}`) {
			attempts++
		}
	}
	if attempts != 2 {
		t.Errorf("the function ran %d times, want 2 (MaximumRetryAttempts 1)", attempts)
	}
	if n := len(receiveAll(t, rt, "rule-dlq")); n != 0 {
		t.Errorf("the rule DLQ got %d messages for an event Lambda accepted", n)
	}
}

// A rule whose target cannot be reached (here: a function of another stack) retries per its
// retry policy and then sends the event to the rule's DLQ, with EventBridge's attributes.
func TestEventBridgeUndeliverableEventsReachTheRuleDLQ(t *testing.T) {
	rt, _ := startEvents(t)
	eb := sdk.EventBridge(rt.EdgeURL())
	if _, err := eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String("shop-bus"), Source: aws.String("shop.external"), DetailType: aws.String("Ping"), Detail: aws.String(`{"n":7}`)},
	}}); err != nil {
		t.Fatal(err)
	}
	m := receiveMessage(t, rt, "rule-dlq", 10*time.Second)
	if !strings.Contains(aws.ToString(m.Body), `"source":"shop.external"`) {
		t.Errorf("DLQ body = %s, want the event", aws.ToString(m.Body))
	}
	for _, attr := range []string{"RULE_ARN", "TARGET_ARN", "ERROR_MESSAGE"} {
		if _, ok := m.MessageAttributes[attr]; !ok {
			t.Errorf("DLQ message lacks the %s attribute (has %v)", attr, m.MessageAttributes)
		}
	}
}

// queue returns an SQS client on the runtime's edge and the URL of the named queue.
func queue(t *testing.T, rt *runtime.Runtime, name string) (*sqs.Client, *string) {
	t.Helper()
	q := sdk.SQS(rt.EdgeURL())
	out, err := q.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return q, out.QueueUrl
}

func receiveAll(t *testing.T, rt *runtime.Runtime, name string) []string {
	t.Helper()
	q, url := queue(t, rt, name)
	out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range out.Messages {
		bodies = append(bodies, aws.ToString(m.Body))
	}
	return bodies
}

func receiveOne(t *testing.T, rt *runtime.Runtime, name string, within time.Duration) string {
	t.Helper()
	return aws.ToString(receiveMessage(t, rt, name, within).Body)
}

// receiveMessage waits up to within for a message (with its attributes) in the named queue.
// Its receives have a 2 s visibility timeout: one whose answer is lost in transit (the SDK
// retries it) leaves its message in flight for that long, not for the queue's 30 s.
func receiveMessage(t *testing.T, rt *runtime.Runtime, name string, within time.Duration) sqstypes.Message {
	t.Helper()
	q, url := queue(t, rt, name)
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 1, MessageAttributeNames: []string{"All"}, VisibilityTimeout: 2,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) > 0 {
			return out.Messages[0]
		}
	}
	t.Fatalf("no message in %s within %s", name, within)
	return sqstypes.Message{}
}

func TestQueueMappingRedrivesAPoisonMessageToTheDLQ(t *testing.T) {
	rt, _ := startEvents(t)
	q, url := queue(t, rt, "work")
	for _, body := range []string{`{"job":"fine"}`, `{"job":"poison"}`} {
		if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	sunk(t, rt, containing(`\"job\":\"fine\"`, 1))
	// The poison message fails, becomes visible again after 1 s, fails again, and on the
	// receive past maxReceiveCount (2) moves to the DLQ.
	if body := receiveOne(t, rt, "work-dlq", 10*time.Second); body != `{"job":"poison"}` {
		t.Errorf("DLQ message = %s", body)
	}
	sunk(t, rt, containing(`\"job\":\"poison\"`, 2))
}

func TestJWTAuthorizer(t *testing.T) {
	rt, keyDir := startEvents(t)
	token := func(args ...string) string {
		var out bytes.Buffer
		if err := jwtauth.TokenCommand(append([]string{"--dir", keyDir}, args...), &out); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out.String())
	}
	get := func(path, tok string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, rt.APIURL()+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	user := token("--user", "alice", "--groups", "admin")
	tests := []struct {
		name, path, token string
		status            int
		body              string
	}{
		{"no token", "/me", "", 401, `{"message":"Unauthorized"}`},
		{"garbage token", "/me", "not-a-jwt", 401, `{"message":"Unauthorized"}`},
		{"valid token", "/me", user, 200, `"sub":"alice"`},
		{"groups reach the function", "/me", user, 200, `"cognito:groups":"[admin]"`},
		{"expired token", "/me", token("--user", "alice", "--ttl", "-1m"), 401, `{"message":"Unauthorized"}`},
		{"another issuer", "/me", token("--user", "alice", "--issuer", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"), 401, `{"message":"Unauthorized"}`},
		{"another app client", "/me", token("--user", "alice", "--client-id", "someone-else"), 401, `{"message":"Unauthorized"}`},
		{"missing scope", "/admin", user, 403, `{"message":"Forbidden"}`},
		{"scope present", "/admin", token("--user", "bob", "--scopes", "shop/admin"), 200, `"scopes":["shop/admin"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(tt.path, tt.token)
			if status != tt.status || !strings.Contains(body, tt.body) {
				t.Errorf("GET %s = %d %s, want %d containing %s", tt.path, status, body, tt.status, tt.body)
			}
		})
	}
}

func TestLambdaInvokeAPI(t *testing.T) {
	rt, _ := startEvents(t)
	lc := sdk.Lambda(rt.EdgeURL())
	out, err := lc.Invoke(context.Background(), &lambda.InvokeInput{
		FunctionName: aws.String("echo"), Payload: []byte(`{"hello":"world"}`), LogType: lambdatypes.LogTypeTail,
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Payload) != `{"hello":"world"}` || out.FunctionError != nil {
		t.Errorf("echo = %s (error %v)", out.Payload, aws.ToString(out.FunctionError))
	}
	tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil || !strings.HasPrefix(string(tail), "START RequestId: ") || !strings.Contains(string(tail), "REPORT RequestId: ") {
		t.Errorf("log tail = %q (%v), want START ... REPORT", tail, err)
	}
	// An Event invocation is accepted at once; its failures retry, then reach the function's DLQ.
	async, err := lc.Invoke(context.Background(), &lambda.InvokeInput{
		FunctionName: aws.String("sink"), InvocationType: lambdatypes.InvocationTypeEvent, Payload: []byte(`{"poison":"async"}`),
	})
	if err != nil || async.StatusCode != 202 {
		t.Fatalf("Event invoke: %v %+v", err, async)
	}
	if body := receiveOne(t, rt, "sink-dlq", 15*time.Second); body != `{"poison":"async"}` {
		t.Errorf("DLQ message = %s", body)
	}
	_, err = lc.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("throttled"), Payload: []byte(`{}`)})
	var throttled *lambdatypes.TooManyRequestsException
	if !errors.As(err, &throttled) {
		t.Errorf("invoking a function with reserved concurrency 0: %v, want TooManyRequestsException", err)
	}
	out, err = lc.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("sink"), Payload: []byte(`{"poison":true}`)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "poison event") {
		t.Errorf("failing function = %s, error %q", out.Payload, aws.ToString(out.FunctionError))
	}
}

// The AWS CLI works against the edge as it does against AWS.
func TestAWSCLI(t *testing.T) {
	rt, _ := startEvents(t)
	aws := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("aws", append(args, "--endpoint-url", rt.EdgeURL(), "--output", "json")...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	var put struct{ FailedEntryCount int }
	if err := json.Unmarshal([]byte(aws("events", "put-events", "--entries",
		`[{"EventBusName":"shop-bus","Source":"shop.orders","DetailType":"OrderPlaced","Detail":"{\"orderId\":\"cli-1\",\"total\":3}"}]`)), &put); err != nil || put.FailedEntryCount != 0 {
		t.Errorf("put-events: %+v %v", put, err)
	}
	if out := aws("events", "test-event-pattern", "--event-pattern", `{"source":["a"]}`,
		"--event", `{"id":"1","account":"000000000000","source":"a","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail-type":"x","detail":{}}`); !strings.Contains(out, "true") {
		t.Errorf("test-event-pattern = %s", out)
	}
	if out := aws("sqs", "list-queues"); !strings.Contains(out, "/work") || !strings.Contains(out, "/work-dlq") {
		t.Errorf("list-queues = %s", out)
	}
	if out := aws("dynamodb", "list-tables"); !strings.Contains(out, "OrdersTable") {
		t.Errorf("list-tables = %s", out)
	}
	if out := aws("dynamodbstreams", "list-streams", "--table-name", "OrdersTable"); !strings.Contains(out, "table/OrdersTable/stream/") {
		t.Errorf("list-streams = %s", out)
	}
	outFile := filepath.Join(t.TempDir(), "out.json")
	if out := aws("lambda", "invoke", "--function-name", "echo", "--payload", `{"via":"cli"}`, outFile); !strings.Contains(out, `"StatusCode": 200`) {
		t.Errorf("lambda invoke = %s", out)
	}
	if got, _ := os.ReadFile(outFile); string(got) != `{"via":"cli"}` {
		t.Errorf("lambda invoke wrote %s", got)
	}
	sunk(t, rt, containing("cli-1", 2))
}

func attributeString(v types.AttributeValue, dst *string) error {
	s, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		return fmt.Errorf("attribute is %T, want a string", v)
	}
	*dst = s.Value
	return nil
}

// The sample events in events/samples/ are what `make invoke` feeds functions: each one runs through
// a function and reaches it intact.
func TestSampleEventsInvoke(t *testing.T) {
	rt, _ := startEvents(t)
	for _, f := range []string{"eventbridge/order-placed.json", "sqs/batch.json", "dynamodb/stream.json"} {
		t.Run(f, func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join("..", "..", "events", "samples", f))
			if err != nil {
				t.Fatal(err)
			}
			res, err := rt.Invoke(context.Background(), "echo", payload)
			if err != nil {
				t.Fatalf("invoke: %v", err)
			}
			if res.Error != nil {
				t.Fatalf("function error: %v", res.Error)
			}
			var want, got any
			_ = json.Unmarshal(payload, &want)
			if err := json.Unmarshal(res.Payload, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the function saw a different event (-sample +seen):\n%s", diff)
			}
		})
	}
}

func TestStreamMappingDeliversWritesAndParksPoison(t *testing.T) {
	rt, _ := startEvents(t)
	db := sdk.DynamoDB(rt.EdgeURL())
	put := func(pk, note string) {
		t.Helper()
		_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{
			TableName: aws.String("OrdersTable"),
			Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: pk}, "note": &types.AttributeValueMemberS{Value: note},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put("order-1", "fine")
	sunk(t, rt, containing(`order-1`, 1))
	put("order-2", "poison")
	// Retried once, then bisected down to the poison record, whose batch info lands in the
	// on-failure queue; the stream is not blocked: the next write still arrives.
	info := receiveOne(t, rt, "stream-failures", 10*time.Second)
	if !strings.Contains(info, "RetryAttemptsExhausted") || !strings.Contains(info, "DDBStreamBatchInfo") {
		t.Errorf("on-failure record = %s", info)
	}
	put("order-3", "fine")
	events := sunk(t, rt, containing(`order-3`, 1))
	for _, e := range events {
		if strings.Contains(e, "order-3") && !strings.Contains(e, `"eventName":"INSERT"`) {
			t.Errorf("stream event is not a Lambda DynamoDB event: %s", e)
		}
	}
}

// The DynamoDB Streams API on the edge reads the same stream, as the AWS CLI or SDK would.
func TestDynamoDBStreamsAPI(t *testing.T) {
	rt, _ := startEvents(t)
	db := sdk.DynamoDB(rt.EdgeURL())
	if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String("OrdersTable"),
		Item:      map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "o-streamed"}},
	}); err != nil {
		t.Fatal(err)
	}
	st := sdk.DynamoDBStreams(rt.EdgeURL())
	streams, err := st.ListStreams(context.Background(), &dynamodbstreams.ListStreamsInput{TableName: aws.String("OrdersTable")})
	if err != nil || len(streams.Streams) != 1 {
		t.Fatalf("ListStreams: %v %+v", err, streams)
	}
	desc, err := st.DescribeStream(context.Background(), &dynamodbstreams.DescribeStreamInput{StreamArn: streams.Streams[0].StreamArn})
	if err != nil || len(desc.StreamDescription.Shards) == 0 {
		t.Fatalf("DescribeStream: %v", err)
	}
	it, err := st.GetShardIterator(context.Background(), &dynamodbstreams.GetShardIteratorInput{
		StreamArn: streams.Streams[0].StreamArn, ShardId: desc.StreamDescription.Shards[0].ShardId,
		ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.GetRecords(context.Background(), &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.Records) != 1 || recs.Records[0].EventName != streamtypes.OperationTypeInsert {
		t.Fatalf("GetRecords = %+v", recs.Records)
	}
	key, _ := recs.Records[0].Dynamodb.Keys["pk"].(*streamtypes.AttributeValueMemberS)
	if key == nil || key.Value != "o-streamed" {
		t.Errorf("record key = %+v", recs.Records[0].Dynamodb.Keys)
	}
}

// A FIFO queue's mapping hands each message group to the function in send order.
func TestFIFOQueueMappingKeepsGroupOrder(t *testing.T) {
	rt, _ := startEvents(t)
	q, url := queue(t, rt, "orders.fifo")
	var want []string
	for i := range 6 {
		body := fmt.Sprintf("fifo-%d", i)
		want = append(want, body)
		if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{
			QueueUrl: url, MessageBody: aws.String(body), MessageGroupId: aws.String("customer-1"),
		}); err != nil {
			t.Fatal(err)
		}
	}
	sunk(t, rt, containing("fifo-", len(want)))
	out, err := sdk.DynamoDB(rt.EdgeURL()).Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("SinkTable")})
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		at   int64
		body string
	}
	var got []seen
	for _, it := range out.Items {
		var ev events.SQSEvent
		var raw, at string
		if attributeString(it["event"], &raw) != nil || json.Unmarshal([]byte(raw), &ev) != nil || len(ev.Records) != 1 {
			continue
		}
		if n, ok := it["at"].(*types.AttributeValueMemberN); ok {
			at = n.Value
		}
		ns, _ := strconv.ParseInt(at, 10, 64)
		got = append(got, seen{ns, ev.Records[0].Body})
	}
	sort.Slice(got, func(i, j int) bool { return got[i].at < got[j].at })
	var order []string
	for _, g := range got {
		order = append(order, g.body)
	}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("invocation order (-sent +seen):\n%s", diff)
	}
}

// A function's own name wins over another function built from a package of that name (the
// throttled function here is built from the echo package).
func TestLookupPrefersTheFunctionName(t *testing.T) {
	rt, _ := startEvents(t)
	for range 20 { // map order must not matter
		fn, err := rt.Lookup("echo")
		if err != nil || fn.Name != "echo" {
			t.Fatalf("Lookup(echo) = %+v, %v; want the function named echo", fn, err)
		}
	}
}
