package site_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/site"
)

var files = map[string][]byte{
	"index.html":      []byte("<!doctype html><title>shop</title>"),
	"app.js":          []byte("export const x = 1;"),
	"style.css":       []byte("body{}"),
	"config.json":     []byte(`{"apiUrl":"http://127.0.0.1:3000"}`),
	"img/product.svg": []byte("<svg/>"),
	"img/index.html":  []byte("nested index"),
}

// The handler answers like the distribution: root object, SPA fallback for extensionless
// paths, 403 for a missing object, GET and HEAD only, content types by extension.
func TestServesLikeCloudFront(t *testing.T) {
	h := site.New(files, site.Options{Headers: map[string]string{"X-Frame-Options": "DENY"}})
	tests := []struct {
		method, path string
		status       int
		contentType  string
		body         string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", string(files["index.html"])},
		{"GET", "/index.html", 200, "text/html; charset=utf-8", string(files["index.html"])},
		{"GET", "/products/42", 200, "text/html; charset=utf-8", string(files["index.html"])},
		{"GET", "/orders/", 200, "text/html; charset=utf-8", string(files["index.html"])},
		{"GET", "/img/", 200, "text/html; charset=utf-8", string(files["index.html"])}, // no listing, no directory index
		{"GET", "/app.js", 200, "text/javascript; charset=utf-8", string(files["app.js"])},
		{"GET", "/style.css", 200, "text/css; charset=utf-8", string(files["style.css"])},
		{"GET", "/config.json", 200, "application/json", string(files["config.json"])},
		{"GET", "/img/product.svg", 200, "image/svg+xml", "<svg/>"},
		{"GET", "/missing.js", 403, "application/xml", ""},
		{"GET", "/img/../app.js", 200, "text/javascript; charset=utf-8", string(files["app.js"])},
		{"HEAD", "/app.js", 200, "text/javascript; charset=utf-8", ""},
		{"POST", "/", 403, "text/html", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			resp := w.Result()
			body, _ := io.ReadAll(resp.Body)
			got := []any{resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Frame-Options")}
			want := []any{tt.status, tt.contentType, "DENY"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("status, content type, header (-want +got):\n%s", diff)
			}
			if tt.body != "" && string(body) != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			if tt.status == 403 && tt.method == "GET" && len(body) == 0 {
				t.Error("403 without a body")
			}
		})
	}
}

// Conditional requests work, so a browser revalidates instead of downloading again.
func TestConditionalGet(t *testing.T) {
	h := site.New(files, site.Options{})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/app.js", nil))
	lm := w.Header().Get("Last-Modified")
	if lm == "" {
		t.Fatal("no Last-Modified")
	}
	r := httptest.NewRequest("GET", "/app.js", nil)
	r.Header.Set("If-Modified-Since", lm)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusNotModified {
		t.Errorf("revalidation status = %d, want 304", w.Code)
	}
}

func TestContentType(t *testing.T) {
	for key, want := range map[string]string{
		"a.mjs": "text/javascript; charset=utf-8", "a.PNG": "image/png", "a.unknownext": "binary/octet-stream",
		"site.webmanifest": "application/manifest+json",
	} {
		if got := site.ContentType(key); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", key, got, want)
		}
	}
}
