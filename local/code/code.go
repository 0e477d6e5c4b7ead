// Package code finds each function's code wherever a stack puts it and makes it runnable on
// this machine: our own Metadata.LocalRuntime.GoPackage, a CDK asset (a folder or a .zip,
// from the asset metadata or the assets manifest), a SAM CodeUri, or a source folder the user
// names (`devcloud serve --source NAME=DIR`, or a devcloud.yaml file).
//
// A function ends up with a Plan: either a bootstrap to run as it is (an executable for this
// machine's OS and architecture, checked from its ELF header), or a Go main package to build
// in its own module (the nearest go.mod at or above the package's folder). Builds of the
// template's own GoPackage functions go where they always went (<module>/.local/functions);
// every other build, and every extracted .zip, goes to a cache directory, never into the
// user's source tree.
package code

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/microshop/microshop/local/build"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/template"
)

// CacheDirEnv overrides the default cache directory.
const CacheDirEnv = "DEVCLOUD_CACHE_DIR"

// Bootstrap is the file name of a custom runtime's executable (provided.al2023, provided.al2).
const Bootstrap = "bootstrap"

// ErrNoCode is returned when a function's code cannot be found or cannot run here; the
// message names the function, what was found and the fix.
var ErrNoCode = errors.New("no runnable code")

// Options say where to look and where to write.
type Options struct {
	// Root is the Go module holding the template, which GoPackage paths are relative to;
	// empty when the template is in no module.
	Root string
	// CacheDir receives extracted .zip assets and the builds of every module but Root's
	// GoPackage functions; default DefaultCacheDir().
	CacheDir string
	// Sources maps a function (any of Names) to the folder of its main package. A mapping
	// wins over everything the template says.
	Sources map[string]string
}

// DefaultCacheDir is $DEVCLOUD_CACHE_DIR, else devcloud under the user's cache directory
// (os.UserCacheDir), else under the temporary directory.
func DefaultCacheDir() string {
	if d := os.Getenv(CacheDirEnv); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "devcloud")
	}
	return filepath.Join(os.TempDir(), "devcloud")
}

// Plan is how one function runs: Binary as it is, or Package built in Module into OutDir.
type Plan struct {
	// Function is the function's name.
	Function string
	// Binary is an executable to run as it is; empty when the function is built.
	Binary string
	// Module is the root of the Go module Package is built in.
	Module string
	// Package is the main package, relative to Module ("./cmd/x", or "." for the module's
	// root folder), as the go command and local/watch take it.
	Package string
	// OutDir is where Package's builds go.
	OutDir string
	// From says where the code was found, for the start-up log.
	From string
}

// Locate decides how fn runs. It extracts a .zip asset into the cache but builds nothing.
// The sources are tried in order: opts.Sources, GoPackage, the SAM CodeUri, the CDK asset.
func Locate(fn *template.Function, opts Options) (Plan, error) {
	if opts.CacheDir == "" {
		opts.CacheDir = DefaultCacheDir()
	}
	p := Plan{Function: fn.Name}
	if dir, ok := sourceFor(fn, opts.Sources); ok {
		return p.source(dir, "--source "+dir, opts)
	}
	if fn.GoPackage != "" {
		if opts.Root == "" {
			return Plan{}, fmt.Errorf("%w: function %s: Metadata.LocalRuntime.GoPackage %q is relative to the Go module holding the template, and the template is in no Go module (no go.mod in its folder or above); give the module with --root, or the package folder with --source %s=DIR",
				ErrNoCode, fn.LogicalID, fn.GoPackage, fn.LogicalID)
		}
		p.Module, p.Package = opts.Root, fn.GoPackage
		p.OutDir = filepath.Join(opts.Root, ".local", "functions")
		p.From = "GoPackage " + fn.GoPackage
		return p, nil
	}
	if uri := fn.Code.CodeURI; uri != "" {
		dir, err := unpack(uri, opts.CacheDir)
		if err != nil {
			return Plan{}, fmt.Errorf("%w: function %s: CodeUri %s: %v", ErrNoCode, fn.LogicalID, uri, err)
		}
		if fn.Code.BuildMethod == "go1.x" && hasGoFiles(dir) {
			return p.source(dir, "CodeUri "+uri, opts)
		}
		return p.folder(fn, dir, "CodeUri "+uri, opts)
	}
	if a := fn.Code.AssetPath; a != "" {
		dir, err := unpack(a, opts.CacheDir)
		if err != nil {
			return Plan{}, fmt.Errorf("%w: function %s: CDK asset %s: %v (run `cdk synth` again, or give the source with --source %s=DIR)",
				ErrNoCode, fn.LogicalID, a, err, fn.LogicalID)
		}
		return p.folder(fn, dir, "asset "+a, opts)
	}
	return Plan{}, fmt.Errorf("%w: function %s: the template does not say where its code is (no Metadata.LocalRuntime.GoPackage, no CDK asset metadata or S3Key of the assets manifest, no SAM CodeUri); give its source with --source %s=DIR",
		ErrNoCode, fn.LogicalID, fn.LogicalID)
}

// sourceFor finds fn's mapping by logical ID, function name, CDK construct path
// ("Stack/HelloFunction/Resource" or "Stack/HelloFunction"), or construct ID
// ("HelloFunction", as written in the CDK app).
func sourceFor(fn *template.Function, sources map[string]string) (string, bool) {
	for _, k := range Names(fn) {
		if d, ok := sources[k]; ok {
			return d, true
		}
	}
	return "", false
}

