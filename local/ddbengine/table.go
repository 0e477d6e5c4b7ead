package ddbengine

import (
	"cmp"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/google/btree"
)

// Items are stored under dynalite's composite key strings (a short hash of the partition key,
// then sortable encodings of the key values), so Scan order, Query order and pagination match
// the reference implementation exactly.

type keyAttr struct {
	name string
	typ  string
}

type index struct {
	name     string
	global   bool
	keys     []keyAttr // hash, optional range
	projType string
	nonKey   []string
	store    *itemStore
	desc     *indexDescription
}

type table struct {
	mu   sync.RWMutex
	name string
	keys []keyAttr
	defs map[string]string // attribute name -> type, from AttributeDefinitions
	gsis []*index          // replaced, never modified in place, by UpdateTable
	lsis []*index
	// schemaMu guards the gsis field for readers that do not hold mu (request validation and
	// index lookup happen before the data lock is taken). Writers hold mu and schemaMu.
	schemaMu sync.RWMutex
	items    *itemStore
	size     int64 // sum of the items' sizes (TableSizeBytes), kept by every write
	desc     *tableDescription
	stream   *stream
	ttlAttr  string
	ttlOn    bool
	tags     []tag
	order    int  // position in the global lock order
	deleted  bool // removed from the catalog (a snapshot in progress skips it)
	// pitrSince is when point-in-time recovery was enabled (epoch seconds); 0: disabled.
	pitrSince float64
	state     transient // CREATING/UPDATING under Options.StateDelay (state.go)
}

type tag struct{ Key, Value string }

// itemStore holds items in key order in a B-tree, so a write costs O(log n) whatever the size
// of the table, and a Scan or Query page costs O(log n + page). Entries hold encoded items (see
// codec.go); an index entry holds the very string its table entry holds, never a copy.
type itemStore struct {
	tree *btree.BTreeG[entry]
}

// entry is one item under its storage key: a pointer (8 bytes in a B-tree node) to
//
//	uvarint(len(key)) key uvarint(gap) uvarint(len(item)) [gap bytes] item
//
// key is the storage key packed (packKey) and item the encoded item. The key comes first so
// that a comparison, the B-trees' commonest operation, reads one length and the key. An item's entries in its
// table and in its indexes all point into one allocation (see table.layout): the gap skips
// the keys of the entries laid out after this one. A probe, for lookups, is a key with no
// item. The pointed-to bytes are a string's, so they never change; a pointer into them keeps
// the whole allocation alive, as a substring would.
type entry struct{ p *byte }

// entryOf returns the entry that starts at s[0].
func entryOf(s string) entry { return entry{unsafe.StringData(s)} }

// newEntry returns the entry of item v (encoded) under the storage key k, in an allocation of
// its own.
func newEntry(k, v string) entry {
	b := appendEntryHead(nil, k, 0, len(v))
	return entryOf(string(append(b, v...)))
}

// probe is the entry to look k up with.
func probe(k string) entry { return entryOf(string(appendEntryHead(nil, k, 0, 0))) }

// appendEntryHead appends an entry's head: its packed key and the lengths around it.
func appendEntryHead(b []byte, k string, gap, vlen int) []byte {
	b = binary.AppendUvarint(b, uint64(packedLen(k)))
	b = packKey(b, k)
	b = binary.AppendUvarint(b, uint64(gap))
	return binary.AppendUvarint(b, uint64(vlen))
}

func (e entry) uvarintAt(i int) (v, n int) {
	if c := *(*byte)(unsafe.Add(unsafe.Pointer(e.p), i)); c < 0x80 {
		return int(c), 1 // keys and gaps are usually shorter than 128 bytes
	}
	return e.uvarintLong(i)
}

func (e entry) uvarintLong(i int) (v, n int) {
	var x uint64
	for shift := 0; ; shift += 7 {
		c := *(*byte)(unsafe.Add(unsafe.Pointer(e.p), i+n))
		n++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int(x), n
		}
	}
}

func (e entry) str(off, n int) string {
	if n == 0 {
		return ""
	}
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(e.p), off)), n)
}

// packedKey returns the entry's key as packKey packed it.
func (e entry) packedKey() string {
	klen, n := e.uvarintAt(0)
	return e.str(n, klen)
}

// item returns the encoded item ("" for a probe).
func (e entry) item() string {
	klen, n := e.uvarintAt(0)
	gap, m := e.uvarintAt(n + klen)
	vlen, o := e.uvarintAt(n + klen + m)
	return e.str(n+klen+m+o+gap, vlen)
}

// key returns the storage key, unpacked.
func (e entry) key() string { return unpackKey(e.packedKey()) }

