package edge_test

import (
	"context"
	"encoding/json"
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

// ddbEdge serves a real engine behind an edge, as devcloud does, and returns its URL.
func ddbEdge(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(ddbtest.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	e := edge.New()
	e.Handle(edge.DynamoDB, edge.Proxy(u))
	e.Handle(edge.DynamoDBStreams, edge.Proxy(u))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

// answer is the part of a response the checks decide.
type answer struct {
	Status  int
	Type    string
	Message string
}

func send(t *testing.T, method, u string, header map[string]string, body io.Reader) (answer, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode}
	var m map[string]string
	if json.Unmarshal(b, &m) == nil {
		a.Type, a.Message = m["__type"], m["message"]
	} else {
		a.Message = string(b)
	}
	return a, resp.Header
}

// TestDynamoDBSignatureChecks: DynamoDB refuses a request without a SigV4 signature, or with
// one missing a part, with its own exceptions and texts (recorded from DynamoDB by dynalite),
// before the operation runs; a well-formed signature reaches the engine.
func TestDynamoDBSignatureChecks(t *testing.T) {
	base := ddbEdge(t)
	const good = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
	const coral = "com.amazon.coral.service#"
	tests := []struct {
		name   string
		query  string
		header map[string]string
		want   answer
	}{
		{"signed", "", map[string]string{"Authorization": good, "X-Amz-Date": "20260101T000000Z"}, answer{200, "", ""}},
		{"no signature", "", nil, answer{400, coral + "MissingAuthenticationTokenException", "Request is missing Authentication Token"}},
		{"not SigV4", "", map[string]string{"Authorization": "Bearer x"}, answer{400, coral + "MissingAuthenticationTokenException", "Request is missing Authentication Token"}},
		{"header and query", "?X-Amz-Algorithm=AWS4-HMAC-SHA256", map[string]string{"Authorization": good, "X-Amz-Date": "20260101T000000Z"},
			answer{400, coral + "InvalidSignatureException", "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."}},
		{"header missing parts", "", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request"},
			answer{400, coral + "IncompleteSignatureException", "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request"}},
		{"unsupported algorithm", "", map[string]string{"Authorization": strings.Replace(good, "SHA256", "SHA1", 1), "X-Amz-Date": "20260101T000000Z"},
			answer{400, coral + "IncompleteSignatureException", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now). "}},
		{"short credential", "", map[string]string{"Authorization": strings.Replace(good, "us-east-1/", "", 1), "X-Amz-Date": "20260101T000000Z"},
			answer{400, coral + "IncompleteSignatureException", "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20260101/dynamodb/aws4_request'"}},
		{"query missing parts", "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z", nil,
			answer{400, coral + "IncompleteSignatureException", "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
				"AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."}},
		{"query signed", "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fdynamodb%2Faws4_request&X-Amz-Signature=abc&X-Amz-SignedHeaders=host&X-Amz-Date=20260101T000000Z", nil,
			answer{200, "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"}
			for k, v := range tt.header {
				h[k] = v
			}
			got, _ := send(t, http.MethodPost, base+"/"+tt.query, h, strings.NewReader("{}"))
			if got.Status == 200 {
				got.Message = "" // the engine's ListTables answer
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// The SDK signs, and so passes.
	if _, err := sdk.DynamoDB(base).ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
		t.Errorf("ListTables through the SDK: %v", err)
	}
}

// TestUnsignedCognitoStillServed: Cognito's public operations are unsigned on AWS too, so the
// signature checks leave them alone, while an unsigned DynamoDB call is refused.
func TestUnsignedCognitoStillServed(t *testing.T) {
	calls := 0
	e := edge.New()
	e.Handle(edge.CognitoIdentityProvider, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	e.Handle(edge.DynamoDB, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls += 100 }))
	for _, target := range []string{"AWSCognitoIdentityProviderService.SignUp", "DynamoDB_20120810.ListTables"} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		r.Header.Set("X-Amz-Target", target)
		e.ServeHTTP(httptest.NewRecorder(), r)
	}
	if calls != 1 {
		t.Errorf("handlers reached: %d, want Cognito's alone (1)", calls)
	}
}

// TestDynamoDBFrontEndAnswers: sizes, methods and browser origins are answered as DynamoDB's
// endpoint answers them.
func TestDynamoDBFrontEndAnswers(t *testing.T) {
	base := ddbEdge(t)
	signed := map[string]string{
		"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0",
		"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc",
		"X-Amz-Date":    "20260101T000000Z",
	}

	t.Run("oversized by Content-Length", func(t *testing.T) {
		e := edge.New()
		e.Handle(edge.DynamoDB, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("an oversized request reached the engine") }))
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		for k, v := range signed {
			r.Header.Set(k, v)
		}
		r.ContentLength = 16<<20 + 1
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d, want 413", w.Code)
		}
	})
	t.Run("oversized streamed body", func(t *testing.T) {
		body := io.MultiReader(strings.NewReader(`{"TableName":"`), strings.NewReader(strings.Repeat("a", 16<<20)), strings.NewReader(`"}`))
		got, _ := send(t, http.MethodPost, base+"/", signed, body) // no Content-Length: chunked
		if got.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("status = %d, want 413", got.Status)
		}
	})
	t.Run("methods", func(t *testing.T) {
		tests := []struct {
			method string
			header map[string]string
			want   answer
		}{
			{http.MethodPut, signed, answer{404, "", "<UnknownOperationException/>\n"}},
			{http.MethodDelete, nil, answer{404, "", "<UnknownOperationException/>\n"}},
			{http.MethodGet, signed, answer{200, "", "healthy: dynamodb.us-east-1.amazonaws.com "}},
		}
		for _, tt := range tests {
			got, _ := send(t, tt.method, base+"/", tt.header, nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.method, diff)
			}
		}
	})
	t.Run("CORS", func(t *testing.T) {
		pre := map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "authorization,content-type,x-amz-date,x-amz-target"}
		got, h := send(t, http.MethodOptions, base+"/", pre, nil)
		gotHeaders := map[string]string{}
		for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
			gotHeaders[k] = h.Get(k)
		}
		want := map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST",
			"Access-Control-Allow-Headers": "authorization,content-type,x-amz-date,x-amz-target", "Access-Control-Max-Age": "172800"}
		if diff := cmp.Diff(want, gotHeaders); diff != "" || got.Status != 200 {
			t.Errorf("preflight status %d, headers (-want +got):\n%s", got.Status, diff)
		}
		withOrigin := map[string]string{"Origin": "http://localhost:3000"}
		for k, v := range signed {
			withOrigin[k] = v
		}
		got, h = send(t, http.MethodPost, base+"/", withOrigin, strings.NewReader("{}"))
		if got.Status != 200 || h.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("signed call from a page: %d, Access-Control-Allow-Origin %q", got.Status, h.Get("Access-Control-Allow-Origin"))
		}
		delete(withOrigin, "Authorization")
		got, h = send(t, http.MethodPost, base+"/", withOrigin, strings.NewReader("{}"))
		if got.Status != 400 || h.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("unsigned call from a page: %d, Access-Control-Allow-Origin %q; want a readable 400", got.Status, h.Get("Access-Control-Allow-Origin"))
		}
	})
}
