package start

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/metrics"
)

// env is a Lambda environment as a map.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

var lambdaEnv = env(map[string]string{
	"AWS_LAMBDA_FUNCTION_NAME": "catalog-get-product", "AWS_REGION": "us-east-1",
	"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "TABLE_NAME": "products",
})

// invocation is the context Lambda gives one invocation.
func invocation(requestID string) context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: requestID})
}

// logLines decodes the JSON log lines in buf, keeping only the keys in keep. EMF lines (with
// an "_aws" member; see emfLines) are left out.
func logLines(t *testing.T, buf *bytes.Buffer, keep ...string) []map[string]any {
	return jsonLines(t, buf, false, keep...)
}

// emfLines decodes the EMF lines in buf, keeping only the keys in keep.
func emfLines(t *testing.T, buf *bytes.Buffer, keep ...string) []map[string]any {
	return jsonLines(t, buf, true, keep...)
}

func jsonLines(t *testing.T, buf *bytes.Buffer, emf bool, keep ...string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		if _, isEMF := m["_aws"]; isEMF != emf {
			continue
		}
		kept := map[string]any{}
		for _, k := range keep {
			if v, ok := m[k]; ok {
				kept[k] = v
			}
		}
		out = append(out, kept)
	}
	return out
}

var fields = []string{"level", "message", "service", "functionName", "requestId", "coldStart", "correlationId"}

func TestBuildFailureIsReturnedAndLogged(t *testing.T) {
	var logs bytes.Buffer
	_, _, err := setup("catalog", func(env *Env) (http.Handler, error) {
		if _, err := env.Var("TABLE_NAME"); err != nil {
			return nil, err
		}
		return http.NotFoundHandler(), nil
	}, env(map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "catalog-get-product"}), &logs)
	if !errors.Is(err, ErrMissingVar) || !strings.Contains(err.Error(), "TABLE_NAME") {
		t.Fatalf("setup error = %v, want ErrMissingVar naming TABLE_NAME", err)
	}
	want := []map[string]any{{"level": "ERROR", "message": "function cannot start", "service": "catalog", "functionName": "catalog-get-product"}}
	if diff := cmp.Diff(want, logLines(t, &logs, fields...)); diff != "" {
		t.Errorf("log mismatch (-want +got):\n%s", diff)
	}
}

func TestBuildReadsTheEnvironment(t *testing.T) {
	var logs bytes.Buffer
	var table, region, endpoint string
	_, _, err := setup("catalog", func(env *Env) (http.Handler, error) {
		var err error
		if table, err = env.Var("TABLE_NAME"); err != nil {
			return nil, err
		}
		cfg, err := env.AWS()
		if err != nil {
			return nil, err
		}
		region = cfg.Region
		if e := env.Endpoint("DYNAMODB"); e != nil {
			endpoint = *e
		}
		return http.NotFoundHandler(), nil
	}, env(map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "TABLE_NAME": "products",
		"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:4566",
	}), &logs)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := []string{table, region, endpoint}, []string{"products", "eu-west-1", "http://127.0.0.1:4566"}; !cmp.Equal(got, want) {
		t.Errorf("build read %q, want %q", got, want)
	}
}