// storeDegree is the B-tree's minimum degree: nodes hold 31 to 63 entries, a path from the
// root to a leaf at 1 M items is 4 nodes long.
const storeDegree = 32

func lessEntry(a, b entry) bool { return a.packedKey() < b.packedKey() }

func newItemStore() *itemStore { return newItemStoreLess(lessEntry) }

// newItemStoreLess is newItemStore with another ordering function (tests count comparisons).
func newItemStoreLess(less btree.LessFunc[entry]) *itemStore {
	return &itemStore{tree: btree.NewG(storeDegree, less)}
}

// get returns the item stored under k, decoded, or nil.
func (s *itemStore) get(k string) Item {
	e, ok := s.tree.Get(probe(k))
	if !ok {
		return nil
	}
	return decodeItem(e.item())
}

func (s *itemStore) put(e entry) { s.tree.ReplaceOrInsert(e) }

// sortedEntry is an entry with the first bytes of its packed key, which decide most
// comparisons without reading the entry, and its place in the input.
type sortedEntry struct {
	prefix uint64
	seq    int
	e      entry
}

// keyPrefix returns the first 8 bytes of e's packed key, big-endian, zero-padded.
func keyPrefix(e entry) uint64 {
	k := e.packedKey()
	var b [8]byte
	copy(b[:], k)
	return binary.BigEndian.Uint64(b[:])
}

// putSorted puts the entries, which it sorts first: by key, then by their order in the
// slice, so that of two entries with the same key the later one stays, as with put one by
// one. Inserting in key order touches only the tree's rightmost nodes, in cache, where
// inserts in random order miss it a few times per level.
func (s *itemStore) putSorted(es []sortedEntry) {
	slices.SortFunc(es, func(a, b sortedEntry) int {
		if c := cmp.Compare(a.prefix, b.prefix); c != 0 {
			return c
		}
		if c := strings.Compare(a.e.packedKey(), b.e.packedKey()); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for _, se := range es {
		s.tree.ReplaceOrInsert(se.e)
	}
}

// insert puts e and reports whether it replaced an entry with the same key.
func (s *itemStore) insert(e entry) (replaced bool) {
	_, replaced = s.tree.ReplaceOrInsert(e)
	return replaced
}

func (s *itemStore) del(k string) { s.tree.Delete(probe(k)) }

func (s *itemStore) len() int { return s.tree.Len() }

// clone returns a copy of the store in O(1): both share nodes until either is written, when
// the writer copies the nodes on its path. The caller must hold the table's write lock; after
// that the clone may be read without any lock while the table goes on changing.
func (s *itemStore) clone() *itemStore { return &itemStore{tree: s.tree.Clone()} }

// each visits every entry in key order until fn returns false.
func (s *itemStore) each(fn func(e entry) bool) { s.tree.Ascend(fn) }

// Storage keys and range bounds are made of the characters of keyAlphabet only (hex digits of
// hashes and of S and B values, the decimal digits of lexiString, '/' between parts and '~' as
// an upper sentinel). packKey stores three of them in two bytes (19³ < 2¹⁶, code 0 pads the
// last group), keeping their order: s < t exactly when packKey(s) < packKey(t). The stores
// compare packed keys; everything above them builds and compares dynalite's strings.
const keyAlphabet = "/0123456789abcdef~"

var keyCodes = func() (c [256]byte) {
	for i := range len(keyAlphabet) {
		c[keyAlphabet[i]] = byte(i + 1)
	}
	return c
}()

// packedLen is the length of packKey(k).
func packedLen(k string) int { return (len(k) + 2) / 3 * 2 }

// packKey appends k packed. A character outside keyAlphabet is a bug in the caller: it panics.
func packKey(b []byte, k string) []byte {
	for i := 0; i < len(k); i += 3 {
		v := 0
		for j := i; j < i+3; j++ {
			v *= len(keyAlphabet) + 1
			if j < len(k) {
				c := keyCodes[k[j]]
				if c == 0 {
					panic("ddbengine: storage key character outside the key alphabet: " + strconv.Quote(k))
				}
				v += int(c)
			}
		}
		b = append(b, byte(v>>8), byte(v))
	}
	return b
}

// unpackKey reverses packKey.
func unpackKey(p string) string {
	b := make([]byte, 0, len(p)/2*3)
	const base = len(keyAlphabet) + 1
	for i := 0; i+1 < len(p); i += 2 {
		v := int(p[i])<<8 | int(p[i+1])
		for _, d := range [3]int{v / (base * base), v / base % base, v % base} {
			if d > 0 {
				b = append(b, keyAlphabet[d-1])
			}
		}
	}
	return string(b)
}

// keyRange mirrors LevelDB range options: at most one lower and one upper bound.
type keyRange struct {
	gt, gte, lt, lte string
	hasGt, hasGte    bool
	hasLt, hasLte    bool
	reverse          bool
}

// scanRange visits the entries in the range in order until fn returns false.
func (s *itemStore) scanRange(r keyRange, fn func(e entry) bool) {
	pack := func(k string) string { return string(packKey(nil, k)) }
	if r.reverse {
		gte, gt, lt := pack(r.gte), pack(r.gt), pack(r.lt)
		below := func(k string) bool { return (r.hasGte && k < gte) || (r.hasGt && k <= gt) }
		visit := func(e entry) bool {
			k := e.packedKey()
			if r.hasLt && k >= lt {
				return true // DescendLessOrEqual starts at lt itself when it is stored
			}
			return !below(k) && fn(e)
		}
		switch {
		case r.hasLte:
			s.tree.DescendLessOrEqual(probe(r.lte), visit)
		case r.hasLt:
			s.tree.DescendLessOrEqual(probe(r.lt), visit)
		default:
			s.tree.Descend(visit)
		}
		return
	}
	gt, lte, lt := pack(r.gt), pack(r.lte), pack(r.lt)
	above := func(k string) bool { return (r.hasLte && k > lte) || (r.hasLt && k >= lt) }
	visit := func(e entry) bool {
		k := e.packedKey()
		if r.hasGt && k <= gt {
			return true // AscendGreaterOrEqual starts at gt itself when it is stored
		}
		return !above(k) && fn(e)
	}
	switch {
	case r.hasGte:
		s.tree.AscendGreaterOrEqual(probe(r.gte), visit)
	case r.hasGt:
		s.tree.AscendGreaterOrEqual(probe(r.gt), visit)
	default:
		s.tree.Ascend(visit)
	}
}

func keyBytes(a *AV) []byte {
	switch a.T {
	case "N":
		return numberBytes(a.S)
	case "B":
		return b64(a.S)
	}
	return []byte(a.S)
}

func hashPrefix(hash, rng *AV) string {
	var buf [64]byte // keys are usually short: hash them without a heap buffer
	b := append(buf[:0], "Outliers"...)
	b = append(b, keyBytes(hash)...)
	if rng != nil {
		b = append(b, keyBytes(rng)...)
	}
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:3])
}

