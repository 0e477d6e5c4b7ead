package watch

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/microshop/microshop/local/build"
)

// Builder returns a RebuildFunc that compiles with local/build, all packages in one go
// invocation, into a fresh directory per call: outDir/v1, outDir/v2, ... numbered after the
// highest version already in outDir, so a binary a process was started from is never
// overwritten. A failed build's compiler output is in the returned error. Flags are extra
// `go build` flags: "-ldflags=-s -w" cuts the link, most of a rebuild, by about a third
// (stack traces keep their function names; only debugger information is lost).
func Builder(root, outDir string, flags ...string) RebuildFunc {
	var mu sync.Mutex
	next, last := 0, 0
	return func(ctx context.Context, pkgs []string) (map[string]string, error) {
		mu.Lock()
		defer mu.Unlock()
		if next == 0 {
			next = highestVersion(outDir) + 1
		}
		n := next
		next++
		dir := filepath.Join(outDir, "v"+strconv.Itoa(n))
		bins, err := build.Build(ctx, build.Options{
			Root:     root,
			OutDir:   dir,
			Packages: pkgs,
			Flags:    flags,
		})
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		// Keep this build and the previous successful one, whose binaries may still be
		// finishing an invocation. (On Unix a running binary would survive the removal of
		// its file anyway; this keeps the rule portable.)
		prune(outDir, func(v int) bool { return v != n && v != last })
		last = n
		return bins, nil
	}
}

// prune removes the outDir/vN directories for which drop(N) is true.
func prune(outDir string, drop func(int) bool) {
	entries, _ := os.ReadDir(outDir)
	for _, e := range entries {
		if n, ok := version(e); ok && drop(n) {
			_ = os.RemoveAll(filepath.Join(outDir, e.Name()))
		}
	}
}

// version is N for a directory named vN.
func version(e os.DirEntry) (int, bool) {
	s, ok := strings.CutPrefix(e.Name(), "v")
	if !ok || !e.IsDir() {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// highestVersion is the largest N of the outDir/vN directories; 0 when there are none.
func highestVersion(outDir string) int {
	entries, _ := os.ReadDir(outDir)
	high := 0
	for _, e := range entries {
		if n, ok := version(e); ok && n > high {
			high = n
		}
	}
	return high
}
