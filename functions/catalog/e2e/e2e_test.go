// Package e2e drives the catalog service end to end: the local runtime runs the synthesized
// CDK template (real function processes, the HTTP API, the local DynamoDB engine) and the
// tests speak plain HTTP to it, as a client of the deployed API would.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/runtime"
)

var (
	api    string           // base URL of the catalog HTTP API
	tmpl   string           // the synthesized template
	root   string           // the module root
	keyDir string           // the local token issuer's key and recorded issuer and client id
	rt     *runtime.Runtime // the local runtime serving it
	logs   = &syncWriter{w: &bytes.Buffer{}}

	adminToken    string // a token of a user in the admin group; do sends it with every write
	customerToken string // a token of a signed-in user in no group
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	root, err = modroot.FromWorkingDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	tmpl = filepath.Join(root, "cdk.out", "Microshop.template.json")
	if _, err := os.Stat(tmpl); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v: run `make synth` (make test does) first\n", err)
		return 1
	}
	if keyDir, err = os.MkdirTemp("", "catalog-e2e-jwt-"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(keyDir)
	rt, err = runtime.Start(context.Background(), runtime.Config{
		Template: tmpl, Root: root, KeyDir: keyDir, APIAddr: "127.0.0.1:0", Log: logs,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start runtime:", err)
		return 1
	}
	api = rt.APIURL()
	if adminToken, err = mintToken("e2e-admin", "admin"); err == nil {
		customerToken, err = mintToken("e2e-customer", "")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		_ = rt.Close()
		return 1
	}
	code := m.Run()
	if err := rt.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: close runtime:", err)
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- runtime log ---\n%s", logs.w.(*bytes.Buffer).String())
	}
	return code
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

type price struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

type product struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Category    string   `json:"category"`
	Price       price    `json:"price"`
	ImageURL    string   `json:"imageUrl"`
	Tags        []string `json:"tags"`
	CreatedAt   string   `json:"createdAt"`
	UpdatedAt   string   `json:"updatedAt"`
	Version     int      `json:"version"`
}

type page struct {
	Items      []product `json:"items"`
	NextCursor string    `json:"nextCursor"`
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t testing.TB, method, path string, body []byte, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, api+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// Writes go as the admin unless the caller chose an Authorization header ("" for none).
	auth, chosen := header["Authorization"]
	if !chosen && method != http.MethodGet && method != http.MethodHead {
		auth = "Bearer " + adminToken
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range header {
		if k != "Authorization" {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func decode[T any](t testing.TB, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

func productJSON(name, category string, amount int64) []byte {
	b, _ := json.Marshal(map[string]any{
		"name": name, "description": "A " + name + " for testing.", "category": category,
		"price":    map[string]any{"amount": amount, "currency": "USD"},
		"imageUrl": "https://img.example.com/" + strings.ReplaceAll(name, " ", "-") + ".jpg",
		"tags":     []string{"test", category},
	})
	return b
}

func create(t *testing.T, name, category string) product {
	t.Helper()
	r := do(t, http.MethodPost, "/products", productJSON(name, category, 1299), nil)
	if r.status != http.StatusCreated {
		t.Fatalf("create %s: status %d %s", name, r.status, r.body)
	}
	p := decode[product](t, r)
	if got, want := r.header.Get("Location"), "/products/"+p.ID; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
	return p
}

// wantError asserts an API error response: status, JSON shape, code, and a request ID that
// matches the one API Gateway reports.
func wantError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d (body %s)", r.status, status, r.body)
	}
	e := decode[apiError](t, r)
	if e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("error = %+v, want code %q with a message", e.Error, code)
	}
	if e.RequestID == "" || e.RequestID != r.header.Get("Apigw-Requestid") {
		t.Errorf("requestId = %q, want the API Gateway request id %q", e.RequestID, r.header.Get("Apigw-Requestid"))
	}
}

func TestCreateGetReplaceDelete(t *testing.T) {
	created := create(t, "Enamel Kettle", "e2e-crud")
	if created.Version != 1 || created.ID == "" || created.CreatedAt == "" {
		t.Fatalf("created = %+v", created)
	}

	got := do(t, http.MethodGet, "/products/"+created.ID, nil, nil)
	if got.status != http.StatusOK {
		t.Fatalf("get: %d %s", got.status, got.body)
	}
	if diff := cmp.Diff(created, decode[product](t, got)); diff != "" {
		t.Errorf("get differs from create (-create +get):\n%s", diff)
	}

	replacement := productJSON("Enamel Kettle XL", "e2e-crud", 1999)
	stale := do(t, http.MethodPut, "/products/"+created.ID, replacement, map[string]string{"If-Match": `"7"`})
	wantError(t, stale, http.StatusPreconditionFailed, "precondition_failed")
	missing := do(t, http.MethodPut, "/products/"+created.ID, replacement, nil)
	wantError(t, missing, http.StatusPreconditionRequired, "precondition_required")

	fresh := do(t, http.MethodPut, "/products/"+created.ID, replacement, map[string]string{"If-Match": `"1"`})
	if fresh.status != http.StatusOK {
		t.Fatalf("replace: %d %s", fresh.status, fresh.body)
	}
	replaced := decode[product](t, fresh)
	if replaced.Version != 2 || replaced.Name != "Enamel Kettle XL" || replaced.Price.Amount != 1999 ||
		replaced.CreatedAt != created.CreatedAt || replaced.ID != created.ID {
		t.Errorf("replaced = %+v", replaced)
	}
	again := do(t, http.MethodPut, "/products/"+created.ID, replacement, map[string]string{"If-Match": `"1"`})
	wantError(t, again, http.StatusPreconditionFailed, "precondition_failed")

	if r := do(t, http.MethodDelete, "/products/"+created.ID, nil, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	wantError(t, do(t, http.MethodDelete, "/products/"+created.ID, nil, nil), http.StatusNotFound, "not_found")
	wantError(t, do(t, http.MethodGet, "/products/"+created.ID, nil, nil), http.StatusNotFound, "not_found")
	wantError(t, do(t, http.MethodPut, "/products/"+created.ID, replacement, map[string]string{"If-Match": "2"}), http.StatusNotFound, "not_found")
}

// listAll walks every page and returns the ids in order.
func listAll(t *testing.T, query string) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("more than 50 pages: the cursor does not advance")
		}
		path := "/products?" + query
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := do(t, http.MethodGet, path, nil, nil)
		if r.status != http.StatusOK {
			t.Fatalf("list %s: %d %s", path, r.status, r.body)
		}
		p := decode[page](t, r)
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		if p.NextCursor == "" {
			return ids
		}
		cursor = p.NextCursor
	}
}

