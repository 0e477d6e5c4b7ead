package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/httpapi"
)

type price struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

type input struct {
	Name  string   `json:"name"`
	Price *price   `json:"price"`
	Tags  []string `json:"tags"`
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		want        input
		wantCode    fault.Code
		wantMessage string
	}{
		{
			name:        "object",
			contentType: "application/json",
			body:        `{"name":"Mug","price":{"amount":1250,"currency":"EUR"},"tags":["a"]}`,
			want:        input{Name: "Mug", Price: &price{Amount: 1250, Currency: "EUR"}, Tags: []string{"a"}},
		},
		{name: "charset parameter", contentType: "application/json; charset=utf-8", body: `{"name":"Mug"}`, want: input{Name: "Mug"}},
		{name: "no content type", body: `{"name":"Mug"}`, want: input{Name: "Mug"}},
		{name: "surrounding white space", body: " \n{\"name\":\"Mug\"}\n\t", want: input{Name: "Mug"}},
		{name: "text/plain", contentType: "text/plain", body: `{}`, wantCode: fault.UnsupportedMediaType, wantMessage: "Content-Type must be application/json"},
		{name: "json suffix type", contentType: "application/merge-patch+json", body: `{}`, wantCode: fault.UnsupportedMediaType, wantMessage: "Content-Type must be application/json"},
		{name: "unparsable content type", contentType: "application/json; =", body: `{}`, wantCode: fault.UnsupportedMediaType, wantMessage: "Content-Type must be application/json"},
		{name: "empty", body: ``, wantCode: fault.Invalid, wantMessage: "request body is empty; expected a JSON object"},
		{name: "truncated", body: `{"name":"Mu`, wantCode: fault.Invalid, wantMessage: "malformed JSON: unexpected end of body"},
		{name: "syntax", body: `{"name" "Mug"}`, wantCode: fault.Invalid, wantMessage: "malformed JSON at byte 9: invalid character '\"' after object key"},
		{name: "array", body: `[1]`, wantCode: fault.Invalid, wantMessage: "request body must be a JSON object"},
		{name: "null", body: `null`, wantCode: fault.Invalid, wantMessage: "request body must be a JSON object"},
		{name: "trailing object", body: `{}{}`, wantCode: fault.Invalid, wantMessage: "request body must hold a single JSON object and nothing after it"},
		{name: "trailing garbage", body: `{} x`, wantCode: fault.Invalid, wantMessage: "request body must hold a single JSON object and nothing after it"},
		{name: "unknown field", body: `{"name":"Mug","colour":"red"}`, wantCode: fault.Invalid, wantMessage: `unknown field "colour"`},
		{name: "unknown nested field", body: `{"price":{"amount":1,"cents":2}}`, wantCode: fault.Invalid, wantMessage: `unknown field "price.cents"`},
		{name: "upper-case field", body: `{"Name":"Mug"}`, wantCode: fault.Invalid, wantMessage: `unknown field "Name" (field names are case-sensitive: did you mean "name"?)`},
		{name: "shouting field", body: `{"name":"Mug","TAGS":["a"]}`, wantCode: fault.Invalid, wantMessage: `unknown field "TAGS" (field names are case-sensitive: did you mean "tags"?)`},
		{name: "case variant nested field", body: `{"price":{"Amount":1}}`, wantCode: fault.Invalid, wantMessage: `unknown field "price.Amount" (field names are case-sensitive: did you mean "amount"?)`},
		{name: "Go field name", body: `{"Price":{"amount":1}}`, wantCode: fault.Invalid, wantMessage: `unknown field "Price" (field names are case-sensitive: did you mean "price"?)`},
		{name: "unknown field in an array of objects", body: `{"tags":[{"x":1}]}`, wantCode: fault.Invalid, wantMessage: "tags must be a string"},
		{name: "duplicate field", body: `{"name":"Mug","name":"Cup"}`, wantCode: fault.Invalid, wantMessage: `duplicate field "name"`},
		{name: "duplicate nested field", body: `{"price":{"amount":1,"amount":2}}`, wantCode: fault.Invalid, wantMessage: `duplicate field "price.amount"`},
		{name: "duplicate object", body: `{"price":{"amount":1},"price":null}`, wantCode: fault.Invalid, wantMessage: `duplicate field "price"`},
		{name: "duplicate key inside a value of the wrong type", body: `{"name":{"a":1,"a":2}}`, wantCode: fault.Invalid, wantMessage: `duplicate field "name.a"`},
		{name: "invalid UTF-8 value", body: "{\"name\":\"M\xffg\"}", wantCode: fault.Invalid, wantMessage: "name must be valid UTF-8"},
		{name: "invalid UTF-8 nested value", body: "{\"price\":{\"currency\":\"\xc3(\"}}", wantCode: fault.Invalid, wantMessage: "price.currency must be valid UTF-8"},
		{name: "invalid UTF-8 tag", body: "{\"tags\":[\"a\",\"\xed\xa0\x80\"]}", wantCode: fault.Invalid, wantMessage: "tags[1] must be valid UTF-8"},
		{name: "invalid UTF-8 key", body: "{\"n\xffme\":\"Mug\"}", wantCode: fault.Invalid, wantMessage: "a field name in the request body must be valid UTF-8"},
		{name: "escaped control characters pass", body: `{"name":"M\u0000g\n"}`, want: input{Name: "M\x00g\n"}},
		{name: "escaped surrogate pair", body: `{"name":"\ud83d\ude00"}`, want: input{Name: "😀"}},
		{name: "fractional amount", body: `{"price":{"amount":12.5,"currency":"EUR"}}`, wantCode: fault.Invalid, wantMessage: "price.amount must be an integer"},
		{name: "string amount", body: `{"price":{"amount":"12","currency":"EUR"}}`, wantCode: fault.Invalid, wantMessage: "price.amount must be an integer"},
		{name: "huge amount", body: `{"price":{"amount":1e30}}`, wantCode: fault.Invalid, wantMessage: "price.amount must be an integer"},
		{name: "number name", body: `{"name":7}`, wantCode: fault.Invalid, wantMessage: "name must be a string"},
		{name: "object tags", body: `{"tags":{}}`, wantCode: fault.Invalid, wantMessage: "tags must be an array"},
		{name: "number tag", body: `{"tags":["a",1]}`, wantCode: fault.Invalid, wantMessage: "tags must be a string"},
		{name: "too large", body: `{"name":"` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`, wantCode: fault.TooLarge, wantMessage: "request body exceeds 1048576 bytes"},
		{name: "too large after object", body: `{}` + strings.Repeat(" ", httpapi.MaxBodyBytes), wantCode: fault.TooLarge, wantMessage: "request body exceeds 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/products", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			var got input
			err := httpapi.DecodeJSON(httptest.NewRecorder(), r, &got)
			if code := fault.CodeOf(err); code != tt.wantCode {
				t.Fatalf("DecodeJSON error = %v (code %q), want code %q", err, code, tt.wantCode)
			}
			if msg := messageOf(err); msg != tt.wantMessage {
				t.Errorf("DecodeJSON message = %q, want %q", msg, tt.wantMessage)
			}
			if diff := cmp.Diff(tt.want, got); err == nil && diff != "" {
				t.Errorf("DecodeJSON value mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// messageOf is fault.MessageOf, but "" for a nil error.
func messageOf(err error) string {
	if err == nil {
		return ""
	}
	return fault.MessageOf(err)
}

func TestIfMatchVersion(t *testing.T) {
	tests := []struct {
		header   string // header values, separated by |
		want     int
		wantCode fault.Code
	}{
		{header: `3`, want: 3},
		{header: `"3"`, want: 3},
		{header: `W/"3"`, want: 3},
		{header: ` "12" `, want: 12},
		{header: ``, wantCode: fault.PreconditionRequired},
		{header: `*`, wantCode: fault.Invalid},
		{header: `"three"`, wantCode: fault.Invalid},
		{header: `"3`, wantCode: fault.Invalid},
		{header: `W/3`, wantCode: fault.Invalid},
		{header: `""`, wantCode: fault.Invalid},
		{header: `-1`, wantCode: fault.Invalid},
		{header: `+1`, wantCode: fault.Invalid},
		{header: `"3", "4"`, wantCode: fault.Invalid},
		{header: `"3"|"4"`, wantCode: fault.Invalid},
		{header: `99999999999999999999999`, wantCode: fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPut, "/products/x", nil)
			for _, v := range strings.Split(tt.header, "|") {
				r.Header.Add("If-Match", v)
			}
			got, err := httpapi.IfMatchVersion(r)
			if code := fault.CodeOf(err); code != tt.wantCode {
				t.Fatalf("IfMatchVersion(%q) error = %v (code %q), want code %q", tt.header, err, code, tt.wantCode)
			}
			if got != tt.want {
				t.Errorf("IfMatchVersion(%q) = %d, want %d", tt.header, got, tt.want)
			}
		})
	}
}

