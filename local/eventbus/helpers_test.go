package eventbus_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/internal/syncbuf"
)

// fixedTime is the clock of most tests.
var fixedTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// newService returns a Service with a fixed clock, fast retries and a captured log, and
// closes it when the test ends.
func newService(t *testing.T, opts eventbus.Options) (*eventbus.Service, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	if opts.Clock == nil {
		opts.Clock = func() time.Time { return fixedTime }
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(logs, nil))
	}
	if opts.RetryBase == 0 {
		opts.RetryBase = time.Millisecond
	}
	if opts.RetryMax == 0 {
		opts.RetryMax = 4 * time.Millisecond
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	s := eventbus.New(opts)
	t.Cleanup(func() { _ = s.Close() })
	return s, logs
}

// serve starts an HTTP server for s.
func serve(t *testing.T, s *eventbus.Service) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

// call posts an AWS JSON 1.1 request and returns the status and the decoded body.
func call(t *testing.T, url, op, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSEvents."+op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("%s Content-Type = %q", op, ct)
	}
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s response %s: %v", op, raw, err)
	}
	return resp.StatusCode, out
}

// recorder is a target's Deliver that records payloads.
type recorder struct {
	got chan []byte
}

func newRecorder() *recorder { return &recorder{got: make(chan []byte, 100)} }

func (r *recorder) deliver(_ context.Context, payload []byte) error {
	r.got <- append([]byte(nil), payload...)
	return nil
}

// next waits for one delivery.
func (r *recorder) next(t *testing.T) []byte {
	t.Helper()
	select {
	case p := <-r.got:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery within 5s")
		return nil
	}
}

// none checks that nothing was delivered once s is idle.
func (r *recorder) none(t *testing.T, s *eventbus.Service) {
	t.Helper()
	flush(t, s)
	select {
	case p := <-r.got:
		t.Errorf("unexpected delivery %s", p)
	default:
	}
}

func flush(t *testing.T, s *eventbus.Service) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

func addRule(t *testing.T, s *eventbus.Service, r eventbus.Rule) {
	t.Helper()
	if err := s.AddRule(r); err != nil {
		t.Fatalf("AddRule(%s): %v", r.Name, err)
	}
}

// putEvents is a PutEvents request body for entries given as JSON objects.
func putEvents(entries ...string) string {
	return `{"Entries":[` + strings.Join(entries, ",") + `]}`
}
