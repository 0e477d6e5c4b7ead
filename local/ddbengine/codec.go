package ddbengine

import (
	"encoding/binary"
	"sync"
)

// Stored items are kept encoded in one byte slice each rather than as a map of *AV: a decoded
// item costs about 100 bytes per attribute in headers and pointers on top of its data, the
// encoding a few bytes. The encoding is private to the process (snapshots use the wire JSON):
//
//	item  = uvarint(count) { uvarint(len) name value }
//	value = tag payload; S, N, B: uvarint(len) text (N normalized, B the base64 text);
//	        BOOL: 0 or 1; NULL: nothing; M: an item; L: uvarint(count) { value };
//	        SS, NS, BS: uvarint(count) { uvarint(len) text }
//
// Decoding returns fresh values, so a caller may change what it got without touching the store.

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

// encodeItem returns the stored form of it, in a slice of exactly its length.
func encodeItem(it Item) []byte {
	p := encodeBufs.Get().(*[]byte)
	b := appendAttrs((*p)[:0], it)
	out := make([]byte, len(b))
	copy(out, b)
	if cap(b) <= 64<<10 { // do not keep a buffer grown by one huge item
		*p = b
		encodeBufs.Put(p)
	}
	return out
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendAttrs(b []byte, m map[string]*AV) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for name, v := range m {
		b = appendString(b, name)
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

// decodeItem returns the item b encodes (nil for an empty slice: no item).
func decodeItem(b []byte) Item {
	if len(b) == 0 {
		return nil
	}
	d := decoder{b: b}
	return d.attrs()
}

// decoder reads the encoding. Its input is always the engine's own output, so it trusts it.
type decoder struct {
	b []byte
	i int
}

func (d *decoder) uvarint() int {
	v, n := binary.Uvarint(d.b[d.i:])
	d.i += n
	return int(v)
}

func (d *decoder) string() string {
	n := d.uvarint()
	s := string(d.b[d.i : d.i+n])
	d.i += n
	return s
}

func (d *decoder) attrs() Item {
	n := d.uvarint()
	m := make(Item, n)
	avs := make([]AV, n) // one allocation for the item's values
	for i := range avs {
		name := d.string()
		d.value(&avs[i])
		m[name] = &avs[i]
	}
	return m
}

func (d *decoder) value(a *AV) {
	tag := d.b[d.i]
	d.i++
	a.T = tagTypes[tag]
	switch tag {
	case tagS, tagN, tagB:
		a.S = d.string()
	case tagBOOL:
		a.BOOL = d.b[d.i] == 1
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

// lookupAttr decodes only the top-level attribute name of the stored item b (nil if absent).
func lookupAttr(b []byte, name string) *AV {
	if len(b) == 0 {
		return nil
	}
	d := decoder{b: b}
	for range d.uvarint() {
		n := d.uvarint()
		match := string(d.b[d.i:d.i+n]) == name // compiled without a copy
		d.i += n
		if match {
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
	tag := d.b[d.i]
	d.i++
	switch tag {
	case tagS, tagN, tagB:
		d.i += d.uvarint()
	case tagBOOL:
		d.i++
	case tagNULL:
	case tagM:
		for range d.uvarint() {
			d.i += d.uvarint()
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
