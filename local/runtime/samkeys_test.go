package runtime_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/template"
)

// A REST API whose methods require an API key (SAM Auth.ApiKeyRequired with a PER_API
// usage plan of 3 requests a day), served by the real runtime and called over HTTP: no key,
// an unknown key and the disabled key are 403 Forbidden; the generated key and the partner
// key reach the function with requestContext.identity.apiKey and apiKeyId; the partner's
// fourth request of the day is 429 Limit Exceeded while the generated key still has its
// own quota; the method with ApiKeyRequired: false takes no key, and neither does the CORS
// preflight SAM's Cors adds.
func TestSAMRestAPIKeysApp(t *testing.T) {
	ctx := context.Background()
	rt := startRuntime(t, runtime.Config{
		Template: samApp("sam-restapi-keys"), APIAddr: "127.0.0.1:0", KeyDir: t.TempDir(), CacheDir: t.TempDir(),
	})
	rest := rt.RestAPIURLs()
	if len(rest) != 1 || rest[0].Stage != "prod" {
		t.Fatalf("RestAPIURLs = %+v, want PartnerApi (prod)", rest)
	}
	keys := map[string]*template.APIKey{}
	for _, k := range rt.Model().APIKeys {
		keys[k.LogicalID] = k
	}
	generated := keys["PartnerApiApiKey"]
	if generated == nil || !generated.Generated || !generated.Enabled || len(generated.Value) != 40 {
		t.Fatalf("PartnerApiApiKey = %+v, want an enabled generated key of 40 characters", generated)
	}
	call := func(path, key string) (int, string) {
		t.Helper()
		return getWith(t, rest[0].URL+path, "x-api-key", key)
	}
	const partner = "partner-key-0123456789abcdef"

	for _, tt := range []struct{ name, key string }{
		{"no key", ""}, {"unknown key", "not-a-key-of-the-plan"}, {"disabled key", "retired-key-0123456789abcdef"},
	} {
		if status, body := call("/items", tt.key); status != 403 || body != `{"message":"Forbidden"}` {
			t.Errorf("%s: GET /items = %d %s, want 403 Forbidden", tt.name, status, body)
		}
	}
	if status, body := call("/health", ""); status != 200 {
		t.Errorf("GET /health (ApiKeyRequired: false) without a key = %d %s, want 200", status, body)
	}

	type identity struct {
		APIKey   string `json:"apiKey"`
		APIKeyID string `json:"apiKeyId"`
	}
	for _, k := range []*template.APIKey{generated, keys["PartnerKey"]} {
		status, body := call("/prod/items", k.Value)
		if status != 200 {
			t.Fatalf("GET /prod/items with %s = %d %s, want 200", k.LogicalID, status, body)
		}
		var got identity
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		if diff := cmp.Diff(identity{k.Value, k.ID}, got); diff != "" {
			t.Errorf("%s: requestContext.identity (-want +got):\n%s", k.LogicalID, diff)
		}
	}

	// The partner's quota (3 a day): one request used above, two more, then refused.
	var got []int
	for range 3 {
		status, _ := call("/items", partner)
		got = append(got, status)
	}
	if diff := cmp.Diff([]int{200, 200, 429}, got); diff != "" {
		t.Errorf("partner key statuses (-want +got):\n%s", diff)
	}
	if status, body := call("/items", partner); status != 429 || body != `{"message":"Limit Exceeded"}` {
		t.Errorf("partner over quota: %d %s, want 429 Limit Exceeded", status, body)
	}
	if status, body := call("/items", generated.Value); status != 200 {
		t.Errorf("the generated key counts apart: %d %s, want 200", status, body)
	}

	// SAM Cors: the preflight is the MOCK integration's literal headers, without a key
	// (AddApiKeyRequiredToCorsPreflight: false).
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, rest[0].URL+"/items", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	gotCORS := map[string]string{"status": resp.Status}
	for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
		gotCORS[h] = resp.Header.Get(h)
	}
	wantCORS := map[string]string{"status": "200 OK", "Access-Control-Allow-Origin": "http://localhost:5173",
		"Access-Control-Allow-Methods": "GET,OPTIONS", "Access-Control-Allow-Headers": "Content-Type,X-Api-Key", "Access-Control-Max-Age": "600"}
	if diff := cmp.Diff(wantCORS, gotCORS); diff != "" {
		t.Errorf("OPTIONS /items (-want +got):\n%s", diff)
	}
}
