// Package pattern compiles and matches Amazon EventBridge event patterns.
//
// The grammar, the matching semantics and the error reasons follow aws/event-ruler, the
// engine behind EventBridge, so a pattern that EventBridge rejects is rejected here with the
// same "Event pattern is not valid. Reason: ..." text (the trailing Jackson location is
// approximated), and a pattern it accepts matches the same events. Known differences are
// listed in the package's tests and in Match's documentation.
package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every error Compile returns.
var ErrInvalid = errors.New("invalid event pattern")

// Error is an invalid pattern. Its message is EventBridge's InvalidEventPatternException text.
type Error struct {
	// Reason is event-ruler's reason, e.g. "Empty arrays are not allowed".
	Reason string
	// Line and Column locate the token after which the problem was found (1-based), the way
	// Jackson reports it. Zero when the reason has no location (CIDR and JSON errors).
	Line, Column int
	// Source is the pattern as given (shortened like Jackson does beyond 500 characters).
	Source string
}

func (e *Error) Error() string {
	msg := "Event pattern is not valid. Reason: " + e.Reason
	if e.Line > 0 {
		msg += fmt.Sprintf("\n at [Source: (String)%q; line: %d, column: %d]", e.Source, e.Line, e.Column)
	}
	return msg
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Pattern is a compiled event pattern. It is immutable and safe for concurrent use.
type Pattern struct {
	root   *object
	source string
}

// String returns the pattern's JSON as given to Compile.
func (p *Pattern) String() string { return p.source }

// object is a pattern object: every field and every $or group must match (AND).
type object struct {
	fields []field
	ors    [][]*object // each group matches when any of its branches does
}

// field is one key of a pattern object: either a nested object or a leaf list of matchers.
type field struct {
	name  string
	obj   *object
	leaf  []matcher
	exist []bool // exists:true / exists:false alternatives of the leaf
}

// Numeric comparisons are limited like event-ruler's ComparableNumber: ±5e9, 6 decimals.
const (
	maxNumber   = 5e9
	rangeReason = "Value must be between -5.0E9 and 5.0E9, inclusive"
)

// reservedInOr are event-ruler's reserved field names inside $or.
var reservedInOr = map[string]bool{
	"exactly": true, "equals-ignore-case": true, "prefix": true, "suffix": true,
	"anything-but": true, "exists": true, "wildcard": true, "numeric": true, "cidr": true,
	"=": true, "<": true, "<=": true, ">": true, ">=": true, "regex": true,
	"not-wildcard": true, "not-equals-ignore-case": true, "date-after": true,
	"date-on-or-after": true, "date-before": true, "date-on-or-before": true,
	"in-date-range": true, "ip-address-in-range": true, "ip-address-not-in-range": true,
}

// Compile parses an event pattern. Errors are *Error and match ErrInvalid.
func Compile(src []byte) (p *Pattern, err error) {
	c := &compiler{src: src, dec: json.NewDecoder(bytes.NewReader(src))}
	c.dec.UseNumber()
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			p, err = nil, e
		}
	}()
	t := c.next()
	if t.kind != tObjStart {
		c.fail("Filter is not an object")
	}
	root := &object{}
	c.parseObject(root, false)
	return &Pattern{root: root, source: string(src)}, nil
}

// MustCompile is Compile for patterns known to be valid; it panics on error.
func MustCompile(src string) *Pattern {
	p, err := Compile([]byte(src))
	if err != nil {
		panic(err)
	}
	return p
}

type tokenKind int

const (
	tEOF tokenKind = iota
	tObjStart
	tObjEnd
	tArrStart
	tArrEnd
	tString
	tNumber
	tTrue
	tFalse
	tNull
)

type token struct {
	kind tokenKind
	text string // the string's value, the number's literal, or the delimiter/keyword
}

func (t token) numeric() bool { return t.kind == tNumber }

type compiler struct {
	src []byte
	dec *json.Decoder
}

