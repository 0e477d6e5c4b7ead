// Package idempotency makes retries safe. For HTTP, Middleware implements the Idempotency-Key
// header (the IETF httpapi draft "The Idempotency-Key HTTP Header Field", with Stripe's
// semantics): a retried request with the same key gets the first response again instead of
// running twice. For event consumers, Dedup records in the consumer's own transaction that an
// event id was handled, so a redelivered event changes nothing.
//
// Both keep their rows in the service's own DynamoDB table, expired by the table's TTL on
// AttrExpiresAt.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/metrics"
)

// Header names.
const (
	// HeaderKey is the request header carrying the client's key.
	HeaderKey = "Idempotency-Key"
	// HeaderReplayed is set to "true" on a response that is a replay of a stored one.
	HeaderReplayed = "Idempotent-Replayed"
)

// MaxKeyLength is the longest key accepted, in bytes (Stripe's limit).
const MaxKeyLength = 255

// Defaults of Options.
const (
	DefaultTTL         = 24 * time.Hour
	DefaultLockTimeout = 60 * time.Second
)

// replayedHeaders are the response headers a replay repeats: those that describe the
// representation or the created resource. Others (correlation id, dates) belong to the
// request that carries them.
var replayedHeaders = []string{"Content-Type", "Location", "ETag", "Last-Modified"}

// Options configure Middleware.
type Options struct {
	// Store keeps the records. Required.
	Store *Store
	// Scope names the caller a key belongs to, so two callers' equal keys are different keys.
	// Default: CallerSub, the JWT sub claim of the API Gateway event.
	Scope func(*http.Request) string
	// TTL is how long a key is remembered (default 24h).
	TTL time.Duration
	// LockTimeout is how long a request holds its key before a retry may take it over, for a
	// request whose function died without releasing it (default 60s, past the HTTP API's 30s
	// integration timeout).
	LockTimeout time.Duration
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
	// Log receives store failures that do not fail the request; slog.Default() when nil.
	Log *slog.Logger
}

// CallerSub returns the sub claim of the JWT that API Gateway's authorizer verified
// (requestContext.authorizer.jwt.claims.sub), or "" when the request has none.
func CallerSub(r *http.Request) string {
	ev := httpapi.Event(r.Context())
	if ev == nil || ev.RequestContext.Authorizer == nil || ev.RequestContext.Authorizer.JWT == nil {
		return ""
	}
	return ev.RequestContext.Authorizer.JWT.Claims["sub"]
}

// RowID is the id of the idempotency row of key sent by the caller named scope:
// "idempotency#" and the hex SHA-256 of scope, a NUL byte and key.
func RowID(scope, key string) string {
	sum := sha256.Sum256([]byte(scope + "\x00" + key))
	return "idempotency#" + hex.EncodeToString(sum[:])
}

// Middleware returns middleware that honours an optional Idempotency-Key header:
//   - without the header the request runs as usual;
//   - an empty key, or one longer than MaxKeyLength, is 400;
//   - the first request with a key runs and its response is stored, unless it is a 5xx: then
//     the key is released so the client may retry;
//   - a later request with the same key and the same method, path and body gets the stored
//     status, body and replayedHeaders, with Idempotent-Replayed: true, without running;
//   - the same key with a different request is 422; a duplicate while the first still runs
//     is 409 (with Retry-After).
//
// Keys are scoped to the caller (Options.Scope) and forgotten after Options.TTL. Errors are
// written by httpapi.WriteError.
func Middleware(opts Options) func(http.Handler) http.Handler {
	if opts.Scope == nil {
		opts.Scope = CallerSub
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			values := r.Header.Values(HeaderKey)
			if len(values) == 0 {
				next.ServeHTTP(w, r)
				return
			}
			key, err := parseKey(values)
			if err != nil {
				httpapi.WriteError(w, r, opts.Log, err)
				return
			}
			serve(w, r, next, opts, key)
		})
	}
}

