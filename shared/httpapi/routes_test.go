package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/microshop/microshop/shared/httpapi"
)

func TestRoutes(t *testing.T) {
	ok := func(body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) })
	}
	rs := httpapi.Routes{"GET /a/{id}": ok("a"), "POST /b": ok("b")}
	one, err := rs.One("GET /a/{id}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rs.One("GET /nope"); err == nil {
		t.Error("One accepted an unknown route key")
	}
	tests := []struct {
		name         string
		h            http.Handler
		method, path string
		want         int
	}{
		{"one: its route", one, "GET", "/a/1", http.StatusOK},
		{"one: another route", one, "POST", "/b", http.StatusNotFound},
		{"all: a route", rs.All(), "POST", "/b", http.StatusOK},
		{"all: no route", rs.All(), "GET", "/c", http.StatusNotFound},
		// ServeMux alone would redirect these (307, HTML body) to /a/1 and /a/x.
		{"one: dot-dot in the path", one, "GET", "/a/b/../1", http.StatusNotFound},
		{"all: double slash", rs.All(), "GET", "//a/x", http.StatusNotFound},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		tt.h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != tt.want {
			t.Errorf("%s: %s %s = %d, want %d", tt.name, tt.method, tt.path, w.Code, tt.want)
		}
		if ct := w.Header().Get("Content-Type"); w.Code == http.StatusNotFound && ct != "application/json" {
			t.Errorf("%s: %s %s answers Content-Type %q, want application/json", tt.name, tt.method, tt.path, ct)
		}
	}
}