// next reads one token; a JSON syntax error aborts compilation.
func (c *compiler) next() token {
	raw, err := c.dec.Token()
	if err == io.EOF {
		c.failAt("Unexpected end-of-input", false)
	}
	if err != nil {
		c.failAt(err.Error(), false)
	}
	switch v := raw.(type) {
	case json.Delim:
		switch v {
		case '{':
			return token{tObjStart, "{"}
		case '}':
			return token{tObjEnd, "}"}
		case '[':
			return token{tArrStart, "["}
		default:
			return token{tArrEnd, "]"}
		}
	case string:
		return token{tString, v}
	case json.Number:
		return token{tNumber, v.String()}
	case bool:
		if v {
			return token{tTrue, "true"}
		}
		return token{tFalse, "false"}
	default:
		return token{tNull, "null"}
	}
}

// fail aborts with a located reason, like event-ruler's barf.
func (c *compiler) fail(reason string) { c.failAt(reason, true) }

func (c *compiler) failAt(reason string, located bool) {
	e := &Error{Reason: reason, Source: string(c.src)}
	if len(e.Source) > 500 {
		e.Source = e.Source[:500] + fmt.Sprintf("\"[truncated %d chars]", len(e.Source)-500)
	}
	if located {
		off := int(c.dec.InputOffset())
		before := c.src[:min(off, len(c.src))]
		e.Line = bytes.Count(before, []byte("\n")) + 1
		e.Column = off - bytes.LastIndexByte(before, '\n')
	}
	panic(e)
}

// failPlain aborts with a reason event-ruler raises outside the parser (no location).
func (c *compiler) failPlain(reason string) {
	panic(&Error{Reason: reason, Source: string(c.src)})
}

func (c *compiler) parseObject(o *object, inOr bool) {
	present := false
	for {
		t := c.next()
		if t.kind == tObjEnd {
			break
		}
		present = true
		name := t.text
		if name == "$or" {
			c.parseOr(o)
			continue
		}
		if inOr && reservedInOr[name] {
			c.fail(name + " is Ruler reserved fieldName which cannot be used inside $or.")
		}
		switch v := c.next(); v.kind {
		case tObjStart:
			child := &object{}
			c.parseObject(child, inOr)
			o.set(field{name: name, obj: child})
		case tArrStart:
			f := field{name: name}
			c.parseLeaf(&f)
			o.set(f)
		default:
			c.fail(fmt.Sprintf("%q must be an object or an array", name))
		}
	}
	if !present {
		c.fail("Empty objects are not allowed")
	}
}

// set adds f; a repeated leaf key overrides the earlier one as in event-ruler.
func (o *object) set(f field) {
	for i := range o.fields {
		if o.fields[i].name == f.name && o.fields[i].obj == nil && f.obj == nil {
			o.fields[i] = f
			return
		}
	}
	o.fields = append(o.fields, f)
}

func (c *compiler) parseOr(o *object) {
	if c.next().kind != tArrStart {
		c.fail("It must be an Array followed with $or.")
	}
	var group []*object
	for {
		t := c.next()
		if t.kind == tArrEnd {
			break
		}
		if t.kind != tObjStart {
			c.fail("Only JSON object is allowed in array of $or relationship.")
		}
		branch := &object{}
		c.parseObject(branch, true)
		group = append(group, branch)
	}
	if len(group) < 2 {
		c.fail("There must have at least 2 Objects in $or relationship.")
	}
	o.ors = append(o.ors, group)
}

func (c *compiler) parseLeaf(f *field) {
	n := 0
	for {
		t := c.next()
		if t.kind == tArrEnd {
			break
		}
		n++
		switch t.kind {
		case tObjStart:
			c.parseExpression(f)
		case tString:
			f.leaf = append(f.leaf, newExactString(t.text))
		case tNumber:
			f.leaf = append(f.leaf, newExactNumber(t.text))
		case tTrue, tFalse, tNull:
			f.leaf = append(f.leaf, literal(t.text))
		default:
			c.fail("Match value must be String, number, true, false, or null")
		}
	}
	if n == 0 {
		c.fail("Empty arrays are not allowed")
	}
}

