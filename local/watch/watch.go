// Package watch rebuilds a running function when its Go source changes and hands the new
// binary to the caller, so `make dev` serves edited code within about a second without a
// restart.
//
// A Watcher knows, for every main package it watches, the directories of the package and of
// its in-module dependencies (from `go list -deps`, re-read after every rebuild because
// imports change). It watches those directories and the module's go.mod and go.sum,
// collects bursts of events (editors write temporary files and rename them into place),
// rebuilds only the affected packages with one call of Options.Rebuild, and calls
// Options.Replace for every function that runs one of them. A failed build is logged and
// nothing is replaced: the old processes keep serving.
//
// Wiring in the local runtime, after the functions are registered (the lambda.Manager
// replaces a function's processes on Register: idle ones at once, busy ones after their
// current invocation, so no request in flight fails):
//
//	pkgs := map[string][]string{} // Go package -> names of the functions built from it
//	specs := map[string]lambda.FunctionSpec{}
//	for _, fn := range fns {
//		pkgs[fn.GoPackage] = append(pkgs[fn.GoPackage], fn.Name)
//		specs[fn.Name] = spec // the FunctionSpec registered at start
//	}
//	w, err := watch.New(watch.Options{
//		Root:     root,
//		Packages: pkgs,
//		Rebuild:  watch.Builder(root, filepath.Join(root, ".local", "functions"), "-ldflags=-s -w"),
//		Replace: func(name, binary string) error {
//			spec := specs[name]
//			spec.Binary = binary
//			return manager.Register(spec)
//		},
//		Log: logw,
//	})
//	if err == nil {
//		err = w.Start(ctx)
//	}
//	// on shutdown: w.Close() before manager.Close()
package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/microshop/microshop/local/internal/syncbuf"
)

// DefaultDebounce is how long the Watcher waits after the last relevant event before it
// rebuilds: long enough to coalesce an editor's save (temporary file, rename, chmod), short
// enough not to show in the edit-to-response time.
const DefaultDebounce = 50 * time.Millisecond

// maxWait bounds the debounce: a tool that writes files without pause (a code generator)
// still gets a rebuild at least this often.
const maxWait = time.Second

// RebuildFunc builds the given main packages (as keyed in Options.Packages) and returns each
// one's binary. Every call must write fresh files, never overwrite a binary an earlier call
// returned: processes started from it may still be running an invocation.
type RebuildFunc func(ctx context.Context, pkgs []string) (map[string]string, error)

// Options configure a Watcher.
type Options struct {
	// Root is the Go module root; the go command runs there and relative packages are
	// relative to it. Empty means the current directory.
	Root string
	// Packages maps each watched main package ("./functions/x/cmd/y" or an import path, as
	// Rebuild accepts it) to the names of the functions that run it.
	Packages map[string][]string
	// Rebuild compiles the affected packages; Builder returns the usual one.
	Rebuild RebuildFunc
	// Replace makes function fn run binary from now on. Its error is logged.
	Replace func(fn, binary string) error
	// Log receives one line per rebuild and the compiler output of a failed build; nil means
	// io.Discard.
	Log io.Writer
	// Debounce is the quiet period after the last change before a rebuild; default
	// DefaultDebounce.
	Debounce time.Duration
	// Go is the go command used to list dependencies; empty means "go" from PATH.
	Go string
}

