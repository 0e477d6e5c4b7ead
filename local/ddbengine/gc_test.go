package ddbengine

import (
	"os"
	"runtime/debug"
	"testing"
)

// SetServeGC sets GOGC=ServeGCPercent unless the environment sets GOGC, which wins.
func TestSetServeGC(t *testing.T) {
	orig := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(orig) })

	t.Setenv("GOGC", "") // restored after the test
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
	if got := SetServeGC(); got != ServeGCPercent {
		t.Errorf("without GOGC: SetServeGC() = %d, want %d", got, ServeGCPercent)
	}
	if got := debug.SetGCPercent(100); got != ServeGCPercent {
		t.Errorf("without GOGC: collector at %d, want %d", got, ServeGCPercent)
	}

	t.Setenv("GOGC", "77")
	debug.SetGCPercent(77) // what the runtime read from the environment at start
	if got := SetServeGC(); got != 77 {
		t.Errorf("with GOGC=77: SetServeGC() = %d, want 77", got)
	}
	if got := debug.SetGCPercent(100); got != 77 {
		t.Errorf("with GOGC=77: collector at %d, want 77 (left alone)", got)
	}
}
