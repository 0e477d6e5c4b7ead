package ddbengine

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// snapshotEncode reads one item line of a snapshot into its stored encoding (see codec.go)
// without building the item: restoring a million items then makes a few hundred megabytes
// less garbage than parseJSON, validateItemMap and encodeItem would. It reads the lines this
// engine writes for flat items: compact JSON, S, N, B, BOOL and NULL values, no escapes, no
// repeated names, under 128 attributes. For anything else (maps, lists, sets, whitespace,
// escapes, an invalid value) it reports false and the caller reads the line the general way,
// so the result, and the error for a bad line, are the same either way.
//
// enc is a buffer from encodeItem's pool (the caller hands it back with releaseEncoding),
// keys holds the attributes named in sc's names that the item has (sc's map, valid until the
// next call with sc), and size is the item's size as itemSize counts it. Strings in keys are
// substrings of line.
func snapshotEncode(line string, sc *keyScratch) (enc []byte, keys Item, size int64, ok bool) {
	if len(line) < 2 || line[0] != '{' || line[len(line)-1] != '}' {
		return nil, nil, 0, false
	}
	p := encodeBufs.Get().(*[]byte)
	enc = append((*p)[:0], 0) // the attribute count, set at the end
	keys = sc.keys
	clear(keys)
	var names [32]string
	count, i := 0, 1
	fail := func() ([]byte, Item, int64, bool) {
		releaseEncoding(enc)
		return nil, nil, 0, false
	}
	if line[i] == '}' {
		return enc, keys, 0, i+1 == len(line)
	}
	for {
		name, j, ok := snapshotString(line, i)
		if !ok || !strings.HasPrefix(line[j:], `:{"`) || count == len(names) {
			return fail()
		}
		for _, seen := range names[:count] {
			if seen == name {
				return fail() // the general path keeps the last one
			}
		}
		names[count] = name
		count++
		typ, k, ok := snapshotString(line, j+2)
		if !ok || k >= len(line) || line[k] != ':' {
			return fail()
		}
		k++
		var a AV
		size += int64(len(name))
		switch typ {
		case "S", "B", "N":
			s, next, ok := snapshotString(line, k)
			if !ok {
				return fail()
			}
			a, k = AV{T: scalarTypes[typ], S: s}, next
			if typ == "N" {
				d, msg := checkNumber(s)
				if msg != "" {
					return fail()
				}
				var buf [48]byte
				if norm := d.appendTo(buf[:0]); string(norm) != s {
					a.S = string(norm) // stored numbers are normalized already: rare
				}
				size += int64(numSizeOf(d))
			} else {
				size += int64(valSize(&a, false))
			}
		case "BOOL":
			switch {
			case strings.HasPrefix(line[k:], "true"):
				a, k = AV{T: "BOOL", BOOL: true}, k+4
			case strings.HasPrefix(line[k:], "false"):
				a, k = AV{T: "BOOL"}, k+5
			default:
				return fail()
			}
			size += int64(valSize(&a, false))
		case "NULL":
			if !strings.HasPrefix(line[k:], "true") {
				return fail()
			}
			a, k = AV{T: "NULL"}, k+4
			size += int64(valSize(&a, false))
		default:
			return fail()
		}
		if k >= len(line) || line[k] != '}' {
			return fail()
		}
		if id, ok := nameID(name); ok {
			enc = binary.AppendUvarint(enc, uint64(id)<<1|1)
		} else {
			enc = binary.AppendUvarint(enc, uint64(len(name))<<1)
			enc = append(enc, name...)
		}
		enc = appendValue(enc, &a)
		for x, w := range sc.names {
			if w == name {
				sc.avs[x] = a
				keys[name] = &sc.avs[x]
				break
			}
		}
		k++
		switch {
		case k+1 == len(line) && line[k] == '}':
			enc[0] = byte(count) // under 32: one uvarint byte
			return enc, keys, size, true
		case k < len(line) && line[k] == ',':
			i = k + 1
		default:
			return fail()
		}
	}
}

// keyScratch is where snapshotEncode puts the key attributes it picks out, reused from one
// line to the next by one goroutine.
type keyScratch struct {
	names []string
	keys  Item
	avs   []AV
}

func newKeyScratch(names []string) *keyScratch {
	return &keyScratch{names: names, keys: make(Item, len(names)), avs: make([]AV, len(names))}
}

// scalarTypes maps the type names snapshotEncode reads to constants (not substrings of a line).
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
