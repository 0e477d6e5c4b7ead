package ddbengine

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"sort"
	"sync"
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
	desc     *tableDescription
	stream   *stream
	ttlAttr  string
	ttlOn    bool
	tags     []tag
	order    int  // position in the global lock order
	deleted  bool // removed from the catalog (a snapshot in progress skips it)
}

type tag struct{ Key, Value string }

type itemStore struct {
	keys []string
	m    map[string]Item
}

func newItemStore() *itemStore { return &itemStore{m: map[string]Item{}} }

func (s *itemStore) get(k string) Item { return s.m[k] }

func (s *itemStore) put(k string, it Item) {
	if _, ok := s.m[k]; !ok {
		i := sort.SearchStrings(s.keys, k)
		s.keys = append(s.keys, "")
		copy(s.keys[i+1:], s.keys[i:])
		s.keys[i] = k
	}
	s.m[k] = it
}

func (s *itemStore) del(k string) {
	if _, ok := s.m[k]; !ok {
		return
	}
	delete(s.m, k)
	i := sort.SearchStrings(s.keys, k)
	if i < len(s.keys) && s.keys[i] == k {
		s.keys = append(s.keys[:i], s.keys[i+1:]...)
	}
}

// keyRange mirrors LevelDB range options: at most one lower and one upper bound.
type keyRange struct {
	gt, gte, lt, lte string
	hasGt, hasGte    bool
	hasLt, hasLte    bool
	reverse          bool
}

// scanRange visits keys in the range in order until fn returns false.
func (s *itemStore) scanRange(r keyRange, fn func(k string, it Item) bool) {
	lo := 0
	if r.hasGte {
		lo = sort.SearchStrings(s.keys, r.gte)
	} else if r.hasGt {
		lo = sort.Search(len(s.keys), func(i int) bool { return s.keys[i] > r.gt })
	}
	hi := len(s.keys)
	if r.hasLte {
		hi = sort.Search(len(s.keys), func(i int) bool { return s.keys[i] > r.lte })
	} else if r.hasLt {
		hi = sort.SearchStrings(s.keys, r.lt)
	}
	if r.reverse {
		for i := hi - 1; i >= lo; i-- {
			if !fn(s.keys[i], s.m[s.keys[i]]) {
				return
			}
		}
		return
	}
	for i := lo; i < hi; i++ {
		if !fn(s.keys[i], s.m[s.keys[i]]) {
			return
		}
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

// updateIndexes moves an item's index entries from old to new (either may be nil).
func (t *table) updateIndexes(old, nw Item) {
	for _, ix := range t.allIndexes() {
		t.updateIndex(ix, old, nw)
	}
}

// updateIndex moves an item's entry in one index. Items lacking an index key attribute, or
// holding it with another type (possible for items written before a GSI was added), are not
// in the index: GSIs are sparse and backfill skips such items, as DynamoDB does.
func (t *table) updateIndex(ix *index, old, nw Item) {
	newKey := ""
	if nw != nil && indexable(nw, ix.keys) {
		pieces := nw
		if ix.projType != "ALL" {
			pieces = Item{}
			for _, k := range ix.keys {
				pieces[k.name] = nw[k.name]
			}
			for _, k := range t.keys {
				pieces[k.name] = nw[k.name]
			}
			for _, a := range ix.nonKey {
				if v, ok := nw[a]; ok {
					pieces[a] = v
				}
			}
		}
		newKey = t.indexKey(nw, ix.keys)
		ix.store.put(newKey, pieces)
	}
	if old != nil && indexable(old, ix.keys) {
		if k := t.indexKey(old, ix.keys); k != newKey {
			ix.store.del(k)
		}
	}
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
