package httpapi

import (
	"fmt"
	"net/http"
	"path"
	"strings"
)

// Routes are a service's handlers keyed by API Gateway route key, e.g. "GET /products/{id}",
// which is also the net/http pattern that serves it.
type Routes map[string]http.Handler

// One returns a handler serving only the route with the given key, as that route's Lambda
// function does; any other request gets a JSON 404.
func (rs Routes) One(key string) (http.Handler, error) {
	h, ok := rs[key]
	if !ok {
		return nil, fmt.Errorf("unknown route %q", key)
	}
	return Routes{key: h}.All(), nil
}

// All returns a handler serving every route, for tests and tools that run a whole API in one
// process; a request no route matches gets a JSON 404. So does a path that is not clean
// ("/orders/a/../b", "//x"): ServeMux would answer it with a 307 redirect and an HTML body
// (found by FuzzAPI), where every answer of the API must be JSON.
func (rs Routes) All() http.Handler {
	mux := http.NewServeMux()
	for key, h := range rs {
		mux.Handle(key, h)
	}
	mux.Handle("/", NotFound())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isClean(r.URL.Path) {
			WriteError(w, r, nil, errNoRoute)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// isClean reports whether p is a path ServeMux serves without redirecting: rooted, and
// unchanged by path.Clean but for a trailing slash.
func isClean(p string) bool {
	c := path.Clean(p)
	return strings.HasPrefix(p, "/") && (p == c || p == c+"/")
}