func rangeStr(a *AV) string { return string(appendRangeStr(nil, a)) }

func appendRangeStr(b []byte, a *AV) []byte {
	switch a.T {
	case "S":
		return hex.AppendEncode(b, []byte(a.S))
	case "B":
		return hex.AppendEncode(b, b64(a.S))
	case "N":
		return append(b, lexiString(a.S)...)
	}
	return b
}

// createKey builds the storage key of item under a key schema.
func createKey(item Item, keys []keyAttr) string {
	b := make([]byte, 0, 64)
	b = append(b, hashPrefix(item[keys[0].name], nil)...)
	b = append(b, '/')
	for _, k := range keys {
		b = appendRangeStr(b, item[k.name])
		b = append(b, '/')
	}
	return string(b)
}

// indexKey is the storage key in an index: the index key then a hash of the table key.
func (t *table) indexKey(item Item, keys []keyAttr) string {
	var rng *AV
	if len(t.keys) > 1 {
		rng = item[t.keys[1].name]
	}
	return createKey(item, keys) + hashPrefix(item[t.keys[0].name], rng)
}

func (t *table) key(item Item) string { return createKey(item, t.keys) }

func (t *table) allIndexes() []*index {
	t.schemaMu.RLock()
	defer t.schemaMu.RUnlock()
	out := make([]*index, 0, len(t.gsis)+len(t.lsis))
	out = append(out, t.gsis...)
	return append(out, t.lsis...)
}

func (t *table) findIndex(name string) *index {
	for _, ix := range t.allIndexes() {
		if ix.name == name {
			return ix
		}
	}
	return nil
}

// indexKeyAttrs lists index key attributes in dynalite's traversal order (GSIs, then LSI ranges).
func (t *table) indexKeyAttrs() []struct {
	name, typ string
	ix        *index
} {
	var out []struct {
		name, typ string
		ix        *index
	}
	t.schemaMu.RLock()
	defer t.schemaMu.RUnlock()
	for _, ix := range t.gsis {
		for _, k := range ix.keys {
			out = append(out, struct {
				name, typ string
				ix        *index
			}{k.name, k.typ, ix})
		}
	}
	for _, ix := range t.lsis {
		k := ix.keys[1]
		out = append(out, struct {
			name, typ string
			ix        *index
		}{k.name, k.typ, ix})
	}
	return out
}

// stored is an item laid out for the stores: its entry in the table and in each index, all
// suffixes of one string, so an item is one allocation (and one object for the garbage
// collector) however many indexes hold it.
type stored struct {
	main entry
	ix   []entry // per index, in the order layout was given them; zero where it is not in one
}