// endObject requires the closing brace of a one-key match expression.
func (c *compiler) endObject(reason string) {
	if c.next().kind != tObjEnd {
		c.fail(reason)
	}
}

const oneKey = "Only one key allowed in match expression"

func (c *compiler) parseExpression(f *field) {
	t := c.next()
	if t.kind != tString {
		c.fail("Match expression name not found")
	}
	switch name := t.text; name {
	case "exactly":
		f.leaf = append(f.leaf, exactString{s: c.matchString("exact")})
		c.endObject(oneKey)
	case "prefix", "suffix":
		v := c.next()
		if v.kind == tObjStart {
			s := c.parseIgnoreCaseObject(name)
			if name == "prefix" {
				f.leaf = append(f.leaf, prefix{s: s, fold: true})
			} else {
				f.leaf = append(f.leaf, suffix{s: s, fold: true})
			}
			return
		}
		if v.kind != tString {
			c.fail(name + " match pattern must be a string")
		}
		if name == "prefix" {
			f.leaf = append(f.leaf, prefix{s: v.text})
		} else {
			f.leaf = append(f.leaf, suffix{s: v.text})
		}
		c.endObject(oneKey)
	case "equals-ignore-case":
		f.leaf = append(f.leaf, equalFold{s: c.matchString("equals-ignore-case")})
		c.endObject(oneKey)
	case "wildcard":
		w, reason := compileWildcard(c.matchString("wildcard"))
		if reason != "" {
			c.fail(reason)
		}
		f.leaf = append(f.leaf, w)
		c.endObject(oneKey)
	case "numeric":
		if c.next().kind != tArrStart {
			c.fail("Value of numeric must be an array.")
		}
		f.leaf = append(f.leaf, c.parseNumeric())
		c.endObject("Too many elements in numeric expression")
	case "exists":
		v := c.next()
		if v.kind != tTrue && v.kind != tFalse {
			c.fail("exists match pattern must be either true or false.")
		}
		f.exist = append(f.exist, v.kind == tTrue)
		c.endObject(oneKey)
	case "cidr":
		r, reason := compileCIDR(c.matchString("prefix")) // sic: event-ruler's wording
		if reason != "" {
			c.failPlain(reason)
		}
		f.leaf = append(f.leaf, r)
		c.endObject(oneKey)
	case "anything-but":
		f.leaf = append(f.leaf, c.parseAnythingBut())
	default:
		c.fail("Unrecognized match type " + name)
	}
}

// parseIgnoreCaseObject reads {"equals-ignore-case": "..."}} after prefix/suffix's '{',
// including the enclosing expression's closing brace.
func (c *compiler) parseIgnoreCaseObject(op string) string {
	title := strings.ToUpper(op[:1]) + op[1:]
	t := c.next()
	if t.kind != tString {
		c.fail(title + " expression name not found")
	}
	if t.text != "equals-ignore-case" {
		c.fail("Unsupported " + op + " pattern: " + t.text)
	}
	s := c.matchString("equals-ignore-case")
	c.endObject(oneKey)
	c.endObject(oneKey)
	return s
}

// matchString reads a match's string operand; what names the match in the error, in
// event-ruler's words.
func (c *compiler) matchString(what string) string {
	v := c.next()
	if v.kind != tString {
		c.fail(what + " match pattern must be a string")
	}
	return v.text
}

