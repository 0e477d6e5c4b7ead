package cwlogs

import (
	"encoding/json"
	"path"
	"strconv"
	"strings"
)

// compilePattern turns a CloudWatch Logs filter pattern into a matcher. Supported:
//
//   - terms and "quoted phrases": a message matches when it contains every one
//     (case-sensitive), none of the -excluded ones, and, when ?terms are given alone, any
//     of them;
//   - JSON conditions { $.a.b = "value" } with =, !=, <, <=, >, >= (numbers), * wildcards
//     in strings, joined by && and || (&& first; no parentheses).
//
// Space-delimited patterns ([a, b, ...]) and regular expressions are not supported and
// are refused with InvalidParameterException.
func compilePattern(p string) (func(string) bool, error) {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		return func(string) bool { return true }, nil
	case strings.HasPrefix(p, "{"):
		return compileJSON(p)
	case strings.HasPrefix(p, "["), strings.HasPrefix(p, "%"):
		return nil, invalid("Invalid filter pattern: the local runtime supports terms, quoted phrases and JSON conditions only")
	}
	terms, err := splitTerms(p)
	if err != nil {
		return nil, err
	}
	var all, any, none []string
	for _, t := range terms {
		switch {
		case strings.HasPrefix(t, "?") && len(t) > 1:
			any = append(any, unquote(t[1:]))
		case strings.HasPrefix(t, "-") && len(t) > 1:
			none = append(none, unquote(t[1:]))
		default:
			all = append(all, unquote(t))
		}
	}
	return func(msg string) bool {
		for _, t := range all {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		for _, t := range none {
			if strings.Contains(msg, t) {
				return false
			}
		}
		if len(all) == 0 && len(any) > 0 {
			for _, t := range any {
				if strings.Contains(msg, t) {
					return true
				}
			}
			return false
		}
		return true
	}, nil
}

// splitTerms splits a text pattern at spaces outside double quotes.
func splitTerms(p string) ([]string, error) {
	var terms []string
	var cur strings.Builder
	quoted := false
	for _, r := range p {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				terms = append(terms, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if quoted {
		return nil, invalid("Invalid filter pattern: unterminated quote")
	}
	if cur.Len() > 0 {
		terms = append(terms, cur.String())
	}
	return terms, nil
}

func unquote(t string) string {
	if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
		return t[1 : len(t)-1]
	}
	return t
}

// condition is one JSON comparison: $.path op value.
type condition struct {
	path  []string
	op    string
	value string
	str   bool // value was quoted
}

func compileJSON(p string) (func(string) bool, error) {
	if !strings.HasSuffix(p, "}") {
		return nil, invalid("Invalid filter pattern: want { $.field = value }")
	}
	body := strings.TrimSpace(p[1 : len(p)-1])
	var ors [][]condition
	for _, alt := range strings.Split(body, "||") {
		var ands []condition
		for _, c := range strings.Split(alt, "&&") {
			cond, err := parseCondition(strings.TrimSpace(c))
			if err != nil {
				return nil, err
			}
			ands = append(ands, cond)
		}
		ors = append(ors, ands)
	}
	return func(msg string) bool {
		if !strings.HasPrefix(strings.TrimSpace(msg), "{") {
			return false
		}
		var doc map[string]any
		if json.Unmarshal([]byte(msg), &doc) != nil {
			return false
		}
		for _, ands := range ors {
			ok := true
			for _, c := range ands {
				if !c.match(doc) {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
		return false
	}, nil
}

func parseCondition(c string) (condition, error) {
	bad := invalid("Invalid filter pattern: want $.field = value, got %q", c)
	if !strings.HasPrefix(c, "$.") {
		return condition{}, bad
	}
	i := strings.IndexAny(c, "=!<>")
	if i < 0 {
		return condition{}, bad
	}
	field := strings.TrimSpace(c[2:i])
	rest := c[i:]
	var op string
	for _, o := range []string{"!=", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" || field == "" {
		return condition{}, bad
	}
	v := strings.TrimSpace(rest[len(op):])
	cond := condition{path: strings.Split(field, "."), op: op, value: v}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		cond.value, cond.str = v[1:len(v)-1], true
	} else if v == "" {
		return condition{}, bad
	}
	return cond, nil
}

func (c condition) match(doc map[string]any) bool {
	var cur any = doc
	for _, k := range c.path {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[k]; !ok {
			return false
		}
	}
	if n, ok := cur.(float64); ok && !c.str {
		want, err := strconv.ParseFloat(c.value, 64)
		if err != nil {
			return false
		}
		switch c.op {
		case "=":
			return n == want
		case "!=":
			return n != want
		case "<":
			return n < want
		case "<=":
			return n <= want
		case ">":
			return n > want
		case ">=":
			return n >= want
		}
		return false
	}
	var s string
	switch v := cur.(type) {
	case string:
		s = v
	case bool:
		s = strconv.FormatBool(v)
	case nil:
		s = "null"
	default:
		return false
	}
	eq, _ := path.Match(c.value, s) // * wildcards, as CloudWatch allows in JSON string values
	switch c.op {
	case "=":
		return eq
	case "!=":
		return !eq
	}
	return false
}
