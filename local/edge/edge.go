// Package edge is the local runtime's single AWS endpoint (127.0.0.1:4566 by default). Like
// LocalStack's edge port it dispatches each request to a local service by its protocol:
// the X-Amz-Target header for AWS JSON services, the REST path for Lambda, and the SigV4
// credential scope for anything else, so `AWS_ENDPOINT_URL` can point the AWS CLI or any SDK
// at the whole local stack.
package edge

import (
	"encoding/json"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Service names used with Handle.
const (
	DynamoDB        = "dynamodb"
	DynamoDBStreams = "dynamodbstreams"
	EventBridge     = "events"
	SQS             = "sqs"
	Lambda          = "lambda"
)

// targetPrefixes maps an X-Amz-Target prefix (before the dot) to its service.
var targetPrefixes = map[string]string{
	"DynamoDB_20120810":        DynamoDB,
	"DynamoDBStreams_20120810": DynamoDBStreams,
	"AWSEvents":                EventBridge,
	"AmazonSQS":                SQS,
}

// Edge routes requests to the registered services. The zero value is not usable; call New.
type Edge struct {
	mu       sync.RWMutex
	services map[string]http.Handler
	prefixes map[string]http.Handler
}

// New returns an Edge with no services.
func New() *Edge {
	return &Edge{services: map[string]http.Handler{}, prefixes: map[string]http.Handler{}}
}

// HandlePrefix serves every request whose path starts with prefix with h, before any service
// dispatch: local-only endpoints such as the token issuer's JWKS.
func (e *Edge) HandlePrefix(prefix string, h http.Handler) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.prefixes[prefix] = h
}

// Handle registers h as the handler for service (one of the constants above).
func (e *Edge) Handle(service string, h http.Handler) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.services[service] = h
}

// Services lists the registered services, sorted.
func (e *Edge) Services() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	names := make([]string, 0, len(e.services))
	for n := range e.services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ServiceOf names the service a request is for, or "" when it cannot tell.
func ServiceOf(r *http.Request) string {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, _, _ := strings.Cut(target, ".")
		return targetPrefixes[prefix]
	}
	if strings.HasPrefix(r.URL.Path, "/2015-03-31/functions/") {
		return Lambda
	}
	return credentialScopeService(r.Header.Get("Authorization"))
}

// credentialScopeService reads the service from a SigV4 Authorization header:
// "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, ...".
func credentialScopeService(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return ""
	}
	if parts[3] == "streams.dynamodb" {
		return DynamoDBStreams
	}
	return parts[3]
}

// ServeHTTP dispatches to the request's service.
func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_local/health" {
		writeJSON(w, http.StatusOK, map[string]any{"status": "running", "services": e.Services()})
		return
	}
	e.mu.RLock()
	for prefix, h := range e.prefixes {
		if strings.HasPrefix(r.URL.Path, prefix) {
			e.mu.RUnlock()
			h.ServeHTTP(w, r)
			return
		}
	}
	svc := ServiceOf(r)
	h := e.services[svc]
	e.mu.RUnlock()
	if h == nil {
		msg := "the local runtime does not serve this request"
		if svc != "" {
			msg = "the local runtime does not serve the " + svc + " service"
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"__type":  "UnknownOperationException",
			"message": msg,
		})
		return
	}
	h.ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Proxy forwards requests to an HTTP endpoint such as a dynalite child process or an external
// DynamoDB-compatible server, keeping many idle connections so the hop stays cheap under load.
func Proxy(endpoint *url.URL) http.Handler {
	p := httputil.NewSingleHostReverseProxy(endpoint)
	p.Transport = &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
	return p
}