var (
	errKeyInvalid = fault.Errorf(fault.Invalid,
		"Idempotency-Key must be a single non-empty key of at most %d characters", MaxKeyLength)
	errKeyInUse = fault.New(fault.Conflict,
		"a request with this Idempotency-Key is still being processed; retry later")
	errKeyReused = fault.New(fault.Unprocessable,
		"this Idempotency-Key was already used for a different request")
	errBodyTooLarge = fault.Errorf(fault.TooLarge, "request body exceeds %d bytes", httpapi.MaxBodyBytes)
)

// parseKey returns the key of the header's values. The draft makes the key a structured-field
// string ("quoted"); clients following Stripe send it bare. Both are accepted, and "k" and k
// are the same key.
func parseKey(values []string) (string, error) {
	if len(values) != 1 {
		return "", errKeyInvalid
	}
	key := strings.TrimSpace(values[0])
	if len(key) >= 2 && strings.HasPrefix(key, `"`) && strings.HasSuffix(key, `"`) {
		key = key[1 : len(key)-1]
	}
	if key == "" || len(key) > MaxKeyLength {
		return "", errKeyInvalid
	}
	return key, nil
}

func serve(w http.ResponseWriter, r *http.Request, next http.Handler, opts Options, key string) {
	ctx := r.Context()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpapi.MaxBodyBytes))
	if err != nil {
		httpapi.WriteError(w, r, opts.Log, errBodyTooLarge)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	fp := Fingerprint(r.Method, r.URL.Path, body)

	now := opts.Now()
	id := RowID(opts.Scope(r), key)
	outcome, stored, lock, err := opts.Store.Begin(ctx, id, fp, now, now.Add(opts.TTL), now.Add(opts.LockTimeout))
	if err != nil {
		httpapi.WriteError(w, r, opts.Log, err)
		return
	}
	switch outcome {
	case Replay:
		replay(w, stored)
		metrics.Count(ctx, metrics.IdempotentReplays, 1)
		return
	case InProgress:
		w.Header().Set("Retry-After", "1")
		httpapi.WriteError(w, r, opts.Log, errKeyInUse)
		return
	case Mismatch:
		httpapi.WriteError(w, r, opts.Log, errKeyReused)
		return
	}

	rec := &recorder{header: http.Header{}}
	ran := false
	defer func() {
		// A panic leaves the handler's response unknown: free the key, then let it go on.
		if !ran {
			if err := opts.Store.Release(context.WithoutCancel(ctx), lock); err != nil {
				opts.Log.ErrorContext(ctx, "idempotency: cannot release key after a panic", "error", err)
			}
		}
	}()
	next.ServeHTTP(rec, r)
	ran = true
	rec.finish()

	if rec.status >= http.StatusInternalServerError {
		if err := opts.Store.Release(context.WithoutCancel(ctx), lock); err != nil {
			opts.Log.ErrorContext(ctx, "idempotency: cannot release key; it frees itself after the lock timeout", "error", err)
		}
	} else if err := opts.Store.Complete(context.WithoutCancel(ctx), lock, fp, now.Add(opts.TTL), rec.response()); err != nil {
		// The work is done: report its result. The key stays locked until the lock timeout,
		// so a retry before then gets 409, not a second execution.
		opts.Log.ErrorContext(ctx, "idempotency: cannot store the response", "error", err)
	}
	rec.copyTo(w)
}

// Fingerprint identifies a request for the key check: the hex SHA-256 of its method, path and
// body. The same key with another fingerprint is 422.
func Fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + "\x00" + path + "\x00"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// replay writes a stored response.
func replay(w http.ResponseWriter, resp *Response) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	w.Header().Set(HeaderReplayed, "true")
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body) // the client has gone; nothing left to tell it
}

// recorder buffers a handler's response so it can be stored before the client sees it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
}

func (rec *recorder) Write(p []byte) (int, error) {
	rec.WriteHeader(http.StatusOK)
	return rec.body.Write(p)
}

func (rec *recorder) finish() { rec.WriteHeader(http.StatusOK) }

func (rec *recorder) response() Response {
	resp := Response{Status: rec.status, Body: rec.body.Bytes(), Headers: map[string]string{}}
	for _, k := range replayedHeaders {
		if v := rec.header.Values(k); len(v) > 0 {
			resp.Headers[k] = strings.Join(v, ", ")
		}
	}
	return resp
}

func (rec *recorder) copyTo(w http.ResponseWriter) {
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}