// Watcher watches the sources of a set of main packages. Create it with New, run it with
// Start, stop it with Close.
type Watcher struct {
	opts Options
	root string
	log  *syncbuf.Writer // the loop and the caller's Replace may share a log

	fsw *fsnotify.Watcher

	// graph is only touched by Start (before the loop runs) and by the loop goroutine.
	graph *graph

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// New checks opts and returns a Watcher that is not yet watching.
func New(opts Options) (*Watcher, error) {
	if opts.Rebuild == nil || opts.Replace == nil {
		return nil, errors.New("watch: Options.Rebuild and Options.Replace are required")
	}
	if len(opts.Packages) == 0 {
		return nil, errors.New("watch: no packages to watch")
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.Go == "" {
		opts.Go = "go"
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	return &Watcher{opts: opts, root: root, log: syncbuf.NewWriter(logw), done: make(chan struct{})}, nil
}

// Start lists the packages' dependencies, watches their directories and returns; changes
// are handled in the background until ctx ends or Close is called. Start fails when the
// dependencies cannot be listed at all (a package that does not compile is fine: its
// directories are watched so that fixing it triggers a rebuild).
func (w *Watcher) Start(ctx context.Context) error {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	g, err := listGraph(ctx, w.opts.Go, w.root, slices.Sorted(maps.Keys(w.opts.Packages)))
	if err != nil {
		_ = fsw.Close()
		return fmt.Errorf("watch: %w", err)
	}
	w.fsw = fsw
	w.apply(g, time.Time{})
	ctx, w.cancel = context.WithCancel(ctx)
	go w.loop(ctx)
	return nil
}

// Close stops watching, cancels a build in progress and waits for the background work to
// end. Functions already replaced stay replaced.
func (w *Watcher) Close() error {
	var err error
	w.once.Do(func() {
		if w.cancel == nil { // never started
			close(w.done)
			return
		}
		w.cancel()
		<-w.done
		err = w.fsw.Close()
	})
	return err
}

// loop collects events into a pending set and rebuilds it once events have stopped for the
// debounce period. Rebuilds run on this goroutine, so events arriving meanwhile wait in the
// watcher's queue and start the next round.
func (w *Watcher) loop(ctx context.Context) {
	defer close(w.done)
	pending := map[string]bool{}
	var first time.Time
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return
			}
			w.logf("watch: %v", err)
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			pkgs := w.graph.affected(ev, w.root)
			if len(pkgs) == 0 {
				continue
			}
			now := time.Now()
			if len(pending) == 0 {
				first = now
			}
			for _, p := range pkgs {
				pending[p] = true
			}
			timer.Reset(min(w.opts.Debounce, max(0, first.Add(maxWait).Sub(now))))
		case <-timer.C:
			missed := w.rebuild(ctx, slices.Sorted(maps.Keys(pending)))
			clear(pending)
			for _, p := range missed {
				pending[p] = true
			}
			if len(pending) > 0 {
				first = time.Now()
				timer.Reset(w.opts.Debounce)
			}
		}
	}
}

// rebuild builds pkgs, replaces their functions on success, and re-reads the dependency
// graph either way: the edit may have added imports, even in a build that failed. It returns
// the packages to build again because a directory it starts watching changed after this
// build began, before its watch was in place.
func (w *Watcher) rebuild(ctx context.Context, pkgs []string) []string {
	began := time.Now()
	bins, err := w.opts.Rebuild(ctx, pkgs)
	switch {
	case ctx.Err() != nil:
		return nil
	case err != nil:
		w.logf("watch: build of %s failed; the running functions keep their old code:\n%v", strings.Join(pkgs, ", "), err)
	default:
		w.logf("watch: rebuilt %s in %v", strings.Join(pkgs, ", "), time.Since(began).Round(time.Millisecond))
		for _, p := range pkgs {
			bin, ok := bins[p]
			if !ok {
				w.logf("watch: rebuild returned no binary for %s", p)
				continue
			}
			for _, fn := range slices.Sorted(slices.Values(w.opts.Packages[p])) {
				if err := w.opts.Replace(fn, bin); err != nil {
					w.logf("watch: replace %s: %v", fn, err)
				}
			}
		}
	}
	g, err := listGraph(ctx, w.opts.Go, w.root, slices.Sorted(maps.Keys(w.opts.Packages)))
	if err != nil {
		if ctx.Err() == nil {
			w.logf("watch: %v; still watching the previous directories", err)
		}
		return nil
	}
	return w.apply(g, began)
}

// apply makes g current: it watches the directories g needs and stops watching the rest.
// It returns the packages whose sources in newly watched directories changed after since
// (a zero since checks nothing).
func (w *Watcher) apply(g *graph, since time.Time) []string {
	want := g.dirs()
	missed := map[string]bool{}
	for dir := range want {
		if w.graph != nil && w.graph.dirs()[dir] {
			continue
		}
		if err := w.fsw.Add(dir); err != nil {
			w.logf("watch: %v", err)
		}
		if !since.IsZero() {
			for _, p := range g.changedSince(dir, since) {
				missed[p] = true
			}
		}
	}
	if w.graph != nil {
		for dir := range w.graph.dirs() {
			if !want[dir] {
				_ = w.fsw.Remove(dir) // may already be gone with the directory
			}
		}
	}
	w.graph = g
	return slices.Sorted(maps.Keys(missed))
}

func (w *Watcher) logf(format string, args ...any) {
	fmt.Fprintf(w.log, format+"\n", args...)
}
