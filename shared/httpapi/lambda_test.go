package httpapi_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/httpapi"
)

// seen is what the echo handler observed of the request the adapter built.
type seen struct {
	Method, Path, ID, Query, Cookie, IfMatch, ContentType, Body, RequestID string
}

// TestLambdaRequest pins what handlers can rely on from the adapter: ServeMux path values from
// rawPath, query strings, cookies, headers, base64 bodies and the request ID.
func TestLambdaRequest(t *testing.T) {
	tests := []struct {
		name  string
		event events.APIGatewayV2HTTPRequest
		want  seen
	}{
		{
			name: "path value and query",
			event: event("GET /products/{id}", "GET", "/products/abc123", "limit=7&cursor=eyJ4IjoxfQ", func(ev *events.APIGatewayV2HTTPRequest) {
				ev.PathParameters = map[string]string{"id": "abc123"}
			}),
			want: seen{Method: "GET", Path: "/products/abc123", ID: "abc123", Query: "limit=7&cursor=eyJ4IjoxfQ", RequestID: "req-1"},
		},
		// rawPath arrives percent-decoded, so whatever it holds is the path itself: the client
		// sent /products/a%25, /products/a%3Fjunk, /products/%00 and so on.
		{
			name:  "percent sign",
			event: event("GET /products/{id}", "GET", "/products/a%", "", nil),
			want:  seen{Method: "GET", Path: "/products/a%", ID: "a%", RequestID: "req-1"},
		},
		{
			name:  "percent sign and non-hex digits",
			event: event("GET /products/{id}", "GET", "/products/a%zz", "", nil),
			want:  seen{Method: "GET", Path: "/products/a%zz", ID: "a%zz", RequestID: "req-1"},
		},
		{
			name:  "percent-encoded text",
			event: event("GET /products/{id}", "GET", "/products/a%2Fb", "", nil),
			want:  seen{Method: "GET", Path: "/products/a%2Fb", ID: "a%2Fb", RequestID: "req-1"},
		},
		{
			name:  "question mark",
			event: event("PUT /products/{id}", "PUT", "/products/abc?junk", "", nil),
			want:  seen{Method: "PUT", Path: "/products/abc?junk", ID: "abc?junk", RequestID: "req-1"},
		},
		{
			name:  "question mark and query",
			event: event("DELETE /products/{id}", "DELETE", "/products/abc?junk", "x=1&y=%zz", nil),
			want:  seen{Method: "DELETE", Path: "/products/abc?junk", ID: "abc?junk", Query: "x=1&y=%zz", RequestID: "req-1"},
		},
		{
			name:  "NUL",
			event: event("GET /products/{id}", "GET", "/products/\x00", "", nil),
			want:  seen{Method: "GET", Path: "/products/\x00", ID: "\x00", RequestID: "req-1"},
		},
		{
			name:  "newline",
			event: event("GET /products/{id}", "GET", "/products/a\nb", "", nil),
			want:  seen{Method: "GET", Path: "/products/a\nb", ID: "a\nb", RequestID: "req-1"},
		},
		{
			name:  "space and hash",
			event: event("GET /products/{id}", "GET", "/products/a b#c", "", nil),
			want:  seen{Method: "GET", Path: "/products/a b#c", ID: "a b#c", RequestID: "req-1"},
		},
		{
			name:  "unicode",
			event: event("GET /products/{id}", "GET", "/products/tasse-☕", "", nil),
			want:  seen{Method: "GET", Path: "/products/tasse-☕", ID: "tasse-☕", RequestID: "req-1"},
		},
		{
			name:  "empty path",
			event: event("GET /", "GET", "", "", nil),
			want:  seen{Method: "GET", Path: "/", RequestID: "req-1"},
		},
		{
			name: "headers cookies and body",
			event: event("PUT /products/{id}", "PUT", "/products/p1", "", func(ev *events.APIGatewayV2HTTPRequest) {
				ev.Headers = map[string]string{"if-match": `"3"`, "content-type": "application/json"}
				ev.Cookies = []string{"a=1", "b=2"}
				ev.Body = `{"name":"Mug"}`
			}),
			want: seen{Method: "PUT", Path: "/products/p1", ID: "p1", Cookie: "a=1; b=2", IfMatch: `"3"`, ContentType: "application/json", Body: `{"name":"Mug"}`, RequestID: "req-1"},
		},
		{
			name: "base64 body",
			event: event("POST /products", "POST", "/products", "", func(ev *events.APIGatewayV2HTTPRequest) {
				ev.Body = base64.StdEncoding.EncodeToString([]byte(`{"name":"Tasse ☕"}`))
				ev.IsBase64Encoded = true
			}),
			want: seen{Method: "POST", Path: "/products", Body: `{"name":"Tasse ☕"}`, RequestID: "req-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got seen
			mux := http.NewServeMux()
			mux.HandleFunc(tt.event.RouteKey, func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				var cookies []string
				for _, c := range r.Cookies() {
					cookies = append(cookies, c.String())
				}
				got = seen{
					Method: r.Method, Path: r.URL.Path, ID: r.PathValue("id"), Query: r.URL.RawQuery,
					Cookie: strings.Join(cookies, "; "), IfMatch: r.Header.Get("If-Match"),
					ContentType: r.Header.Get("Content-Type"), Body: string(body),
					RequestID: httpapi.RequestID(r.Context()),
				}
				w.WriteHeader(http.StatusNoContent)
			})

			resp, err := httpapi.Lambda(mux)(context.Background(), tt.event)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("status = %d, want 204 (body %s)", resp.StatusCode, resp.Body)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("request mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLambdaResponse(t *testing.T) {
	binary := []byte{0xff, 0x00, 0xfe}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    events.APIGatewayV2HTTPResponse
	}{
		{
			name: "json with headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", "/products/p1")
				w.Header().Set("ETag", `"1"`)
				httpapi.WriteJSON(w, r, http.StatusCreated, map[string]int{"version": 1})
			},
			want: events.APIGatewayV2HTTPResponse{
				StatusCode: http.StatusCreated,
				Headers:    map[string]string{"Content-Type": "application/json", "Location": "/products/p1", "Etag": `"1"`},
				Body:       "{\"version\":1}\n",
			},
		},
		{
			name: "no content",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNoContent)
			},
			want: events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNoContent, Headers: map[string]string{}},
		},
		{
			name: "cookies and binary body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
				http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
				w.Header().Set("Content-Type", "application/octet-stream")
				_, _ = w.Write(binary)
			},
			want: events.APIGatewayV2HTTPResponse{
				StatusCode:      http.StatusOK,
				Headers:         map[string]string{"Content-Type": "application/octet-stream"},
				Body:            base64.StdEncoding.EncodeToString(binary),
				IsBase64Encoded: true,
				Cookies:         []string{"a=1", "b=2"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := httpapi.Lambda(tt.handler)(context.Background(), event("$default", "GET", "/", "", nil))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// event returns a minimal payload 2.0 event, as API Gateway sends for the $default stage,
// edited by edit if it is not nil.
func event(routeKey, method, rawPath, rawQuery string, edit func(*events.APIGatewayV2HTTPRequest)) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       routeKey,
		RawPath:        rawPath,
		RawQueryString: rawQuery,
		Headers:        map[string]string{},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:   routeKey,
			Stage:      "$default",
			RequestID:  "req-1",
			DomainName: "api.example.com",
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: rawPath, Protocol: "HTTP/1.1", SourceIP: "192.0.2.1"},
		},
	}
	if edit != nil {
		edit(&ev)
	}
	return ev
}

