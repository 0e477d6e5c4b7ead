package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/microshop/microshop/shared/fault"
)

// MaxBodyBytes is the largest request body DecodeJSON accepts: 1 MiB.
const MaxBodyBytes = 1 << 20

// DecodeJSON reads the request body, which must be exactly one JSON object, into v (a pointer to
// a struct). It returns a *fault.Error a client can act on:
//   - UnsupportedMediaType if a Content-Type is given and is not application/json (parameters
//     such as charset are allowed; a missing Content-Type is accepted as JSON);
//   - TooLarge if the body exceeds MaxBodyBytes;
//   - Invalid if the body is empty, malformed, not an object, followed by more data, not valid
//     UTF-8, has a key that is not exactly the JSON name of one of v's fields (at any depth;
//     encoding/json alone would match "NAME" to "name"), has a key twice in one object
//     (encoding/json alone would keep the last), or has a value of the wrong type; the
//     message names the field, with its path for nested ones ("price.amount").
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mediaType, _, err := mime.ParseMediaType(ct)
		if err != nil || mediaType != "application/json" {
			return errUnsupportedMediaType
		}
	}

	// Read the value as raw JSON first: the syntax, size and trailing-data checks then see the
	// whole body before any field is interpreted.
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil && isMaxBytes(err) {
			return errTooLarge
		}
		return fault.New(fault.Invalid, "request body must hold a single JSON object and nothing after it")
	}
	if !bytes.HasPrefix(raw, []byte("{")) { // Decode strips leading white space from RawMessage
		return errNotObject
	}

	if err := checkKeys(raw, reflect.TypeOf(v)); err != nil {
		return err
	}
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	if err := strict.Decode(v); err != nil {
		return decodeError(err)
	}
	return nil
}

var (
	errUnsupportedMediaType = fault.New(fault.UnsupportedMediaType, "Content-Type must be application/json")
	errTooLarge             = fault.Errorf(fault.TooLarge, "request body exceeds %d bytes", MaxBodyBytes)
	errNotObject            = fault.New(fault.Invalid, "request body must be a JSON object")
)

// decodeError turns an encoding/json or body-reading error into a client-facing *fault.Error.
// Errors that are not the client's fault stay internal.
func decodeError(err error) error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case isMaxBytes(err):
		return errTooLarge
	case errors.Is(err, io.EOF):
		return fault.New(fault.Invalid, "request body is empty; expected a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fault.New(fault.Invalid, "malformed JSON: unexpected end of body")
	case errors.As(err, &syntaxErr):
		return fault.Errorf(fault.Invalid, "malformed JSON at byte %d: %s", syntaxErr.Offset, syntaxErr)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return errNotObject
		}
		return fault.Errorf(fault.Invalid, "%s must be %s", typeErr.Field, describe(typeErr.Type))
	}
	// encoding/json has no error type for unknown fields; this text is its documented behaviour
	// for DisallowUnknownFields and is stable across releases.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fault.Errorf(fault.Invalid, "unknown field %s", name)
	}
	return fmt.Errorf("decode request body: %w", err)
}

// describe names a Go type the way a JSON client thinks of it.
func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return describe(t.Elem())
	default:
		return "a " + t.String()
	}
}
