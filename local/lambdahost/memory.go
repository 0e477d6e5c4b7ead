package lambdahost

import (
	"sync"
	"time"
)

// peakMemoryEvery is how often a process's peak memory is read again for the REPORT line.
// Reading /proc/<pid>/status costs the kernel far more than the rest of an invocation's
// bookkeeping (about a tenth of the local runtime's CPU under load when read on every
// invocation); the peak only grows, so between reads REPORT shows the last one.
const peakMemoryEvery = time.Second

// memoryGauge is a process's peak memory as REPORT shows it, read at the first invocation
// and then at most every peakMemoryEvery. It is safe for concurrent use.
type memoryGauge struct {
	read func(pid int) int // peakMemoryMB; a fake in tests

	mu   sync.Mutex
	mb   int
	last time.Time // when read last ran; zero before the first read
}

// peakMB returns the peak memory of process pid in MB at now, 0 if unknown.
func (g *memoryGauge) peakMB(pid int, now time.Time) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.last.IsZero() && now.Sub(g.last) < peakMemoryEvery {
		return g.mb
	}
	read := g.read
	if read == nil {
		read = peakMemoryMB
	}
	// The peak never shrinks; a failed read (0) keeps the last value.
	g.mb = max(g.mb, read(pid))
	g.last = now
	return g.mb
}
