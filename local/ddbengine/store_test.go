package ddbengine

import (
	"fmt"
	"math"
	"runtime"
	"testing"
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
	s := newItemStoreLess(func(a, b entry) bool { cmps++; return a.k < b.k })
	v := "x"
	for i := range n {
		s.put(storeKey(i), v)
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
		s.put(k, v)
	}
	c.insertCmps = float64(cmps) / (inserts / 2)
	// A snapshot clones the store; the next write copies the nodes on its path, and no more.
	var before, after runtime.MemStats
	clones := make([]*itemStore, 0, inserts/2)
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, k := range keys[inserts/2:] {
		clones = append(clones, s.clone())
		s.put(k, v)
	}
	runtime.ReadMemStats(&after)
	c.cowAllocs = float64(after.Mallocs-before.Mallocs) / (inserts / 2)
	c.cowBytes = float64(after.TotalAlloc-before.TotalAlloc) / (inserts / 2)
	runtime.KeepAlive(clones)
	cmps = 0
	s.scanRange(keyRange{gte: storeKey(n / 2), hasGte: true}, func(string, string) bool {
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
		// A node holds at most 63 entries of 32 bytes plus 64 child pointers: about 3 KB.
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
