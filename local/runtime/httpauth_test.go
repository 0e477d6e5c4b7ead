package runtime_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/runtime"
)

// An HTTP API guarded by a Go Lambda authorizer (SAM HttpApi Auth.Authorizers with
// FunctionArn, payload format 2.0, simple responses), served and called over HTTP: a missing
// identity source is 401 without a call, the authorizer's "no" is 403, its failure 500, and
// its context reaches the route's function as requestContext.authorizer.lambda. The
// authorizer runs as the template's function, so its invocations are in its log group.
func TestSAMHTTPAPILambdaAuthorizerApp(t *testing.T) {
	rt := startRuntime(t, runtime.Config{
		Template: samApp("sam-httpapi-auth"), APIAddr: "127.0.0.1:0", KeyDir: t.TempDir(), CacheDir: t.TempDir(),
	})
	call := func(path, token string) (int, string) {
		t.Helper()
		return getWith(t, rt.APIURL()+path, "Authorization", token)
	}

	tests := []struct {
		name, path, token string
		wantStatus        int
		wantBody          string
	}{
		{"public route, no token", "/public", "", 200, "null"},
		{"no identity source", "/whoami", "", 401, `{"message":"Unauthorized"}`},
		{"authorizer says no", "/whoami", "deny", 403, `{"message":"Forbidden"}`},
		{"authorizer fails", "/whoami", "fail", 500, `{"message":"Internal Server Error"}`},
	}
	for _, tt := range tests {
		if status, body := call(tt.path, tt.token); status != tt.wantStatus || body != tt.wantBody {
			t.Errorf("%s: GET %s = %d %s, want %d %s", tt.name, tt.path, status, body, tt.wantStatus, tt.wantBody)
		}
	}

	status, body := call("/whoami", "allow")
	if status != http.StatusOK {
		t.Fatalf("GET /whoami with an allowed token = %d %s, want 200", status, body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("GET /whoami body %q: %v", body, err)
	}
	m := rt.Model()
	want := map[string]any{
		"user": "alice", "level": float64(3), "routeKey": "GET /whoami",
		"routeArn": "arn:aws:execute-api:" + m.Region + ":" + m.AccountID + ":" + m.APIs[0].ID + "/$default/GET/whoami",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requestContext.authorizer.lambda the route saw (-want +got):\n%s", diff)
	}
	logged(t, rt, "AuthorizerFunction", "the token store is down")
}
