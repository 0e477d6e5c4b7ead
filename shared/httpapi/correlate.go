package httpapi

import (
	"net/http"

	"github.com/microshop/microshop/shared/correlation"
)

// Correlate is middleware that gives each request its correlation id (see shared/correlation):
// the client's X-Correlation-Id header when it is valid (correlation.Valid), else the API
// Gateway request id. The id goes into the request's context, where log lines and emitted
// events read it, and back to the client in the response's X-Correlation-Id header. An
// invalid header is ignored rather than refused: the id is a tracing aid, not an input.
func Correlate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(correlation.Header)
		if !correlation.Valid(id) {
			id = RequestID(r.Context())
		}
		if id != "" {
			w.Header().Set(correlation.Header, id)
			r = r.WithContext(correlation.With(r.Context(), id))
		}
		next.ServeHTTP(w, r)
	})
}
