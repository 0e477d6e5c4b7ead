package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// LambdaHandler is the function type lambda.Start receives for an HTTP API route.
type LambdaHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Lambda adapts h to API Gateway HTTP API events (payload format 2.0).
//
// The request URL's Path is rawPath exactly (API Gateway passes it percent-decoded) and its
// RawQuery is rawQueryString, so a ServeMux pattern such as "GET /products/{id}" matches and
// r.PathValue holds the whole decoded segment; header values pass through whole (API Gateway
// has already joined repeated headers with commas); cookies become one Cookie header; base64
// bodies are decoded. The response's headers are joined per name, Set-Cookie headers
// become the response's cookies, and a body that is not UTF-8 is sent base64-encoded.
//
// We keep this adapter instead of aws-lambda-go-api-proxy: its core package links
// html/template, which adds over 2 MB to every function binary, and it splits header values at
// commas, which breaks If-Match lists and dates.
func Lambda(h http.Handler) LambdaHandler {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		r, err := newRequest(WithEvent(ctx, &ev), ev)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		w := &responseWriter{header: http.Header{}}
		h.ServeHTTP(w, r)
		return w.response(), nil
	}
}

func newRequest(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	// rawPath arrives percent-decoded (API Gateway decodes it once, and so does the local
	// runtime), so it is the URL's Path as it stands and must never be parsed as a URI: a
	// decoded "%", "?", NUL or newline would make parsing fail (a 500), or cut the path short
	// at "?" and act on another product. RawPath stays empty so EscapedPath re-encodes Path and
	// ServeMux gives {id} the whole decoded segment. requestContext.http.path carries the same
	// decoded path; rawPath is the field meant for the request path, so we read that.
	path := ev.RawPath
	if path == "" {
		path = "/"
	}
	u := &url.URL{Path: path, RawQuery: ev.RawQueryString}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, fmt.Errorf("http api event: base64 body: %w", err)
		}
	}
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		method = http.MethodGet
	}
	// "/" is a placeholder target; the URL built above replaces it.
	r, err := http.NewRequestWithContext(ctx, method, "/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("http api event: %w", err)
	}
	r.URL = u
	r.RequestURI = u.RequestURI()
	for k, v := range ev.Headers {
		r.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	r.Host = ev.RequestContext.DomainName
	if host := ev.Headers["host"]; host != "" {
		r.Host = host
	}
	r.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	r.Proto = ev.RequestContext.HTTP.Protocol
	return r, nil
}

// responseWriter buffers a handler's response for the Lambda return value.
type responseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

var _ io.Writer = (*responseWriter)(nil)

func (w *responseWriter) response() events.APIGatewayV2HTTPResponse {
	w.WriteHeader(http.StatusOK)
	resp := events.APIGatewayV2HTTPResponse{StatusCode: w.status, Headers: map[string]string{}}
	for k, vs := range w.header {
		if k == "Set-Cookie" {
			resp.Cookies = append(resp.Cookies, vs...)
			continue
		}
		resp.Headers[k] = strings.Join(vs, ", ")
	}
	body := w.body.Bytes()
	if utf8.Valid(body) {
		resp.Body = string(body)
	} else {
		resp.Body = base64.StdEncoding.EncodeToString(body)
		resp.IsBase64Encoded = true
	}
	return resp
}

type eventKey struct{}

// WithEvent returns a copy of ctx carrying the API Gateway event, so handlers can read what
// only the event holds (the requestId, and the JWT claims once routes have an authorizer).
func WithEvent(ctx context.Context, ev *events.APIGatewayV2HTTPRequest) context.Context {
	return context.WithValue(ctx, eventKey{}, ev)
}

// Event returns the API Gateway event recorded in ctx, or nil outside Lambda.
func Event(ctx context.Context) *events.APIGatewayV2HTTPRequest {
	ev, _ := ctx.Value(eventKey{}).(*events.APIGatewayV2HTTPRequest)
	return ev
}

type requestIDKey struct{}

// WithRequestID returns a copy of ctx carrying id as the request ID. Tests that drive handlers
// with net/http/httptest call it to set one.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the API Gateway request ID of the event in ctx, or the one set with
// WithRequestID, or "" if there is none.
func RequestID(ctx context.Context) string {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		return id
	}
	if ev := Event(ctx); ev != nil {
		return ev.RequestContext.RequestID
	}
	return ""
}
