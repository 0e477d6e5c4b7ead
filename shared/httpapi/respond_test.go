package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/httpapi"
)

func TestWriteError(t *testing.T) {
	errGone := fault.New(fault.NotFound, "product not found")
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantBody   string
		wantLogged bool
	}{
		{
			name:       "wrapped not found",
			err:        fmt.Errorf("get product 7: %w", errGone),
			wantStatus: http.StatusNotFound,
			wantBody:   `{"error":{"code":"not_found","message":"product not found"},"requestId":"req-1"}`,
		},
		{
			name:       "invalid",
			err:        fault.New(fault.Invalid, "name must be 1 to 200 characters"),
			wantStatus: http.StatusBadRequest,
			wantBody:   `{"error":{"code":"invalid","message":"name must be 1 to 200 characters"},"requestId":"req-1"}`,
		},
		{name: "conflict", err: fault.New(fault.Conflict, "c"), wantStatus: http.StatusConflict, wantBody: `{"error":{"code":"conflict","message":"c"},"requestId":"req-1"}`},
		{name: "precondition failed", err: fault.New(fault.PreconditionFailed, "p"), wantStatus: http.StatusPreconditionFailed, wantBody: `{"error":{"code":"precondition_failed","message":"p"},"requestId":"req-1"}`},
		{name: "precondition required", err: fault.New(fault.PreconditionRequired, "p"), wantStatus: http.StatusPreconditionRequired, wantBody: `{"error":{"code":"precondition_required","message":"p"},"requestId":"req-1"}`},
		{name: "too large", err: fault.New(fault.TooLarge, "t"), wantStatus: http.StatusRequestEntityTooLarge, wantBody: `{"error":{"code":"payload_too_large","message":"t"},"requestId":"req-1"}`},
		{name: "unprocessable", err: fault.New(fault.Unprocessable, "u"), wantStatus: http.StatusUnprocessableEntity, wantBody: `{"error":{"code":"unprocessable","message":"u"},"requestId":"req-1"}`},
		{name: "empty", err: fault.New(fault.Empty, "e"), wantStatus: http.StatusUnprocessableEntity, wantBody: `{"error":{"code":"empty","message":"e"},"requestId":"req-1"}`},
		{name: "not ready", err: fault.New(fault.NotReady, "n"), wantStatus: http.StatusConflict, wantBody: `{"error":{"code":"not_ready","message":"n"},"requestId":"req-1"}`},
		{name: "media type", err: fault.New(fault.UnsupportedMediaType, "m"), wantStatus: http.StatusUnsupportedMediaType, wantBody: `{"error":{"code":"unsupported_media_type","message":"m"},"requestId":"req-1"}`},
		{name: "unauthorized", err: fault.New(fault.Unauthorized, "u"), wantStatus: http.StatusUnauthorized, wantBody: `{"error":{"code":"unauthorized","message":"u"},"requestId":"req-1"}`},
		{name: "forbidden", err: fault.New(fault.Forbidden, "f"), wantStatus: http.StatusForbidden, wantBody: `{"error":{"code":"forbidden","message":"f"},"requestId":"req-1"}`},
		{
			name:       "plain error is internal and hidden",
			err:        errors.New("dial tcp 10.0.0.1:443: connection refused"),
			wantStatus: http.StatusInternalServerError,
			wantBody:   `{"error":{"code":"internal","message":"internal error"},"requestId":"req-1"}`,
			wantLogged: true,
		},
		{
			name:       "internal fault message is hidden",
			err:        fault.New(fault.Internal, "table products-7 missing"),
			wantStatus: http.StatusInternalServerError,
			wantBody:   `{"error":{"code":"internal","message":"internal error"},"requestId":"req-1"}`,
			wantLogged: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			r := httptest.NewRequest(http.MethodGet, "/products/7", nil)
			r = r.WithContext(httpapi.WithRequestID(r.Context(), "req-1"))
			w := httptest.NewRecorder()

			httpapi.WriteError(w, r, log, tt.err)

			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			if got := strings.TrimSpace(w.Body.String()); got != tt.wantBody {
				t.Errorf("body = %s, want %s", got, tt.wantBody)
			}
			if got := logs.Len() > 0; got != tt.wantLogged {
				t.Errorf("logged = %v, want %v (log: %s)", got, tt.wantLogged, logs.String())
			}
		})
	}
}

func TestWriteErrorLogsRequestID(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	r := httptest.NewRequest(http.MethodPut, "/products/7", nil)
	r = r.WithContext(httpapi.WithRequestID(r.Context(), "req-9"))

	httpapi.WriteError(httptest.NewRecorder(), r, log, errors.New("boom"))

	var got map[string]any
	if err := json.Unmarshal(logs.Bytes(), &got); err != nil {
		t.Fatalf("log line is not JSON: %v: %s", err, logs.String())
	}
	want := map[string]any{"requestId": "req-9", "method": "PUT", "path": "/products/7", "error": "boom", "msg": "request failed", "level": "ERROR"}
	delete(got, "time")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log record mismatch (-want +got):\n%s", diff)
	}
}

func TestWriteJSON(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w := httptest.NewRecorder()
	httpapi.WriteJSON(w, r, http.StatusCreated, map[string]string{"name": "Salt & Pepper <Set>"})
	if w.Code != http.StatusCreated {
		t.Errorf("status = %d, want 201", w.Code)
	}
	if got, want := w.Body.String(), "{\"name\":\"Salt & Pepper <Set>\"}\n"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
}

func TestNotFound(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/nope", nil)
	w := httptest.NewRecorder()
	httpapi.NotFound().ServeHTTP(w, r)
	if got, want := strings.TrimSpace(w.Body.String()), `{"error":{"code":"not_found","message":"no such route"},"requestId":""}`; w.Code != http.StatusNotFound || got != want {
		t.Errorf("got %d %s, want 404 %s", w.Code, got, want)
	}
}
