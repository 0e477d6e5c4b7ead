package apigw_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/apigw"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/template"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) advance(d time.Duration) { c.now = c.now.Add(d) }

// keyedAPI is a REST API with stages "prod" and "dev" whose GET /keyed requires an API key
// and GET /open does not, and the usage plans: Plan covers prod with keys Good (enabled) and
// Off (disabled); DevPlan covers only dev with key DevOnly.
func keyedAPI(throttle *template.UsageThrottle, quota *template.UsageQuota) (*template.RestAPI, map[string]string, []*template.UsagePlan) {
	api, fns := restAPI("GET /keyed", "GET /open")
	api.Stages = append(api.Stages, &template.RestStage{Name: "dev"})
	api.Methods[0].APIKeyRequired = true
	good := &template.APIKey{LogicalID: "Good", ID: "goodid0001", Value: "good-key-value-0123456789", Enabled: true}
	off := &template.APIKey{LogicalID: "Off", ID: "offid00001", Value: "off-key-value-0123456789", Enabled: false}
	dev := &template.APIKey{LogicalID: "DevOnly", ID: "devid00001", Value: "dev-key-value-0123456789", Enabled: true}
	plans := []*template.UsagePlan{
		{LogicalID: "Plan", Stages: []template.UsagePlanStage{{API: "Api", Stage: "prod"}}, Keys: []*template.APIKey{good, off},
			Throttle: throttle, Quota: quota},
		{LogicalID: "DevPlan", Stages: []template.UsagePlanStage{{API: "Api", Stage: "dev"}, {API: "OtherApi", Stage: "prod"}},
			Keys: []*template.APIKey{dev}},
	}
	return api, fns, plans
}

// A method that requires an API key answers 403 {"message":"Forbidden"} without calling the
// function unless x-api-key is an enabled key of a usage plan covering the request's stage;
// a method that does not require one ignores the header.
func TestRestAPIKeyRequired(t *testing.T) {
	api, fns, plans := keyedAPI(nil, nil)
	tests := []struct {
		name, target, key string
		wantStatus        int
		wantBody          string
	}{
		{"missing", "/keyed", "", 403, `{"message":"Forbidden"}`},
		{"unknown", "/keyed", "not-a-key", 403, `{"message":"Forbidden"}`},
		{"disabled", "/keyed", "off-key-value-0123456789", 403, `{"message":"Forbidden"}`},
		{"plan of another stage", "/prod/keyed", "dev-key-value-0123456789", 403, `{"message":"Forbidden"}`},
		{"valid", "/prod/keyed", "good-key-value-0123456789", 200, ""},
		{"valid on the default stage", "/keyed", "good-key-value-0123456789", 200, ""},
		{"key of the stage's plan", "/dev/keyed", "dev-key-value-0123456789", 200, ""},
		{"prod key on dev", "/dev/keyed", "good-key-value-0123456789", 403, `{"message":"Forbidden"}`},
		{"open method without key", "/open", "", 200, ""},
		{"open method with a wrong key", "/open", "not-a-key", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{}
			srv := apigw.NewRest(api, fns, inv, apigw.RestOptions{UsagePlans: plans})
			if err := srv.Err(); err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", tt.target, nil)
			if tt.key != "" {
				r.Header.Set("X-API-Key", tt.key)
			}
			resp := do(t, srv, r)
			body := readAll(t, resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus != 200 {
				if body != tt.wantBody {
					t.Errorf("body %s, want %s", body, tt.wantBody)
				}
				if got := resp.Header.Get("X-Amzn-Errortype"); got != "ForbiddenException" {
					t.Errorf("x-amzn-ErrorType %q, want ForbiddenException", got)
				}
				if n := inv.count(); n != 0 {
					t.Errorf("%d invocations, want none", n)
				}
				return
			}
			if n := inv.count(); n != 1 {
				t.Errorf("%d invocations, want one", n)
			}
		})
	}
}

// The integration's event carries the key and its id in requestContext.identity; a method
// without ApiKeyRequired gets neither.
func TestRestAPIKeyEvent(t *testing.T) {
	api, fns, plans := keyedAPI(nil, nil)
	inv := &fakeInvoker{}
	srv := apigw.NewRest(api, fns, inv, apigw.RestOptions{UsagePlans: plans})
	for _, tt := range []struct{ target, wantKey, wantID string }{
		{"/keyed", "good-key-value-0123456789", "goodid0001"},
		{"/open", "", ""},
	} {
		r := httptest.NewRequest("GET", tt.target, nil)
		r.Header.Set("X-Api-Key", "good-key-value-0123456789")
		if resp := do(t, srv, r); resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d: %s", tt.target, resp.StatusCode, readAll(t, resp.Body))
		}
		ev := restEvent(t, inv.last(t).payload)
		got := []string{ev.RequestContext.Identity.APIKey, ev.RequestContext.Identity.APIKeyID}
		if diff := cmp.Diff([]string{tt.wantKey, tt.wantID}, got); diff != "" {
			t.Errorf("GET %s: identity apiKey, apiKeyId (-want +got):\n%s", tt.target, diff)
		}
	}
}

