// Package edge is the local runtime's single AWS endpoint (127.0.0.1:4566 by default). Like
// LocalStack's edge port it dispatches each request to a local service by its protocol:
// the X-Amz-Target header for AWS JSON services, the REST path for Lambda, and the SigV4
// credential scope for anything else, so `AWS_ENDPOINT_URL` can point the AWS CLI or any SDK
// at the whole local stack. With HandleRegions, a request signed for another region than
// the home one is served by that region's own services (regions.go).
package edge

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Service names used with Handle.
const (
	DynamoDB        = "dynamodb"
	DynamoDBStreams = "dynamodbstreams"
	EventBridge     = "events"
	SQS             = "sqs"
	Lambda          = "lambda"
	// Logs is CloudWatch Logs; also its SigV4 scope.
	Logs = "logs"
	// SES is Amazon SES (v2); its SigV4 scope.
	SES = "ses"
	// CognitoIdentityProvider is Cognito user pools; also its SigV4 scope.
	CognitoIdentityProvider = "cognito-idp"
	// STS is the Security Token Service; its SigV4 scope.
	STS = "sts"
)

// targetPrefixes maps an X-Amz-Target prefix (before the dot) to its service.
var targetPrefixes = map[string]string{
	"DynamoDB_20120810":        DynamoDB,
	"DynamoDBStreams_20120810": DynamoDBStreams,
	"AWSEvents":                EventBridge,
	"AmazonSQS":                SQS,
	"Logs_20140328":            Logs,
	// Cognito's unauthenticated operations (SignUp, InitiateAuth, ...) are unsigned: only
	// the target names the service.
	"AWSCognitoIdentityProviderService": CognitoIdentityProvider,
}

// Edge routes requests to the registered services. The zero value is not usable; call New.
type Edge struct {
	mu     sync.Mutex // serializes Handle and HandlePrefix
	routes atomic.Pointer[routes]
	// regions, when set (HandleRegions), serve requests signed for other regions.
	regions atomic.Pointer[regions]
}

// routes is an immutable routing table: registration replaces it, so ServeHTTP, which runs
// on every SDK call of every function, reads it without a lock.
type routes struct {
	services map[string]http.Handler
	prefixes []prefixRoute
}

type prefixRoute struct {
	prefix string
	h      http.Handler
}

// New returns an Edge with no services.
func New() *Edge {
	e := &Edge{}
	e.routes.Store(&routes{services: map[string]http.Handler{}})
	return e
}

// update replaces the routing table with a copy that change has modified.
func (e *Edge) update(change func(*routes)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.routes.Load()
	next := &routes{services: maps.Clone(old.services), prefixes: slices.Clone(old.prefixes)}
	change(next)
	e.routes.Store(next)
}

// HandlePrefix serves every request whose path starts with prefix with h, before any service
// dispatch: local-only endpoints such as the token issuer's JWKS. The longest matching
// prefix wins.
func (e *Edge) HandlePrefix(prefix string, h http.Handler) {
	e.update(func(r *routes) {
		r.prefixes = slices.DeleteFunc(r.prefixes, func(p prefixRoute) bool { return p.prefix == prefix })
		r.prefixes = append(r.prefixes, prefixRoute{prefix, h})
		// Longest first: a more specific prefix (/_console/api/mail) wins over a shorter one
		// (/_console/) whatever the order they were registered in.
		slices.SortStableFunc(r.prefixes, func(a, b prefixRoute) int { return len(b.prefix) - len(a.prefix) })
	})
}

// Handle registers h as the handler for service (one of the constants above).
func (e *Edge) Handle(service string, h http.Handler) {
	e.update(func(r *routes) { r.services[service] = h })
}

// Services lists the registered services, sorted.
func (e *Edge) Services() []string {
	services := e.routes.Load().services
	// Not slices.Sorted, which returns nil for none: health reports [] rather than null.
	names := slices.AppendSeq(make([]string, 0, len(services)), maps.Keys(services))
	slices.Sort(names)
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

// Browser access. Cognito's public API (SignUp, InitiateAuth, ...) is called from web pages
// with fetch, so, like Cognito's own endpoint, the edge answers CORS preflights itself (a
// preflight carries no X-Amz-Target, so it cannot be dispatched) and lets any origin read
// the responses, exposing the headers SDKs read errors and request IDs from.
const (
	corsAllowMethods  = "GET,HEAD,POST,PUT,PATCH,DELETE"
	corsExposeHeaders = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,x-amz-request-id,Date"
	corsMaxAge        = "86400"
)

// cors answers a preflight (reporting true) or adds the CORS headers to a response.
func cors(w http.ResponseWriter, r *http.Request) (answered bool) {
	if r.Header.Get("Origin") == "" {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", corsAllowMethods)
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Set("Access-Control-Max-Age", corsMaxAge)
		w.WriteHeader(http.StatusOK)
		return true
	}
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	return false
}

// ServeHTTP dispatches to the request's service.
func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	if r.URL.Path == "/_local/health" {
		writeJSON(w, http.StatusOK, map[string]any{"status": "running", "services": e.Services()})
		return
	}
	rt := e.routes.Load()
	for _, p := range rt.prefixes {
		if strings.HasPrefix(r.URL.Path, p.prefix) {
			p.h.ServeHTTP(w, r)
			return
		}
	}
	svc := ServiceOf(r)
	h := e.handler(rt, svc, r) // the service's handler for the request's region (regions.go)
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
