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
