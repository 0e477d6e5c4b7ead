// Package build compiles Go main packages for the host, so the local runtime can run a
// template's functions as ordinary processes.
//
// Every package that can share a `go build -o DIR/ pkg1 pkg2 ...` invocation does: one
// invocation compiles the common dependencies once and links the binaries in parallel, which
// is much faster on a small machine than one `go build` per function.
package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Tags are the build tags every binary is built with: lambda.norpc drops aws-lambda-go's
// legacy RPC mode, as the deployed build does.
const Tags = "lambda.norpc"

// Options says what to build and where.
type Options struct {
	// Root is the directory the go command runs in, normally the module root. Relative
	// package paths are relative to it. Empty means the current directory.
	Root string
	// OutDir receives the binaries. It is created if missing.
	OutDir string
	// Packages are the main packages to build, as the go command accepts them
	// ("./functions/catalog/cmd/catalog-get-product" or a full import path). Patterns with
	// "..." are rejected: the caller must know every binary it expects.
	Packages []string
	// Flags are extra `go build` flags, e.g. "-race" or "-gcflags=all=-N -l".
	Flags []string
	// Stdout and Stderr receive the go command's output. When Stderr is nil the output is
	// kept and returned in the error of a failed build.
	Stdout, Stderr io.Writer
	// Go is the go command to run; empty means "go" from PATH.
	Go string
}

// Build compiles opts.Packages for the host (GOOS/GOARCH of this process, CGO_ENABLED=0,
// -tags lambda.norpc) and returns the absolute path of each package's binary, keyed by the
// package exactly as given.
//
// Packages with distinct binary names are built by a single go invocation into OutDir.
// Packages whose binary names collide go into further invocations, each writing to its own
// subdirectory of OutDir (OutDir/dup1, OutDir/dup2, ...). Invocations run one after the
// other so the later ones reuse the build cache the first one filled.
func Build(ctx context.Context, opts Options) (map[string]string, error) {
	if opts.OutDir == "" {
		return nil, errors.New("build: OutDir is required")
	}
	out, err := filepath.Abs(opts.OutDir)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	for _, p := range opts.Packages {
		if strings.Contains(p, "...") {
			return nil, fmt.Errorf("build: package %q: patterns are not supported", p)
		}
	}
	gocmd := opts.Go
	if gocmd == "" {
		gocmd = "go"
	}

	bins := make(map[string]string, len(opts.Packages))
	for i, g := range plan(opts.Root, opts.Packages) {
		dir := out
		if i > 0 {
			dir = filepath.Join(out, "dup"+strconv.Itoa(i))
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
		// A single package gets an explicit file name, which also covers packages whose
		// binary name cannot be predicted from their path (the module root, "."): the go
		// command would name it after the module path.
		target := dir + string(filepath.Separator)
		if len(g) == 1 {
			target = filepath.Join(dir, g[0].name)
		}
		args := append([]string{"build", "-tags", Tags, "-o", target}, opts.Flags...)
		for _, p := range g {
			args = append(args, p.pkg)
		}
		if err := run(ctx, gocmd, args, opts); err != nil {
			return nil, err
		}
		for _, p := range g {
			bin := filepath.Join(dir, p.name)
			if st, err := os.Stat(bin); err != nil || st.IsDir() {
				return nil, fmt.Errorf("build: %s produced no binary %s (is it a main package?)", p.pkg, bin)
			}
			bins[p.pkg] = bin
		}
	}
	return bins, nil
}

func run(ctx context.Context, gocmd string, args []string, opts Options) error {
	cmd := exec.CommandContext(ctx, gocmd, args...)
	cmd.Dir = opts.Root
	cmd.Env = append(os.Environ(),
		"CGO_ENABLED=0",
		"GOOS="+runtime.GOOS,
		"GOARCH="+runtime.GOARCH,
	)
	cmd.Stdout = opts.Stdout
	var captured bytes.Buffer
	cmd.Stderr = opts.Stderr
	if cmd.Stderr == nil {
		cmd.Stderr = &captured
	}
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(captured.String())
		if msg != "" {
			return fmt.Errorf("build: %s %s: %w\n%s", gocmd, strings.Join(args, " "), err, msg)
		}
		return fmt.Errorf("build: %s %s: %w", gocmd, strings.Join(args, " "), err)
	}
	return nil
}

type pkgBinary struct {
	pkg  string
	name string
}

// plan splits pkgs into build groups: in each group every binary name is unique. The first
// group holds the first package of every name, the second the second, and so on; packages
// whose name cannot be predicted come last, one per group. Duplicate package strings are
// built once.
func plan(root string, pkgs []string) [][]pkgBinary {
	var groups, solos [][]pkgBinary
	seen := make(map[string]bool, len(pkgs))
	// next[name] is the first group that has no binary of that name yet.
	next := make(map[string]int, len(pkgs))
	for _, p := range pkgs {
		if seen[p] {
			continue
		}
		seen[p] = true
		name, solo := binaryName(root, p)
		if solo {
			solos = append(solos, []pkgBinary{{pkg: p, name: name}})
			continue
		}
		i := next[name]
		if i == len(groups) {
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], pkgBinary{pkg: p, name: name})
		next[name] = i + 1
	}
	return append(groups, solos...)
}

// binaryName is the file name `go build -o DIR/` gives pkg's binary: the last element of its
// import path, skipping a major-version suffix (cmd/go's DefaultExecName). solo reports that
// the name cannot be derived from the path (".", "..", a path ending in ".."), in which case
// name is the directory's base name and the package must be built with an explicit -o file.
func binaryName(root, pkg string) (name string, solo bool) {
	p := strings.TrimRight(filepath.ToSlash(pkg), "/")
	if p == "" {
		p = "."
	}
	elem := path.Base(p)
	if elem != p && isVersionElement(elem) {
		p = path.Dir(p)
		elem = path.Base(p)
	}
	if elem == "." || elem == ".." || elem == "/" {
		dir := filepath.FromSlash(p)
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(root, dir)
		}
		abs, err := filepath.Abs(dir)
		if err != nil || filepath.Base(abs) == string(filepath.Separator) {
			return exe("main"), true
		}
		return exe(filepath.Base(abs)), true
	}
	return exe(elem), false
}

func exe(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

// isVersionElement reports whether s is a major-version path element (v2, v3, ...), as
// cmd/go decides it.
func isVersionElement(s string) bool {
	if len(s) < 2 || s[0] != 'v' || s[1] == '0' || s[1] == '1' && len(s) == 2 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || '9' < s[i] {
			return false
		}
	}
	return true
}