// layout returns the stored form of it, whose storage key is k, for the indexes ixs: the
// index entries' heads and keys (last index first), the table's, then the item encoded. Items
// lacking an index key attribute, or holding it with another type (possible for items written
// before a GSI was added), are not in that index: GSIs are sparse and backfill skips such
// items, as DynamoDB does.
func (t *table) layout(k string, it Item, ixs []*index) stored {
	enc := encodeItem(it)
	s := t.layoutEncoded(k, it, enc, ixs)
	releaseEncoding(enc)
	return s
}

// layoutEncoded is layout for an item already encoded as enc; it needs to hold only the
// item's key attributes in the table and in ixs.
func (t *table) layoutEncoded(k string, it Item, enc []byte, ixs []*index) stored {
	// Small index counts (the usual case) work in arrays on the stack.
	var keysA [8]string
	var orderA, gapsA, startsA [8]int
	n := len(ixs) + 1
	keys, order, gaps, starts := keysA[:0], orderA[:0], gapsA[:0], startsA[:0]
	if n > len(keysA) {
		keys, order, gaps, starts = make([]string, 0, n), make([]int, 0, n), make([]int, 0, n), make([]int, 0, n)
	}
	keys, gaps, starts = keys[:n], gaps[:n], starts[:n] // table key last
	keys[len(ixs)] = k
	for x, ix := range ixs {
		if indexable(it, ix.keys) {
			keys[x] = t.indexKey(it, ix.keys)
		}
	}
	// Blocks in the order they are laid out: present indexes from the last, the table last of
	// all; a block's gap is the length of the blocks after it, so work out from the end.
	for x := len(ixs) - 1; x >= 0; x-- {
		if keys[x] != "" {
			order = append(order, x)
		}
	}
	order = append(order, len(ixs))
	after := 0
	for i := len(order) - 1; i >= 0; i-- {
		x := order[i]
		gaps[x] = after
		after += entryHeadLen(keys[x], after, len(enc))
	}
	// One allocation, never written once s is made from it.
	buf := make([]byte, 0, after+len(enc))
	for _, x := range order {
		starts[x] = len(buf)
		buf = appendEntryHead(buf, keys[x], gaps[x], len(enc))
	}
	buf = append(buf, enc...)
	s := unsafe.String(unsafe.SliceData(buf), len(buf))
	out := stored{main: entryOf(s[starts[len(ixs)]:])}
	if len(ixs) > 0 {
		out.ix = make([]entry, len(ixs))
	}
	for x := range ixs {
		if keys[x] != "" {
			out.ix[x] = entryOf(s[starts[x]:])
		}
	}
	return out
}

// entryHeadLen is len(appendEntryHead(nil, k, gap, vlen)).
func entryHeadLen(k string, gap, vlen int) int {
	n := packedLen(k)
	return uvarintLen(n) + uvarintLen(gap) + uvarintLen(vlen) + n
}

func uvarintLen(v int) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// updateIndexes moves an item's entries in the indexes ixs from old (nil: none) to nw (zero:
// none), laid out for ixs.
func (t *table) updateIndexes(ixs []*index, old Item, nw stored) {
	for x, ix := range ixs {
		var e entry
		if nw.ix != nil {
			e = nw.ix[x]
		}
		t.updateIndex(ix, old, e)
	}
}

// updateIndex moves an item's entry in one index from where old has it to e (zero: out of the
// index). The entry holds the whole stored item whatever the projection; readers project it
// (indexItem).
func (t *table) updateIndex(ix *index, old Item, e entry) {
	if e.p != nil {
		ix.store.put(e)
	}
	if old != nil && indexable(old, ix.keys) {
		k := t.indexKey(old, ix.keys)
		if e.p == nil || string(packKey(nil, k)) != e.packedKey() {
			ix.store.del(k)
		}
	}
}

// indexItem returns what index ix holds of it: the whole item under the ALL projection,
// otherwise the index and table key attributes and the projected ones.
func (t *table) indexItem(ix *index, it Item) Item {
	if ix.projType == "ALL" {
		return it
	}
	pieces := Item{}
	for _, k := range ix.keys {
		pieces[k.name] = it[k.name]
	}
	for _, k := range t.keys {
		pieces[k.name] = it[k.name]
	}
	for _, a := range ix.nonKey {
		if v, ok := it[a]; ok {
			pieces[a] = v
		}
	}
	return pieces
}

func indexable(it Item, keys []keyAttr) bool {
	for _, k := range keys {
		if v := it[k.name]; v == nil || v.T != k.typ {
			return false
		}
	}
	return true
}

func b64enc(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
