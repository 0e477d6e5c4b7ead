package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/microshop/microshop/shared/fault"
)

// checkKeys walks the JSON text data, which must be syntactically valid, against the Go type t
// and returns a *fault.Error for the first thing encoding/json would quietly accept: an object
// key that is not exactly a field's JSON name (encoding/json matches names case-insensitively,
// so {"NAME":..} would set Name), a key that appears twice in one object (encoding/json keeps
// the last), or a string that is not valid UTF-8 (encoding/json replaces the bad bytes with
// U+FFFD). Values whose JSON shape does not fit t are skipped, not judged: the decode that
// follows reports those type errors.
func checkKeys(data []byte, t reflect.Type) error {
	w := keyWalker{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	w.dec.UseNumber() // numbers are not interpreted here; this keeps big ones from failing
	return w.value(t, "")
}

type keyWalker struct {
	data []byte
	dec  *json.Decoder
}

// token returns the next token and, for a string, checks that its bytes in data are UTF-8.
// The bytes since the previous token are the string plus ASCII punctuation and white space.
func (w *keyWalker) token(path string) (json.Token, error) {
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return nil, fmt.Errorf("check JSON keys: %w", err) // data was checked before: a bug
	}
	if _, ok := tok.(string); ok && !utf8.Valid(w.data[start:w.dec.InputOffset()]) {
		if path == "" {
			return nil, fault.New(fault.Invalid, "request body must be valid UTF-8")
		}
		return nil, fault.Errorf(fault.Invalid, "%s must be valid UTF-8", path)
	}
	return tok, nil
}

// value checks the next JSON value, found at path, against t; a nil t accepts any keys but
// still rejects duplicates and invalid UTF-8.
func (w *keyWalker) value(t reflect.Type, path string) error {
	t = target(t)
	tok, err := w.token(path)
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return w.object(t, path)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, err := w.token(path) // ]
		return err
	}
	return nil // a scalar
}

// object checks the members of an object whose '{' has been read.
func (w *keyWalker) object(t reflect.Type, path string) error {
	var fields map[string]reflect.Type // nil: any key goes
	var elem reflect.Type
	switch {
	case t == nil:
	case t.Kind() == reflect.Struct:
		fields = map[string]reflect.Type{}
		jsonFields(t, fields)
	case t.Kind() == reflect.Map:
		elem = t.Elem()
	}
	seen := map[string]bool{}
	for w.dec.More() {
		where := path
		if where == "" {
			where = "the request body"
		}
		tok, err := w.token("a field name in " + where)
		if err != nil {
			return err
		}
		key := tok.(string) // the syntax was checked, so this token is a key
		name := key
		if path != "" {
			name = path + "." + key
		}
		ft := elem
		if fields != nil {
			var ok bool
			if ft, ok = fields[key]; !ok {
				return unknownField(name, key, fields)
			}
		}
		if seen[key] {
			return fault.Errorf(fault.Invalid, "duplicate field %q", name)
		}
		seen[key] = true
		if err := w.value(ft, name); err != nil {
			return err
		}
	}
	_, err := w.token(path) // }
	return err
}

func unknownField(name, key string, fields map[string]reflect.Type) error {
	for f := range fields {
		if strings.EqualFold(f, key) {
			return fault.Errorf(fault.Invalid, "unknown field %q (field names are case-sensitive: did you mean %q?)", name, f)
		}
	}
	return fault.Errorf(fault.Invalid, "unknown field %q", name)
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// target is the type a JSON value decodes into for a field of type t, with pointers removed,
// or nil if encoding/json does not look inside it (interfaces, custom unmarshalers).
func target(t reflect.Type) reflect.Type {
	for t != nil {
		if t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(jsonUnmarshaler) ||
			reflect.PointerTo(t).Implements(textUnmarshaler) {
			return nil
		}
		if t.Kind() != reflect.Pointer {
			return t
		}
		t = t.Elem()
	}
	return nil
}

// jsonFields adds the JSON names of struct type t's fields to fields, following encoding/json:
// a tag's name or else the Go name, no unexported or "-" fields, and the fields of untagged
// embedded structs promoted. (Go's rules for conflicting promoted names are not copied; our
// request types have none.)
func jsonFields(t reflect.Type, fields map[string]reflect.Type) {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if et := target(f.Type); et != nil && et.Kind() == reflect.Struct {
				jsonFields(et, fields)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = f.Type
	}
}
