package pattern

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Match reports whether the event (a JSON object) matches the pattern. Invalid JSON never
// matches.
func (p *Pattern) Match(event []byte) bool {
	v, err := Decode(event)
	if err != nil {
		return false
	}
	return p.MatchValue(v)
}

// Decode parses an event for MatchValue: objects, arrays, strings, json.Number, bools, nil.
// Decode once and call MatchValue for each rule when matching one event against many.
func Decode(event []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// MatchValue is Match for an event already decoded by Decode (numbers as json.Number;
// float64 is accepted too).
//
// Semantics (event-ruler's): fields are ANDed, the values listed for a field are ORed, a
// field whose event value is an array matches when any element matches, and a pattern
// object applied to an array of objects must be satisfied by one element. Unlike
// event-ruler, {"exists": false} is evaluated per array element in that case.
func (p *Pattern) MatchValue(event any) bool { return p.root.match(event) }

// match applies the object pattern to v; v is absent (nil with present=false) when the
// event has no such field, and non-object values behave as objects without fields.
func (o *object) match(v any) bool {
	if arr, ok := v.([]any); ok {
		objs := objectsIn(arr, nil)
		if len(objs) == 0 {
			return o.matchFields(nil)
		}
		for _, e := range objs {
			if o.matchFields(e) {
				return true
			}
		}
		return false
	}
	m, _ := v.(map[string]any)
	return o.matchFields(m)
}

func objectsIn(arr []any, out []map[string]any) []map[string]any {
	for _, e := range arr {
		switch e := e.(type) {
		case map[string]any:
			out = append(out, e)
		case []any:
			out = objectsIn(e, out)
		}
	}
	return out
}

func (o *object) matchFields(m map[string]any) bool {
	for i := range o.fields {
		f := &o.fields[i]
		v, present := m[f.name]
		if f.obj != nil {
			if !present {
				v = nil
			}
			if !f.obj.match(v) {
				return false
			}
			continue
		}
		if !f.matchLeaf(v, present) {
			return false
		}
	}
	for _, group := range o.ors {
		any := false
		for _, b := range group {
			if b.matchFields(m) {
				any = true
				break
			}
		}
		if !any {
			return false
		}
	}
	return true
}

// matchLeaf applies the field's leaf matchers to the scalar values at the field: the value
// itself, or an array's scalar elements (nested arrays flattened); objects are not leaves.
// It walks the value in place rather than collecting the scalars, as this runs for every
// field of every rule on each PutEvents entry.
func (f *field) matchLeaf(v any, present bool) bool {
	if len(f.exist) > 0 {
		has := present && hasLeaf(v)
		for _, want := range f.exist {
			if want == has {
				return true
			}
		}
	}
	return present && f.anyLeaf(v)
}

// hasLeaf reports whether v is a scalar or an array holding one at any depth.
func hasLeaf(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		return false
	case []any:
		for _, e := range v {
			if hasLeaf(e) {
				return true
			}
		}
		return false
	default:
		return true
	}
}

// anyLeaf reports whether one of the field's matchers matches a scalar in v.
func (f *field) anyLeaf(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		return false
	case []any:
		for _, e := range v {
			if f.anyLeaf(e) {
				return true
			}
		}
		return false
	default:
		for _, m := range f.leaf {
			if m.match(v) {
				return true
			}
		}
		return false
	}
}

// matcher tests one scalar event value.
type matcher interface{ match(v any) bool }

// numberText returns a number's literal, for json.Number or float64 values.
func numberText(v any) (string, bool) {
	switch n := v.(type) {
	case json.Number:
		return n.String(), true
	case float64:
		return strconv.FormatFloat(n, 'g', -1, 64), true
	}
	return "", false
}

type exactString struct{ s string }

func (m exactString) match(v any) bool { s, ok := v.(string); return ok && s == m.s }

// exactIP is an exact string that event-ruler reads as an IP address: equal addresses
// match whatever their spelling.
type exactIP struct {
	exactString
	ip []byte
}