// The plan's throttle is a token bucket per key: BurstLimit requests at once, then
// RateLimit a second; beyond it 429 Too Many Requests, without calling the function.
func TestRestUsagePlanThrottle(t *testing.T) {
	api, fns, plans := keyedAPI(&template.UsageThrottle{RateLimit: 2, BurstLimit: 3}, nil)
	clock := &fakeClock{now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}
	inv := &fakeInvoker{}
	srv := apigw.NewRest(api, fns, inv, apigw.RestOptions{UsagePlans: plans, Now: clock.Now})
	get := func() (int, string) {
		r := httptest.NewRequest("GET", "/keyed", nil)
		r.Header.Set("X-Api-Key", "good-key-value-0123456789")
		resp := do(t, srv, r)
		return resp.StatusCode, readAll(t, resp.Body)
	}
	for i := range 3 {
		if status, body := get(); status != 200 {
			t.Fatalf("request %d of the burst: %d %s", i+1, status, body)
		}
	}
	status, body := get()
	if status != 429 || body != `{"message":"Too Many Requests"}` {
		t.Fatalf("4th request at once: %d %s, want 429 Too Many Requests", status, body)
	}
	if n := inv.count(); n != 3 {
		t.Errorf("%d invocations, want 3", n)
	}
	clock.advance(500 * time.Millisecond) // one token at 2 a second
	if status, body := get(); status != 200 {
		t.Fatalf("after 500ms: %d %s, want 200", status, body)
	}
	if status, _ := get(); status != 429 {
		t.Fatalf("second request after 500ms: %d, want 429", status)
	}
}

// The plan's quota counts a key's requests per period (here DAY, UTC): beyond Limit 429
// Limit Exceeded until the next day.
func TestRestUsagePlanQuota(t *testing.T) {
	api, fns, plans := keyedAPI(nil, &template.UsageQuota{Limit: 2, Period: "DAY"})
	clock := &fakeClock{now: time.Date(2026, 3, 4, 23, 59, 0, 0, time.UTC)}
	inv := &fakeInvoker{}
	srv := apigw.NewRest(api, fns, inv, apigw.RestOptions{UsagePlans: plans, Now: clock.Now})
	get := func(target string) (int, string) {
		r := httptest.NewRequest("GET", target, nil)
		r.Header.Set("X-Api-Key", "good-key-value-0123456789")
		resp := do(t, srv, r)
		return resp.StatusCode, readAll(t, resp.Body)
	}
	var got []int
	for range 3 {
		status, _ := get("/keyed")
		got = append(got, status)
	}
	if diff := cmp.Diff([]int{200, 200, 429}, got); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s", diff)
	}
	if status, body := get("/keyed"); status != 429 || body != `{"message":"Limit Exceeded"}` {
		t.Errorf("over quota: %d %s, want 429 Limit Exceeded", status, body)
	}
	if status, _ := get("/open"); status != 200 {
		t.Errorf("a method without ApiKeyRequired is not counted: %d, want 200", status)
	}
	clock.advance(2 * time.Minute) // the next UTC day
	if status, body := get("/keyed"); status != 200 {
		t.Errorf("next day: %d %s, want 200", status, body)
	}
}

// Two servers sharing a meter count a plan's quota across their APIs.
func TestRestUsageMeterShared(t *testing.T) {
	api, fns, plans := keyedAPI(nil, &template.UsageQuota{Limit: 1, Period: "MONTH"})
	other, _, _ := keyedAPI(nil, nil)
	other.LogicalID = "OtherApi"
	plans[0].Stages = append(plans[0].Stages, template.UsagePlanStage{API: "OtherApi", Stage: "prod"})
	meter := apigw.NewUsageMeter()
	a := apigw.NewRest(api, fns, &fakeInvoker{}, apigw.RestOptions{UsagePlans: plans, Usage: meter})
	b := apigw.NewRest(other, fns, &fakeInvoker{}, apigw.RestOptions{UsagePlans: plans, Usage: meter})
	var got []int
	for _, srv := range []*apigw.RestServer{a, b} {
		r := httptest.NewRequest("GET", "/keyed", nil)
		r.Header.Set("X-Api-Key", "good-key-value-0123456789")
		got = append(got, do(t, srv, r).StatusCode)
	}
	if diff := cmp.Diff([]int{200, 429}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

// With the AUTHORIZER key source the key is the Lambda authorizer's usageIdentifierKey, not
// the x-api-key header; a request the authorizer refuses is 401 before any key check.
func TestRestAPIKeyFromAuthorizer(t *testing.T) {
	api, fns, plans := keyedAPI(nil, nil)
	api.APIKeySource = "AUTHORIZER"
	api.Authorizers = []*template.RestAuthorizer{{LogicalID: "Auth", Type: "TOKEN", Function: "AuthFn",
		IdentitySource: "method.request.header.Authorization"}}
	api.Methods[0].AuthorizationType, api.Methods[0].AuthorizerID = "CUSTOM", "Auth"
	fns["AuthFn"] = "authorizer"
	reply := func(_ context.Context, name string, payload []byte) (*lambdahost.Result, error) {
		if name != "authorizer" {
			return &lambdahost.Result{Payload: []byte(`{"statusCode":200,"body":"ok"}`)}, nil
		}
		var in struct {
			AuthorizationToken string `json:"authorizationToken"`
		}
		_ = json.Unmarshal(payload, &in)
		out, _ := json.Marshal(map[string]any{
			"principalId": "p",
			"policyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
				map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}}},
			"usageIdentifierKey": in.AuthorizationToken,
		})
		return &lambdahost.Result{Payload: out}, nil
	}
	srv := apigw.NewRest(api, fns, &fakeInvoker{reply: reply}, apigw.RestOptions{UsagePlans: plans})
	if err := srv.Err(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, token, header string
		want                int
	}{
		{"authorizer returns a plan's key", "good-key-value-0123456789", "", 200},
		{"authorizer returns a disabled key", "off-key-value-0123456789", "", 403},
		{"the header is not read", "nothing", "good-key-value-0123456789", 403},
		{"no token: the authorizer's 401 first", "", "good-key-value-0123456789", 401},
	} {
		r := httptest.NewRequest("GET", "/keyed", nil)
		if tt.token != "" {
			r.Header.Set("Authorization", tt.token)
		}
		if tt.header != "" {
			r.Header.Set("X-Api-Key", tt.header)
		}
		if resp := do(t, srv, r); resp.StatusCode != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, readAll(t, resp.Body), tt.want)
		}
	}
}

