// Package site serves a static web site the way the shop's CloudFront distribution serves
// its private S3 bucket: the objects a bucket deployment writes (template.Model.SiteFiles),
// with
//
//   - the default root object: "/" is index.html;
//   - the SPA fallback of the distribution's viewer-request function: a path whose last
//     segment has no file extension ("/products/42", "/cart/") is answered with index.html
//     and status 200, so client-side routes survive a reload;
//   - a missing object with an extension answered 403 AccessDenied, as S3 answers
//     CloudFront's origin access control without s3:ListBucket (never a directory listing);
//   - GET and HEAD only (the distribution's allowed methods), conditional and range requests;
//   - Content-Type from the file extension, as the deployment's `aws s3 sync` sets it;
//   - the distribution's response headers (security headers, Content-Security-Policy) when
//     given in Options.Headers.
package site

import (
	"bytes"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// IndexDocument is the distribution's default root object and SPA fallback.
const IndexDocument = "index.html"

// Options configure a Handler.
type Options struct {
	// Headers are added to every response (the response headers policy).
	Headers map[string]string
	// ModTime is the objects' Last-Modified; default: when New was called.
	ModTime time.Time
}

// Handler serves a site's objects. It is safe for concurrent use; its objects never change.
type Handler struct {
	files   map[string][]byte
	opts    Options
	modTime time.Time
}

// New serves files, by object key (no leading slash).
func New(files map[string][]byte, opts Options) *Handler {
	h := &Handler{files: map[string][]byte{}, opts: opts, modTime: opts.ModTime}
	for k, v := range files {
		h.files[strings.TrimPrefix(k, "/")] = v
	}
	if h.modTime.IsZero() {
		h.modTime = time.Now().UTC().Truncate(time.Second)
	}
	return h
}

// contentTypes are fixed for the types a site ships, whatever the machine's mime tables say.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
	".webmanifest": "application/manifest+json",
	".woff2":       "font/woff2",
}

// ContentType is the Content-Type an object is served with.
func ContentType(key string) string {
	ext := strings.ToLower(path.Ext(key))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "binary/octet-stream" // S3's default
}

// Key is the object key a request path is answered from, applying the default root object
// and the SPA fallback.
func Key(urlPath string) string {
	p := path.Clean("/" + urlPath)
	last := urlPath[strings.LastIndex(urlPath, "/")+1:]
	if p == "/" || !strings.Contains(last, ".") {
		return IndexDocument
	}
	return strings.TrimPrefix(p, "/")
}

// ServeHTTP answers one viewer request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range h.opts.Headers {
		w.Header().Set(k, v)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("<h1>403 ERROR</h1><p>This distribution is not configured to allow the HTTP request method that was used for this request.</p>\n"))
		return
	}
	key := Key(r.URL.Path)
	data, ok := h.files[key]
	if !ok {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`))
		return
	}
	w.Header().Set("Content-Type", ContentType(key))
	http.ServeContent(w, r, "", h.modTime, bytes.NewReader(data))
}
