package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command as make load runs it, shortened: it starts the local runtime on free ports,
// seeds it, runs a mixed load, prints the live view as lines (not a terminal), the table and
// the report, and exits 0 because the invariants hold. -cpuprofile leaves a CPU profile.
func TestRunLocal(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-duration", "2s", "-warmup", "1s", "-concurrency", "4", "-products", "2", "-seed", "3",
		"-refresh", "300ms", "-report", dir, "-cpuprofile", filepath.Join(dir, "cpu.pprof")}, &out, &errOut, false)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	s := out.String()
	if strings.Contains(s, "\r") || strings.Count(s, " req/s ") < 2 {
		t.Errorf("want at least two live lines, none rewritten in place:\n%s", s)
	}
	for _, want := range []string{"seed 3", "warming up", "route", "POST /orders", "invariants hold", "report: " + dir} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	for _, f := range []string{"index.html", "results.json", "runtime.log"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// The profile is written when the run ends: a gzipped pprof protobuf.
	if prof, err := os.ReadFile(filepath.Join(dir, "cpu.pprof")); err != nil || len(prof) < 100 || prof[0] != 0x1f || prof[1] != 0x8b {
		t.Errorf("cpu.pprof: %d bytes, %v; want a gzipped profile", len(prof), err)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{{"-mix", "buy=1"}, {"-api", "http://127.0.0.1:1"}, {"-no-such-flag"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut, false); code != 2 || errOut.Len() == 0 {
			t.Errorf("load %q: exit %d, stderr %q; want 2 and a message", args, code, errOut.String())
		}
	}
}
