package edge_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/sdk"
)

func TestServiceOf(t *testing.T) {
	tests := []struct {
		name   string
		target string
		path   string
		auth   string
		want   string
	}{
		{"dynamodb target", "DynamoDB_20120810.GetItem", "/", "", edge.DynamoDB},
		{"streams target", "DynamoDBStreams_20120810.GetRecords", "/", "", edge.DynamoDBStreams},
		{"eventbridge target", "AWSEvents.PutEvents", "/", "", edge.EventBridge},
		{"sqs json target", "AmazonSQS.SendMessage", "/", "", edge.SQS},
		{"cognito target (unsigned SignUp)", "AWSCognitoIdentityProviderService.SignUp", "/", "", edge.CognitoIdentityProvider},
		{"cognito sigv4 scope", "", "/", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host", edge.CognitoIdentityProvider},
		{"unknown target", "Kinesis_20131202.PutRecord", "/", "", ""},
		{"lambda invoke path", "", "/2015-03-31/functions/fn/invocations", "", edge.Lambda},
		{"sigv4 scope", "", "/", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=abc", edge.SQS},
		{"sigv4 streams scope", "", "/", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/streams.dynamodb/aws4_request, SignedHeaders=host", edge.DynamoDBStreams},
		{"sts sigv4 scope", "", "/", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host", edge.STS},
		{"malformed scope", "", "/", "AWS4-HMAC-SHA256 Credential=AKID/us-east-1", ""},
		{"nothing", "", "/", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tt.path, nil)
			if tt.target != "" {
				r.Header.Set("X-Amz-Target", tt.target)
			}
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			if got := edge.ServiceOf(r); got != tt.want {
				t.Errorf("ServiceOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnknownServiceIsAJSONClientError(t *testing.T) {
	e := edge.New()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	r.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", w.Code)
	}
	body, _ := io.ReadAll(w.Body)
	if !strings.Contains(string(body), "UnknownOperationException") || !strings.Contains(string(body), "events") {
		t.Errorf("body = %s, want an UnknownOperationException naming the service", body)
	}
}

// The SDK reaches a real engine through the edge exactly as it would reach DynamoDB.
func TestSDKReachesDynamoDBThroughTheEdge(t *testing.T) {
	u, err := url.Parse(ddbtest.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	e := edge.New()
	e.Handle(edge.DynamoDB, edge.Proxy(u))
	srv := httptest.NewServer(e)
	defer srv.Close()

	_, err = sdk.DynamoDB(srv.URL).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables through the edge: %v", err)
	}
	resp, err := http.Get(srv.URL + "/_local/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"dynamodb"`) {
		t.Errorf("health = %d %s", resp.StatusCode, body)
	}
}

// A web page calls Cognito's API with fetch: the edge answers the browser's preflight
// itself (the service behind it is never asked) and lets the page read every response,
// while requests without an Origin (SDKs, the CLI) get no CORS headers.
func TestBrowserCORS(t *testing.T) {
	calls := 0
	e := edge.New()
	e.Handle(edge.CognitoIdentityProvider, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("x-amzn-RequestId", "req-1")
		w.WriteHeader(http.StatusOK)
	}))
	const origin = "http://127.0.0.1:8080"

	pre := httptest.NewRequest(http.MethodOptions, "/", nil)
	pre.Header.Set("Origin", origin)
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "content-type,x-amz-target,x-amz-user-agent")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, pre)
	got := map[string]string{"status": http.StatusText(w.Code)}
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods"} {
		got[k] = w.Header().Get(k)
	}
	want := map[string]string{
		"status":                       "OK",
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Headers": "content-type,x-amz-target,x-amz-user-agent",
		"Access-Control-Allow-Methods": "GET,HEAD,POST,PUT,PATCH,DELETE",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("preflight (-want +got):\n%s", diff)
	}
	if calls != 0 {
		t.Errorf("the preflight reached the service %d times", calls)
	}

	for _, tt := range []struct {
		origin, wantAllow string
	}{{origin, "*"}, {"", ""}} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
		if tt.origin != "" {
			r.Header.Set("Origin", tt.origin)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if got := w.Header().Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
			t.Errorf("origin %q: Access-Control-Allow-Origin = %q, want %q", tt.origin, got, tt.wantAllow)
		}
		if tt.origin != "" && !strings.Contains(w.Header().Get("Access-Control-Expose-Headers"), "x-amzn-RequestId") {
			t.Errorf("x-amzn-RequestId not exposed: %q", w.Header().Get("Access-Control-Expose-Headers"))
		}
	}
	if calls != 2 {
		t.Errorf("the service got %d requests, want 2", calls)
	}
}

