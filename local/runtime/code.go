package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/microshop/microshop/local/code"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/template"
	"github.com/microshop/microshop/local/watch"
)

// This file decides where each function's code is (local/code) and keeps rebuilding the
// ones built from source (local/watch), one watcher per Go module.

// moduleRoot is cfg.Root, else the module holding the template, else "": a template outside
// any module (another tool's cdk.out, a SAM app) is fine as long as its functions' code is
// found another way.
func moduleRoot(cfg Config) (string, error) {
	if cfg.Root != "" {
		return cfg.Root, nil
	}
	root, err := modroot.Find(filepath.Dir(cfg.Template))
	if errors.Is(err, modroot.ErrNotFound) {
		return "", nil
	}
	return root, err
}

// defaultKeyDir is DefaultKeyDir(root), or the cache directory without a module.
func defaultKeyDir(root string, cfg Config) string {
	if root != "" {
		return DefaultKeyDir(root)
	}
	return filepath.Join(cacheDir(cfg), "jwt")
}

func cacheDir(cfg Config) string {
	if cfg.CacheDir != "" {
		return cfg.CacheDir
	}
	return code.DefaultCacheDir()
}

// goRuntime reports whether a Lambda runtime runs Go binaries: an OS-only runtime
// (provided.al2023, provided.al2, provided), the retired go1.x, or none given (a container
// image, or a template that omits it).
func goRuntime(rt string) bool {
	return rt == "" || rt == "go1.x" || strings.HasPrefix(rt, "provided")
}

func hasSource(fn *template.Function, sources map[string]string) bool {
	for _, n := range code.Names(fn) {
		if _, ok := sources[n]; ok {
			return true
		}
	}
	return false
}

// locateCode plans every function and logs where code outside our own GoPackage metadata
// was found.
func locateCode(m *template.Model, fns []*template.Function, root string, cfg Config, logw io.Writer) ([]code.Plan, error) {
	opts := code.Options{Root: root, CacheDir: cacheDir(cfg), Sources: cfg.Sources}
	for name := range cfg.Sources {
		if !hasName(m, name) {
			fmt.Fprintf(logw, "devcloud: warning: source of %s: no function of the template has this logical ID, name or CDK construct ID\n", name)
		}
	}
	plans := make([]code.Plan, 0, len(fns))
	var errs []error
	for _, fn := range fns {
		p, err := code.Locate(fn, opts)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if fn.GoPackage == "" || p.From != "GoPackage "+fn.GoPackage {
			fmt.Fprintf(logw, "devcloud: %s: %s\n", fn.Name, p.From)
		}
		plans = append(plans, p)
	}
	return plans, errors.Join(errs...)
}

func hasName(m *template.Model, name string) bool {
	for _, fn := range m.Functions {
		if slices.Contains(code.Names(fn), name) {
			return true
		}
	}
	return false
}

// watch rebuilds functions whose sources change and registers the new binaries, which
// replaces the warm processes (busy ones after their current invocation). Functions run
// from a prebuilt bootstrap have no source to watch.
func (rt *Runtime) watch(ctx context.Context, plans []code.Plan, specs map[string]lambdahost.FunctionSpec, logw io.Writer) error {
	groups := code.Groups(plans)
	if len(groups) == 0 {
		fmt.Fprintln(logw, "devcloud: --watch: every function runs a prebuilt bootstrap, so there is no Go source to watch (give one with --source NAME=DIR)")
		return nil
	}
	var mu sync.Mutex // each watcher replaces from its own goroutine
	replace := func(name, binary string) error {
		mu.Lock()
		defer mu.Unlock()
		s := specs[name]
		s.Binary = binary
		specs[name] = s
		fmt.Fprintf(logw, "devcloud: %s rebuilt, new processes start on the next invocation\n", name)
		return rt.manager.Register(s)
	}
	for _, g := range groups {
		w, err := watch.New(watch.Options{
			Root: g.Module, Packages: g.Packages, Log: logw,
			Rebuild: watch.Builder(g.Module, g.OutDir, "-ldflags=-s -w"),
			Replace: replace,
		})
		if err != nil {
			return err
		}
		if err := w.Start(context.WithoutCancel(ctx)); err != nil {
			return fmt.Errorf("watch module %s: %w", g.Module, err)
		}
		// Closers run last-first: the watchers stop before the manager they register with.
		rt.closers = append(rt.closers, w.Close)
	}
	return nil
}

// Running is the functions run, by logical ID; deploy-time handlers of the template (see
// selectFunctions) are not among them.
func (rt *Runtime) Running() []*template.Function { return rt.running }
