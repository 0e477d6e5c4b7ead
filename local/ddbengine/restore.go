package ddbengine

import (
	"strings"
	"unicode/utf8"
)

// snapshotItem reads one item line of a snapshot the way parseJSON and validateItemMap read
// it, for the lines this engine writes: a flat object of S, N, B, BOOL and NULL values in
// compact JSON with no escapes. It reports false for anything else (maps, lists, sets,
// whitespace, escapes, an invalid value), which the caller then reads the general way, so the
// result and the errors are the same either way; this path only skips building a parse tree
// per line. Strings of the result are substrings of line.
func snapshotItem(line string) (Item, bool) {
	if len(line) < 2 || line[0] != '{' || line[len(line)-1] != '}' {
		return nil, false
	}
	n := strings.Count(line, `":{"`) // at least the number of attributes
	it := make(Item, n)
	avs := make([]AV, 0, n)
	i := 1
	if line[i] == '}' {
		return it, i+1 == len(line)
	}
	for {
		name, j, ok := snapshotString(line, i)
		if !ok || !strings.HasPrefix(line[j:], `:{"`) {
			return nil, false
		}
		typ, k, ok := snapshotString(line, j+2)
		if !ok || k >= len(line) || line[k] != ':' || len(avs) == cap(avs) {
			return nil, false
		}
		k++
		var a AV
		switch typ {
		case "S", "B", "N":
			s, next, ok := snapshotString(line, k)
			if !ok {
				return nil, false
			}
			a = AV{T: scalarTypes[typ], S: s}
			if typ == "N" {
				d, msg := checkNumber(s)
				if msg != "" {
					return nil, false
				}
				if norm := d.String(); norm != s {
					a.S = norm
				}
			}
			k = next
		case "BOOL":
			switch {
			case strings.HasPrefix(line[k:], "true"):
				a, k = AV{T: "BOOL", BOOL: true}, k+4
			case strings.HasPrefix(line[k:], "false"):
				a, k = AV{T: "BOOL"}, k+5
			default:
				return nil, false
			}
		case "NULL":
			if !strings.HasPrefix(line[k:], "true") {
				return nil, false
			}
			a, k = AV{T: "NULL"}, k+4
		default:
			return nil, false
		}
		if k >= len(line) || line[k] != '}' {
			return nil, false
		}
		avs = append(avs, a)
		it[name] = &avs[len(avs)-1]
		k++
		switch {
		case k+1 == len(line) && line[k] == '}':
			return it, true
		case k < len(line) && line[k] == ',':
			i = k + 1
		default:
			return nil, false
		}
	}
}

// scalarTypes maps the type names snapshotItem reads to constants (not substrings of a line).
var scalarTypes = map[string]string{"S": "S", "N": "N", "B": "B"}

// snapshotString reads the JSON string that starts at line[i] (its opening quote) and returns
// it and the index after its closing quote; false if it is not there or holds an escape, a
// control character or invalid UTF-8 (which parseJSON handles).
func snapshotString(line string, i int) (string, int, bool) {
	if i >= len(line) || line[i] != '"' {
		return "", 0, false
	}
	ascii := true
	for j := i + 1; j < len(line); j++ {
		switch c := line[j]; {
		case c == '"':
			s := line[i+1 : j]
			if !ascii && !utf8.ValidString(s) {
				return "", 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", 0, false
}
