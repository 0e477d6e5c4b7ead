package ddbengine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// storeCost is what one operation on an item store costs, independent of the machine.
type storeCost struct {
	n             int
	insertCmps    float64 // key comparisons per insert of a new key
	cowAllocs     float64 // allocations per insert right after a clone (= nodes copied)
	cowBytes      float64 // bytes allocated per insert right after a clone
	pageCmps      float64 // key comparisons for a 10-entry range read
	visitedInPage int     // entries the range read visited
}

// storeKey spreads keys over the key space as the hash prefix of storage keys does.
func storeKey(i int) string { return fmt.Sprintf("%08x/%d", uint32(i)*2654435761, i) }

// measureStore fills a store with n entries, then measures inserts and a range read.
func measureStore(t *testing.T, n int) storeCost {
	t.Helper()
	cmps := 0
	s := newItemStoreLess(func(a, b entry) bool { cmps++; return lessEntry(a, b) })
	v := "x"
	for i := range n {
		s.put(newEntry(storeKey(i), v))
	}
	if got := s.len(); got != n {
		t.Fatalf("len = %d, want %d", got, n)
	}
	c := storeCost{n: n}
	const inserts = 200
	keys := make([]string, inserts)
	for i := range keys {
		keys[i] = storeKey(n + i)
	}
	cmps = 0
	for _, k := range keys[:inserts/2] {
		s.put(newEntry(k, v))
	}
	c.insertCmps = float64(cmps) / (inserts / 2)
	// A snapshot clones the store; the next write copies the nodes on its path, and no more.
	var before, after runtime.MemStats
	clones := make([]*itemStore, 0, inserts/2)
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, k := range keys[inserts/2:] {
		clones = append(clones, s.clone())
		s.put(newEntry(k, v))
	}
	runtime.ReadMemStats(&after)
	c.cowAllocs = float64(after.Mallocs-before.Mallocs) / (inserts / 2)
	c.cowBytes = float64(after.TotalAlloc-before.TotalAlloc) / (inserts / 2)
	runtime.KeepAlive(clones)
	cmps = 0
	s.scanRange(keyRange{gte: storeKey(n / 2), hasGte: true}, func(entry) bool {
		c.visitedInPage++
		return c.visitedInPage < 10
	})
	c.pageCmps = float64(cmps)
	return c
}

// The item store's writes and page reads cost O(log n): a table of 1 M items takes about as
// many comparisons per insert as one of 10 k (log2 grows 1.5×), and a write after a snapshot
// copies a handful of nodes, not the store. A sorted slice fails the copy bound (it copies
// every key), an unbalanced tree the comparison bound.
func TestStoreCostIsLogarithmic(t *testing.T) {
	small, large := measureStore(t, 10_000), measureStore(t, 1_000_000)
	t.Logf("10k: %+v", small)
	t.Logf("1M:  %+v", large)
	log2 := func(n int) float64 { return math.Log2(float64(n)) }
	for _, c := range []storeCost{small, large} {
		if limit := 2 * log2(c.n); c.insertCmps > limit {
			t.Errorf("%d items: %.1f comparisons per insert, want <= 2*log2(n) = %.1f", c.n, c.insertCmps, limit)
		}
		if limit := 2*log2(c.n) + 10; c.pageCmps > limit {
			t.Errorf("%d items: %.0f comparisons for a 10-entry page, want <= 2*log2(n)+10 = %.0f", c.n, c.pageCmps, limit)
		}
		if c.visitedInPage != 10 {
			t.Errorf("%d items: the page visited %d entries, want 10", c.n, c.visitedInPage)
		}
		// A node holds at most 63 entries of 16 bytes plus 64 child pointers: about 3 KB.
		if limit := 4 << 10 * log2(c.n) / 5; c.cowBytes > limit {
			t.Errorf("%d items: %.0f bytes allocated per insert after a clone, want <= %.0f", c.n, c.cowBytes, limit)
		}
	}
	growth := log2(large.n) / log2(small.n) // 1.5
	if got := large.insertCmps / small.insertCmps; got > 1.5*growth {
		t.Errorf("comparisons per insert grew %.2fx from 10k to 1M items, want <= %.2fx", got, 1.5*growth)
	}
	if got := large.cowAllocs / small.cowAllocs; got > 1.5*growth {
		t.Errorf("nodes copied per insert grew %.2fx from 10k to 1M items, want <= %.2fx", got, 1.5*growth)
	}
}

