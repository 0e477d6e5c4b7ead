package lambdahost

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMemoryGaugeReadsAtMostEveryInterval(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	// Each read returns the next of these peaks; 0 is a failed read.
	peaks := []int{20, 31, 0, 45}
	var reads int
	g := memoryGauge{read: func(pid int) int {
		if pid != 42 {
			t.Errorf("read pid %d, want 42", pid)
		}
		mb := peaks[reads]
		reads++
		return mb
	}}
	type step struct {
		at    time.Duration
		mb    int
		reads int
	}
	var got []step
	for _, at := range []time.Duration{
		0,                                    // first invocation: read
		peakMemoryEvery / 2,                  // cached
		peakMemoryEvery - time.Nanosecond,    // still cached
		peakMemoryEvery,                      // read again: grew
		peakMemoryEvery + time.Millisecond,   // cached
		2 * peakMemoryEvery,                  // read fails: keeps the last peak
		3*peakMemoryEvery + time.Millisecond, // read again: grew
	} {
		mb := g.peakMB(42, t0.Add(at))
		got = append(got, step{at, mb, reads})
	}
	want := []step{
		{0, 20, 1},
		{peakMemoryEvery / 2, 20, 1},
		{peakMemoryEvery - time.Nanosecond, 20, 1},
		{peakMemoryEvery, 31, 2},
		{peakMemoryEvery + time.Millisecond, 31, 2},
		{2 * peakMemoryEvery, 31, 3},
		{3*peakMemoryEvery + time.Millisecond, 45, 4},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(step{})); diff != "" {
		t.Errorf("peaks and reads (-want +got):\n%s", diff)
	}
}

func TestPeakMemoryMBReadsThisProcess(t *testing.T) {
	if got := peakMemoryMB(os.Getpid()); got <= 0 {
		t.Errorf("peakMemoryMB(self) = %d, want > 0", got)
	}
	if got := peakMemoryMB(0); got != 0 {
		t.Errorf("peakMemoryMB(0) = %d, want 0", got)
	}
}

// BenchmarkPeakMemory compares reading the peak from /proc on every invocation ("read")
// with the gauge REPORT uses ("gauge"), at one invocation every 10 ms of a warm process.
func BenchmarkPeakMemory(b *testing.B) {
	pid := os.Getpid()
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			if peakMemoryMB(pid) <= 0 {
				b.Fatal("no peak memory")
			}
		}
	})
	b.Run("gauge", func(b *testing.B) {
		var g memoryGauge
		now := time.Now()
		for b.Loop() {
			now = now.Add(10 * time.Millisecond)
			if g.peakMB(pid, now) <= 0 {
				b.Fatal("no peak memory")
			}
		}
	})
}
