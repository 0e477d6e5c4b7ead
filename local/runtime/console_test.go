package runtime_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/runtime"
)

// consoleAPI sends a request to the console's JSON API and decodes the answer into out; it
// returns the status.
func consoleAPI(t *testing.T, rt *runtime.Runtime, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, rt.ConsoleURL()+"api/"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

type invocationsAnswer struct {
	Invocations []struct {
		RequestID string          `json:"requestId"`
		Event     json.RawMessage `json:"event"`
		Result    json.RawMessage `json:"result"`
		Logs      []string        `json:"logs"`
	} `json:"invocations"`
	Stats struct {
		Invocations int64 `json:"invocations"`
	} `json:"stats"`
}

func getDiscard(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// An HTTP request's invocation is recorded with its event, result and log lines, and its
// trace (request → invocation) is found by the API Gateway request id, its correlation id
// when the function sets none.
func TestConsoleRecordsInvocationsAndTraces(t *testing.T) {
	rt := start(t, runtime.Config{Functions: []string{"echo"}})
	resp := getDiscard(t, rt.APIURL()+"/hello/console")
	corr := resp.Header.Get("Apigw-Requestid")

	var got invocationsAnswer
	if st := consoleAPI(t, rt, "GET", "functions/echo/invocations?q=/hello/console", "", &got); st != http.StatusOK || len(got.Invocations) != 1 {
		t.Fatalf("invocations: %d %+v", st, got)
	}
	inv := got.Invocations[0]
	var ev struct{ RawPath string }
	if err := json.Unmarshal(inv.Event, &ev); err != nil || ev.RawPath != "/hello/console" {
		t.Errorf("event = %s, want the request's", inv.Event)
	}
	if !bytes.Equal(inv.Event, inv.Result) {
		t.Errorf("echo's result %s differs from its event %s", inv.Result, inv.Event)
	}
	if n := len(inv.Logs); n < 3 || !strings.HasPrefix(inv.Logs[0], "START RequestId: "+inv.RequestID) ||
		!strings.HasPrefix(inv.Logs[n-1], "REPORT RequestId: "+inv.RequestID) {
		t.Errorf("logs = %q, want START..REPORT of %s", inv.Logs, inv.RequestID)
	}

	var tr struct {
		Nodes []struct {
			Kind, Name, Function, RequestID string
			Depth                           int
		}
	}
	if st := consoleAPI(t, rt, "GET", "traces/"+corr, "", &tr); st != http.StatusOK {
		t.Fatalf("trace %s: %d", corr, st)
	}
	type node struct {
		Kind, Name, Function, RequestID string
		Depth                           int
	}
	var nodes []node
	for _, n := range tr.Nodes {
		nodes = append(nodes, node(n))
	}
	want := []node{
		{"http", "GET /hello/console", "echo", inv.RequestID, 0},
		{"invoke", "echo", "echo", inv.RequestID, 1},
	}
	if diff := cmp.Diff(want, nodes); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
	var found struct{ Origin string }
	consoleAPI(t, rt, "GET", "traces?q=console", "", &found)
	if found.Origin != corr {
		t.Errorf("searching the path found %q, want %q", found.Origin, corr)
	}
	if st := consoleAPI(t, rt, "GET", "traces/no-such-id", "", nil); st != http.StatusNotFound {
		t.Errorf("unknown trace: %d, want 404", st)
	}
}

func TestConsoleReinvoke(t *testing.T) {
	rt := start(t, runtime.Config{Functions: []string{"echo"}})
	tests := []struct {
		name, function, body string
		wantStatus           int
		wantResult           string
	}{
		{"edited event", "echo", `{"edited":true}`, http.StatusOK, `{"edited":true}`},
		{"not JSON", "echo", `{"edited":`, http.StatusBadRequest, ""},
		{"unknown function", "nope", `{}`, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got struct {
				RequestID string          `json:"requestId"`
				Result    json.RawMessage `json:"result"`
				Error     struct{ Code string }
			}
			st := consoleAPI(t, rt, "POST", "functions/"+tt.function+"/invoke", tt.body, &got)
			if st != tt.wantStatus || string(got.Result) != tt.wantResult {
				t.Errorf("status %d result %s, want %d %s", st, got.Result, tt.wantStatus, tt.wantResult)
			}
		})
	}
	// The re-invocation is recorded like any other.
	var got invocationsAnswer
	consoleAPI(t, rt, "GET", "functions/echo/invocations?q=edited", "", &got)
	if len(got.Invocations) != 1 || string(got.Invocations[0].Event) != `{"edited":true}` {
		t.Errorf("recorded re-invocations: %+v", got.Invocations)
	}
}

// Recording keeps at most RecordSize invocations per function, and none when it is off; the
// same requests are recorded by a runtime that records, so "none" is not a miss.
func TestConsoleRecordingBoundsAndOff(t *testing.T) {
	tests := []struct {
		name      string
		cfg       runtime.Config
		wantKept  int
		wantCount int64
	}{
		{"ring of 2", runtime.Config{RecordSize: 2}, 2, 5},
		{"off", runtime.Config{NoRecording: true}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Functions = []string{"echo"}
			rt := start(t, tt.cfg)
			for range 5 {
				if resp := getDiscard(t, rt.APIURL()+"/x"); resp.StatusCode != http.StatusOK {
					t.Fatalf("GET: %d", resp.StatusCode)
				}
			}
			var got invocationsAnswer
			if st := consoleAPI(t, rt, "GET", "functions/echo/invocations", "", &got); st != http.StatusOK {
				t.Fatalf("invocations: %d", st)
			}
			if len(got.Invocations) != tt.wantKept || got.Stats.Invocations != tt.wantCount {
				t.Errorf("kept %d invocations, counted %d; want %d, %d", len(got.Invocations), got.Stats.Invocations, tt.wantKept, tt.wantCount)
			}
		})
	}
}
