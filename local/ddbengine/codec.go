package ddbengine

import (
	"encoding/binary"
	"strings"
	"sync"
	"sync/atomic"
)

// Stored items are kept encoded in one string each rather than as a map of *AV: a decoded
// item costs about 100 bytes per attribute in headers and pointers on top of its data, the
// encoding a few bytes. The encoding is private to the process (snapshots hold the wire JSON):
//
//	item  = uvarint(count) { name value }
//	name  = uvarint(2*id+1) (the id-th name of the attribute-name dictionary) or
//	        uvarint(2*len) text
//	value = tag payload; S, N, B: uvarint(len) text (N normalized, B the base64 text);
//	        BOOL: 0 or 1; NULL: nothing; M: an item; L: uvarint(count) { value };
//	        SS, NS, BS: uvarint(count) { uvarint(len) text }
//
// Decoded strings are substrings of the stored one (immutable, so nothing is copied); maps,
// lists and sets are fresh, so a caller may change what it got without touching the store.

const (
	tagS byte = iota
	tagN
	tagB
	tagBOOL
	tagNULL
	tagM
	tagL
	tagSS
	tagNS
	tagBS
)

var tagTypes = [...]string{tagS: "S", tagN: "N", tagB: "B", tagBOOL: "BOOL", tagNULL: "NULL", tagM: "M", tagL: "L", tagSS: "SS", tagNS: "NS", tagBS: "BS"}

var encodeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// encodeItem returns the stored form of it in a pooled buffer: the caller copies it out, then
// hands the buffer back with releaseEncoding.
func encodeItem(it Item) []byte {
	p := encodeBufs.Get().(*[]byte)
	return appendAttrs((*p)[:0], it)
}

// releaseEncoding returns a buffer encodeItem gave out to the pool.
func releaseEncoding(b []byte) {
	if cap(b) <= 64<<10 { // do not keep a buffer grown by one huge item
		encodeBufs.Put(&b)
	}
}

// encodeString returns the stored form of it as a string.
func encodeString(it Item) string {
	b := encodeItem(it)
	s := string(b)
	releaseEncoding(b)
	return s
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendAttrs(b []byte, m map[string]*AV) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for name, v := range m {
		if id, ok := nameID(name); ok {
			b = binary.AppendUvarint(b, uint64(id)<<1|1)
		} else {
			b = binary.AppendUvarint(b, uint64(len(name))<<1)
			b = append(b, name...)
		}
		b = appendValue(b, v)
	}
	return b
}

func appendValue(b []byte, a *AV) []byte {
	switch a.T {
	case "S":
		return appendString(append(b, tagS), a.S)
	case "N":
		return appendString(append(b, tagN), a.S)
	case "B":
		return appendString(append(b, tagB), a.S)
	case "BOOL":
		if a.BOOL {
			return append(b, tagBOOL, 1)
		}
		return append(b, tagBOOL, 0)
	case "NULL":
		return append(b, tagNULL)
	case "M":
		return appendAttrs(append(b, tagM), a.M)
	case "L":
		b = binary.AppendUvarint(append(b, tagL), uint64(len(a.L)))
		for _, v := range a.L {
			b = appendValue(b, v)
		}
		return b
	}
	tag := tagSS
	switch a.T {
	case "NS":
		tag = tagNS
	case "BS":
		tag = tagBS
	}
	b = binary.AppendUvarint(append(b, tag), uint64(len(a.Set)))
	for _, s := range a.Set {
		b = appendString(b, s)
	}
	return b
}

// decodeItem returns the item s encodes (nil for "": no item).
func decodeItem(s string) Item {
	if s == "" {
		return nil
	}
	d := decoder{s: s}
	return d.attrs()
}

// decoder reads the encoding. Its input is always the engine's own output, so it trusts it.
type decoder struct {
	s string
	i int
}

func (d *decoder) uvarint() int {
	var v uint64
	for shift := 0; ; shift += 7 {
		c := d.s[d.i]
		d.i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int(v)
		}
	}
}

func (d *decoder) string() string {
	n := d.uvarint()
	s := d.s[d.i : d.i+n]
	d.i += n
	return s
}

// name reads an attribute name.
func (d *decoder) name() string {
	x := d.uvarint()
	if x&1 == 1 {
		return (*nameDict.list.Load())[x>>1]
	}
	n := x >> 1
	s := d.s[d.i : d.i+n]
	d.i += n
	return s
}

// skipName moves past an attribute name.
func (d *decoder) skipName() {
	if x := d.uvarint(); x&1 == 0 {
		d.i += x >> 1
	}
}

func (d *decoder) attrs() Item {
	n := d.uvarint()
	m := make(Item, n)
	avs := make([]AV, n) // one allocation for the item's values
	for i := range avs {
		name := d.name()
		d.value(&avs[i])
		m[name] = &avs[i]
	}
	return m
}

