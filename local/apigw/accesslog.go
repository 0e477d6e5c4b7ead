package apigw

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// accessLog is a server's log (Options.Log, RestOptions.Log): one line per request and the
// server's notes, each written whole.
type accessLog struct {
	mu sync.Mutex
	w  io.Writer
}

// request writes the request's line:
// "GET /products/abc 200 1.2ms GET /products/{id} -> catalog-get-product".
func (l *accessLog) request(r *http.Request, out outcome, d time.Duration) {
	line := fmt.Appendf(nil, "%s %s %d %.1fms", r.Method, r.URL.Path, out.status, float64(d)/float64(time.Millisecond))
	if out.route != nil {
		line = fmt.Appendf(line, " %s -> %s", out.route.key, out.route.function)
	}
	if res := out.result; res != nil && res.InitDuration > 0 {
		line = fmt.Appendf(line, " (cold start, init %.1fms)", float64(res.InitDuration)/float64(time.Millisecond))
	}
	if out.err != nil {
		line = fmt.Appendf(line, ": %v", out.err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.w.Write(line)
}

// printf writes a note.
func (l *accessLog) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = fmt.Fprintf(l.w, format, args...)
}