// An HTTP function: the first invocation is the cold start, every line names the request and
// its correlation id, and the response echoes the id.
func TestHTTP(t *testing.T) {
	var logs bytes.Buffer
	builds := 0
	f, h, err := setup("catalog", func(env *Env) (http.Handler, error) {
		builds++
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			slog.InfoContext(r.Context(), "serving") // the default logger is the function's
			w.WriteHeader(http.StatusNoContent)
		}), nil
	}, lambdaEnv, &logs)
	if err != nil {
		t.Fatal(err)
	}
	serve := f.http(h)
	for i, tt := range []struct{ requestID, header string }{
		{requestID: "lambda-1", header: "checkout-1"},
		{requestID: "lambda-2"},
	} {
		ev := events.APIGatewayV2HTTPRequest{
			RawPath: "/products", Headers: map[string]string{},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RequestID: "apigw-" + tt.requestID, HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet},
			},
		}
		if tt.header != "" {
			ev.Headers["x-correlation-id"] = tt.header
		}
		resp, err := serve(invocation(tt.requestID), ev)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusNoContent || resp.Headers[correlation.Header] == "" {
			t.Errorf("invocation %d: status %d, %s %q", i, resp.StatusCode, correlation.Header, resp.Headers[correlation.Header])
		}
	}
	want := []map[string]any{
		{"level": "INFO", "message": "serving", "service": "catalog", "functionName": "catalog-get-product", "requestId": "lambda-1", "coldStart": true, "correlationId": "checkout-1"},
		{"level": "INFO", "message": "serving", "service": "catalog", "functionName": "catalog-get-product", "requestId": "lambda-2", "coldStart": false, "correlationId": "apigw-lambda-2"},
	}
	if diff := cmp.Diff(want, logLines(t, &logs, fields...)); diff != "" {
		t.Errorf("log mismatch (-want +got):\n%s", diff)
	}
	if builds != 1 {
		t.Errorf("build ran %d times, want once", builds)
	}
}

// An SQS consumer: events reach the handler with their correlation id, and a failure is
// reported for its message with a line that carries the invocation's fields.
func TestSQS(t *testing.T) {
	var logs bytes.Buffer
	f, h, err := setup("inventory", func(env *Env) (consume.Handler, error) {
		return func(ctx context.Context, ev consume.Event) error {
			slog.InfoContext(ctx, "reserving stock")
			if ev.Type == "Fails" {
				return errors.New("no stock table")
			}
			return nil
		}, nil
	}, lambdaEnv, &logs)
	if err != nil {
		t.Fatal(err)
	}
	body := func(id, typ string) string {
		return `{"version":"0","id":"eb-1","detail-type":"` + typ + `","source":"microshop.orders","detail":` +
			`{"id":"` + id + `","type":"` + typ + `","version":1,"source":"microshop.orders","time":"2026-12-04T10:00:00Z","correlationId":"corr-` + id + `","data":{}}}`
	}
	resp, err := f.sqs(h)(invocation("lambda-1"), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m-1", Body: body("e-1", "OrderPlaced")},
		{MessageId: "m-2", Body: body("e-2", "Fails")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]events.SQSBatchItemFailure{{ItemIdentifier: "m-2"}}, resp.BatchItemFailures); diff != "" {
		t.Errorf("failures mismatch (-want +got):\n%s", diff)
	}
	want := []map[string]any{
		{"level": "INFO", "message": "reserving stock", "service": "inventory", "functionName": "catalog-get-product", "requestId": "lambda-1", "coldStart": true, "correlationId": "corr-e-1"},
		{"level": "INFO", "message": "reserving stock", "service": "inventory", "functionName": "catalog-get-product", "requestId": "lambda-1", "coldStart": true, "correlationId": "corr-e-2"},
		{"level": "ERROR", "message": "event failed", "service": "inventory", "functionName": "catalog-get-product", "requestId": "lambda-1", "coldStart": true, "correlationId": "corr-e-2"},
	}
	if diff := cmp.Diff(want, logLines(t, &logs, fields...)); diff != "" {
		t.Errorf("log mismatch (-want +got):\n%s", diff)
	}
	// The failed message is one retry, counted with the event's correlation id.
	wantEMF := []map[string]any{{"ConsumerRetries": 1.0, "Service": "inventory", "Stage": "dev", "correlationId": "corr-e-2", "requestId": "lambda-1"}}
	if diff := cmp.Diff(wantEMF, emfLines(t, &logs, "ConsumerRetries", "Service", "Stage", "correlationId", "requestId")); diff != "" {
		t.Errorf("EMF mismatch (-want +got):\n%s", diff)
	}
}

