package runtime_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
)

// The SAM apps of ../testdata/ownstacks are served as `sam local` users would serve them:
// the template.yaml as written (Transform: AWS::Serverless-2016-10-31), the code found by
// SAM's contract (CodeUri with BuildMethod go1.x, the go.mod in or above it), nothing
// specific to devcloud in the template.

// samApp returns the path of ownstacks/<name>/template.yaml, served in place: its builds go
// to a temporary cache, never into the app's folder.
func samApp(name string) string {
	return filepath.Join("..", "testdata", "ownstacks", name, "template.yaml")
}

// logged waits until a line of the log group of the function logicalID contains every
// one of subs, and returns that line.
func logged(t *testing.T, rt *runtime.Runtime, logicalID string, subs ...string) string {
	t.Helper()
	fn, err := rt.Lookup(logicalID)
	if err != nil {
		t.Fatal(err)
	}
	var line string
	waitUntil(t, logicalID+" logging "+strings.Join(subs, ", "), 30*time.Second, func() bool {
		i := slices.IndexFunc(rt.Logs().Events(fn.LogGroup), func(l string) bool {
			return !slices.ContainsFunc(subs, func(s string) bool { return !strings.Contains(l, s) })
		})
		if i >= 0 {
			line = rt.Logs().Events(fn.LogGroup)[i]
		}
		return i >= 0
	})
	return line
}

// do sends method url with body (as JSON when there is one) and returns the status and
// the body of the answer.
func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json") // else HTTP APIs base64-encode it
	}
	resp, b := send(t, req)
	return resp.StatusCode, string(b)
}

// sam init's Go hello world (its own go.mod in hello-world/, an Api event): its implicit
// REST API answers GET /hello with and without the Prod stage prefix, as the function does
// (it greets the caller's source IP, so the payload 1.0 event carries it).
func TestSAMHelloWorldApp(t *testing.T) {
	app := copyApp(t, "sam-hello") // outside any module but its own
	before := files(t, app)
	rt := startRuntime(t, runtime.Config{
		Template: filepath.Join(app, "template.yaml"), APIAddr: "127.0.0.1:0", KeyDir: t.TempDir(), CacheDir: t.TempDir(),
	})
	apis := rt.RestAPIURLs()
	if len(apis) != 1 || apis[0].Stage != "Prod" {
		t.Fatalf("RestAPIURLs = %+v, want ServerlessRestApi with stage Prod", apis)
	}
	for _, path := range []string{"/hello", "/Prod/hello"} {
		status, body := do(t, http.MethodGet, apis[0].URL+path, "")
		if status != http.StatusOK || body != "Hello, 127.0.0.1!\n" {
			t.Errorf("GET %s = %d %q, want 200 %q", path, status, body, "Hello, 127.0.0.1!\n")
		}
	}
	if status, _ := do(t, http.MethodPost, apis[0].URL+"/hello", ""); status != http.StatusForbidden {
		t.Errorf("POST /hello = %d, want 403 (no such method, as API Gateway answers)", status)
	}
	if diff := cmp.Diff(before, files(t, app)); diff != "" {
		t.Errorf("serving changed the app's folder (-before +after):\n%s", diff)
	}
}

// An HttpApi event and a SimpleTable: PUT then GET through the implicit HTTP API, and the
// item is in the table, read with the SDK through the edge.
func TestSAMHTTPAPIAndSimpleTableApp(t *testing.T) {
	rt := startRuntime(t, runtime.Config{
		Template: samApp("sam-httpapi-table"), APIAddr: "127.0.0.1:0", KeyDir: t.TempDir(), CacheDir: t.TempDir(),
	})
	if status, body := do(t, http.MethodPut, rt.APIURL()+"/items/i-1", `{"colour":"teal"}`); status != http.StatusNoContent {
		t.Fatalf("PUT /items/i-1 = %d %s, want 204", status, body)
	}
	if status, body := do(t, http.MethodGet, rt.APIURL()+"/items/i-1", ""); status != http.StatusOK || body != `{"colour":"teal"}` {
		t.Errorf("GET /items/i-1 = %d %s, want 200 the stored body", status, body)
	}
	if status, _ := do(t, http.MethodGet, rt.APIURL()+"/items/i-2", ""); status != http.StatusNotFound {
		t.Errorf("GET /items/i-2 = %d, want the function's 404", status)
	}
	out, err := sdk.DynamoDB(rt.EdgeURL()).GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String("ItemsTable"),
		Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "i-1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if body, ok := out.Item["body"].(*types.AttributeValueMemberS); !ok || body.Value != `{"colour":"teal"}` {
		t.Errorf("ItemsTable i-1 = %v, want the body the function stored", out.Item)
	}
}

