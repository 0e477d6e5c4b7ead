package jwtauth

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/lambdahost"
)

// recorder is a fake Invoker that keeps the last event.
type recorder struct {
	mu   sync.Mutex
	last []byte
}

func (r *recorder) Invoke(_ context.Context, _ string, payload []byte) (*lambdahost.Result, error) {
	r.mu.Lock()
	r.last = append([]byte(nil), payload...)
	r.mu.Unlock()
	return &lambdahost.Result{Payload: []byte(`{"statusCode":200,"body":"ok"}`)}, nil
}

// TestThroughHTTPAPI serves the template's HTTP API with the Authorizer plugged in, and
// checks what clients and the function see.
func TestThroughHTTPAPI(t *testing.T) {
	m := loadModel(t)
	functions := map[string]string{}
	for id, fn := range m.Functions {
		functions[id] = fn.Name
	}
	inv := &recorder{}
	srv := httptest.NewServer(apigw.New(m.APIs[0], functions, inv, apigw.Options{Authorizer: FromModel(m, sharedIssuer())}))
	defer srv.Close()

	admin := issue(t, Claims{Subject: "alice", Groups: []string{"admin"}, Scopes: []string{"orders/admin"}})
	reader := issue(t, Claims{Subject: "bob", Scopes: []string{"orders/read"}})
	tests := []struct {
		name, method, path, token string
		wantStatus                int
		wantBody                  string
	}{
		{"public route, no token", "GET", "/public", "", 200, "ok"},
		{"protected route, no token", "GET", "/orders", "", 401, `{"message":"Unauthorized"}`},
		{"protected route, bad token", "GET", "/orders", "Bearer x.y.z", 401, `{"message":"Unauthorized"}`},
		{"protected route, token", "GET", "/orders", "Bearer " + reader, 200, "ok"},
		{"scoped route, scope missing", "DELETE", "/orders/1", "Bearer " + reader, 403, `{"message":"Forbidden"}`},
		{"scoped route, scope present", "DELETE", "/orders/1", "Bearer " + admin, 200, "ok"},
		{"Lambda authorizer route", "GET", "/keyed", "Bearer " + admin, 500, `{"message":"Internal Server Error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
		})
	}

	// The last successful call was the admin's: its event carries the claims.
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(inv.last, &ev); err != nil {
		t.Fatal(err)
	}
	jwt := ev.RequestContext.Authorizer.JWT
	if jwt == nil {
		t.Fatalf("event has no authorizer.jwt: %s", inv.last)
	}
	got := map[string]string{"sub": jwt.Claims["sub"], "cognito:groups": jwt.Claims["cognito:groups"], "scope": jwt.Claims["scope"]}
	want := map[string]string{"sub": "alice", "cognito:groups": "[admin]", "scope": "orders/admin"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"orders/admin"}, jwt.Scopes); diff != "" {
		t.Errorf("scopes mismatch (-want +got):\n%s", diff)
	}
}