func TestRegionOf(t *testing.T) {
	tests := []struct {
		name, auth, query, want string
	}{
		{"authorization header", "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=abc", "", "eu-west-1"},
		{"presigned url", "", "X-Amz-Credential=AKID%2F20240101%2Fap-south-1%2Fdynamodb%2Faws4_request", "ap-south-1"},
		{"unsigned", "", "", ""},
		{"malformed scope", "AWS4-HMAC-SHA256 Credential=AKID/eu-west-1", "", ""},
		{"not a region", "AWS4-HMAC-SHA256 Credential=AKID/20240101/EU WEST/sqs/aws4_request", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/?"+tt.query, nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			if got := edge.RegionOf(r); got != tt.want {
				t.Errorf("RegionOf = %q, want %q", got, tt.want)
			}
		})
	}
}

// A request signed for another region reaches that region's own handler, made once; the home
// region, unsigned requests and services the set leaves out keep the shared handlers.
func TestHandleRegions(t *testing.T) {
	e := edge.New()
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, name) })
	}
	e.Handle(edge.SQS, named("home sqs"))
	e.Handle(edge.Lambda, named("lambda"))
	made := map[string]int{}
	e.HandleRegions("eu-west-1", func(region string) (map[string]http.Handler, error) {
		made[region]++
		return map[string]http.Handler{edge.SQS: named(region + " sqs")}, nil
	})
	sqsIn := func(region string) string {
		return "AWS4-HMAC-SHA256 Credential=AKID/20240101/" + region + "/sqs/aws4_request, SignedHeaders=host, Signature=abc"
	}
	tests := []struct {
		name, path, target, auth, want string
	}{
		{"home region", "/", "AmazonSQS.SendMessage", sqsIn("eu-west-1"), "home sqs"},
		{"unsigned", "/", "AmazonSQS.SendMessage", "", "home sqs"},
		{"other region", "/", "AmazonSQS.SendMessage", sqsIn("us-west-2"), "us-west-2 sqs"},
		{"other region again", "/", "AmazonSQS.SendMessage", sqsIn("us-west-2"), "us-west-2 sqs"},
		{"third region", "/", "AmazonSQS.SendMessage", sqsIn("ap-south-1"), "ap-south-1 sqs"},
		{"a service every region shares", "/2015-03-31/functions/f/invocations", "", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-west-2/lambda/aws4_request, SignedHeaders=host", "lambda"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader("{}"))
		if tt.target != "" {
			r.Header.Set("X-Amz-Target", tt.target)
		}
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if got := w.Body.String(); got != tt.want {
			t.Errorf("%s: served by %q, want %q", tt.name, got, tt.want)
		}
	}
	if diff := cmp.Diff(map[string]int{"us-west-2": 1, "ap-south-1": 1}, made); diff != "" {
		t.Errorf("service sets made (-want +got):\n%s", diff)
	}
}

func TestLongestPrefixWins(t *testing.T) {
	e := edge.New()
	answer := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, name) })
	}
	// The shorter prefix first: registration order must not decide.
	e.HandlePrefix("/_console/", answer("console"))
	e.HandlePrefix("/_console/api/mail", answer("mail"))
	e.HandlePrefix("/_console/api/schedules/", answer("schedules"))
	for path, want := range map[string]string{
		"/_console/":                   "console",
		"/_console/api/functions":      "console",
		"/_console/api/mail?to=a@b.c":  "mail",
		"/_console/api/schedules/x/fi": "schedules",
	} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if got := rec.Body.String(); got != want {
			t.Errorf("GET %s served by %q, want %q", path, got, want)
		}
	}
}
