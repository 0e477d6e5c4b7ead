package apigw

import (
	"errors"
	"net/http"
	"strconv"
)

// Errors an Authorizer returns to refuse a request.
var (
	// ErrUnauthorized refuses a request without valid credentials: 401 {"message":"Unauthorized"}.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden refuses a request whose credentials lack a required scope:
	// 403 {"message":"Forbidden"}.
	ErrForbidden = errors.New("forbidden")
)

// Failures of the request path; statusOf maps them to what API Gateway answers.
var (
	errNoRoute            = errors.New("no route")
	errTooLarge           = errors.New("request body over 10 MB")
	errIntegrationTimeout = errors.New("integration timeout")
	errFunction           = errors.New("function failed")
	errInvalidResponse    = errors.New("invalid function response")
)

// statusOf is the one place a failure becomes an HTTP status. Everything not listed
// (an invocation that never ran, a broken route, an authorizer failure) is a 500.
func statusOf(err error) int {
	switch {
	case errors.Is(err, errNoRoute):
		return http.StatusNotFound
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errIntegrationTimeout):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	default:
		return http.StatusInternalServerError
	}
}

// errorBodies are API Gateway's bodies for the statuses it generates itself.
var errorBodies = map[int][]byte{
	http.StatusUnauthorized:          []byte(`{"message":"Unauthorized"}`),
	http.StatusForbidden:             []byte(`{"message":"Forbidden"}`),
	http.StatusNotFound:              []byte(`{"message":"Not Found"}`),
	http.StatusRequestEntityTooLarge: []byte(`{"message":"Request Entity Too Large"}`),
	http.StatusInternalServerError:   []byte(`{"message":"Internal Server Error"}`),
	http.StatusServiceUnavailable:    []byte(`{"message":"Service Unavailable"}`),
}

// writeError answers err the way API Gateway does and returns the status written.
func writeError(w http.ResponseWriter, err error) int {
	status := statusOf(err)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(errorBodies[status])))
	w.WriteHeader(status)
	_, _ = w.Write(errorBodies[status])
	return status
}