// Lambda's trace header reaches the lines of an HTTP invocation; an SQS message's
// AWSTraceHeader replaces it for the work of that message; metrics are EMF lines of the stage
// named by STAGE, on the same output as the log.
func TestTraceAndMetrics(t *testing.T) {
	const (
		lambdaTrace  = "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1"
		messageTrace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=1234567890abcdef;Sampled=1"
	)
	vars := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "orders-place-order", "STAGE": "prod"}
	invoke := func(requestID string) context.Context {
		//lint:ignore SA1029 the key is aws-lambda-go's own
		return context.WithValue(invocation(requestID), "x-amzn-trace-id", lambdaTrace)
	}

	var logs bytes.Buffer
	f, h, err := setup("orders", func(env *Env) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			slog.InfoContext(r.Context(), "placing")
			metrics.Count(r.Context(), metrics.OrdersFailed, 1, metrics.Reason("out_of_stock"))
			w.WriteHeader(http.StatusCreated)
		}), nil
	}, env(vars), &logs)
	if err != nil {
		t.Fatal(err)
	}
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/orders", Headers: map[string]string{"x-correlation-id": "c-1"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodPost}}}
	if _, err := f.http(h)(invoke("lambda-1"), ev); err != nil {
		t.Fatal(err)
	}
	wantLog := []map[string]any{{"message": "placing", "correlationId": "c-1", "traceId": "1-67891233-abcdef012345678912345678"}}
	if diff := cmp.Diff(wantLog, logLines(t, &logs, "message", "correlationId", "traceId")); diff != "" {
		t.Errorf("log mismatch (-want +got):\n%s", diff)
	}
	var emf []emfLine
	for _, m := range emfLines(t, &logs, "_aws", "Stage", "Service", "Reason", "OrdersFailed", "functionName", "requestId", "correlationId", "traceId") {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var one emfLine
		if err := json.Unmarshal(b, &one); err != nil {
			t.Fatal(err)
		}
		emf = append(emf, one)
	}
	if len(emf) != 1 {
		t.Fatalf("got %d EMF lines, want 1:\n%s", len(emf), logs.String())
	}
	got := emf[0]
	if got.AWS.Timestamp <= 0 {
		t.Errorf("_aws.Timestamp = %d, want epoch milliseconds", got.AWS.Timestamp)
	}
	got.AWS.Timestamp = 0
	var want emfLine
	want.AWS.CloudWatchMetrics = []emfDirective{{
		Namespace:  "Microshop",
		Dimensions: [][]string{{"Stage", "Service"}, {"Stage", "Service", "Reason"}},
		Metrics:    []emfMetric{{Name: "OrdersFailed", Unit: "Count"}},
	}}
	want.Stage, want.Service, want.Reason, want.OrdersFailed = "prod", "orders", "out_of_stock", 1
	want.FunctionName, want.RequestID, want.CorrelationID, want.TraceID = "orders-place-order", "lambda-1", "c-1", "1-67891233-abcdef012345678912345678"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("EMF line mismatch (-want +got):\n%s", diff)
	}

	logs.Reset()
	fs, hs, err := setup("inventory", func(env *Env) (consume.Handler, error) {
		return func(ctx context.Context, ev consume.Event) error {
			slog.InfoContext(ctx, "reserving")
			return nil
		}, nil
	}, env(vars), &logs)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"version":"0","id":"eb-1","detail-type":"OrderPlaced","source":"microshop.orders","detail":` +
		`{"id":"e-1","type":"OrderPlaced","version":1,"source":"microshop.orders","time":"2026-12-04T10:00:00Z","correlationId":"c-1","data":{}}}`
	if _, err := fs.sqs(hs)(invoke("lambda-2"), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m-1", Body: body, Attributes: map[string]string{"AWSTraceHeader": messageTrace}},
		{MessageId: "m-2", Body: body},
	}}); err != nil {
		t.Fatal(err)
	}
	wantLog = []map[string]any{
		{"message": "reserving", "correlationId": "c-1", "traceId": "1-5759e988-bd862e3fe1be46a994272793"},
		{"message": "reserving", "correlationId": "c-1", "traceId": "1-67891233-abcdef012345678912345678"},
	}
	if diff := cmp.Diff(wantLog, logLines(t, &logs, "message", "correlationId", "traceId")); diff != "" {
		t.Errorf("consumer log mismatch (-want +got):\n%s", diff)
	}
}

// emfLine is an EMF line with OrdersFailed, decoded by the EMF specification's names.
type emfLine struct {
	AWS struct {
		Timestamp         int64
		CloudWatchMetrics []emfDirective
	} `json:"_aws"`
	Stage, Service, Reason string
	FunctionName           string `json:"functionName"`
	RequestID              string `json:"requestId"`
	CorrelationID          string `json:"correlationId"`
	TraceID                string `json:"traceId"`
	OrdersFailed           float64
}

type emfDirective struct {
	Namespace  string
	Dimensions [][]string
	Metrics    []emfMetric
}

type emfMetric struct{ Name, Unit string }

func TestEventBridgeTarget(t *testing.T) {
	var logs bytes.Buffer
	var got []string
	f, h, err := setup("shipping", func(env *Env) (consume.Handler, error) {
		return func(ctx context.Context, ev consume.Event) error {
			got = append(got, ev.ID+" "+correlation.ID(ctx))
			return nil
		}, nil
	}, lambdaEnv, &logs)
	if err != nil {
		t.Fatal(err)
	}
	target := f.target(h)
	ev := events.EventBridgeEvent{ID: "eb-1", DetailType: "PaymentSucceeded", Detail: []byte(`{"id":"e-1","type":"PaymentSucceeded","correlationId":"c-1","data":{}}`)}
	if err := target(invocation("lambda-1"), ev); err != nil {
		t.Fatal(err)
	}
	if err := target(invocation("lambda-2"), events.EventBridgeEvent{ID: "eb-2", Detail: []byte(`{}`)}); !errors.Is(err, consume.ErrUndecodable) {
		t.Errorf("undecodable event: error = %v, want ErrUndecodable", err)
	}
	if diff := cmp.Diff([]string{"e-1 c-1"}, got); diff != "" {
		t.Errorf("handled mismatch (-want +got):\n%s", diff)
	}
	want := []map[string]any{{"level": "ERROR", "message": "undecodable event", "service": "shipping", "functionName": "catalog-get-product", "requestId": "lambda-2", "coldStart": false}}
	if diff := cmp.Diff(want, logLines(t, &logs, fields...)); diff != "" {
		t.Errorf("log mismatch (-want +got):\n%s", diff)
	}
}

func TestDynamoDBStream(t *testing.T) {
	var logs bytes.Buffer
	f, h, err := setup("catalog", func(env *Env) (StreamHandler, error) {
		return func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			slog.InfoContext(ctx, "publishing", slog.Int("records", len(ev.Records)))
			return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{{ItemIdentifier: ev.Records[0].EventID}}}, nil
		}, nil
	}, lambdaEnv, &logs)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.stream(h)(invocation("lambda-1"), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{EventID: "r-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]events.DynamoDBBatchItemFailure{{ItemIdentifier: "r-1"}}, resp.BatchItemFailures); diff != "" {
		t.Errorf("the handler's response did not pass through (-want +got):\n%s", diff)
	}
	want := []map[string]any{{"level": "INFO", "message": "publishing", "service": "catalog", "functionName": "catalog-get-product", "requestId": "lambda-1", "coldStart": true}}
	if diff := cmp.Diff(want, logLines(t, &logs, fields...)); diff != "" {
		t.Errorf("log mismatch (-want +got):\n%s", diff)
	}
}