func (m exactIP) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	if s == m.s {
		return true
	}
	a, ok := parseIP(s)
	return ok && bytes.Equal(a.AsSlice(), m.ip)
}

func newExactString(s string) matcher {
	if a, ok := parseIP(s); ok {
		return exactIP{exactString{s}, a.AsSlice()}
	}
	return exactString{s}
}

// exactNumber matches the same literal, or a numerically equal number within ±5e9.
type exactNumber struct {
	text   string
	n      int64
	ranged bool
}

func newExactNumber(s string) matcher {
	n, ok := comparable(s)
	return exactNumber{text: s, n: n, ranged: ok}
}

func (m exactNumber) match(v any) bool {
	s, ok := numberText(v)
	if !ok {
		return false
	}
	if s == m.text {
		return true
	}
	n, ok := comparable(s)
	return ok && m.ranged && n == m.n
}

// literal is true, false or null.
type literal string

func (m literal) match(v any) bool {
	switch v := v.(type) {
	case nil:
		return m == "null"
	case bool:
		return (m == "true") == v && m != "null"
	}
	return false
}

type prefix struct {
	s    string
	fold bool
}

func (m prefix) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	if m.fold {
		return strings.HasPrefix(strings.ToLower(s), strings.ToLower(m.s))
	}
	return strings.HasPrefix(s, m.s)
}

type suffix struct {
	s    string
	fold bool
}

func (m suffix) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	if m.fold {
		return strings.HasSuffix(strings.ToLower(s), strings.ToLower(m.s))
	}
	return strings.HasSuffix(s, m.s)
}

type equalFold struct{ s string }

func (m equalFold) match(v any) bool { s, ok := v.(string); return ok && strings.EqualFold(s, m.s) }

// wildcard is a pattern split at its '*'s: parts[0] is a prefix, the last part a suffix,
// the others must appear in order between them.
type wildcard struct{ parts []string }

func (m wildcard) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	if len(m.parts) == 1 {
		return s == m.parts[0]
	}
	first, last := m.parts[0], m.parts[len(m.parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	rest := s[len(first) : len(s)-len(last)]
	for _, p := range m.parts[1 : len(m.parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return true
}

// numRange compares numbers scaled to millionths; event numbers beyond ±5e9 never match.
type numRange struct {
	lo, hi         int64
	openLo, openHi bool
	hasLo, hasHi   bool
}

func (m numRange) match(v any) bool {
	s, ok := numberText(v)
	if !ok {
		return false
	}
	n, ok := comparable(s)
	if !ok {
		return false
	}
	if m.hasLo && (n < m.lo || (m.openLo && n == m.lo)) {
		return false
	}
	if m.hasHi && (n > m.hi || (m.openHi && n == m.hi)) {
		return false
	}
	return true
}

// ipRange matches IP address strings of the same family between lo and hi inclusive.
type ipRange struct{ lo, hi []byte }

func (m ipRange) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	a, ok := parseIP(s)
	if !ok {
		return false
	}
	b := a.AsSlice()
	return len(b) == len(m.lo) && bytes.Compare(b, m.lo) >= 0 && bytes.Compare(b, m.hi) <= 0
}

// anythingBut matches any present value except the listed strings or numbers (numbers
// compared numerically). Values of the other type, booleans and null all match, as in
// event-ruler where the comparison is on the value's bytes.
type anythingBut struct {
	strings            map[string]bool
	numbers            map[int64]bool
	numeric, hasString bool
}

func (m anythingBut) match(v any) bool {
	if s, ok := v.(string); ok {
		return !m.strings[s]
	}
	if s, ok := numberText(v); ok {
		n, ok := comparable(s)
		return !(ok && m.numbers[n])
	}
	return true
}

// anythingButAny matches any present value that none of its string matchers match
// (anything-but with equals-ignore-case, prefix, suffix or wildcard).
type anythingButAny struct{ inner []matcher }

func (m anythingButAny) match(v any) bool {
	for _, in := range m.inner {
		if in.match(v) {
			return false
		}
	}
	return true
}
