package ddbengine

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The "engine at scale" figures (issue 14): bulk-load one table through the edge port with
// BatchWriteItem from 8 writers, then measure reads, memory, a snapshot under write load and a
// restart. `make bench` runs it once at 1 M items; -scale.items picks another size.

var (
	scaleItems       = flag.Int("scale.items", 1_000_000, "items BenchmarkScale loads")
	scaleHeapProfile = flag.String("scale.heapprofile", "", "write a heap profile at full size to this file")
	scaleRestoreProf = flag.String("scale.restoreprofile", "", "write a CPU profile of the restart to this file")
)

const (
	scaleWriters = 8
	scaleBatch   = 25
	scaleWindow  = 10_000 // items per timed load window
	scaleSmall   = 10_000 // the small table the large one is compared with
)

// scaleItem is item i of the scale table: 10 items per partition (so a Query returns 10), a GSI
// with 1000 partitions, about 230 bytes as DynamoDB counts item size.
func scaleItem(i int) string {
	return fmt.Sprintf(`{"pk":{"S":"customer#%07d"},"sk":{"N":"%d"},"gpk":{"S":"category#%03d"},"gsk":{"N":"%d"},`+
		`"name":{"S":"Product %07d with a name of a realistic length"},"price":{"N":"%d.99"},`+
		`"description":{"S":"A description of item %07d, long enough to make the item about as large as a real catalog row"},"stock":{"N":"%d"}}`,
		i/10, i%10, i%1000, i, i, i%500, i, i%97)
}

const scaleTable = `{"TableName":"scale","BillingMode":"PAY_PER_REQUEST",` +
	`"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},{"AttributeName":"gpk","AttributeType":"S"},{"AttributeName":"gsk","AttributeType":"N"}],` +
	`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],` +
	`"GlobalSecondaryIndexes":[{"IndexName":"byCategory","KeySchema":[{"AttributeName":"gpk","KeyType":"HASH"},{"AttributeName":"gsk","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`

// cpuTime is the CPU time (user + system) the process has used: on a shared machine it shows
// the work done where wall time also shows the wait for a processor.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadWindow is the wall and CPU time scaleWindow items took to load.
type loadWindow struct{ wall, cpu time.Duration }

func (w loadWindow) String() string {
	return fmt.Sprintf("%.3f s (CPU %.3f s)", w.wall.Seconds(), w.cpu.Seconds())
}

