package ddbengine

import (
	"bytes"
	"encoding/base64"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// AV is one DynamoDB attribute value. Numbers are kept as normalized decimal strings and
// binaries as the base64 text the client sent (validated to be canonical), so the wire form
// round-trips exactly.
type AV struct {
	T    string // S N B BOOL NULL M L SS NS BS
	S    string // S, N, B
	BOOL bool
	L    []*AV
	M    map[string]*AV
	Set  []string // SS, NS, BS in insertion order
}

// Item is a whole item: attribute name to value.
type Item map[string]*AV

func (a *AV) clone() *AV {
	if a == nil {
		return nil
	}
	c := *a
	if a.L != nil {
		c.L = make([]*AV, len(a.L))
		for i, v := range a.L {
			c.L[i] = v.clone()
		}
	}
	if a.M != nil {
		c.M = make(map[string]*AV, len(a.M))
		for k, v := range a.M {
			c.M[k] = v.clone()
		}
	}
	if a.Set != nil {
		c.Set = slices.Clone(a.Set)
	}
	return &c
}

func (it Item) clone() Item {
	if it == nil {
		return nil
	}
	c := make(Item, len(it))
	for k, v := range it {
		c[k] = v.clone()
	}
	return c
}

// appendJSON writes the wire form of a.
func (a *AV) appendJSON(b []byte) []byte {
	b = append(b, `{"`...)
	b = append(b, a.T...)
	b = append(b, `":`...)
	switch a.T {
	case "S", "N", "B":
		b = appendJSONString(b, a.S)
	case "BOOL":
		if a.BOOL {
			b = append(b, "true"...)
		} else {
			b = append(b, "false"...)
		}
	case "NULL":
		b = append(b, "true"...)
	case "L":
		b = append(b, '[')
		for i, v := range a.L {
			if i > 0 {
				b = append(b, ',')
			}
			b = v.appendJSON(b)
		}
		b = append(b, ']')
	case "M":
		b = appendItemJSON(b, a.M)
	default:
		b = append(b, '[')
		for i, v := range a.Set {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendItemJSON writes an attribute map with its names sorted, so output is deterministic.
func appendItemJSON(b []byte, m map[string]*AV) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = m[k].appendJSON(b)
	}
	return append(b, '}')
}

// MarshalJSON implements json.Marshaler with DynamoDB's wire form.
func (a *AV) MarshalJSON() ([]byte, error) { return a.appendJSON(nil), nil }

// MarshalJSON implements json.Marshaler with DynamoDB's wire form.
func (it Item) MarshalJSON() ([]byte, error) { return appendItemJSON(nil, it), nil }

var avTypeOrder = []string{"S", "B", "N", "BOOL", "NULL", "BS", "NS", "SS", "L", "M"}

// validateAV converts a type-checked AttributeValue into an AV, returning DynamoDB's message
// for the first problem in the order DynamoDB checks.
func validateAV(j *jval) (*AV, string) {
	if j == nil || j.k != jObj || len(j.obj) == 0 {
		return nil, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	}
	var out *AV
	for _, t := range avTypeOrder {
		v := j.get(t)
		if v == nil {
			continue
		}
		var a *AV
		switch t {
		case "N":
			d, msg := checkNumber(v.s)
			if msg != "" {
				return nil, msg
			}
			a = &AV{T: "N", S: d.String()}
		case "S", "B":
			a = &AV{T: t, S: v.s}
		case "BOOL":
			a = &AV{T: t, BOOL: v.b}
		case "NULL":
			if !v.b {
				return nil, "One or more parameter values were invalid: Null attribute value types must have the value of true"
			}
			a = &AV{T: t}
		case "SS", "NS", "BS":
			if len(v.arr) == 0 {
				switch t {
				case "SS":
					return nil, "One or more parameter values were invalid: An string set  may not be empty"
				case "NS":
					return nil, "One or more parameter values were invalid: An number set  may not be empty"
				default:
					return nil, "One or more parameter values were invalid: Binary sets should not be empty"
				}
			}
			set := make([]string, len(v.arr))
			for i, e := range v.arr {
				if e == nil || e.k == jNull {
					if t == "NS" {
						return nil, "The parameter cannot be converted to a numeric value"
					}
					continue
				}
				set[i] = e.s
				if t == "NS" {
					d, msg := checkNumber(e.s)
					if msg != "" {
						return nil, msg
					}
					set[i] = d.String()
				}
			}
			if dup := findDuplicate(set); dup {
				switch t {
				case "SS":
					return nil, "One or more parameter values were invalid: Input collection [" + strings.Join(set, ", ") + "] contains duplicates."
				case "NS":
					return nil, "Input collection contains duplicates"
				default:
					return nil, "One or more parameter values were invalid: Input collection [" + strings.Join(set, ", ") + "]of type BS contains duplicates."
				}
			}
			a = &AV{T: t, Set: set}
		case "L":
			a = &AV{T: "L", L: make([]*AV, 0, len(v.arr))}
			for _, e := range v.arr {
				c, msg := validateAV(e)
				if msg != "" {
					return nil, msg
				}
				a.L = append(a.L, c)
			}
		case "M":
			a = &AV{T: "M", M: make(map[string]*AV, len(v.obj))}
			for _, f := range v.obj {
				c, msg := validateAV(f.val)
				if msg != "" {
					return nil, msg
				}
				a.M[f.key] = c
			}
		}
		if out == nil {
			out = a
		}
	}
	if out == nil {
		return nil, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	}
	if len(j.obj) > 1 {
		return nil, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	}
	return out, ""
}

func findDuplicate(s []string) bool {
	seen := make(map[string]struct{}, len(s))
	for _, v := range s {
		if _, ok := seen[v]; ok {
			return true
		}
		seen[v] = struct{}{}
	}
	return false
}

// validateItemMap validates every attribute of an object of AttributeValues.
func validateItemMap(j *jval) (Item, string) {
	it := make(Item, len(j.obj))
	if j == nil {
		return it, ""
	}
	for _, f := range j.obj {
		a, msg := validateAV(f.val)
		if msg != "" {
			return nil, msg
		}
		it[f.key] = a
	}
	return it, ""
}

func b64(s string) []byte {
	b, _ := base64.StdEncoding.DecodeString(s)
	return b
}

// equalAV is DynamoDB equality: same type and value; sets compare as sets.
func equalAV(a, b *AV) bool {
	if a == nil || b == nil || a.T != b.T {
		return false
	}
	switch a.T {
	case "S", "B":
		return a.S == b.S
	case "N":
		return a.S == b.S
	case "BOOL":
		return a.BOOL == b.BOOL
	case "NULL":
		return true
	case "SS", "NS", "BS":
		if len(a.Set) != len(b.Set) {
			return false
		}
		for _, v := range a.Set {
			if !slices.Contains(b.Set, v) {
				return false
			}
		}
		return true
	case "L":
		if len(a.L) != len(b.L) {
			return false
		}
		for i := range a.L {
			if !equalAV(a.L[i], b.L[i]) {
				return false
			}
		}
		return true
	case "M":
		if len(a.M) != len(b.M) {
			return false
		}
		for k, v := range a.M {
			if !equalAV(v, b.M[k]) {
				return false
			}
		}
		return true
	}
	return false
}

// cmpScalar orders two values of the same scalar type (S, N, B).
func cmpScalar(a, b *AV) int {
	switch a.T {
	case "N":
		x, _ := parseDecimal(a.S)
		y, _ := parseDecimal(b.S)
		return cmpDecimal(x, y)
	case "B":
		return bytes.Compare(b64(a.S), b64(b.S))
	case "BOOL":
		// Ordering of other types follows dynalite (JavaScript's < on the raw values).
		x, y := 0, 0
		if a.BOOL {
			x = 1
		}
		if b.BOOL {
			y = 1
		}
		return x - y
	case "NULL":
		return 0
	case "SS", "NS", "BS":
		return strings.Compare(strings.Join(a.Set, ","), strings.Join(b.Set, ","))
	default:
		return strings.Compare(a.S, b.S)
	}
}

// compare evaluates one comparison the way DynamoDB does; a missing attribute is nil.
func compare(op string, val *AV, args []*AV) bool {
	var comp *AV
	if len(args) > 0 {
		comp = args[0]
	}
	sameType := val != nil && comp != nil && val.T == comp.T
	scalar := sameType && val.T != "L" && val.T != "M"
	switch op {
	case "EQ", "=":
		return sameType && equalAV(val, comp)
	case "NE", "<>":
		return !(sameType && equalAV(val, comp))
	case "LE", "<=":
		return scalar && cmpScalar(val, comp) <= 0
	case "LT", "<":
		return scalar && cmpScalar(val, comp) < 0
	case "GE", ">=":
		return scalar && cmpScalar(val, comp) >= 0
	case "GT", ">":
		return scalar && cmpScalar(val, comp) > 0
	case "NOT_NULL", "attribute_exists":
		return val != nil
	case "NULL", "attribute_not_exists":
		return val == nil
	case "CONTAINS", "contains":
		return contains(val, comp)
	case "NOT_CONTAINS":
		return !contains(val, comp)
	case "BEGINS_WITH", "begins_with":
		if !sameType {
			return false
		}
		switch val.T {
		case "S":
			return strings.HasPrefix(val.S, comp.S)
		case "B":
			return bytes.HasPrefix(b64(val.S), b64(comp.S))
		}
		return false
	case "IN", "in":
		if val == nil {
			return false
		}
		for _, c := range args {
			if c != nil && c.T == val.T && equalAV(val, c) {
				return true
			}
		}
		return false
	case "BETWEEN", "between":
		if !scalar || len(args) < 2 || args[1] == nil || args[1].T != val.T {
			return false
		}
		return cmpScalar(val, comp) >= 0 && cmpScalar(val, args[1]) <= 0
	case "attribute_type":
		return val != nil && comp != nil && comp.T == "S" && val.T == comp.S
	}
	return false
}

func contains(val, comp *AV) bool {
	if val == nil || comp == nil {
		return false
	}
	switch comp.T {
	case "S":
		switch val.T {
		case "S":
			return strings.Contains(val.S, comp.S)
		case "SS":
			return slices.Contains(val.Set, comp.S)
		}
	case "N":
		if val.T == "NS" {
			return slices.Contains(val.Set, comp.S)
		}
	case "B":
		switch val.T {
		case "B":
			return bytes.Contains(b64(val.S), b64(comp.S))
		case "BS":
			return slices.Contains(val.Set, comp.S)
		}
	}
	if val.T == "L" {
		for _, e := range val.L {
			if equalAV(e, comp) {
				return true
			}
		}
	}
	return false
}

// sizeOf is the size() function: nil when the operand has no size.
func sizeOf(a *AV) *AV {
	if a == nil {
		return nil
	}
	n := -1
	switch a.T {
	case "S":
		n = len(utf16.Encode([]rune(a.S)))
	case "B":
		n = len(b64(a.S))
	case "SS", "NS", "BS":
		n = len(a.Set)
	case "L":
		n = len(a.L)
	case "M":
		n = len(a.M)
	}
	if n < 0 {
		return nil
	}
	return &AV{T: "N", S: itoa(n)}
}

func itoa(n int) string { return strconv.Itoa(n) }

// itemSize ports dynalite's size estimate, used for the 400 KB item limit and 1 MB pages.
func itemSize(item map[string]*AV, compress, addMeta bool, rangeKey string) int {
	size, rangeSize := 0, 0
	for name, v := range item {
		s := valSizeWithStorage(v, compress && name != rangeKey)
		if compress && name == rangeKey {
			rangeSize = s
			continue
		}
		if compress {
			size += s + 1
		} else {
			size += s + len(name)
		}
	}
	if !addMeta {
		return size
	}
	return 2 + size + (1+(1+size)/3072)*(18+rangeSize)
}

func valSize(a *AV, compress bool) int {
	switch a.T {
	case "S":
		return len(a.S)
	case "B":
		return len(b64(a.S))
	case "N":
		return numSize(a.S)
	case "SS":
		n := 0
		for _, s := range a.Set {
			n += len(s)
		}
		return n
	case "BS":
		n := 0
		for _, s := range a.Set {
			n += len(b64(s))
		}
		return n
	case "NS":
		n := 0
		for _, s := range a.Set {
			n += numSize(s)
		}
		return n
	case "NULL", "BOOL":
		return 1
	case "L":
		n := 3
		for _, v := range a.L {
			n += 1 + valSizeWithStorage(v, compress)
		}
		return n
	case "M":
		return 3 + len(a.M) + itemSize(a.M, compress, false, "")
	}
	return 0
}

func numSize(s string) int {
	d, _ := parseDecimal(s)
	return numSizeOf(d)
}

// numSizeOf is numSize of a parsed number.
func numSizeOf(d decimal) int {
	n := len(d.digits)
	if d.isZero() {
		return 1
	}
	size := 1 + (n+1)/2
	if n%2 == 0 && d.exp%2 == 0 {
		size++
	}
	if d.neg {
		size++
	}
	return size
}

func valSizeWithStorage(a *AV, compress bool) int {
	size := valSize(a, compress)
	if !compress {
		return size
	}
	switch a.T {
	case "S":
		switch {
		case size < 128:
			return size + 1
		case size < 16384:
			return size + 2
		}
		return size + 3
	case "B", "N":
		return size + 1
	case "SS", "BS", "NS":
		return size + len(a.Set) + 1
	case "NULL":
		return 0
	case "BOOL":
		return 1
	}
	return size
}