func (d *decoder) value(a *AV) {
	tag := d.s[d.i]
	d.i++
	a.T = tagTypes[tag]
	switch tag {
	case tagS, tagN, tagB:
		a.S = d.string()
	case tagBOOL:
		a.BOOL = d.s[d.i] == 1
		d.i++
	case tagNULL:
	case tagM:
		a.M = d.attrs()
	case tagL:
		n := d.uvarint()
		a.L = make([]*AV, n)
		avs := make([]AV, n)
		for i := range avs {
			d.value(&avs[i])
			a.L[i] = &avs[i]
		}
	default:
		n := d.uvarint()
		a.Set = make([]string, n)
		for i := range a.Set {
			a.Set[i] = d.string()
		}
	}
}

// lookupAttr decodes only the top-level attribute name of the stored item s (nil if absent).
func lookupAttr(s string, name string) *AV {
	if s == "" {
		return nil
	}
	d := decoder{s: s}
	for range d.uvarint() {
		if d.name() == name {
			a := new(AV)
			d.value(a)
			return a
		}
		d.skip()
	}
	return nil
}

// skip moves past one value.
func (d *decoder) skip() {
	tag := d.s[d.i]
	d.i++
	switch tag {
	case tagS, tagN, tagB:
		d.i += d.uvarint()
	case tagBOOL:
		d.i++
	case tagNULL:
	case tagM:
		for range d.uvarint() {
			d.skipName()
			d.skip()
		}
	case tagL:
		for range d.uvarint() {
			d.skip()
		}
	default:
		for range d.uvarint() {
			d.i += d.uvarint()
		}
	}
}

// appendJSON writes the wire JSON of the stored item s without decoding it into values.
// Attribute names come out in stored order, not sorted as appendItemJSON sorts them.
func appendStoredJSON(b []byte, s string) []byte {
	d := decoder{s: s}
	return d.appendAttrsJSON(b)
}

func (d *decoder) appendAttrsJSON(b []byte) []byte {
	b = append(b, '{')
	for i := range d.uvarint() {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, d.name())
		b = append(b, ':')
		b = d.appendValueJSON(b)
	}
	return append(b, '}')
}

func (d *decoder) appendValueJSON(b []byte) []byte {
	tag := d.s[d.i]
	d.i++
	b = append(b, `{"`...)
	b = append(b, tagTypes[tag]...)
	b = append(b, `":`...)
	switch tag {
	case tagS, tagN, tagB:
		b = appendJSONString(b, d.string())
	case tagBOOL:
		if d.s[d.i] == 1 {
			b = append(b, "true"...)
		} else {
			b = append(b, "false"...)
		}
		d.i++
	case tagNULL:
		b = append(b, "true"...)
	case tagM:
		b = d.appendAttrsJSON(b)
	case tagL:
		b = append(b, '[')
		for i := range d.uvarint() {
			if i > 0 {
				b = append(b, ',')
			}
			b = d.appendValueJSON(b)
		}
		b = append(b, ']')
	default:
		b = append(b, '[')
		for i := range d.uvarint() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, d.string())
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// nameDict is the attribute-name dictionary: items name their attributes by a number in it
// (one or two bytes) rather than spelling the name, which saves about as many bytes per item as
// its attribute names have letters. It is shared by every table in the process and only
// grows, so it is bounded: up to maxDictNames names of up to maxDictNameLen bytes (at most
// 4 MB); other names are spelt out in the items. Ids are looked up without a lock; the list
// is appended to under mu and republished, so a reader's list always holds every id it can
// meet (ids are handed out before the items that use them are stored).
var nameDict struct {
	mu   sync.Mutex
	ids  sync.Map // name -> uint32
	list atomic.Pointer[[]string]
	full atomic.Bool
}

const (
	maxDictNames   = 1 << 16
	maxDictNameLen = 64
)

func init() { nameDict.list.Store(new([]string)) }

// nameID returns the dictionary id of name, adding it if there is room.
func nameID(name string) (uint32, bool) {
	if id, ok := nameDict.ids.Load(name); ok {
		return id.(uint32), true
	}
	if len(name) > maxDictNameLen || nameDict.full.Load() {
		return 0, false
	}
	nameDict.mu.Lock()
	defer nameDict.mu.Unlock()
	if id, ok := nameDict.ids.Load(name); ok {
		return id.(uint32), true
	}
	list := *nameDict.list.Load()
	if len(list) >= maxDictNames {
		nameDict.full.Store(true)
		return 0, false
	}
	name = strings.Clone(name) // not a substring of a request or an item
	id := uint32(len(list))
	list = append(list, name) // readers of the old list never read past its length
	nameDict.list.Store(&list)
	nameDict.ids.Store(name, id)
	return id, true
}
