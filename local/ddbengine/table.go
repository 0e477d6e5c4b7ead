package ddbengine

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"sync"

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
}

type tag struct{ Key, Value string }

// itemStore holds items in key order in a B-tree, so a write costs O(log n) whatever the size
// of the table, and a Scan or Query page costs O(log n + page). Values are encoded items (see
// codec.go); an index entry holds the very string its table entry holds, never a copy.
type itemStore struct {
	tree *btree.BTreeG[entry]
}

// entry is one item under its storage key. In the table's store k and v share one allocation
// (see encodeEntry); an index's entries hold the table's v.
type entry struct {
	k string
	v string
}

// storeDegree is the B-tree's minimum degree: nodes hold 31 to 63 entries, a path from the
// root to a leaf at 1 M items is 4 nodes long.
const storeDegree = 32

func lessEntry(a, b entry) bool { return a.k < b.k }

func newItemStore() *itemStore { return newItemStoreLess(lessEntry) }

// newItemStoreLess is newItemStore with another ordering function (tests count comparisons).
func newItemStoreLess(less btree.LessFunc[entry]) *itemStore {
	return &itemStore{tree: btree.NewG(storeDegree, less)}
}

// get returns the item stored under k, decoded, or nil.
func (s *itemStore) get(k string) Item {
	e, _ := s.tree.Get(entry{k: k})
	return decodeItem(e.v)
}

func (s *itemStore) put(k, v string) { s.tree.ReplaceOrInsert(entry{k, v}) }

func (s *itemStore) del(k string) { s.tree.Delete(entry{k: k}) }

func (s *itemStore) len() int { return s.tree.Len() }

// clone returns a copy of the store in O(1): both share nodes until either is written, when
// the writer copies the nodes on its path. The caller must hold the table's write lock; after
// that the clone may be read without any lock while the table goes on changing.
func (s *itemStore) clone() *itemStore { return &itemStore{tree: s.tree.Clone()} }

// each visits every entry in key order until fn returns false.
func (s *itemStore) each(fn func(k, v string) bool) {
	s.tree.Ascend(func(e entry) bool { return fn(e.k, e.v) })
}

// keyRange mirrors LevelDB range options: at most one lower and one upper bound.
type keyRange struct {
	gt, gte, lt, lte string
	hasGt, hasGte    bool
	hasLt, hasLte    bool
	reverse          bool
}

// scanRange visits the entries in the range in order until fn returns false.
func (s *itemStore) scanRange(r keyRange, fn func(k, v string) bool) {
	if r.reverse {
		below := func(k string) bool { return (r.hasGte && k < r.gte) || (r.hasGt && k <= r.gt) }
		visit := func(e entry) bool {
			if r.hasLt && e.k >= r.lt {
				return true // DescendLessOrEqual starts at lt itself when it is stored
			}
			return !below(e.k) && fn(e.k, e.v)
		}
		switch {
		case r.hasLte:
			s.tree.DescendLessOrEqual(entry{k: r.lte}, visit)
		case r.hasLt:
			s.tree.DescendLessOrEqual(entry{k: r.lt}, visit)
		default:
			s.tree.Descend(visit)
		}
		return
	}
	above := func(k string) bool { return (r.hasLte && k > r.lte) || (r.hasLt && k >= r.lt) }
	visit := func(e entry) bool {
		if r.hasGt && e.k <= r.gt {
			return true // AscendGreaterOrEqual starts at gt itself when it is stored
		}
		return !above(e.k) && fn(e.k, e.v)
	}
	switch {
	case r.hasGte:
		s.tree.AscendGreaterOrEqual(entry{k: r.gte}, visit)
	case r.hasGt:
		s.tree.AscendGreaterOrEqual(entry{k: r.gt}, visit)
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

// stored is an item laid out for the stores: its storage key, its key in each index and its
// encoding, all substrings of one string, so an item is one allocation (and one object for
// the garbage collector) however many indexes hold it.
type stored struct {
	k      string
	ixKeys []string // per index, in the order layout was given them; "" where it is not in one
	v      string
}

// layout returns the stored form of it, whose storage key is k, for the indexes ixs. Items
// lacking an index key attribute, or holding it with another type (possible for items written
// before a GSI was added), are not in that index: GSIs are sparse and backfill skips such
// items, as DynamoDB does.
func (t *table) layout(k string, it Item, ixs []*index) stored {
	parts := make([]string, 1+len(ixs))
	parts[0] = k
	for x, ix := range ixs {
		if indexable(it, ix.keys) {
			parts[1+x] = t.indexKey(it, ix.keys)
		}
	}
	s := encodeEntry(parts, it)
	for x, p := range parts {
		parts[x], s = s[:len(p)], s[len(p):]
	}
	return stored{k: parts[0], ixKeys: parts[1:], v: s}
}

// updateIndexes moves an item's entries in the indexes ixs from old (nil: none) to nw (zero:
// none), laid out for ixs.
func (t *table) updateIndexes(ixs []*index, old Item, nw stored) {
	for x, ix := range ixs {
		newKey := ""
		if nw.ixKeys != nil {
			newKey = nw.ixKeys[x]
		}
		t.updateIndex(ix, old, newKey, nw.v)
	}
}

// updateIndex moves an item's entry in one index from where old has it to newKey ("": out of
// the index), holding enc. The entry holds the whole stored item whatever the projection;
// readers project it (indexItem).
func (t *table) updateIndex(ix *index, old Item, newKey, enc string) {
	if newKey != "" {
		ix.store.put(newKey, enc)
	}
	if old != nil && indexable(old, ix.keys) {
		if k := t.indexKey(old, ix.keys); k != newKey {
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