// Packing storage keys keeps their order and loses nothing: for keys made of hex digits, '/',
// '~' and lexiString's digits (including those of negative and tiny numbers), sharing prefixes
// of every length, s < t exactly when packKey(s) < packKey(t).
func TestPackedKeysKeepOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	keys := []string{"", "/", "~", "0", "00", "000", "0000"}
	for _, n := range []string{"0", "1", "-1", "10", "9.99", "-9.99", "1E-130", "-1E+125", "9.9999999999999999999999999999999999999E+125", "0.001"} {
		keys = append(keys, lexiString(n), hashPrefix(&AV{T: "N", S: n}, nil)+"/"+lexiString(n)+"/")
	}
	for range 3000 {
		b := []byte(keys[rng.IntN(len(keys))]) // often extends an earlier key
		for range rng.IntN(7) {
			b = append(b, keyAlphabet[rng.IntN(len(keyAlphabet))])
		}
		keys = append(keys, string(b))
	}
	for _, s := range keys {
		if got := unpackKey(string(packKey(nil, s))); got != s {
			t.Fatalf("unpackKey(packKey(%q)) = %q", s, got)
		}
		if got, want := len(packKey(nil, s)), packedLen(s); got != want {
			t.Fatalf("len(packKey(%q)) = %d, packedLen = %d", s, got, want)
		}
	}
	for i := range 20000 {
		s, u := keys[rng.IntN(len(keys))], keys[(i*7919)%len(keys)]
		ps, pu := string(packKey(nil, s)), string(packKey(nil, u))
		if got, want := strings.Compare(ps, pu), strings.Compare(s, u); got != want {
			t.Fatalf("compare(packKey(%q), packKey(%q)) = %d, want %d", s, u, got, want)
		}
	}
}

// An item laid out for its table and indexes is one allocation whose entries each give back
// their own key and the whole item; an index the item lacks a key for gets no entry.
func TestLayoutEntries(t *testing.T) {
	tb := &table{keys: []keyAttr{{"pk", "S"}, {"sk", "N"}}}
	g1 := &index{keys: []keyAttr{{"g", "S"}}}
	g2 := &index{keys: []keyAttr{{"absent", "S"}}}
	g3 := &index{keys: []keyAttr{{"pk", "S"}, {"n", "N"}}}
	it := Item{"pk": {T: "S", S: "p#1"}, "sk": {T: "N", S: "-2.5"}, "g": {T: "S", S: "cat"}, "n": {T: "N", S: "7"}, "x": {T: "L", L: []*AV{{T: "S", S: "y"}}}}
	ixs := []*index{g1, g2, g3}
	s := tb.layout(tb.key(it), it, ixs)
	type got struct {
		Key  string
		Item Item
	}
	want := []got{{tb.key(it), it}, {tb.indexKey(it, g1.keys), it}, {"", nil}, {tb.indexKey(it, g3.keys), it}}
	all := append([]entry{s.main}, s.ix...)
	for i, e := range all {
		var g got
		if e.p != nil {
			g = got{e.key(), decodeItem(e.item())}
		}
		if diff := cmp.Diff(want[i], g); diff != "" {
			t.Errorf("entry %d (-want +got):\n%s", i, diff)
		}
	}
	// the entries point into one allocation: each index entry's item is the table entry's
	for _, e := range []entry{s.ix[0], s.ix[2]} {
		if unsafe.StringData(e.item()) != unsafe.StringData(s.main.item()) {
			t.Errorf("an index entry's item is not the table entry's")
		}
	}
}

// putSorted, which restores indexes, leaves a store as putting the same entries one by one
// does: the same keys in order and, of two entries with the same key, the later one.
func TestPutSortedMatchesPut(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var es []sortedEntry
	for i := range 5000 {
		// Keys sharing long prefixes (ties on the 8-byte prefix) and repeated keys.
		k := fmt.Sprintf("%08x/%06d/", rng.IntN(4), rng.IntN(3000))
		es = append(es, sortedEntry{keyPrefix(newEntry(k, "")), i, newEntry(k, fmt.Sprint(i))})
	}
	oneByOne := newItemStore()
	for _, se := range es {
		oneByOne.put(se.e)
	}
	sorted := newItemStore()
	sorted.putSorted(es)
	dump := func(s *itemStore) (out []string) {
		s.each(func(e entry) bool {
			out = append(out, e.key()+"="+e.item())
			return true
		})
		return out
	}
	want := dump(oneByOne)
	if len(want) >= len(es) {
		t.Fatalf("%d distinct keys of %d entries: the test has no repeated keys", len(want), len(es))
	}
	if diff := cmp.Diff(want, dump(sorted)); diff != "" {
		t.Errorf("putSorted (-one by one +sorted):\n%s", diff)
	}
}
