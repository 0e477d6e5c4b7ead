package apigw_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/template"
)

func TestRouteSelection(t *testing.T) {
	api, functions := testAPI(
		"GET /",
		"GET /products",
		"POST /products",
		"GET /products/{id}",
		"PUT /products/{id}",
		"ANY /products/{id}",
		"GET /products/featured",
		"POST /products/new",
		"GET /products/{productId}/reviews/{reviewId}",
		"GET /files/readme",
		"GET /files/{path+}",
		"ANY /files/{proxy+}",
		"GET /static/{file}",
		"GET /static/{proxy+}",
		"ANY /{proxy+}",
		"$default",
	)
	tests := []struct {
		name       string
		method     string
		target     string
		wantKey    string
		wantParams map[string]string
	}{
		{"root", "GET", "/", "GET /", nil},
		{"exact literal", "GET", "/products", "GET /products", nil},
		{"exact literal other method", "POST", "/products", "POST /products", nil},
		{"no method on literal falls to greedy", "DELETE", "/products", "ANY /{proxy+}", map[string]string{"proxy": "products"}},
		{"param", "GET", "/products/abc", "GET /products/{id}", map[string]string{"id": "abc"}},
		{"param exact method", "PUT", "/products/abc", "PUT /products/{id}", map[string]string{"id": "abc"}},
		{"exact method beats ANY, ANY takes the rest", "PATCH", "/products/abc", "ANY /products/{id}", map[string]string{"id": "abc"}},
		{"OPTIONS is an ordinary method", "OPTIONS", "/products/abc", "ANY /products/{id}", map[string]string{"id": "abc"}},
		{"HEAD is not mapped to GET", "HEAD", "/products", "ANY /{proxy+}", map[string]string{"proxy": "products"}},
		{"literal beats param", "GET", "/products/featured", "GET /products/featured", nil},
		{"literal without the method backtracks to param", "PUT", "/products/featured", "PUT /products/{id}", map[string]string{"id": "featured"}},
		{"literal for another method does not hide param", "GET", "/products/new", "GET /products/{id}", map[string]string{"id": "new"}},
		{"literal with its method", "POST", "/products/new", "POST /products/new", nil},
		{"two params", "GET", "/products/p1/reviews/r9", "GET /products/{productId}/reviews/{reviewId}", map[string]string{"productId": "p1", "reviewId": "r9"}},
		{"partial param path falls to greedy", "GET", "/products/p1/reviews", "ANY /{proxy+}", map[string]string{"proxy": "products/p1/reviews"}},
		{"trailing slash on literal", "GET", "/products/", "GET /products", nil},
		{"trailing slash on param", "GET", "/products/abc/", "GET /products/{id}", map[string]string{"id": "abc"}},
		{"encoded segment is decoded", "GET", "/products/a%20b%C3%A9", "GET /products/{id}", map[string]string{"id": "a bé"}},
		{"encoded slash splits segments", "GET", "/products/a%2Fb", "ANY /{proxy+}", map[string]string{"proxy": "products/a/b"}},
		{"literal beats greedy", "GET", "/files/readme", "GET /files/readme", nil},
		{"greedy one segment", "GET", "/files/a.txt", "GET /files/{path+}", map[string]string{"path": "a.txt"}},
		{"greedy many segments", "GET", "/files/a/b/c.txt", "GET /files/{path+}", map[string]string{"path": "a/b/c.txt"}},
		{"greedy keeps trailing slash", "GET", "/files/a/b/", "GET /files/{path+}", map[string]string{"path": "a/b/"}},
		{"greedy ANY for other methods", "POST", "/files/a/b", "ANY /files/{proxy+}", map[string]string{"proxy": "a/b"}},
		{"greedy needs a segment", "GET", "/files", "ANY /{proxy+}", map[string]string{"proxy": "files"}},
		{"param beats greedy", "GET", "/static/app.js", "GET /static/{file}", map[string]string{"file": "app.js"}},
		{"greedy past the param", "GET", "/static/js/app.js", "GET /static/{proxy+}", map[string]string{"proxy": "js/app.js"}},
		{"paths are case-sensitive", "GET", "/Products", "ANY /{proxy+}", map[string]string{"proxy": "Products"}},
		{"empty segment never matches a param", "GET", "/products//reviews/r1", "ANY /{proxy+}", map[string]string{"proxy": "products//reviews/r1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call := invokedBy(t, api, functions, tt.method, tt.target)
			if got, want := call.name, "fn:"+tt.wantKey; got != want {
				t.Errorf("invoked %q, want %q", got, want)
			}
			ev := decodeEvent(t, call.payload)
			if ev.RouteKey != tt.wantKey || ev.RequestContext.RouteKey != tt.wantKey {
				t.Errorf("routeKey = %q / %q, want %q", ev.RouteKey, ev.RequestContext.RouteKey, tt.wantKey)
			}
			if diff := cmp.Diff(tt.wantParams, ev.PathParameters); diff != "" {
				t.Errorf("pathParameters (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRouteSelectionDefault(t *testing.T) {
	api, functions := testAPI("GET /products/{id}", "$default")
	tests := []struct {
		name, method, target string
		wantKey              string
	}{
		{"unmatched path", "GET", "/nothing/here", "$default"},
		{"unmatched method", "DELETE", "/products/abc", "$default"},
		{"param needs a segment", "GET", "/products/", "$default"},
		{"root", "GET", "/", "$default"},
		{"matched", "GET", "/products/abc", "GET /products/{id}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := decodeEvent(t, invokedBy(t, api, functions, tt.method, tt.target).payload)
			if ev.RouteKey != tt.wantKey {
				t.Errorf("routeKey = %q, want %q", ev.RouteKey, tt.wantKey)
			}
			if tt.wantKey == "$default" && ev.PathParameters != nil {
				t.Errorf("pathParameters = %v, want none for $default", ev.PathParameters)
			}
		})
	}
}

// invokedBy serves one request with a fresh Server over api and returns the invocation it
// made, failing the test unless the answer is 200.
func invokedBy(t *testing.T, api *template.HTTPAPI, functions map[string]string, method, target string) invocation {
	t.Helper()
	inv := &fakeInvoker{}
	srv := apigw.New(api, functions, inv, fixedOptions())
	resp := do(t, srv, httptest.NewRequest(method, target, nil))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	return inv.last(t)
}

func TestRouteNotFound(t *testing.T) {
	api, functions := testAPI("GET /products", "GET /products/{id}", "ANY /admin/{proxy+}")
	tests := []struct {
		name, method, target string
	}{
		{"unknown path", "GET", "/orders"},
		{"unknown method", "POST", "/products"},
		{"HEAD without a HEAD or ANY route", "HEAD", "/products"},
		{"OPTIONS without CORS or a route", "OPTIONS", "/products"},
		{"greedy needs a segment", "GET", "/admin"},
		{"greedy needs a non-empty segment", "GET", "/admin/"},
		{"root", "GET", "/"},
		{"asterisk target", "OPTIONS", "*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			srv := apigw.New(api, functions, inv, fixedOptions())
			r := httptest.NewRequest(tt.method, "/", nil)
			r.URL.Path = tt.target
			resp := do(t, srv, r)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("status = %d, want 404", resp.StatusCode)
			}
			if tt.method != "HEAD" {
				if got, want := readAll(t, resp.Body), `{"message":"Not Found"}`; got != want {
					t.Errorf("body = %s, want %s", got, want)
				}
			}
			if got := resp.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("content-type = %q, want application/json", got)
			}
			if got := resp.Header.Get("Apigw-Requestid"); got != "LV7fzho-PHcEJPw=" {
				t.Errorf("apigw-requestid = %q", got)
			}
			if n := inv.count(); n != 0 {
				t.Errorf("function invoked %d times", n)
			}
		})
	}
}

func TestNamedStage(t *testing.T) {
	api, functions := testAPI("GET /products", "GET /")
	opts := fixedOptions()
	opts.Stage = "dev"
	tests := []struct {
		target      string
		wantStatus  int
		wantKey     string
		wantRawPath string
	}{
		{"/dev/products", 200, "GET /products", "/dev/products"},
		{"/dev", 200, "GET /", "/dev"},
		{"/dev/", 200, "GET /", "/dev/"},
		{"/products", 404, "", ""},
		{"/development/products", 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			inv := &fakeInvoker{}
			resp := do(t, apigw.New(api, functions, inv, opts), httptest.NewRequest("GET", tt.target, nil))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				return
			}
			ev := decodeEvent(t, inv.last(t).payload)
			got := []string{ev.RouteKey, ev.RawPath, ev.RequestContext.HTTP.Path, ev.RequestContext.Stage}
			want := []string{tt.wantKey, tt.wantRawPath, tt.wantRawPath, "dev"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("routeKey, rawPath, http.path, stage (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBrokenRoutes(t *testing.T) {
	api := &template.HTTPAPI{LogicalID: "HttpApi", ID: "abcde12345", Routes: []*template.Route{
		{Key: "GET /v1", Method: "GET", Path: "/v1", Function: "Fn", PayloadFormatVersion: "3.0"},
		{Key: "GET /gone", Method: "GET", Path: "/gone", Function: "Missing", PayloadFormatVersion: "2.0"},
		{Key: "GET /http", Method: "GET", Path: "/http", PayloadFormatVersion: "1.0"},
		{Key: "GET /a/{proxy+}/b", Method: "GET", Path: "/a/{proxy+}/b", Function: "Fn", PayloadFormatVersion: "2.0"},
		{Key: "GET /a/{x", Method: "GET", Path: "/a/{x", Function: "Fn", PayloadFormatVersion: "2.0"},
		{Key: "GET /a//b", Method: "GET", Path: "/a//b", Function: "Fn", PayloadFormatVersion: "2.0"},
		{Key: "GET /ok/{id}", Method: "GET", Path: "/ok/{id}", Function: "Fn", PayloadFormatVersion: "2.0"},
		{Key: "GET /ok/{other}", Method: "GET", Path: "/ok/{other}", Function: "Fn", PayloadFormatVersion: "2.0"},
	}}
	inv := &fakeInvoker{}
	srv := apigw.New(api, map[string]string{"Fn": "fn"}, inv, fixedOptions())
	if srv.Err() == nil {
		t.Error("Err() = nil, want the broken routes")
	}
	for _, target := range []string{"/v1", "/gone", "/http"} {
		resp := do(t, srv, httptest.NewRequest("GET", target, nil))
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("GET %s: status = %d, want 500", target, resp.StatusCode)
		}
	}
	if resp := do(t, srv, httptest.NewRequest("GET", "/ok/1", nil)); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /ok/1: status = %d, want 200 from the first of two conflicting routes", resp.StatusCode)
	}
	if n := inv.count(); n != 1 {
		t.Errorf("function invoked %d times, want 1", n)
	}

	good, functions := testAPI("GET /products", "$default")
	if err := apigw.New(good, functions, inv, apigw.Options{}).Err(); err != nil {
		t.Errorf("Err() = %v for a valid API", err)
	}
}
