package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/microshop/microshop/shared/fault"
)

// ETag formats a resource version as a strong entity tag: 3 becomes "3" (with the quotes).
func ETag(version int) string {
	return `"` + strconv.Itoa(version) + `"`
}

// IfMatchVersion returns the resource version the request's If-Match header expects. It accepts
// the bare number (3), the entity tag ETag returns ("3"), and its weak form (W/"3"), since some
// proxies weaken entity tags. It returns a *fault.Error with code PreconditionRequired if the
// header is missing, and Invalid if it is anything else (including "*" and lists of tags).
func IfMatchVersion(r *http.Request) (int, error) {
	// Join all values: a list of tags may arrive as one header or, after proxies, as several.
	h := strings.TrimSpace(strings.Join(r.Header.Values("If-Match"), ","))
	if h == "" {
		return 0, errIfMatchRequired
	}
	tag := strings.TrimPrefix(h, "W/")
	if unquoted, ok := strings.CutPrefix(tag, `"`); ok {
		tag, ok = strings.CutSuffix(unquoted, `"`)
		if !ok {
			return 0, errIfMatchInvalid
		}
	} else if tag != h { // W/ must be followed by a quoted tag
		return 0, errIfMatchInvalid
	}
	if tag == "" || strings.TrimLeft(tag, "0123456789") != "" {
		return 0, errIfMatchInvalid
	}
	v, err := strconv.Atoi(tag)
	if err != nil { // too many digits
		return 0, errIfMatchInvalid
	}
	return v, nil
}

var (
	errIfMatchRequired = fault.New(fault.PreconditionRequired,
		`If-Match header is required: send the ETag of the version you read, e.g. If-Match: "3"`)
	errIfMatchInvalid = fault.New(fault.Invalid,
		`If-Match must be a single version ETag, e.g. "3"`)
)
