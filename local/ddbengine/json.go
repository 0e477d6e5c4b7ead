package ddbengine

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jval is a parsed JSON value that keeps object member order. DynamoDB reports the first
// invalid member of a map in request order, so requests cannot go through map[string]any.
type jval struct {
	k   jkind
	b   bool
	s   string // string value, or the literal text of a number
	n   float64
	arr []*jval
	obj []jfield
}

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNum
	jStr
	jArr
	jObj
)

type jfield struct {
	key string
	val *jval
}

// get returns the member named key (the last one if repeated, as JSON.parse does) or nil.
func (v *jval) get(key string) *jval {
	if v == nil || v.k != jObj {
		return nil
	}
	for i := len(v.obj) - 1; i >= 0; i-- {
		if v.obj[i].key == key {
			return v.obj[i].val
		}
	}
	return nil
}

func (v *jval) isNull() bool { return v == nil || v.k == jNull }

var errBadJSON = errors.New("bad json")

type jparser struct {
	data []byte
	pos  int
}

func parseJSON(data []byte) (*jval, error) {
	p := &jparser{data: data}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos != len(p.data) {
		return nil, errBadJSON
	}
	return v, nil
}

func (p *jparser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// next consumes what follows a member or element: a comma, or the closing byte of the object
// or array, which closed reports.
func (p *jparser) next(closing byte) (closed bool, err error) {
	p.ws()
	if p.pos >= len(p.data) {
		return false, errBadJSON
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		return false, nil
	case closing:
		p.pos++
		return true, nil
	}
	return false, errBadJSON
}

func (p *jparser) value(depth int) (*jval, error) {
	if depth > 200 || p.pos >= len(p.data) {
		return nil, errBadJSON
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		p.pos++
		v := &jval{k: jObj}
		p.ws()
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			return v, nil
		}
		for {
			p.ws()
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return nil, errBadJSON
			}
			key, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return nil, errBadJSON
			}
			p.pos++
			p.ws()
			val, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			replaced := false
			for i := range v.obj {
				if v.obj[i].key == key {
					v.obj[i].val = val
					replaced = true
				}
			}
			if !replaced {
				v.obj = append(v.obj, jfield{key, val})
			}
			closed, err := p.next('}')
			if err != nil {
				return nil, err
			}
			if closed {
				return v, nil
			}
		}
	case c == '[':
		p.pos++
		v := &jval{k: jArr, arr: []*jval{}}
		p.ws()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			return v, nil
		}
		for {
			p.ws()
			el, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			v.arr = append(v.arr, el)
			closed, err := p.next(']')
			if err != nil {
				return nil, err
			}
			if closed {
				return v, nil
			}
		}
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jval{k: jStr, s: s}, nil
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if len(p.data)-p.pos >= len(lit) && string(p.data[p.pos:p.pos+len(lit)]) == lit {
				p.pos += len(lit)
				switch lit {
				case "true":
					return &jval{k: jBool, b: true}, nil
				case "false":
					return &jval{k: jBool}, nil
				}
				return &jval{k: jNull}, nil
			}
		}
		return nil, errBadJSON
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		if c == '-' {
			p.pos++
		}
		digits := func() int {
			n := 0
			for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
				p.pos++
				n++
			}
			return n
		}
		if digits() == 0 {
			return nil, errBadJSON
		}
		if p.pos < len(p.data) && p.data[p.pos] == '.' {
			p.pos++
			if digits() == 0 {
				return nil, errBadJSON
			}
		}
		if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
			p.pos++
			if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
				p.pos++
			}
			if digits() == 0 {
				return nil, errBadJSON
			}
		}
		lit := string(p.data[start:p.pos])
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			var ne *strconv.NumError
			if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
				return nil, errBadJSON
			}
		}
		return &jval{k: jNum, s: lit, n: f}, nil
	}
	return nil, errBadJSON
}

func (p *jparser) str() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := string(p.data[start:p.pos])
			p.pos++
			if !utf8.ValidString(s) {
				s = string([]rune(s))
			}
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", errBadJSON
		case c == '\\':
			p.pos++
			if p.pos >= len(p.data) {
				return "", errBadJSON
			}
			e := p.data[p.pos]
			p.pos++
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", errBadJSON
				}
				if utf16.IsSurrogate(r) {
					if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
						save := p.pos
						p.pos += 2
						r2, ok := p.hex4()
						if ok {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								buf = utf8.AppendRune(buf, dec)
								continue
							}
						}
						p.pos = save
					}
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return "", errBadJSON
			}
		default:
			buf = append(buf, c)
			p.pos++
		}
	}
	return "", errBadJSON
}

func (p *jparser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(n), true
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// toJSON renders v (from the JSON value model) back to JSON bytes.
func (v *jval) appendTo(b []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	switch v.k {
	case jNull:
		return append(b, "null"...)
	case jBool:
		return strconv.AppendBool(b, v.b)
	case jNum:
		return append(b, v.s...)
	case jStr:
		return appendJSONString(b, v.s)
	case jArr:
		b = append(b, '[')
		for i, e := range v.arr {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.appendTo(b)
		}
		return append(b, ']')
	default:
		b = append(b, '{')
		for i, f := range v.obj {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f.key)
			b = append(b, ':')
			b = f.val.appendTo(b)
		}
		return append(b, '}')
	}
}