func (c *compiler) parseNumeric() matcher {
	t := c.next()
	if t.kind != tString {
		c.fail("Invalid member in numeric match: " + t.text)
	}
	op := t.text
	v := c.next()
	switch op {
	case "=":
		if !v.numeric() {
			c.fail("Value of equals must be numeric")
		}
		n := c.number(v.text)
		if c.next().kind != tArrEnd {
			c.fail("Too many elements in numeric expression")
		}
		return numRange{lo: n, hi: n, hasLo: true, hasHi: true}
	case ">=", ">":
		if !v.numeric() {
			c.fail("Value of " + op + " must be numeric")
		}
		lo := v.text
		t := c.next()
		if t.kind == tArrEnd {
			return c.between(lo, op == ">", strconv.FormatFloat(maxNumber, 'f', -1, 64), false)
		}
		if t.kind != tString {
			c.fail("Bad value in numeric range: " + t.text)
		}
		op2 := t.text
		if op2 != "<" && op2 != "<=" {
			c.fail("Bad numeric range operator: " + op2)
		}
		hi := c.next()
		if !hi.numeric() {
			c.fail("Value of " + op2 + " must be numeric")
		}
		if c.next().kind != tArrEnd {
			c.fail("Too many terms in numeric range expression")
		}
		return c.between(lo, op == ">", hi.text, op2 == "<")
	case "<=", "<":
		if !v.numeric() {
			c.fail("Value of " + op + " must be numeric")
		}
		if c.next().kind != tArrEnd {
			c.fail("Too many elements in numeric expression")
		}
		return c.between(strconv.FormatFloat(-maxNumber, 'f', -1, 64), false, v.text, op == "<")
	default:
		c.fail("Unrecognized numeric range operator: " + op)
		return nil
	}
}

// between builds a range the way event-ruler's Range does: order first, then limits.
func (c *compiler) between(lo string, openLo bool, hi string, openHi bool) matcher {
	l, _ := strconv.ParseFloat(lo, 64)
	h, _ := strconv.ParseFloat(hi, 64)
	if l >= h {
		c.fail("Bottom must be less than top")
	}
	return numRange{lo: c.number(lo), hi: c.number(hi), openLo: openLo, openHi: openHi, hasLo: true, hasHi: true}
}

// number converts a pattern number to its comparable form or fails like ComparableNumber.
func (c *compiler) number(s string) int64 {
	n, ok := comparable(s)
	if !ok {
		c.fail(rangeReason)
	}
	return n
}

// comparable scales a number to millionths (event-ruler compares to 6 decimal places);
// ok is false outside ±5e9.
func comparable(s string) (int64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < -maxNumber || f > maxNumber {
		return 0, false
	}
	return int64(math.Round(f * 1e6)), true
}

func (c *compiler) parseAnythingBut() matcher {
	variant := ""
	t := c.next()
	if t.kind == tObjStart {
		k := c.next()
		if k.kind != tString {
			c.fail("Anything-But expression name not found")
		}
		switch k.text {
		case "equals-ignore-case", "prefix", "suffix", "wildcard":
			variant = k.text
		default:
			c.fail("Unsupported anything-but pattern: " + k.text)
		}
		t = c.next()
	}
	if t.kind != tArrStart && t.kind != tString && t.kind != tNumber {
		c.fail("Value of anything-but must be an array or single string/number value.")
	}
	var m matcher
	if variant == "" {
		m = c.anythingButValues(t)
	} else {
		m = c.anythingButSet(t, variant)
	}
	c.endObject("Too many elements in numeric expression")
	if variant != "" {
		c.endObject("Too many elements in numeric expression")
	}
	return m
}

func (c *compiler) anythingButValues(t token) matcher {
	ab := anythingBut{strings: map[string]bool{}, numbers: map[int64]bool{}}
	add := func(t token) bool {
		switch t.kind {
		case tString:
			ab.strings[t.text] = true
			ab.hasString = true
		case tNumber:
			ab.numbers[c.number(t.text)] = true
			ab.numeric = true
		default:
			return false
		}
		return true
	}
	if t.kind != tArrStart {
		add(t)
		return ab
	}
	for {
		v := c.next()
		if v.kind == tArrEnd {
			break
		}
		if !add(v) {
			c.fail("Inside anything but list, start|null|boolean is not supported.")
		}
	}
	if ab.numeric == ab.hasString {
		c.fail("Inside anything but list, either all values are number or string, mixed type is not supported")
	}
	return ab
}