// Header values with commas arrive whole: API Gateway has already joined repeated headers, and
// splitting them again would corrupt dates and entity-tag lists.
func TestLambdaKeepsHeaderValuesWhole(t *testing.T) {
	const date = "Wed, 21 Oct 2015 07:28:00 GMT"
	var gotDate []string
	var gotEvent *events.APIGatewayV2HTTPRequest
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotDate = r.Header.Values("If-Modified-Since")
		gotEvent = httpapi.Event(r.Context())
		w.Header().Add("Vary", "Accept")
		w.Header().Add("Vary", "Origin")
		w.WriteHeader(http.StatusNoContent)
	})
	ev := event("$default", "GET", "/", "", func(ev *events.APIGatewayV2HTTPRequest) {
		ev.Headers = map[string]string{"if-modified-since": date}
	})
	resp, err := httpapi.Lambda(h)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{date}, gotDate); diff != "" {
		t.Errorf("header values (-want +got):\n%s", diff)
	}
	if gotEvent == nil || gotEvent.RequestContext.RequestID != "req-1" {
		t.Errorf("Event(ctx) = %+v, want the event with request id req-1", gotEvent)
	}
	if got, want := resp.Headers["Vary"], "Accept, Origin"; got != want {
		t.Errorf("Vary = %q, want %q", got, want)
	}
}

func TestLambdaRejectsABadBase64Body(t *testing.T) {
	ev := event("POST /products", "POST", "/products", "", func(ev *events.APIGatewayV2HTTPRequest) {
		ev.Body, ev.IsBase64Encoded = "not base64!", true
	})
	_, err := httpapi.Lambda(http.NotFoundHandler())(context.Background(), ev)
	if err == nil {
		t.Fatal("a body API Gateway could not have sent was accepted")
	}
}
