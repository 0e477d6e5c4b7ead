// Package correlation carries the correlation id of a request or event through a context, so
// every log line, every event a service emits and every consumer downstream can name the chain
// of work it belongs to.
//
// The id is born once, at the edge of the system (an HTTP request's X-Correlation-Id header, or
// else API Gateway's request id), and copied unchanged into every event envelope and from there
// into the context of every consumer that handles the event.
package correlation

import (
	"context"
	"strings"
)

// Header is the HTTP header a client may set to choose the correlation id of its request;
// responses echo it.
const Header = "X-Correlation-Id"

// MaxLen is the longest correlation id Valid accepts.
const MaxLen = 128

// Valid reports whether id may serve as a correlation id: 1 to MaxLen characters, each an ASCII
// letter or digit or one of - _ . : = + / (so UUIDs, ULIDs, API Gateway request ids and
// base64 ids pass). Anything else is refused rather than cleaned: the id travels into log
// lines, response headers and events, where a client must not be able to smuggle text.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_.:=+/", c) >= 0:
		default:
			return false
		}
	}
	return true
}

type key struct{}

// With returns a context carrying id. An empty id leaves ctx unchanged.
func With(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, key{}, id)
}

// ID returns the correlation id carried by ctx, or "" when there is none.
func ID(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}
