package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/microshop/microshop/shared/fault"
)

// WriteJSON writes v as a JSON response with the given status. HTML characters are not escaped:
// the body is JSON for API clients, not markup. If v cannot be encoded (a programming error) it
// writes a 500 error instead, logged to slog.Default().
func WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		WriteError(w, r, nil, fmt.Errorf("encode %T response: %w", v, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the client has gone; nothing left to tell it
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error     errorDetail `json:"error"`
	RequestID string      `json:"requestId"`
}

type errorDetail struct {
	Code    fault.Code `json:"code"`
	Message string     `json:"message"`
}

// WriteError writes err as a JSON error response. The status comes from the fault code of err
// (see StatusOf); the message is the *fault.Error's, never err.Error(), which may hold internal
// detail. Internal errors (5xx) are logged to log, or slog.Default() if log is nil, with the
// request ID, method and path.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := fault.CodeOf(err)
	status := StatusOf(code)
	if status >= http.StatusInternalServerError {
		if log == nil {
			log = slog.Default()
		}
		log.ErrorContext(r.Context(), "request failed",
			slog.String("requestId", RequestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Any("error", err))
	}
	body := errorBody{
		Error:     errorDetail{Code: code, Message: fault.MessageOf(err)},
		RequestID: RequestID(r.Context()),
	}
	buf, mErr := json.Marshal(body)
	if mErr != nil { // cannot happen: strings only; keep the response well-formed anyway
		buf = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(buf, '\n'))
}

// StatusOf is the one mapping from fault codes to HTTP statuses.
func StatusOf(code fault.Code) int {
	switch code {
	case fault.Invalid:
		return http.StatusBadRequest
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.PreconditionFailed:
		return http.StatusPreconditionFailed
	case fault.PreconditionRequired:
		return http.StatusPreconditionRequired
	case fault.Unprocessable, fault.Empty:
		return http.StatusUnprocessableEntity
	case fault.NotReady:
		return http.StatusConflict
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.UnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case fault.Unauthorized:
		return http.StatusUnauthorized
	case fault.Forbidden:
		return http.StatusForbidden
	default:
		return http.StatusInternalServerError
	}
}

// NotFound returns a handler that answers every request with a JSON 404. Mount it at "/" so a
// request no route matches gets the same error shape as every other failure.
func NotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, nil, errNoRoute)
	})
}

var errNoRoute = fault.New(fault.NotFound, "no such route")

// isMaxBytes reports whether err comes from http.MaxBytesReader's limit.
func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