// A Schedule (an EventBridge rule) and a ScheduleV2 (a Scheduler schedule) on one function:
// both are listed, fire on demand through the edge, and the function runs with each one's
// Input.
func TestSAMScheduledApp(t *testing.T) {
	rt := startRuntime(t, runtime.Config{
		Template: samApp("sam-scheduled"), KeyDir: t.TempDir(), CacheDir: t.TempDir(), NoScheduleTimer: true,
	})
	var names []string
	for _, s := range rt.Schedules() {
		names = append(names, s.Name)
	}
	if len(names) != 2 {
		t.Fatalf("Schedules = %q, want the rule and the Scheduler schedule", names)
	}
	for _, name := range names {
		resp, err := http.Post(rt.EdgeURL()+runtime.SchedulesPath+name+"/fire", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		var fired struct{ EventID string }
		err = json.NewDecoder(resp.Body).Decode(&fired)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || fired.EventID == "" {
			t.Fatalf("fire %s: %d %+v %v", name, resp.StatusCode, fired, err)
		}
	}
	logged(t, rt, "TickFunction", `tick: {"source": "rule"}`)
	logged(t, rt, "TickFunction", `tick: {"source": "scheduler"}`)
}

// Globals and three event sources on one shared main package: a message sent to the
// queue, an item written to the table and an event put on the bus each reach their own
// consumer, which logs it with its SOURCE (set per function over Globals).
func TestSAMEventsApp(t *testing.T) {
	ctx := context.Background()
	rt := startRuntime(t, runtime.Config{
		Template: samApp("sam-events"), KeyDir: t.TempDir(), CacheDir: t.TempDir(),
	})

	q := sdk.SQS(rt.EdgeURL())
	url, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("OrdersQueue")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url.QueueUrl, MessageBody: aws.String("order o-17")}); err != nil {
		t.Fatal(err)
	}
	_, err = sdk.DynamoDB(rt.EdgeURL()).PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("OrdersTable"),
		Item:      map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "o-42"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	put, err := sdk.EventBridge(rt.EdgeURL()).PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String("shop-dev"), Source: aws.String("shop.orders"), DetailType: aws.String("OrderPlaced"), Detail: aws.String(`{"order":"o-99"}`)},
	}})
	if err != nil || put.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v %+v", err, put)
	}

	logged(t, rt, "QueueConsumer", "sqs event:", `"body":"order o-17"`)
	logged(t, rt, "StreamConsumer", "dynamodb event:", `"eventName":"INSERT"`, `"o-42"`)
	logged(t, rt, "BusConsumer", "eventbridge event:", `"detail-type":"OrderPlaced"`, `"order":"o-99"`)
}

// BenchmarkSAMHelloRequest measures what `sam local start-api` users wait for per request,
// on sam init's Go hello world served by devcloud: a warm GET /hello through the REST API
// (payload 1.0 event, the function's process, its answer), sequential, p50 and p99.
func BenchmarkSAMHelloRequest(b *testing.B) {
	app := copyApp(b, "sam-hello")
	rt, err := runtime.Start(context.Background(), runtime.Config{
		Template: filepath.Join(app, "template.yaml"), APIAddr: "127.0.0.1:0", KeyDir: b.TempDir(), CacheDir: b.TempDir(),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	url := rt.RestAPIURLs()[0].URL + "/hello"
	get := func() {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET /hello: %d %v", resp.StatusCode, err)
		}
	}
	get() // warm: the function's process is started
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		start := time.Now()
		get()
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
