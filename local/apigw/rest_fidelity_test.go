package apigw_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/template"
)

// TestRestEventFidelity replays aws-lambda-go's captured REST API (payload 1.0) events
// (events/testdata/apigw-request.json and apigw-restapi-openapi-request.json) as HTTP
// requests to a REST API configured like the fixture's, and checks that the function gets
// the same event field by field, apart from the ids the server makes (requestId,
// extendedRequestId), the identity fields only IAM authorization fills, the authorizer
// (tested in rest_auth_test.go), and header names, which Go's HTTP server canonicalizes.
func TestRestEventFidelity(t *testing.T) {
	dir := filepath.Join(moduleDir(t, "github.com/aws/aws-lambda-go"), "events", "testdata")
	for _, name := range []string{"apigw-request.json", "apigw-restapi-openapi-request.json"} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			var want events.APIGatewayProxyRequest
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			rc := want.RequestContext
			api := &template.RestAPI{
				LogicalID: "Api", ID: rc.APIID,
				Stages: []*template.RestStage{{Name: rc.Stage, Variables: want.StageVariables}},
				Methods: []*template.RestMethod{{
					LogicalID: "Method", HTTPMethod: want.HTTPMethod, Path: want.Resource, ResourceID: rc.ResourceID,
					IntegrationType: "AWS_PROXY", Function: "Fn", AuthorizationType: "NONE", OperationName: rc.OperationName,
				}},
			}
			inv := &fakeInvoker{}
			srv := apigw.NewRest(api, map[string]string{"Fn": "fn"}, inv, apigw.RestOptions{
				AccountID: rc.AccountID,
				Now:       func() time.Time { return time.UnixMilli(rc.RequestTimeEpoch) },
			})
			if err := srv.Err(); err != nil {
				t.Fatal(err)
			}
			q := url.Values{}
			for k, vs := range want.MultiValueQueryStringParameters {
				q[k] = vs
			}
			r := httptest.NewRequest(want.HTTPMethod, "https://"+want.Headers["Host"]+want.Path+"?"+q.Encode(), strings.NewReader(want.Body))
			r.RemoteAddr = rc.Identity.SourceIP + ":49152"
			for k, vs := range want.MultiValueHeaders {
				switch strings.ToLower(k) {
				case "host", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto":
					continue // API Gateway's own
				}
				r.Header[http.CanonicalHeaderKey(k)] = vs
			}
			resp := do(t, srv, r)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, readAll(t, resp.Body))
			}
			var got events.APIGatewayProxyRequest
			if err := json.Unmarshal(inv.last(t).payload, &got); err != nil {
				t.Fatal(err)
			}

			// What the server adds itself: its own address in X-Forwarded-For, a trace id.
			if xff := got.Headers["X-Forwarded-For"]; xff != rc.Identity.SourceIP {
				t.Errorf("X-Forwarded-For = %q, want the client address %q", xff, rc.Identity.SourceIP)
			}
			if !strings.HasPrefix(got.Headers["X-Amzn-Trace-Id"], "Root=1-") {
				t.Errorf("X-Amzn-Trace-Id = %q, want an X-Ray trace header", got.Headers["X-Amzn-Trace-Id"])
			}
			if got.RequestContext.RequestID == "" || got.RequestContext.ExtendedRequestID == "" {
				t.Errorf("requestId %q, extendedRequestId %q: want both set", got.RequestContext.RequestID, got.RequestContext.ExtendedRequestID)
			}
			normalize := func(e *events.APIGatewayProxyRequest) {
				h, mv := map[string]string{}, map[string][]string{}
				for k, v := range e.Headers {
					h[strings.ToLower(k)] = v
				}
				for k, v := range e.MultiValueHeaders {
					mv[strings.ToLower(k)] = v
				}
				for _, k := range []string{"x-forwarded-for", "x-amzn-trace-id"} {
					delete(h, k)
					delete(mv, k)
				}
				e.Headers, e.MultiValueHeaders = h, mv
				c := &e.RequestContext
				c.RequestID, c.ExtendedRequestID = "", ""
				c.Identity = events.APIGatewayRequestIdentity{SourceIP: c.Identity.SourceIP, UserAgent: c.Identity.UserAgent}
				c.Authorizer = nil
				// The fixture's domainName names another region than its Host header and its
				// domainPrefix another API: hand-edited, so the Host decides.
				c.DomainName, c.DomainPrefix = e.Headers["host"], strings.Split(e.Headers["host"], ".")[0]
			}
			normalize(&want)
			normalize(&got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("event (-fixture +ours):\n%s", diff)
			}
		})
	}
}
