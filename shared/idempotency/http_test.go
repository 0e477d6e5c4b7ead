package idempotency_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/idempotency"
)

const table = "things"

// newStore returns a store on a fresh table (partition key id) of the local engine.
func newStore(t *testing.T) (*idempotency.Store, *dynamodb.Client) {
	t.Helper()
	db := ddbtest.Client(t)
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return idempotency.NewStore(db, table, idempotency.PartitionKey("id")), db
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// creator is a handler that creates a thing per run: 201 with the run number in the body and
// the headers a create sets. Its status can be changed to simulate failures.
type creator struct {
	runs   atomic.Int32
	status atomic.Int32 // 0: 201
}

func (c *creator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := c.runs.Add(1)
	status := int(c.status.Load())
	if status == 0 {
		status = http.StatusCreated
	}
	w.Header().Set("Location", fmt.Sprintf("/things/%d", n))
	w.Header().Set("ETag", `"1"`)
	w.Header().Set("X-Per-Request", fmt.Sprint(n))
	httpapi.WriteJSON(w, r, status, map[string]any{"run": n, "path": r.URL.Path})
}

type setup struct {
	store   *idempotency.Store
	db      *dynamodb.Client
	clock   *clock
	handler *creator
	h       http.Handler
}

func newSetup(t *testing.T) *setup {
	t.Helper()
	store, db := newStore(t)
	s := &setup{store: store, db: db, clock: &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, handler: &creator{}}
	s.h = idempotency.Middleware(idempotency.Options{
		Store: store, Now: s.clock.Now,
		Scope: func(r *http.Request) string { return r.Header.Get("X-Test-Caller") },
	})(s.handler)
	return s
}

// response is what a client sees.
type response struct {
	Status  int
	Headers map[string]string
	Body    string
}

var shownHeaders = []string{"Content-Type", "Location", "ETag", "X-Per-Request", "Idempotent-Replayed", "Retry-After"}

func (s *setup) do(t *testing.T, method, path, key, body string) response {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r = r.WithContext(httpapi.WithRequestID(r.Context(), "req-1"))
	if key != "-" {
		r.Header.Set(idempotency.HeaderKey, key)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return result(w)
}

func result(w *httptest.ResponseRecorder) response {
	got := response{Status: w.Code, Body: w.Body.String(), Headers: map[string]string{}}
	for _, k := range shownHeaders {
		if v := w.Header().Get(k); v != "" {
			got.Headers[k] = v
		}
	}
	return got
}

func created(run int, path string) response {
	return response{Status: http.StatusCreated, Body: fmt.Sprintf(`{"path":%q,"run":%d}`+"\n", path, run), Headers: map[string]string{
		"Content-Type": "application/json", "Location": fmt.Sprintf("/things/%d", run), "ETag": `"1"`, "X-Per-Request": fmt.Sprint(run),
	}}
}

func replayed(run int, path string) response {
	r := created(run, path)
	delete(r.Headers, "X-Per-Request")
	r.Headers["Idempotent-Replayed"] = "true"
	return r
}

func errorResponse(status int, code, message string) response {
	return response{Status: status, Headers: map[string]string{"Content-Type": "application/json"},
		Body: fmt.Sprintf(`{"error":{"code":%q,"message":%q},"requestId":"req-1"}`+"\n", code, message)}
}

var (
	errReused = errorResponse(http.StatusUnprocessableEntity, "unprocessable", "this Idempotency-Key was already used for a different request")
	errInUse  = func() response {
		r := errorResponse(http.StatusConflict, "conflict", "a request with this Idempotency-Key is still being processed; retry later")
		r.Headers["Retry-After"] = "1"
		return r
	}()
	errKey = errorResponse(http.StatusBadRequest, "invalid", "Idempotency-Key must be a single non-empty key of at most 255 characters")
)

// Each case sends its requests in order to a fresh setup; want is every response.
func TestMiddleware(t *testing.T) {
	type req struct{ method, path, key, body string }
	post := func(key, body string) req { return req{http.MethodPost, "/things", key, body} }
	tests := []struct {
		name     string
		requests []req
		want     []response
		wantRuns int32
	}{
		{
			name:     "replay returns the first response",
			requests: []req{post("k1", `{"a":1}`), post("k1", `{"a":1}`), post("k1", `{"a":1}`)},
			want:     []response{created(1, "/things"), replayed(1, "/things"), replayed(1, "/things")},
			wantRuns: 1,
		},
		{
			name:     "no key runs every time",
			requests: []req{post("-", `{}`), post("-", `{}`)},
			want:     []response{created(1, "/things"), created(2, "/things")},
			wantRuns: 2,
		},
		{
			name:     "different keys run separately",
			requests: []req{post("k1", `{}`), post("k2", `{}`)},
			want:     []response{created(1, "/things"), created(2, "/things")},
			wantRuns: 2,
		},
		{
			name:     "quoted key is the bare key",
			requests: []req{post(`"k1"`, `{}`), post("k1", `{}`)},
			want:     []response{created(1, "/things"), replayed(1, "/things")},
			wantRuns: 1,
		},
		{
			name:     "same key, other body",
			requests: []req{post("k1", `{"a":1}`), post("k1", `{"a":2}`), post("k1", `{"a":1}`)},
			want:     []response{created(1, "/things"), errReused, replayed(1, "/things")},
			wantRuns: 1,
		},
		{
			name:     "same key, other path",
			requests: []req{post("k1", `{}`), {http.MethodPost, "/other", "k1", `{}`}},
			want:     []response{created(1, "/things"), errReused},
			wantRuns: 1,
		},
		{
			name:     "same key, other method",
			requests: []req{post("k1", `{}`), {http.MethodPut, "/things", "k1", `{}`}},
			want:     []response{created(1, "/things"), errReused},
			wantRuns: 1,
		},
		{
			name:     "invalid keys",
			requests: []req{post("", `{}`), post(`""`, `{}`), post(strings.Repeat("k", 256), `{}`), post(strings.Repeat("k", 255), `{}`)},
			want:     []response{errKey, errKey, errKey, created(1, "/things")},
			wantRuns: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t)
			var got []response
			for _, r := range tt.requests {
				got = append(got, s.do(t, r.method, r.path, r.key, r.body))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("responses (-want +got):\n%s", diff)
			}
			if runs := s.handler.runs.Load(); runs != tt.wantRuns {
				t.Errorf("handler ran %d times, want %d", runs, tt.wantRuns)
			}
		})
	}
}