func TestListPagesNewestFirstWithoutRepeatsOrGaps(t *testing.T) {
	var wantAll, wantShoes []string
	for i := range 17 {
		cat := "e2e-list-hats"
		if i%3 == 0 {
			cat = "e2e-list-shoes"
		}
		p := create(t, fmt.Sprintf("List Item %02d", i), cat)
		wantAll = append([]string{p.ID}, wantAll...) // newest first
		if cat == "e2e-list-shoes" {
			wantShoes = append([]string{p.ID}, wantShoes...)
		}
	}

	shoes := listAll(t, "category=e2e-list-shoes&limit=2")
	if diff := cmp.Diff(wantShoes, shoes); diff != "" {
		t.Errorf("category pages (-want +got):\n%s", diff)
	}

	// Other tests create products concurrently; the unfiltered list must still hold ours in
	// newest-first order, each exactly once.
	all := listAll(t, "limit=4")
	seen := map[string]int{}
	var ours []string
	mine := map[string]bool{}
	for _, id := range wantAll {
		mine[id] = true
	}
	for _, id := range all {
		seen[id]++
		if mine[id] {
			ours = append(ours, id)
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("product %s listed %d times", id, n)
		}
	}
	if diff := cmp.Diff(wantAll, ours); diff != "" {
		t.Errorf("unfiltered pages (-want +got):\n%s", diff)
	}

	last := do(t, http.MethodGet, "/products?category=e2e-list-shoes&limit=100", nil, nil)
	if strings.Contains(string(last.body), "nextCursor") {
		t.Errorf("last page has a nextCursor: %s", last.body)
	}
}