// The server says at start-up when methods require a key that no usage plan gives.
func TestRestAPIKeyWithoutPlanLogged(t *testing.T) {
	api, fns, _ := keyedAPI(nil, nil)
	var log strings.Builder
	srv := apigw.NewRest(api, fns, &fakeInvoker{}, apigw.RestOptions{Log: &log})
	if !strings.Contains(log.String(), `no usage plan with an API key covers this API: "GET /keyed"`) {
		t.Errorf("log %q does not name GET /keyed", log.String())
	}
	r := httptest.NewRequest("GET", "/keyed", nil)
	r.Header.Set("X-Api-Key", "good-key-value-0123456789")
	if resp := do(t, srv, r); resp.StatusCode != 403 {
		t.Errorf("%d, want 403", resp.StatusCode)
	}
}

// A quota's period starts at 00:00 UTC: each day, each Sunday (WEEK), the 1st (MONTH).
func TestRestUsagePlanQuotaPeriods(t *testing.T) {
	for _, tt := range []struct {
		period         string
		start, samePer time.Time // the first request, one still in its period
		nextPer        time.Time // one in the next period
	}{
		{"DAY", time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 4, 23, 59, 59, 0, time.UTC), time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)},
		// 2026-03-07 is a Saturday.
		{"WEEK", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 7, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)},
		{"MONTH", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		// A local time zone does not move the period: 2026-03-05 01:00 in +02:00 is still the 4th in UTC.
		{"DAY", time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), time.Date(2026, 3, 5, 1, 0, 0, 0, time.FixedZone("x", 2*3600)), time.Date(2026, 3, 5, 0, 0, 1, 0, time.UTC)},
	} {
		t.Run(tt.period, func(t *testing.T) {
			api, fns, plans := keyedAPI(nil, &template.UsageQuota{Limit: 1, Period: tt.period})
			clock := &fakeClock{now: tt.start}
			srv := apigw.NewRest(api, fns, &fakeInvoker{}, apigw.RestOptions{UsagePlans: plans, Now: clock.Now})
			var got []int
			for _, at := range []time.Time{tt.start, tt.samePer, tt.nextPer} {
				clock.now = at
				r := httptest.NewRequest("GET", "/keyed", nil)
				r.Header.Set("X-Api-Key", "good-key-value-0123456789")
				got = append(got, do(t, srv, r).StatusCode)
			}
			if diff := cmp.Diff([]int{200, 429, 200}, got); diff != "" {
				t.Errorf("statuses at start, same period, next period (-want +got):\n%s", diff)
			}
		})
	}
}

// Concurrent requests of one key never get past the quota: exactly Limit of them succeed.
func TestRestUsagePlanQuotaConcurrent(t *testing.T) {
	api, fns, plans := keyedAPI(nil, &template.UsageQuota{Limit: 7, Period: "DAY"})
	inv := &fakeInvoker{}
	srv := apigw.NewRest(api, fns, inv, apigw.RestOptions{UsagePlans: plans})
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Go(func() {
			r := httptest.NewRequest("GET", "/keyed", nil)
			r.Header.Set("X-Api-Key", "good-key-value-0123456789")
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, r)
			statuses[i] = rec.Code
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if diff := cmp.Diff(map[int]int{200: 7, 429: 13}, count); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if n := inv.count(); n != 7 {
		t.Errorf("%d invocations, want 7", n)
	}
}
