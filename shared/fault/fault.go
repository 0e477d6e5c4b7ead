// Package fault is the small vocabulary of error codes that every Microshop service uses to
// classify failures it reports to callers.
//
// Domain packages return *Error values (usually as package-level sentinels, so callers can test
// them with errors.Is); transports such as shared/httpapi translate a Code into their own status
// in exactly one place. Any error that carries no *Error is Internal: its text is for logs only
// and never reaches a client.
package fault

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers. The string is part of the public API: clients see it in
// error bodies, so existing codes never change meaning.
type Code string

// The codes. Keep the list short; add one only when callers must react differently to it.
const (
	// Invalid: the request is malformed or breaks a validation rule.
	Invalid Code = "invalid"
	// NotFound: the addressed resource does not exist.
	NotFound Code = "not_found"
	// Conflict: the request clashes with the resource's current state (e.g. it already exists).
	Conflict Code = "conflict"
	// PreconditionFailed: the caller's stated expectation (e.g. a version) no longer holds.
	PreconditionFailed Code = "precondition_failed"
	// PreconditionRequired: the operation needs the caller to state an expectation first.
	PreconditionRequired Code = "precondition_required"
	// Unprocessable: the request is well-formed but cannot be processed as sent (e.g. an
	// Idempotency-Key reused for a different request).
	Unprocessable Code = "unprocessable"
	// Empty: the request is well-formed but what it acts on holds nothing (e.g. an order
	// placed from an empty cart); the client must fill it first.
	Empty Code = "empty"
	// NotReady: the service's copy of another service's data has not caught up with the
	// version the request names yet (e.g. an order from a cart version the orders service has
	// not heard of); the client may retry shortly.
	NotReady Code = "not_ready"
	// TooLarge: the request body exceeds the accepted size.
	TooLarge Code = "payload_too_large"
	// UnsupportedMediaType: the request body is in a format the endpoint does not accept.
	UnsupportedMediaType Code = "unsupported_media_type"
	// Unauthorized: the caller is not signed in (the request carries no identity).
	Unauthorized Code = "unauthorized"
	// Forbidden: the caller is signed in but may not do this.
	Forbidden Code = "forbidden"
	// Internal: anything else. Details are logged, never shown.
	Internal Code = "internal"
)

// Error is an error whose Message is safe to show to the caller.
type Error struct {
	Code    Code
	Message string
}

// New returns an *Error with the given code and client-safe message.
func New(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Errorf is New with a formatted message. It does not wrap: arguments are rendered as text, so
// only pass values the caller may see.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error returns the client-safe message.
func (e *Error) Error() string { return e.Message }

// CodeOf returns the code of the first *Error in err's chain, Internal if there is none, and ""
// for a nil err.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// MessageOf returns the client-safe message for err: the message of the first *Error in its
// chain, or a generic text for internal errors, whose own text may leak implementation details.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Message
	}
	return "internal error"
}