func TestClientErrors(t *testing.T) {
	valid := map[string]any{
		"name": "Valid", "description": "d", "category": "e2e-errors",
		"price": map[string]any{"amount": 100, "currency": "USD"}, "imageUrl": "", "tags": []string{},
	}
	with := func(k string, v any) []byte {
		m := map[string]any{}
		for kk, vv := range valid {
			m[kk] = vv
		}
		m[k] = v
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   []byte
		status int
		code   string
	}{
		{"empty name", "POST", "/products", with("name", ""), 400, "invalid"},
		{"name too long", "POST", "/products", with("name", strings.Repeat("n", 201)), 400, "invalid"},
		{"negative price", "POST", "/products", with("price", map[string]any{"amount": -1, "currency": "USD"}), 400, "invalid"},
		{"fractional price", "POST", "/products", with("price", map[string]any{"amount": 1.5, "currency": "USD"}), 400, "invalid"},
		{"unknown currency", "POST", "/products", with("price", map[string]any{"amount": 1, "currency": "XYZ"}), 400, "invalid"},
		{"lower-case currency", "POST", "/products", with("price", map[string]any{"amount": 1, "currency": "eur"}), 400, "invalid"},
		{"not the shop's currency", "POST", "/products", with("price", map[string]any{"amount": 1, "currency": "EUR"}), 422, "unprocessable"},
		{"unknown field", "POST", "/products", with("colour", "red"), 400, "invalid"},
		{"malformed JSON", "POST", "/products", []byte(`{"name":`), 400, "invalid"},
		{"trailing data", "POST", "/products", append(with("name", "x"), []byte(`{}`)...), 400, "invalid"},
		{"too large", "POST", "/products", bytes.Repeat([]byte(" "), 1<<20+1), 413, "payload_too_large"},
		{"case-variant field", "POST", "/products", []byte(`{"Name":"Valid","category":"e2e-errors","price":{"amount":100,"currency":"USD"}}`), 400, "invalid"},
		{"duplicate field", "POST", "/products", []byte(`{"name":"Valid","name":"Twice","category":"e2e-errors","price":{"amount":100,"currency":"USD"}}`), 400, "invalid"},
		{"NUL in name", "POST", "/products", with("name", "Val\x00id"), 400, "invalid"},
		{"limit with a bad escape", "GET", "/products?limit=%", nil, 400, "invalid"},
		{"cursor with a bad escape", "GET", "/products?cursor=%zz", nil, 400, "invalid"},
		{"encoded percent sign in id", "GET", "/products/a%25", nil, 404, "not_found"},
		{"encoded percent sign and letters in id", "DELETE", "/products/a%25zz", nil, 404, "not_found"},
		{"limit zero", "GET", "/products?limit=0", nil, 400, "invalid"},
		{"limit too big", "GET", "/products?limit=101", nil, 400, "invalid"},
		{"limit not a number", "GET", "/products?limit=ten", nil, 400, "invalid"},
		{"tampered cursor", "GET", "/products?cursor=bm90LWEtY3Vyc29y", nil, 400, "invalid"},
		{"unknown product", "GET", "/products/does-not-exist", nil, 404, "not_found"},
	}
	before := len(listAll(t, "category=e2e-errors&limit=100"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, do(t, tt.method, tt.path, tt.body, nil), tt.status, tt.code)
		})
	}
	if after := len(listAll(t, "category=e2e-errors&limit=100")); after != before {
		t.Errorf("rejected requests wrote products: %d before, %d after", before, after)
	}
}