func TestMiddlewareRejectsRepeatedKeyHeader(t *testing.T) {
	s := newSetup(t)
	r := httptest.NewRequest(http.MethodPost, "/things", strings.NewReader(`{}`))
	r = r.WithContext(httpapi.WithRequestID(r.Context(), "req-1"))
	r.Header.Add(idempotency.HeaderKey, "a")
	r.Header.Add(idempotency.HeaderKey, "b")
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	if diff := cmp.Diff(errKey, result(w)); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}

// A 5xx is not stored: the key is free again and the retry runs.
func TestMiddlewareDoesNotStoreServerErrors(t *testing.T) {
	s := newSetup(t)
	s.handler.status.Store(http.StatusServiceUnavailable)
	first := s.do(t, http.MethodPost, "/things", "k1", `{}`)
	if first.Status != http.StatusServiceUnavailable {
		t.Fatalf("first status = %d, want 503", first.Status)
	}
	s.handler.status.Store(0)
	if diff := cmp.Diff(created(2, "/things"), s.do(t, http.MethodPost, "/things", "k1", `{}`)); diff != "" {
		t.Errorf("retry after a 503 (-want +got):\n%s", diff)
	}
	// 4xx results are stored like any other.
	s.handler.status.Store(http.StatusBadRequest)
	bad := s.do(t, http.MethodPost, "/things", "k2", `{}`)
	s.handler.status.Store(0)
	again := s.do(t, http.MethodPost, "/things", "k2", `{}`)
	if again.Status != http.StatusBadRequest || again.Body != bad.Body || again.Headers["Idempotent-Replayed"] != "true" {
		t.Errorf("retry of a 400 = %+v, want the replayed %+v", again, bad)
	}
}

// A handler that panics frees its key.
func TestMiddlewareReleasesTheKeyOnPanic(t *testing.T) {
	s := newSetup(t)
	panicking := idempotency.Middleware(idempotency.Options{Store: s.store, Now: s.clock.Now})(
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("the panic did not reach the caller")
			}
		}()
		r := httptest.NewRequest(http.MethodPost, "/things", strings.NewReader(`{}`))
		r.Header.Set(idempotency.HeaderKey, "k1")
		panicking.ServeHTTP(httptest.NewRecorder(), r)
	}()
	if diff := cmp.Diff(created(1, "/things"), s.do(t, http.MethodPost, "/things", "k1", `{}`)); diff != "" {
		t.Errorf("retry after a panic (-want +got):\n%s", diff)
	}
}

// Keys are forgotten after 24 hours, even when TTL has not deleted the row yet.
func TestMiddlewareKeysExpire(t *testing.T) {
	s := newSetup(t)
	s.do(t, http.MethodPost, "/things", "k1", `{"a":1}`)
	s.clock.advance(24*time.Hour - time.Second)
	if diff := cmp.Diff(replayed(1, "/things"), s.do(t, http.MethodPost, "/things", "k1", `{"a":1}`)); diff != "" {
		t.Errorf("just before 24h (-want +got):\n%s", diff)
	}
	s.clock.advance(time.Second)
	if diff := cmp.Diff(created(2, "/things"), s.do(t, http.MethodPost, "/things", "k1", `{"a":2}`)); diff != "" {
		t.Errorf("at 24h, with another body (-want +got):\n%s", diff)
	}

	out, err := s.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table),
		Key: idempotency.PartitionKey("id")(idempotency.RowID("", "k1")), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(s.clock.Now().Add(24 * time.Hour).Unix())
	if got, ok := out.Item["expiresAt"].(*types.AttributeValueMemberN); !ok || got.Value != want {
		t.Errorf("row expiresAt = %#v, want N %s", out.Item["expiresAt"], want)
	}
}