func TestETagRoundTrip(t *testing.T) {
	r := httptest.NewRequest(http.MethodPut, "/products/x", nil)
	r.Header.Set("If-Match", httpapi.ETag(42))
	got, err := httpapi.IfMatchVersion(r)
	if err != nil || got != 42 {
		t.Errorf("IfMatchVersion(ETag(42)) = %d, %v; want 42, nil", got, err)
	}
}

type Embedded struct {
	Colour string `json:"colour"`
}

// tagRules has every kind of field whose JSON name encoding/json derives differently.
type tagRules struct {
	Embedded
	Plain   string
	Renamed string            `json:"renamed,omitempty"`
	Skipped string            `json:"-"`
	Extra   map[string]string `json:"extra"`
	Any     any               `json:"any"`
	hidden  string
}

// TestDecodeJSONFieldNames pins the key check to encoding/json's naming rules.
func TestDecodeJSONFieldNames(t *testing.T) {
	tests := []struct {
		body        string
		wantMessage string
	}{
		{body: `{"colour":"red","Plain":"p","renamed":"r","extra":{"A":"1"},"any":{"x":[1]}}`},
		{body: `{"Embedded":{}}`, wantMessage: `unknown field "Embedded"`},
		{body: `{"plain":"p"}`, wantMessage: `unknown field "plain" (field names are case-sensitive: did you mean "Plain"?)`},
		{body: `{"Renamed":"r"}`, wantMessage: `unknown field "Renamed" (field names are case-sensitive: did you mean "renamed"?)`},
		{body: `{"Skipped":"s"}`, wantMessage: `unknown field "Skipped"`},
		{body: `{"-":"s"}`, wantMessage: `unknown field "-"`},
		{body: `{"hidden":"h"}`, wantMessage: `unknown field "hidden"`},
		{body: `{"extra":{"A":"1","A":"2"}}`, wantMessage: `duplicate field "extra.A"`},
		{body: `{"any":{"x":1,"x":2}}`, wantMessage: `duplicate field "any.x"`},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			var got tagRules
			err := httpapi.DecodeJSON(httptest.NewRecorder(), r, &got)
			if msg := messageOf(err); msg != tt.wantMessage {
				t.Errorf("DecodeJSON(%s) = %v, want message %q", tt.body, err, tt.wantMessage)
			}
			if got.hidden != "" {
				t.Errorf("DecodeJSON(%s) set an unexported field", tt.body)
			}
		})
	}
}