func TestConcurrentRequestsToOneFunctionSucceed(t *testing.T) {
	p := create(t, "Concurrent Lamp", "e2e-concurrency")
	const n = 48
	var wg sync.WaitGroup
	statuses := make(chan int, n)
	for range n {
		wg.Go(func() {
			resp, err := http.Get(api + "/products/" + p.ID)
			if err != nil {
				statuses <- -1
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	if diff := cmp.Diff(map[int]int{200: n}, counts); diff != "" {
		t.Errorf("statuses of %d concurrent GETs (-want +got):\n%s", n, diff)
	}
}

// TestRejectedReplaceChangesNothing sends PUTs that must be refused, to an existing product and
// to paths that only look like it, and checks each answer and that the product is untouched.
func TestRejectedReplaceChangesNothing(t *testing.T) {
	p := create(t, "Linen Apron", "e2e-reject")
	valid := productJSON("Linen Apron Changed", "e2e-reject", 2500)
	ifMatch := map[string]string{"If-Match": `"1"`}
	tests := []struct {
		name   string
		path   string
		body   []byte
		header map[string]string
		status int
		code   string
	}{
		{"bad name", "", []byte(`{"name":"","category":"e2e-reject","price":{"amount":1,"currency":"USD"}}`), ifMatch, 400, "invalid"},
		{"control character in name", "", []byte(`{"name":"A\nB","category":"e2e-reject","price":{"amount":1,"currency":"USD"}}`), ifMatch, 400, "invalid"},
		{"unknown field", "", []byte(`{"name":"X","category":"e2e-reject","price":{"amount":1,"currency":"USD"},"version":9}`), ifMatch, 400, "invalid"},
		{"case-variant field", "", []byte(`{"Name":"X","category":"e2e-reject","price":{"amount":1,"currency":"USD"}}`), ifMatch, 400, "invalid"},
		{"case-variant nested field", "", []byte(`{"name":"X","category":"e2e-reject","price":{"AMOUNT":1,"currency":"USD"}}`), ifMatch, 400, "invalid"},
		{"duplicate field", "", []byte(`{"name":"X","category":"e2e-reject","category":"other","price":{"amount":1,"currency":"USD"}}`), ifMatch, 400, "invalid"},
		{"malformed JSON", "", []byte(`{"name":"X",`), ifMatch, 400, "invalid"},
		{"invalid UTF-8", "", []byte("{\"name\":\"X\xff\",\"category\":\"e2e-reject\",\"price\":{\"amount\":1,\"currency\":\"USD\"}}"), ifMatch, 400, "invalid"},
		{"too large", "", append([]byte(`{"name":"`), bytes.Repeat([]byte("x"), 1<<20)...), ifMatch, 413, "payload_too_large"},
		{"wrong content type", "", valid, map[string]string{"If-Match": `"1"`, "Content-Type": "text/plain"}, 415, "unsupported_media_type"},
		{"If-Match not a version", "", valid, map[string]string{"If-Match": "abc"}, 400, "invalid"},
		{"If-Match star", "", valid, map[string]string{"If-Match": "*"}, 400, "invalid"},
		{"If-Match list", "", valid, map[string]string{"If-Match": `"1", "2"`}, 400, "invalid"},
		{"stale If-Match", "", valid, map[string]string{"If-Match": `"2"`}, 412, "precondition_failed"},
		{"id and encoded question mark", "%3Fjunk", valid, ifMatch, 404, "not_found"},
		{"id and encoded NUL", "%00", valid, ifMatch, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, do(t, http.MethodPut, "/products/"+p.ID+tt.path, tt.body, tt.header), tt.status, tt.code)
			wantUnchanged(t, p)
		})
	}
}

// TestLookalikeIDs sends GET and DELETE to paths that hold an existing id followed by
// something encoded: each names another, nonexistent product.
func TestLookalikeIDs(t *testing.T) {
	p := create(t, "Oak Spoon", "e2e-lookalike")
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		for _, suffix := range []string{"%3Fjunk", "%3F", "%3Fx=1?y=2", "%25", "%0A"} {
			t.Run(method+" "+suffix, func(t *testing.T) {
				wantError(t, do(t, method, "/products/"+p.ID+suffix, nil, nil), http.StatusNotFound, "not_found")
				wantUnchanged(t, p)
			})
		}
	}
}

// wantUnchanged asserts that product p is still stored exactly as it was.
func wantUnchanged(t *testing.T, p product) {
	t.Helper()
	r := do(t, http.MethodGet, "/products/"+p.ID, nil, nil)
	if r.status != http.StatusOK {
		t.Fatalf("get %s: status %d %s", p.ID, r.status, r.body)
	}
	if diff := cmp.Diff(p, decode[product](t, r)); diff != "" {
		t.Errorf("product %s changed by a rejected request (-before +after):\n%s", p.ID, diff)
	}
}

// The template's JWT authorizer guards the writes (infra attaches it to every non-public
// route) and leaves the reads open.
func TestWritesNeedAToken(t *testing.T) {
	noToken := map[string]string{"Authorization": ""}
	if r := do(t, http.MethodGet, "/products", nil, noToken); r.status != http.StatusOK {
		t.Errorf("GET /products without a token: status %d, want 200", r.status)
	}
	body := []byte(`{"name":"Tokenless Teapot","category":"teapots","price":{"amount":100,"currency":"USD"}}`)
	for _, req := range []struct{ method, path string }{
		{http.MethodPost, "/products"},
		{http.MethodPut, "/products/00000000000000000000000000000000"},
		{http.MethodDelete, "/products/00000000000000000000000000000000"},
	} {
		if r := do(t, req.method, req.path, body, noToken); r.status != http.StatusUnauthorized {
			t.Errorf("%s %s without a token: status %d %s, want 401", req.method, req.path, r.status, r.body)
		}
	}
}
