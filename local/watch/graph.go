package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/microshop/microshop/local/build"
)

// graph says which watched main packages each source directory (and embedded file) of the
// module feeds.
type graph struct {
	byDir  map[string][]string // directory -> main packages, sorted
	byFile map[string][]string // embedded file -> main packages, sorted
	all    []string            // every main package, sorted
	watch  map[string]bool     // directories to watch, including the module root
}

// listed is the part of `go list -json` output the graph needs.
type listed struct {
	ImportPath string
	Dir        string
	Deps       []string
	EmbedFiles []string
	Module     *struct{ Main bool }
}

// listGraph runs `go list -deps` once for all of pkgs (sorted) in root and keeps, for each,
// the packages of the main module it depends on. Build settings match local/build, so the
// files a build reads are the files watched.
func listGraph(ctx context.Context, gocmd, root string, pkgs []string) (*graph, error) {
	args := append([]string{"list", "-e", "-deps", "-tags", build.Tags,
		"-json=ImportPath,Dir,Deps,EmbedFiles,Module"}, pkgs...)
	cmd := exec.CommandContext(ctx, gocmd, args...)
	cmd.Dir = root
	// PWD keeps the go command's idea of the directory (and so every Dir it prints) in the
	// same spelling as root, which events are matched against.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "PWD="+root)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("list dependencies: %s %s: %w\n%s", gocmd, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}

	byPath := map[string]*listed{}
	byDir := map[string]*listed{}
	dec := json.NewDecoder(&stdout)
	for {
		p := new(listed)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("list dependencies: %w", err)
		}
		byPath[p.ImportPath] = p
		if p.Dir != "" {
			byDir[p.Dir] = p
		}
	}

	g := &graph{
		byDir:  map[string][]string{},
		byFile: map[string][]string{},
		all:    pkgs,
		watch:  map[string]bool{root: true},
	}
	for _, pkg := range pkgs {
		top := byPath[pkg]
		if filepath.IsAbs(pkg) || pkg == "." || pkg == ".." || strings.HasPrefix(pkg, "./") || strings.HasPrefix(pkg, "../") {
			top = byDir[filepath.Join(root, pkg)]
		}
		if top == nil {
			// go list -e reports even missing packages, so this is a spelling the go
			// command normalized; watching nothing for it is the safe failure.
			continue
		}
		for _, path := range append([]string{top.ImportPath}, top.Deps...) {
			p := byPath[path]
			if p == nil || p.Dir == "" || p.Module == nil || !p.Module.Main {
				continue
			}
			g.byDir[p.Dir] = appendUnique(g.byDir[p.Dir], pkg)
			g.watch[p.Dir] = true
			for _, f := range p.EmbedFiles {
				file := filepath.Join(p.Dir, f)
				g.byFile[file] = appendUnique(g.byFile[file], pkg)
				g.watch[filepath.Dir(file)] = true
			}
		}
	}
	return g, nil
}

// appendUnique adds pkg to the sorted set s. Packages arrive in sorted order, so a set that
// has pkg has it last.
func appendUnique(s []string, pkg string) []string {
	if len(s) > 0 && s[len(s)-1] == pkg {
		return s
	}
	return append(s, pkg)
}

// affected returns the main packages a file event invalidates, or nil when it is noise: a
// permission change, a test file, an editor's backup or swap file, or a file no watched
// package builds from.
func (g *graph) affected(ev fsnotify.Event, root string) []string {
	if !ev.Has(fsnotify.Create | fsnotify.Write | fsnotify.Remove | fsnotify.Rename) {
		return nil
	}
	dir, base := filepath.Split(ev.Name)
	dir = filepath.Clean(dir)
	if dir == root && (base == "go.mod" || base == "go.sum" || base == "go.work") {
		return g.all
	}
	if pkgs, ok := g.byFile[ev.Name]; ok {
		return pkgs
	}
	if !isSource(base) {
		return nil
	}
	return g.byDir[dir]
}

// isSource reports whether a file name is Go source that goes into a binary. Editors' temp
// files (".main.go.swp", "#main.go#", "main.go~", ".#main.go") do not qualify; their rename
// into place produces an event for the real name.
func isSource(name string) bool {
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") &&
		!strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "#")
}

// dirs are the directories to watch.
func (g *graph) dirs() map[string]bool { return g.watch }

// changedSince returns the packages built from files in dir modified after t.
func (g *graph) changedSince(dir string, t time.Time) []string {
	entries, _ := os.ReadDir(dir)
	var pkgs []string
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.ModTime().After(t) {
			continue
		}
		for _, p := range g.affected(fsnotify.Event{Name: filepath.Join(dir, e.Name()), Op: fsnotify.Write}, "") {
			if !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	}
	return pkgs
}
