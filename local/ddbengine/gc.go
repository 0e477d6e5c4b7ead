package ddbengine

import (
	"os"
	"runtime/debug"
)

// ServeGCPercent is the GOGC that SetServeGC sets. A process serving the engine holds mostly
// long-lived items, so with Go's default of 100 its resident memory is about twice and a half
// its live heap (the next collection is due at twice the live heap, and the runtime keeps a
// little more than that mapped). At 50 it is about 1.7 times, for collections twice as often;
// the items are pointer-free strings, so a collection marks little more than the B-trees'
// nodes and the extra cost is small (see docs/decisions.md for the figures).
const ServeGCPercent = 50

// SetServeGC sets the garbage collector for a process that serves the engine (dynamodb-local,
// devcloud with the embedded engine): GOGC=ServeGCPercent unless the GOGC environment
// variable is set, which always wins. It reports the GOGC now in effect. The engine itself
// never changes the process's collector: tests and other embedders keep theirs.
func SetServeGC() int {
	if _, ok := os.LookupEnv("GOGC"); ok {
		p := debug.SetGCPercent(-1) // reads the setting (there is no getter) and puts it back
		debug.SetGCPercent(p)
		return p
	}
	debug.SetGCPercent(ServeGCPercent)
	return ServeGCPercent
}
