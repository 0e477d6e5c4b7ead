// Package correlation carries the correlation id of a request or event through a context, so
// every log line, every event a service emits and every consumer downstream can name the chain
// of work it belongs to.
//
// The id is born once, at the edge of the system (an HTTP request's X-Correlation-Id header, or
// else API Gateway's request id), and copied unchanged into every event envelope and from there
// into the context of every consumer that handles the event.
package correlation

import "context"

// Header is the HTTP header a client may set to choose the correlation id of its request;
// responses echo it.
const Header = "X-Correlation-Id"

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
