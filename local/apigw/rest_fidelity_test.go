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

// TestRestAuthorizerEventFidelity replays aws-lambda-go's captured Lambda authorizer inputs
// (apigw-custom-auth-request.json for TOKEN, apigw-custom-auth-request-type-request.json for
// REQUEST) and checks that the authorizer function gets the same event, apart from the
// request id, the identity (the fixture's is masked) and header name case. The TOKEN
// fixture comes from the console's test invocation, whose methodArn has "*" for the stage.
func TestRestAuthorizerEventFidelity(t *testing.T) {
	dir := filepath.Join(moduleDir(t, "github.com/aws/aws-lambda-go"), "events", "testdata")
	authorize := func(t *testing.T, api *template.RestAPI, region, account string, r *http.Request) []byte {
		t.Helper()
		api.Methods[0].AuthorizationType, api.Methods[0].AuthorizerID = "CUSTOM", "Auth"
		auth := &authFn{}
		srv := apigw.NewRest(api, map[string]string{"Fn": "fn", "AuthFn": "authorizer"}, &fakeInvoker{reply: auth.reply},
			apigw.RestOptions{Region: region, AccountID: account})
		if err := srv.Err(); err != nil {
			t.Fatal(err)
		}
		if resp := do(t, srv, r); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, readAll(t, resp.Body))
		}
		if auth.count() != 1 {
			t.Fatalf("authorizer called %d times", auth.count())
		}
		return auth.calls[0]
	}

	t.Run("TOKEN", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(dir, "apigw-custom-auth-request.json"))
		if err != nil {
			t.Fatal(err)
		}
		var want events.APIGatewayCustomAuthorizerRequest
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		api := &template.RestAPI{LogicalID: "Api", ID: "ymy8tbxw7b", Stages: []*template.RestStage{{Name: "prod"}},
			Methods:     []*template.RestMethod{{LogicalID: "M", HTTPMethod: "GET", Path: "/", IntegrationType: "AWS_PROXY", Function: "Fn"}},
			Authorizers: []*template.RestAuthorizer{{LogicalID: "Auth", Type: "TOKEN", Function: "AuthFn", IdentitySource: "method.request.header.Authorization"}}}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", want.AuthorizationToken)
		var got events.APIGatewayCustomAuthorizerRequest
		if err := json.Unmarshal(authorize(t, api, "us-west-2", "123456789012", r), &got); err != nil {
			t.Fatal(err)
		}
		got.MethodArn = strings.Replace(got.MethodArn, "/prod/", "/*/", 1)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("TOKEN authorizer event (-fixture +ours):\n%s", diff)
		}
	})

	t.Run("REQUEST", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(dir, "apigw-custom-auth-request-type-request.json"))
		if err != nil {
			t.Fatal(err)
		}
		var want events.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		rc := want.RequestContext
		api := &template.RestAPI{LogicalID: "Api", ID: rc.APIID, Stages: []*template.RestStage{{Name: rc.Stage, Variables: want.StageVariables}},
			Methods:     []*template.RestMethod{{LogicalID: "M", HTTPMethod: want.HTTPMethod, Path: want.Resource, ResourceID: rc.ResourceID, IntegrationType: "AWS_PROXY", Function: "Fn"}},
			Authorizers: []*template.RestAuthorizer{{LogicalID: "Auth", Type: "REQUEST", Function: "AuthFn", IdentitySource: "method.request.header.HeaderAuth1"}}}
		q := url.Values{}
		for k, vs := range want.MultiValueQueryStringParameters {
			q[k] = vs
		}
		r := httptest.NewRequest(want.HTTPMethod, "https://"+want.Headers["Host"]+want.Path+"?"+q.Encode(), nil)
		for k, vs := range want.MultiValueHeaders {
			switch strings.ToLower(k) {
			case "host", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto":
				continue
			}
			r.Header[http.CanonicalHeaderKey(k)] = vs
		}
		var got events.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(authorize(t, api, "us-east-1", rc.AccountID, r), &got); err != nil {
			t.Fatal(err)
		}
		normalize := func(e *events.APIGatewayCustomAuthorizerRequestTypeRequest) {
			h, mv := map[string]string{}, map[string][]string{}
			for k, v := range e.Headers {
				h[strings.ToLower(k)] = v
			}
			for k, v := range e.MultiValueHeaders {
				mv[strings.ToLower(k)] = v
			}
			// The fixture masks these ("..."); ours are the local address and a new id.
			for _, k := range []string{"x-forwarded-for"} {
				delete(h, k)
				delete(mv, k)
			}
			e.Headers, e.MultiValueHeaders = h, mv
			e.RequestContext.RequestID = ""
			e.RequestContext.Identity = events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{}
		}
		normalize(&want)
		normalize(&got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("REQUEST authorizer event (-fixture +ours):\n%s", diff)
		}
	})
}
