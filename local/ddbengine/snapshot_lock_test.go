package ddbengine

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// loadCounted creates table "cut" (a GSI with ALL projection) whose stores count their
// comparisons in *cmps, and fills it with n items through BatchWriteItem.
func loadCounted(t *testing.T, e *Engine, n int, cmps *int) *table {
	t.Helper()
	if st, out := e.Do("DynamoDB_20120810.CreateTable", []byte(strings.ReplaceAll(scaleTable, `"scale"`, `"cut"`))); st != 200 {
		t.Fatalf("CreateTable: %s", out)
	}
	tb := e.tables["cut"]
	count := func(a, b entry) bool { *cmps++; return lessEntry(a, b) }
	tb.items = newItemStoreLess(count)
	for _, ix := range tb.gsis {
		ix.store = newItemStoreLess(count)
	}
	for lo := 0; lo < n; lo += 25 {
		var b strings.Builder
		b.WriteString(`{"RequestItems":{"cut":[`)
		for i := lo; i < min(lo+25, n); i++ {
			if i > lo {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"PutRequest":{"Item":%s}}`, scaleItem(i))
		}
		b.WriteString(`]}}`)
		if st, out := e.Do("DynamoDB_20120810.BatchWriteItem", []byte(b.String())); st != 200 {
			t.Fatalf("BatchWriteItem: %s", out)
		}
	}
	if got := tb.items.len(); got != n {
		t.Fatalf("table holds %d items, want %d", got, n)
	}
	return tb
}

// cutWork is what taking a snapshot's cut of one table does while it holds the table's lock.
type cutWork struct {
	cmps          int
	allocs, bytes uint64
}

func measureCut(t *testing.T, n int) cutWork {
	t.Helper()
	e := New(Options{TTLInterval: -1})
	defer e.Close()
	var cmps int
	tb := loadCounted(t, e, n, &cmps)
	var cuts []tableCut
	var before, after runtime.MemStats
	cmps = 0
	runtime.GC()
	runtime.ReadMemStats(&before)
	const rounds = 100
	for range rounds {
		tb.mu.Lock() // what save holds while it takes the cut
		cuts = append(cuts, tb.cut())
		tb.mu.Unlock()
	}
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(cuts)
	if got := cuts[0].items.len(); got != n {
		t.Fatalf("cut holds %d items, want %d", got, n)
	}
	return cutWork{cmps: cmps, allocs: (after.Mallocs - before.Mallocs) / rounds, bytes: (after.TotalAlloc - before.TotalAlloc) / rounds}
}

// The only work a snapshot does under the table locks, taking its cut, is the same for a
// table of 20 k items as for one of 200: it compares no keys and allocates the same objects
// (a description and the clone's root), so the time writers can wait for a snapshot does not
// grow with the table. Everything that visits items runs on the clone, outside the lock
// (TestSnapshotWritesOutsideTheLock).
func TestSnapshotCutWorkIsConstant(t *testing.T) {
	small, large := measureCut(t, 200), measureCut(t, 20_000)
	t.Logf("200 items: %+v; 20k items: %+v", small, large)
	if small.cmps != 0 || large.cmps != 0 {
		t.Errorf("taking a cut compared keys: %d at 200 items, %d at 20k, want 0", small.cmps, large.cmps)
	}
	if large.allocs != small.allocs || large.bytes != small.bytes {
		t.Errorf("a cut allocates %d objects (%d bytes) at 20k items, %d (%d bytes) at 200, want the same", large.allocs, large.bytes, small.allocs, small.bytes)
	}
	if small.allocs == 0 {
		t.Error("a cut allocated nothing: the measurement does not see the clone")
	}
}

// blockingWriter blocks the snapshot's first write until release is closed.
type blockingWriter struct {
	w       io.Writer
	entered chan struct{}
	release chan struct{}
	once    bool
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	if !b.once {
		b.once = true
		close(b.entered)
		<-b.release
	}
	return b.w.Write(p)
}

// While a snapshot writes its file, writers go on: a PutItem completes while the snapshot's
// write is held, and the file then holds the cut taken before it, not the new item.
func TestSnapshotWritesOutsideTheLock(t *testing.T) {
	dir := t.TempDir()
	opts := Options{DataDir: dir, TTLInterval: -1, SnapshotInterval: -1}
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	var cmps int
	loadCounted(t, e, 100, &cmps)
	bw := &blockingWriter{entered: make(chan struct{}), release: make(chan struct{})}
	e.wrapSnapshot = func(w io.Writer) io.Writer { bw.w = w; return bw }
	saved := make(chan error)
	go func() { saved <- e.save() }()
	<-bw.entered
	// The snapshot is now blocked in its file write. Had it kept a table lock, this would
	// never return and the test would time out.
	if st, out := e.Do("DynamoDB_20120810.PutItem", []byte(`{"TableName":"cut","Item":`+scaleItem(100)+`}`)); st != 200 {
		t.Fatalf("PutItem during the snapshot: %s", out)
	}
	close(bw.release)
	if err := <-saved; err != nil {
		t.Fatal(err)
	}
	e.wrapSnapshot = nil
	e.opts.DataDir = "" // keep the file as the snapshot left it
	_ = e.Close()
	e2, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	if got := e2.tables["cut"].items.len(); got != 100 {
		t.Errorf("restored %d items, want the 100 of the cut (the PutItem came after it)", got)
	}
}