// scaleLoad writes items [from, to) with 8 concurrent BatchWriteItem writers and returns the
// time each scaleWindow items took, in the order they completed.
func scaleLoad(r *rawClient, from, to int) ([]loadWindow, error) {
	var next atomic.Int64
	next.Store(int64(from))
	var done atomic.Int64
	done.Store(int64(from))
	var mu sync.Mutex
	var windows []loadWindow
	last, lastCPU := time.Now(), cpuTime()
	mark := from + scaleWindow
	var firstErr error
	var wg sync.WaitGroup
	for range scaleWriters {
		wg.Go(func() {
			var b strings.Builder
			for {
				lo := int(next.Add(scaleBatch)) - scaleBatch
				if lo >= to {
					return
				}
				hi := min(lo+scaleBatch, to)
				b.Reset()
				b.WriteString(`{"RequestItems":{"scale":[`)
				for i := lo; i < hi; i++ {
					if i > lo {
						b.WriteByte(',')
					}
					b.WriteString(`{"PutRequest":{"Item":`)
					b.WriteString(scaleItem(i))
					b.WriteString(`}}`)
				}
				b.WriteString(`]}}`)
				if err := r.do("BatchWriteItem", b.String()); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				n := int(done.Add(int64(hi - lo)))
				mu.Lock()
				for n >= mark {
					now, cpu := time.Now(), cpuTime()
					windows = append(windows, loadWindow{now.Sub(last), cpu - lastCPU})
					last, lastCPU, mark = now, cpu, mark+scaleWindow
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return windows, firstErr
}

// scaleReads returns the p50 latency of GetItem, a 10-item Query and a 10-item GSI Query over
// the first n items, sequentially from one client.
func scaleReads(r *rawClient, n int) (get, query, gsi time.Duration, err error) {
	rng := rand.New(rand.NewPCG(1, 2))
	p50 := func(count int, body func() (string, string)) (time.Duration, error) {
		lat := make([]time.Duration, 0, count)
		for range count {
			target, b := body()
			t0 := time.Now()
			if err := r.do(target, b); err != nil {
				return 0, err
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		return lat[len(lat)/2], nil
	}
	if get, err = p50(2000, func() (string, string) {
		i := rng.IntN(n)
		return "GetItem", fmt.Sprintf(`{"TableName":"scale","Key":{"pk":{"S":"customer#%07d"},"sk":{"N":"%d"}}}`, i/10, i%10)
	}); err != nil {
		return
	}
	if query, err = p50(2000, func() (string, string) {
		return "Query", fmt.Sprintf(`{"TableName":"scale","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"customer#%07d"}},"Limit":10}`, rng.IntN(n/10))
	}); err != nil {
		return
	}
	gsi, err = p50(2000, func() (string, string) {
		// 10 items per category at 10 k, 1000 at 1 M: the page is 10 items either way.
		return "Query", fmt.Sprintf(`{"TableName":"scale","IndexName":"byCategory","KeyConditionExpression":"gpk = :p","ExpressionAttributeValues":{":p":{"S":"category#%03d"}},"Limit":10}`, rng.IntN(1000))
	})
	return
}

// memStatus reads VmRSS and VmHWM (peak) from /proc/self/status, in bytes.
func memStatus() (rss, peak int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, val, ok := strings.Cut(s.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return rss, peak
}

// writeStalls is the longest and the 99th-percentile write latency seen in one window.
type writeStalls struct{ max, p99 time.Duration }

func (w writeStalls) String() string {
	return fmt.Sprintf("max %.3f ms, p99 %.3f ms", float64(w.max.Microseconds())/1000, float64(w.p99.Microseconds())/1000)
}

func stallsOf(lat []time.Duration) writeStalls {
	if len(lat) == 0 {
		return writeStalls{}
	}
	slices.Sort(lat)
	return writeStalls{max: lat[len(lat)-1], p99: lat[len(lat)*99/100]}
}

// snapshotUnderLoad keeps 8 writers overwriting items while it takes one snapshot, and returns
// the snapshot's duration and the write latencies while it ran and in a window of the same
// length right after it, without a snapshot (the stalls the machine and the GC cause anyway).
// A write counts in a window if it started and ended inside it.
func snapshotUnderLoad(e *Engine, r *rawClient, n int) (took time.Duration, during, without writeStalls, err error) {
	var phase atomic.Int32 // 0 warm-up, 1 snapshot, 2 baseline, 3 done
	stop := make(chan struct{})
	var failed atomic.Value
	var mu sync.Mutex
	var inSnap, inBase []time.Duration
	var wg sync.WaitGroup
	for w := range scaleWriters {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var mine [4][]time.Duration
			defer func() {
				mu.Lock()
				inSnap, inBase = append(inSnap, mine[1]...), append(inBase, mine[2]...)
				mu.Unlock()
			}()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := phase.Load()
				t0 := time.Now()
				if err := r.do("PutItem", `{"TableName":"scale","Item":`+scaleItem(rng.IntN(n))+`}`); err != nil {
					failed.Store(err)
					return
				}
				if d := time.Since(t0); phase.Load() == p {
					mine[p] = append(mine[p], d)
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond) // warm-up: writers connected and running
	phase.Store(1)
	t0 := time.Now()
	err = e.save()
	took = time.Since(t0)
	phase.Store(2)
	time.Sleep(took)
	phase.Store(3)
	close(stop)
	wg.Wait()
	if f := failed.Load(); f != nil && err == nil {
		err = f.(error)
	}
	return took, stallsOf(inSnap), stallsOf(inBase), err
}

// BenchmarkScale prints the table. It runs once whatever b.N is.
func BenchmarkScale(b *testing.B) {
	n := *scaleItems
	if n < 2*scaleSmall {
		b.Fatalf("-scale.items must be at least %d", 2*scaleSmall)
	}
	// Measure what a serving process holds: dynamodb-local and devcloud set the same policy.
	fmt.Printf("  GOGC %d (SetServeGC; the environment's GOGC wins)\n", SetServeGC())
	dir := b.TempDir()
	opts := Options{TTLInterval: -1, DataDir: dir, SnapshotInterval: -1}
	e, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	srv := edgeFor(e)
	r := &rawClient{endpoint: srv.URL, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	r.call(b, "CreateTable", scaleTable)

	start, startCPU := time.Now(), cpuTime()
	small, err := scaleLoad(r, 0, scaleSmall)
	if err != nil {
		b.Fatal(err)
	}
	smallLoad, smallCPU := time.Since(start), cpuTime()-startCPU
	get10k, q10k, gsi10k, err := scaleReads(r, scaleSmall)
	if err != nil {
		b.Fatal(err)
	}
	t1, t1CPU := time.Now(), cpuTime()
	big, err := scaleLoad(r, scaleSmall, n)
	if err != nil {
		b.Fatal(err)
	}
	total, totalCPU := smallLoad+time.Since(t1), smallCPU+cpuTime()-t1CPU
	getN, qN, gsiN, err := scaleReads(r, n)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, peak := memStatus()
	debug.FreeOSMemory()
	rssFreed, _ := memStatus()
	if *scaleHeapProfile != "" {
		f, err := os.Create(*scaleHeapProfile)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	snap, during, without, err := snapshotUnderLoad(e, r, n)
	if err != nil {
		b.Fatal(err)
	}
	waited, held := time.Duration(e.lastCutWait.Load()), time.Duration(e.lastCutHold.Load())
	fi, err := os.Stat(e.snapshotPath())
	if err != nil {
		b.Fatal(err)
	}
	srv.Close()
	t2 := time.Now()
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	closeTook := time.Since(t2)
	e = nil
	runtime.GC()

	if *scaleRestoreProf != "" {
		f, err := os.Create(*scaleRestoreProf)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
	}
	t3, t3CPU := time.Now(), cpuTime()
	e2, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	pprof.StopCPUProfile()
	srv2 := edgeFor(e2)
	r2 := &rawClient{endpoint: srv2.URL, c: &http.Client{}}
	r2.call(b, "GetItem", `{"TableName":"scale","Key":{"pk":{"S":"customer#0000000"},"sk":{"N":"0"}}}`)
	restart, restartCPU := time.Since(t3), cpuTime()-t3CPU
	srv2.Close()
	_ = e2.Close()

	// A garbage collection marks the whole heap (about a second of CPU at 1 M items) once per
	// several windows, so one window alone says more about where a collection fell.
	var tail loadWindow
	last10 := big[max(0, len(big)-10):]
	for _, w := range last10 {
		tail.wall += w.wall / time.Duration(len(last10))
		tail.cpu += w.cpu / time.Duration(len(last10))
	}
	ms2 := func(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d.Microseconds())/1000) }
	rows := [][2]string{
		{fmt.Sprintf("bulk load %d items (8 writers, BatchWriteItem)", n), fmt.Sprintf("%.1f s (%.0f items/s; CPU %.1f s)", total.Seconds(), float64(n)/total.Seconds(), totalCPU.Seconds())},
		{"time per 10k items at 10k", small[0].String()},
		{fmt.Sprintf("time per 10k items at %d (last 10k)", n), fmt.Sprintf("%v: %.2fx wall, %.2fx CPU", big[len(big)-1], big[len(big)-1].wall.Seconds()/small[0].wall.Seconds(), big[len(big)-1].cpu.Seconds()/small[0].cpu.Seconds())},
		{fmt.Sprintf("time per 10k items at %d (mean of the last 10)", n), fmt.Sprintf("%v: %.2fx wall, %.2fx CPU", tail, tail.wall.Seconds()/small[0].wall.Seconds(), tail.cpu.Seconds()/small[0].cpu.Seconds())},
		{"GetItem p50 at 10k / at " + strconv.Itoa(n), ms2(get10k) + " / " + ms2(getN)},
		{"Query (10 items) p50 at 10k / at " + strconv.Itoa(n), ms2(q10k) + " / " + ms2(qN)},
		{"GSI Query (10 items) p50 at 10k / at " + strconv.Itoa(n), ms2(gsi10k) + " / " + ms2(gsiN)},
		{"resident memory (VmRSS) at " + strconv.Itoa(n), fmt.Sprintf("%d MB (%.2f KB per item); after FreeOSMemory %d MB; peak %d MB", rss>>20, float64(rss)/1024/float64(n), rssFreed>>20, peak>>20)},
		{"live heap at " + strconv.Itoa(n), fmt.Sprintf("%d MB (%.0f bytes per item)", ms.HeapAlloc>>20, float64(ms.HeapAlloc)/float64(n))},
		{"snapshot of " + strconv.Itoa(n) + " items under 8 writers", fmt.Sprintf("%s, %d MB file", ms2(snap), fi.Size()>>20)},
		{"snapshot: lock window (writes wait at most this for it)", fmt.Sprintf("%s (acquiring %s behind running writes, holding %s)", ms2(waited+held), ms2(waited), ms2(held))},
		{"write latency during the snapshot (8 writers, end to end)", during.String()},
		{"write latency as long again right after it, no snapshot", without.String()},
		{"final snapshot on Close", ms2(closeTook)},
		{"restart with --data-dir -> first GetItem served", fmt.Sprintf("%s (CPU %.1f s)", ms2(restart), restartCPU.Seconds())},
	}
	for _, row := range rows {
		fmt.Printf("  %-58s %s\n", row[0], row[1])
	}
}

var restoreItems = flag.Int("restore.items", 200_000, "items BenchmarkRestore restores")

// BenchmarkRestore measures opening a data directory holding one table of the scale shape
// (-restore.items items), in CPU time as well as wall time: the restore half of the scale
// figures, repeatable without the bulk load.
func BenchmarkRestore(b *testing.B) {
	fmt.Printf("  GOGC %d (SetServeGC; the environment's GOGC wins)\n", SetServeGC())
	dir := b.TempDir()
	opts := Options{TTLInterval: -1, DataDir: dir, SnapshotInterval: -1}
	e, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	if st, out := e.Do("DynamoDB_20120810.CreateTable", []byte(scaleTable)); st != 200 {
		b.Fatalf("CreateTable: %s", out)
	}
	var sb strings.Builder
	for lo := 0; lo < *restoreItems; lo += scaleBatch {
		sb.Reset()
		sb.WriteString(`{"RequestItems":{"scale":[`)
		for i := lo; i < min(lo+scaleBatch, *restoreItems); i++ {
			if i > lo {
				sb.WriteByte(',')
			}
			sb.WriteString(`{"PutRequest":{"Item":` + scaleItem(i) + `}}`)
		}
		sb.WriteString(`]}}`)
		if st, out := e.Do("DynamoDB_20120810.BatchWriteItem", []byte(sb.String())); st != 200 {
			b.Fatalf("BatchWriteItem: %s", out)
		}
	}
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	e = nil
	runtime.GC()
	var cpu time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := cpuTime()
		e2, err := Open(opts) // starts no background work: nothing to close
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - t0
		if n := e2.tables["scale"].items.len(); n != *restoreItems {
			b.Fatalf("restored %d items, want %d", n, *restoreItems)
		}
		e2 = nil
		runtime.GC()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}