func (c *compiler) anythingButSet(t token, variant string) matcher {
	var values []string
	add := func(v token) {
		if v.kind != tString {
			switch variant {
			case "equals-ignore-case":
				c.fail("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
			case "wildcard":
				c.fail("wildcard match pattern must be a string")
			default:
				c.fail("prefix/suffix match pattern must be a string")
			}
		}
		if (variant == "prefix" || variant == "suffix") && v.text == "" {
			c.fail("Null prefix/suffix not allowed")
		}
		values = append(values, v.text)
	}
	if t.kind == tArrStart {
		for {
			v := c.next()
			if v.kind == tArrEnd {
				break
			}
			add(v)
		}
	} else {
		add(t)
	}
	var inner []matcher
	for _, s := range values {
		switch variant {
		case "equals-ignore-case":
			inner = append(inner, equalFold{s: s})
		case "prefix":
			inner = append(inner, prefix{s: s})
		case "suffix":
			inner = append(inner, suffix{s: s})
		case "wildcard":
			w, reason := compileWildcard(s)
			if reason != "" {
				c.fail(reason)
			}
			inner = append(inner, w)
		}
	}
	return anythingButAny{inner: inner}
}

// compileWildcard validates a wildcard value like event-ruler's WildcardParser. Positions
// count the value's opening quote, as event-ruler parses the quoted form.
func compileWildcard(s string) (wildcard, string) {
	var parts []string // literal runs; a '*' sits between consecutive parts
	var cur strings.Builder
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '*':
			if i+1 < len(b) && b[i+1] == '*' {
				return wildcard{}, fmt.Sprintf("Consecutive wildcard characters at pos %d", i+1)
			}
			parts = append(parts, cur.String())
			cur.Reset()
		case '\\':
			if i+1 < len(b) && (b[i+1] == '*' || b[i+1] == '\\') {
				cur.WriteByte(b[i+1])
				i++
				continue
			}
			return wildcard{}, fmt.Sprintf("Invalid escape character at pos %d", i+1)
		default:
			cur.WriteByte(b[i])
		}
	}
	parts = append(parts, cur.String())
	return wildcard{parts: parts}, ""
}

// event-ruler only treats strings shaped like these as IP addresses.
var (
	ipv4Shape = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$`)
	ipv6Shape = regexp.MustCompile(`^[0-9a-fA-F:]*:[0-9a-fA-F:]*$`)
)

// parseIP returns s as an address when event-ruler would read it as one.
func parseIP(s string) (netip.Addr, bool) {
	if !ipv4Shape.MatchString(s) && !ipv6Shape.MatchString(s) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}

func compileCIDR(s string) (ipRange, string) {
	parts := strings.Split(s, "/")
	if len(parts) != 2 {
		return ipRange{}, "Malformed CIDR, one '/' required"
	}
	bits, err := strconv.Atoi(parts[1])
	if err != nil {
		return ipRange{}, "Malformed CIDR, mask bits must be an integer"
	}
	if bits < 0 {
		return ipRange{}, "Malformed CIDR, mask bits must not be negative"
	}
	if !ipv4Shape.MatchString(parts[0]) && !ipv6Shape.MatchString(parts[0]) {
		return ipRange{}, "Nonstandard IP address: " + parts[0]
	}
	a, err := netip.ParseAddr(parts[0])
	if err != nil {
		return ipRange{}, "Invalid IP address: " + parts[0]
	}
	lo := a.AsSlice()
	if len(lo) == 4 && bits > 31 {
		return ipRange{}, "IPv4 mask bits must be < 32"
	}
	if len(lo) == 16 && bits > 127 {
		return ipRange{}, "IPv6 mask bits must be < 128"
	}
	// event-ruler keeps the given address as the bottom of the range (it does not clear the
	// host bits) and sets every host bit for the top.
	hi := append([]byte(nil), lo...)
	host := len(hi)*8 - bits
	for i := len(hi) - 1; i >= 0 && host > 0; i-- {
		if host >= 8 {
			hi[i] = 0xff
		} else {
			hi[i] |= byte(1<<host - 1)
		}
		host -= 8
	}
	return ipRange{lo: lo, hi: hi}, ""
}