// Two callers' equal keys are different keys; the caller is the JWT sub that API Gateway
// passes, read behind httpapi's Lambda adapter.
func TestMiddlewareScopesKeysToTheCaller(t *testing.T) {
	store, _ := newStore(t)
	handler := &creator{}
	fn := httpapi.Lambda(idempotency.Middleware(idempotency.Options{Store: store})(handler))
	invoke := func(sub string) events.APIGatewayV2HTTPResponse {
		t.Helper()
		ev := events.APIGatewayV2HTTPRequest{
			RawPath: "/things", Body: `{}`, Headers: map[string]string{"idempotency-key": "same"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RequestID: "req-1", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodPost},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": sub}},
				},
			},
		}
		resp, err := fn(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	alice, bob, aliceAgain := invoke("alice"), invoke("bob"), invoke("alice")
	if alice.Headers["Location"] != "/things/1" || bob.Headers["Location"] != "/things/2" {
		t.Errorf("alice, bob created %s, %s; want /things/1, /things/2", alice.Headers["Location"], bob.Headers["Location"])
	}
	if aliceAgain.Body != alice.Body || aliceAgain.Headers[idempotency.HeaderReplayed] != "true" {
		t.Errorf("alice's retry = %+v, want a replay of %+v", aliceAgain, alice)
	}
	if runs := handler.runs.Load(); runs != 2 {
		t.Errorf("handler ran %d times, want 2", runs)
	}
}

// Concurrent duplicates: while the first request runs, every duplicate gets 409; once it is
// done they get its response.
func TestMiddlewareConcurrentDuplicates(t *testing.T) {
	s := newSetup(t)
	started, release := make(chan struct{}), make(chan struct{})
	var runs atomic.Int32
	h := idempotency.Middleware(idempotency.Options{Store: s.store, Now: s.clock.Now})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runs.Add(1)
		close(started)
		<-release
		httpapi.WriteJSON(w, r, http.StatusCreated, map[string]string{"ok": "yes"})
	}))
	send := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/things", strings.NewReader(`{}`))
		r = r.WithContext(httpapi.WithRequestID(r.Context(), "req-1"))
		r.Header.Set(idempotency.HeaderKey, "k1")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	const n = 8
	results := make(chan *httptest.ResponseRecorder, n)
	for range n {
		go func() { results <- send() }()
	}
	<-started
	// All but the running one answer while it is blocked.
	for range n - 1 {
		if diff := cmp.Diff(errInUse, result(<-results)); diff != "" {
			t.Errorf("duplicate while the first runs (-want +got):\n%s", diff)
		}
	}
	close(release)
	first := <-results
	if first.Code != http.StatusCreated {
		t.Fatalf("the running request answered %d, want 201", first.Code)
	}
	after := send()
	if after.Code != http.StatusCreated || after.Body.String() != first.Body.String() || after.Header().Get(idempotency.HeaderReplayed) != "true" {
		t.Errorf("duplicate after the first finished = %d %s, want the replayed 201", after.Code, after.Body)
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("handler ran %d times, want 1", got)
	}
}

// A request whose function died holding its key blocks duplicates only until the lock
// timeout; then a retry runs.
func TestMiddlewareTakesOverAnAbandonedLock(t *testing.T) {
	s := newSetup(t)
	now := s.clock.Now()
	body := `{}`
	// Take the lock the way the middleware does, and never finish: a crashed function.
	fp := idempotency.Fingerprint(http.MethodPost, "/things", []byte(body))
	outcome, _, _, err := s.store.Begin(context.Background(), idempotency.RowID("", "k1"), fp, now, now.Add(24*time.Hour), now.Add(idempotency.DefaultLockTimeout))
	if err != nil || outcome != idempotency.Started {
		t.Fatalf("Begin = %v, %v; want Started", outcome, err)
	}
	if diff := cmp.Diff(errInUse, s.do(t, http.MethodPost, "/things", "k1", body)); diff != "" {
		t.Errorf("within the lock timeout (-want +got):\n%s", diff)
	}
	s.clock.advance(idempotency.DefaultLockTimeout + time.Millisecond)
	if diff := cmp.Diff(created(1, "/things"), s.do(t, http.MethodPost, "/things", "k1", body)); diff != "" {
		t.Errorf("after the lock timeout (-want +got):\n%s", diff)
	}
}