// Names are the names a source mapping may give fn, in the order they are tried.
func Names(fn *template.Function) []string {
	names := []string{fn.LogicalID, fn.Name}
	if p := fn.Code.CDKPath; p != "" {
		construct := strings.TrimSuffix(p, "/Resource")
		names = append(names, p, construct, construct[strings.LastIndex(construct, "/")+1:])
	}
	return names
}

// source plans a build of the main package in dir, in its own module.
func (p Plan) source(dir, from string, opts Options) (Plan, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Plan{}, fmt.Errorf("%w: function %s: %v", ErrNoCode, p.Function, err)
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return Plan{}, fmt.Errorf("%w: function %s: source %s is not a folder", ErrNoCode, p.Function, dir)
	}
	mod, err := modroot.Find(abs)
	if err != nil {
		return Plan{}, fmt.Errorf("%w: function %s: source %s is in no Go module (no go.mod in it or above)", ErrNoCode, p.Function, dir)
	}
	rel, err := filepath.Rel(mod, abs)
	if err != nil {
		return Plan{}, fmt.Errorf("%w: function %s: %v", ErrNoCode, p.Function, err)
	}
	p.Module = mod
	p.Package = "./" + filepath.ToSlash(rel)
	if rel == "." {
		p.Package = "."
	}
	p.OutDir = filepath.Join(opts.CacheDir, "build", digest(mod)+"-"+filepath.Base(mod))
	p.From = from
	return p, nil
}

// folder plans a deployment package folder: its bootstrap when it runs here, else its Go
// source when it has some.
func (p Plan) folder(fn *template.Function, dir, from string, opts Options) (Plan, error) {
	bin := filepath.Join(dir, Bootstrap)
	st, err := os.Stat(bin)
	if err != nil || st.IsDir() {
		if hasGoFiles(dir) {
			return p.source(dir, from+" (Go source)", opts)
		}
		return Plan{}, fmt.Errorf("%w: function %s: %s holds neither a %s nor Go source; give the source with --source %s=DIR",
			ErrNoCode, fn.LogicalID, from, Bootstrap, fn.LogicalID)
	}
	target, err := Platform(bin)
	if err != nil {
		return Plan{}, fmt.Errorf("%w: function %s: %s: %v; give its Go source with --source %s=DIR",
			ErrNoCode, fn.LogicalID, bin, err, fn.LogicalID)
	}
	if !target.RunsHere() {
		if hasGoFiles(dir) {
			return p.source(dir, from+" (Go source; its bootstrap is "+target.String()+")", opts)
		}
		return Plan{}, fmt.Errorf("%w: function %s: %s is a %s executable and this machine is %s, and devcloud does not know the function's Go source; give it with --source %s=DIR (the folder of its main package) or under sources in devcloud.yaml",
			ErrNoCode, fn.LogicalID, bin, target, Host(), fn.LogicalID)
	}
	if st.Mode()&0o111 == 0 {
		return Plan{}, fmt.Errorf("%w: function %s: %s is not executable (chmod +x it)", ErrNoCode, fn.LogicalID, bin)
	}
	p.Binary = bin
	p.From = from + " (" + target.String() + " " + Bootstrap + ")"
	return p, nil
}

// hasGoFiles reports whether dir holds non-test Go source.
func hasGoFiles(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			return true
		}
	}
	return false
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// Group is the functions built in one module into one output folder: what one go
// invocation builds and one local/watch Watcher watches.
type Group struct {
	Module string
	OutDir string
	// Packages maps each main package to the names of the functions that run it.
	Packages map[string][]string
}

// Groups collects the plans that build into groups, in a stable order.
func Groups(plans []Plan) []Group {
	byKey := map[[2]string]*Group{}
	for _, p := range plans {
		if p.Package == "" {
			continue
		}
		k := [2]string{p.Module, p.OutDir}
		g := byKey[k]
		if g == nil {
			g = &Group{Module: p.Module, OutDir: p.OutDir, Packages: map[string][]string{}}
			byKey[k] = g
		}
		g.Packages[p.Package] = append(g.Packages[p.Package], p.Function)
	}
	var out []Group
	for _, k := range slices.SortedFunc(maps.Keys(byKey), func(a, b [2]string) int {
		return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1])
	}) {
		out = append(out, *byKey[k])
	}
	return out
}

// Build builds every plan that needs it, one go invocation per group, and returns each
// function's executable by name (prebuilt ones included). The go command's output goes to
// logw.
func Build(ctx context.Context, plans []Plan, logw io.Writer) (map[string]string, error) {
	bins := make(map[string]string, len(plans))
	for _, p := range plans {
		if p.Binary != "" {
			bins[p.Function] = p.Binary
		}
	}
	for _, g := range Groups(plans) {
		built, err := build.Build(ctx, build.Options{
			Root:     g.Module,
			OutDir:   g.OutDir,
			Packages: slices.Sorted(maps.Keys(g.Packages)),
			Stdout:   logw,
			Stderr:   logw,
		})
		if err != nil {
			return nil, err
		}
		for pkg, fns := range g.Packages {
			for _, fn := range fns {
				bins[fn] = built[pkg]
			}
		}
	}
	return bins, nil
}
