package apigw_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/template"
)

// denyAll is an authorizer that refuses every request and counts the calls.
type denyAll struct{ calls int }

func (d *denyAll) Authorize(context.Context, *template.Route, *http.Request) (*events.APIGatewayV2HTTPRequestContextAuthorizerDescription, error) {
	d.calls++
	return nil, apigw.ErrUnauthorized
}

const site = "https://d111111abcdef8.cloudfront.net"

// corsAPI is an API whose one route is protected, with a CORS configuration.
func corsAPI(c *template.CORS) (*template.HTTPAPI, map[string]string) {
	api, fns := testAPI("ANY /{proxy+}")
	api.Routes[0].AuthorizationType = "JWT"
	api.CORS = c
	return api, fns
}

var shopCORS = &template.CORS{
	AllowOrigins:  []string{site},
	AllowMethods:  []string{"GET", "POST", "DELETE"},
	AllowHeaders:  []string{"authorization", "content-type"},
	ExposeHeaders: []string{"x-request-id"},
	MaxAge:        600,
}

// corsHeaders are the response's Access-Control-* headers and Vary.
func corsHeaders(resp *http.Response) map[string]string {
	out := map[string]string{}
	for k, v := range resp.Header {
		if len(k) > 15 && k[:15] == "Access-Control-" || k == "Vary" {
			out[k] = v[0]
		}
	}
	return out
}

// API Gateway answers a preflight itself: neither the authorizer nor the function runs, and
// only an allowed origin gets CORS headers.
func TestCORSPreflight(t *testing.T) {
	tests := []struct {
		name    string
		cors    *template.CORS
		headers map[string]string
		want    map[string]string
	}{
		{
			name:    "allowed origin",
			cors:    shopCORS,
			headers: map[string]string{"Origin": site, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"},
			want: map[string]string{
				"Access-Control-Allow-Origin":  site,
				"Access-Control-Allow-Methods": "GET,POST,DELETE",
				"Access-Control-Allow-Headers": "authorization,content-type",
				"Access-Control-Max-Age":       "600",
				"Vary":                         "Origin",
			},
		},
		{
			name:    "other origin gets no CORS headers",
			cors:    shopCORS,
			headers: map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
			want:    map[string]string{},
		},
		{
			name:    "http origin of the same host is another origin",
			cors:    shopCORS,
			headers: map[string]string{"Origin": "http://d111111abcdef8.cloudfront.net", "Access-Control-Request-Method": "GET"},
			want:    map[string]string{},
		},
		{
			name: "wildcards and credentials",
			cors: &template.CORS{AllowOrigins: []string{"https://*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}, MaxAge: -1, AllowCredentials: true},
			headers: map[string]string{"Origin": "https://any.example", "Access-Control-Request-Method": "PATCH",
				"Access-Control-Request-Headers": "x-custom"},
			want: map[string]string{
				"Access-Control-Allow-Origin":      "https://any.example",
				"Access-Control-Allow-Methods":     "PATCH",
				"Access-Control-Allow-Headers":     "x-custom",
				"Access-Control-Allow-Credentials": "true",
				"Vary":                             "Origin",
			},
		},
		{
			name:    "star origin without credentials answers *",
			cors:    &template.CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"GET"}, MaxAge: 0},
			headers: map[string]string{"Origin": "http://127.0.0.1:9", "Access-Control-Request-Method": "GET"},
			want: map[string]string{
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "GET",
				"Access-Control-Max-Age":       "0",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, auth := &fakeInvoker{}, &denyAll{}
			api, fns := corsAPI(tt.cors)
			opts := fixedOptions()
			opts.Authorizer = auth
			s := apigw.New(api, fns, inv, opts)
			r := httptest.NewRequest(http.MethodOptions, "/products", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			resp := do(t, s, r)
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("status = %d, want 204", resp.StatusCode)
			}
			if diff := cmp.Diff(tt.want, corsHeaders(resp)); diff != "" {
				t.Errorf("CORS headers (-want +got):\n%s", diff)
			}
			if inv.count() != 0 || auth.calls != 0 {
				t.Errorf("preflight reached the function %d times and the authorizer %d times, want 0", inv.count(), auth.calls)
			}
		})
	}
}

// An OPTIONS request that is not a preflight is routed like any other request: the same
// API answers it through the authorizer (401 here), which shows the preflight test would
// have seen the authorizer run.
func TestCORSPlainOptionsIsRouted(t *testing.T) {
	inv, auth := &fakeInvoker{}, &denyAll{}
	api, fns := corsAPI(shopCORS)
	opts := fixedOptions()
	opts.Authorizer = auth
	r := httptest.NewRequest(http.MethodOptions, "/products", nil)
	r.Header.Set("Origin", site) // no Access-Control-Request-Method
	resp := do(t, apigw.New(api, fns, inv, opts), r)
	if resp.StatusCode != http.StatusUnauthorized || auth.calls != 1 {
		t.Errorf("status %d, authorizer calls %d; want 401 after 1 call", resp.StatusCode, auth.calls)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != site {
		t.Errorf("the gateway's 401 has Access-Control-Allow-Origin %q, want %q", got, site)
	}
}

// On an actual request API Gateway replaces the integration's CORS headers with the
// configured ones, for allowed origins only; without CORS configured the function's own
// headers pass through.
func TestCORSResponseHeaders(t *testing.T) {
	const reply = `{"statusCode":200,"headers":{"Access-Control-Allow-Origin":"*","Access-Control-Allow-Methods":"PUT","X-Request-Id":"r1"},"body":"ok"}`
	tests := []struct {
		name   string
		cors   *template.CORS
		origin string
		want   map[string]string
	}{
		{"allowed origin", shopCORS, site, map[string]string{
			"Access-Control-Allow-Origin":   site,
			"Access-Control-Expose-Headers": "x-request-id",
			"Vary":                          "Origin",
		}},
		{"other origin", shopCORS, "https://evil.example", map[string]string{}},
		{"no origin", shopCORS, "", map[string]string{}},
		{"no CORS configured", nil, "https://evil.example", map[string]string{
			"Access-Control-Allow-Origin":  "*",
			"Access-Control-Allow-Methods": "PUT",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{reply: replyPayload(reply)}
			api, fns := testAPI("GET /products")
			api.CORS = tt.cors
			r := httptest.NewRequest(http.MethodGet, "/products", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			resp := do(t, apigw.New(api, fns, inv, fixedOptions()), r)
			if resp.StatusCode != http.StatusOK || inv.count() != 1 {
				t.Fatalf("status %d after %d invocations, want 200 after 1", resp.StatusCode, inv.count())
			}
			if diff := cmp.Diff(tt.want, corsHeaders(resp)); diff != "" {
				t.Errorf("CORS headers (-want +got):\n%s", diff)
			}
			if got := resp.Header.Get("X-Request-Id"); got != "r1" {
				t.Errorf("X-Request-Id = %q, want the function's r1", got)
			}
		})
	}
}
