// Package console is devcloud's local console: web pages and a JSON API, served on the edge
// port under Prefix to loopback clients only, that show the running stack — its functions and
// their invocations, the trace of one request across every hop, events, queues, tables, users
// and the mailbox.
//
// The Console itself is the frame: a registry of pages (each listed in the navigation) and of
// API routes, the page layout, the embedded static files (one stylesheet, plain ES modules, no
// CDN, so the console works offline) and the helpers every page and route uses (JSON answers,
// errors in the shop's error shape, live updates as server-sent events). What each page shows
// is registered by the parts of the runtime that record it.
package console

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Prefix is where the console is mounted on the edge; APIPrefix is its JSON API.
const (
	Prefix    = "/_console/"
	APIPrefix = Prefix + "api/"
)

//go:embed static
var static embed.FS

// Page is an entry of the console's navigation.
type Page struct {
	// Path is the page's path below Prefix ("functions"); "" is the index.
	Path string
	// Title is its name in the navigation and its heading.
	Title string
	// Summary is one line on the index page.
	Summary string
}

// Console serves the pages and API routes registered with it. The zero value is not usable;
// call New. Register before serving.
type Console struct {
	mu    sync.Mutex
	pages []Page
	mux   *http.ServeMux
}

// New returns a console with its index page, static files and no other page.
func New() *Console {
	c := &Console{mux: http.NewServeMux()}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	c.mux.Handle("GET "+Prefix+"static/", http.StripPrefix(Prefix+"static/", http.FileServerFS(sub)))
	c.mux.HandleFunc("GET "+Prefix+"{$}", c.index)
	c.mux.HandleFunc("GET "+APIPrefix+"pages", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{"pages": c.Pages()})
	})
	c.mux.HandleFunc(APIPrefix, func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, "NotFound", "no console API at "+r.URL.Path)
	})
	return c
}

// HandlePage registers a page: h serves GET Prefix+p.Path (and anything below it, for pages
// with sub-pages such as "traces/<id>"), and p is listed in the navigation in registration
// order. h usually renders with Render.
func (c *Console) HandlePage(p Page, h http.Handler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pages = append(c.pages, p)
	c.mux.Handle("GET "+Prefix+p.Path, h)
	c.mux.Handle("GET "+Prefix+p.Path+"/", h)
}

// HandleAPI registers an API route. pattern is a net/http pattern whose path is relative to
// APIPrefix, with an optional method: "GET functions/{name}/invocations".
func (c *Console) HandleAPI(pattern string, h http.Handler) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	} else {
		method += " "
	}
	c.mux.Handle(method+APIPrefix+strings.TrimPrefix(path, "/"), h)
}

// Pages lists the registered pages in navigation order.
func (c *Console) Pages() []Page {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.pages)
}

// ServeHTTP serves loopback clients only: the console can read and change everything.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !loopback(r.RemoteAddr) {
		WriteError(w, http.StatusForbidden, "Forbidden", "the console is served to loopback clients only")
		return
	}
	c.mux.ServeHTTP(w, r)
}

func (c *Console) index(w http.ResponseWriter, r *http.Request) {
	c.Render(w, r, "Console", indexTmpl, c.Pages())
}

var indexTmpl = template.Must(template.New("index").Parse(`
<p>What the running stack is doing. Every page reads the JSON API under <code>{{"/_console/api/"}}</code>.</p>
<ul class="pages">{{range .}}<li><a href="/_console/{{.Path}}">{{.Title}}</a> — {{.Summary}}</li>{{end}}</ul>`))

var layout = template.Must(template.New("layout").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · devcloud console</title>
<link rel="stylesheet" href="/_console/static/console.css">
<script type="module" src="/_console/static/console.js"></script>
</head><body>
<header><a class="brand" href="/_console/">devcloud console</a>
<nav aria-label="Console">{{range .Pages}}<a href="/_console/{{.Path}}"{{if eq .Path $.Current}} aria-current="page"{{end}}>{{.Title}}</a>{{end}}</nav></header>
<main><h1>{{.Title}}</h1>
{{.Body}}
</main></body></html>`))

// Render writes a page: body executed with data inside the console's layout, titled title.
// A page's own script is an ES module under static/ loaded by body with
// <script type="module" src="/_console/static/<name>.js">.
func (c *Console) Render(w http.ResponseWriter, r *http.Request, title string, body *template.Template, data any) {
	var sb strings.Builder
	if err := body.Execute(&sb, data); err != nil {
		WriteError(w, http.StatusInternalServerError, "RenderFailed", err.Error())
		return
	}
	current := strings.TrimPrefix(r.URL.Path, Prefix)
	current, _, _ = strings.Cut(current, "/")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = layout.Execute(w, map[string]any{
		"Title": title, "Pages": c.Pages(), "Current": current,
		"Body": template.HTML(sb.String()), //nolint:gosec // executed by html/template above
	})
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError answers the shop's error shape: {"error":{"code","message"},"requestId"}.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	WriteJSON(w, status, map[string]any{
		"error":     map[string]string{"code": code, "message": message},
		"requestId": requestID(),
	})
}

// Stream serves server-sent events to a page: every interval it calls snapshot and, when the
// JSON differs from the last one sent, sends it as a "message" event; it returns when the
// client goes away. Pages read it with EventSource (see static/console.js, live()).
func Stream(w http.ResponseWriter, r *http.Request, interval time.Duration, snapshot func() (any, error)) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		WriteError(w, http.StatusInternalServerError, "NoStreaming", "the connection cannot stream")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	var last []byte
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		v, err := snapshot()
		if err != nil {
			fmt.Fprintf(w, "event: error\ndata: %s\n\n", mustJSON(map[string]string{"message": err.Error()}))
			flusher.Flush()
			return
		}
		if b := mustJSON(v); string(b) != string(last) {
			fmt.Fprintf(w, "data: %s\n\n", b)
			flusher.Flush()
			last = b
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return b
}

func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
