package apigw

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/microshop/microshop/local/template"
)

// This file applies an HTTP API's CORS configuration as API Gateway documents it for HTTP
// APIs (developerguide/http-api-cors.html):
//
//   - with CORS configured, API Gateway itself answers preflight requests (OPTIONS with
//     Origin and Access-Control-Request-Method), even without an OPTIONS route: no route,
//     authorizer or function is involved;
//   - CORS headers are returned only to a request with an Origin header whose origin is
//     allowed ("*", "https://*" and "http://*" are wildcards); other origins get none;
//   - API Gateway adds the configured headers to the integration's response and ignores the
//     CORS headers the integration returns.
//
// Where the documentation is silent the choices are: a preflight is answered 204 with no
// body; a "*" in AllowMethods or AllowHeaders answers with what the preflight requested;
// Access-Control-Allow-Origin is "*" only for a "*" origin without credentials, else the
// request's origin (with Vary: Origin).

// cors is a compiled CorsConfiguration.
type cors struct {
	cfg *template.CORS
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// allowed reports whether origin may call the API, and the Access-Control-Allow-Origin
// value to answer with.
func (c *cors) allowed(origin string) (string, bool) {
	if origin == "" {
		return "", false
	}
	lower := strings.ToLower(origin)
	for _, o := range c.cfg.AllowOrigins {
		switch lo := strings.ToLower(o); {
		case lo == "*":
			if c.cfg.AllowCredentials {
				return origin, true
			}
			return "*", true
		case lo == "https://*" || lo == "http://*":
			if strings.HasPrefix(lower, strings.TrimSuffix(lo, "*")) {
				return origin, true
			}
		case lo == lower:
			return origin, true
		}
	}
	return "", false
}

// list joins a configured list; a "*" in it stands for what the preflight asked for.
func list(configured []string, requested string) string {
	for _, v := range configured {
		if v == "*" {
			if requested != "" {
				return requested
			}
			return "*"
		}
	}
	return strings.Join(configured, ",")
}

// preflight answers a preflight request.
func (c *cors) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if allow, ok := c.allowed(r.Header.Get("Origin")); ok {
		c.originHeaders(h, allow)
		if m := list(c.cfg.AllowMethods, r.Header.Get("Access-Control-Request-Method")); m != "" {
			h.Set("Access-Control-Allow-Methods", m)
		}
		if hd := list(c.cfg.AllowHeaders, r.Header.Get("Access-Control-Request-Headers")); hd != "" {
			h.Set("Access-Control-Allow-Headers", hd)
		}
		if c.cfg.MaxAge >= 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(c.cfg.MaxAge))
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (c *cors) originHeaders(h http.Header, allow string) {
	h.Set("Access-Control-Allow-Origin", allow)
	if allow != "*" {
		h.Add("Vary", "Origin")
	}
	if c.cfg.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// corsWriter replaces the CORS headers of a response with the configured ones when its
// headers are written.
type corsWriter struct {
	http.ResponseWriter
	c           *cors
	allow       string
	ok, written bool
}

func (cw *corsWriter) WriteHeader(status int) {
	if !cw.written {
		cw.written = true
		h := cw.Header()
		for k := range h {
			if strings.HasPrefix(k, "Access-Control-") {
				delete(h, k)
			}
		}
		if cw.ok {
			cw.c.originHeaders(h, cw.allow)
			if len(cw.c.cfg.ExposeHeaders) > 0 {
				h.Set("Access-Control-Expose-Headers", strings.Join(cw.c.cfg.ExposeHeaders, ","))
			}
		}
	}
	cw.ResponseWriter.WriteHeader(status)
}

func (cw *corsWriter) Write(b []byte) (int, error) {
	if !cw.written {
		cw.WriteHeader(http.StatusOK)
	}
	return cw.ResponseWriter.Write(b)
}

// wrap returns the writer an actual (non-preflight) request's response goes through.
func (c *cors) wrap(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	allow, ok := c.allowed(r.Header.Get("Origin"))
	return &corsWriter{ResponseWriter: w, c: c, allow: allow, ok: ok}
}
