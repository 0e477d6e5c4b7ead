package watch

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/internal/syncbuf"
)

// The tests build a throwaway module in a temporary directory: two commands, one of which
// imports a library package, plus a package nothing imports. Plain mains are enough; the
// runtime side of a replace is the lambda.Manager's business.
var moduleFiles = map[string]string{
	"go.mod":              "module example.com/hot\n\ngo 1.26\n",
	"cmd/hello/main.go":   "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/hot/greet\"\n)\n\nfunc main() { fmt.Println(greet.Message()) }\n",
	"cmd/other/main.go":   "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"other\") }\n",
	"greet/greet.go":      greetSource("v1"),
	"unused/unused.go":    "package unused\n\nconst X = 1\n",
	"greet/README.md":     "notes\n",
	"greet/greet_test.go": "package greet\n",
}

func greetSource(msg string) string {
	return "package greet\n\n// Message is what hello prints.\nfunc Message() string { return \"" + msg + "\" }\n"
}

// replaced is one Replace call.
type replaced struct {
	fn, binary string
	at         time.Time
}

// harness is a running Watcher over a temporary module, recording what it does.
type harness struct {
	t        testing.TB
	root     string
	log      *syncbuf.Buffer
	replaced chan replaced
	rebuilds chan []string // the packages of every Rebuild call, after it returns
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func startHarness(t testing.TB, debounce time.Duration) *harness {
	t.Helper()
	root := t.TempDir()
	for name, content := range moduleFiles {
		writeFile(t, filepath.Join(root, name), content)
	}
	h := &harness{
		t:        t,
		root:     root,
		log:      &syncbuf.Buffer{},
		replaced: make(chan replaced, 100),
		rebuilds: make(chan []string, 100),
	}
	rebuild := Builder(root, filepath.Join(root, ".local", "functions"))
	w, err := New(Options{
		Root:     root,
		Packages: map[string][]string{"./cmd/hello": {"hello", "hello-admin"}, "./cmd/other": {"other"}},
		Rebuild: func(ctx context.Context, pkgs []string) (map[string]string, error) {
			bins, err := rebuild(ctx, pkgs)
			h.rebuilds <- pkgs
			return bins, err
		},
		Replace: func(fn, binary string) error {
			h.replaced <- replaced{fn: fn, binary: binary, at: time.Now()}
			return nil
		},
		Log:      h.log,
		Debounce: debounce,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

func (h *harness) write(name, content string) {
	h.t.Helper()
	writeFile(h.t, filepath.Join(h.root, name), content)
}

// nextRebuild waits for a Rebuild call to return and gives its packages.
func (h *harness) nextRebuild() []string {
	h.t.Helper()
	select {
	case pkgs := <-h.rebuilds:
		return pkgs
	case <-time.After(60 * time.Second):
		h.t.Fatalf("no rebuild within 60s; log:\n%s", h.log.String())
		return nil
	}
}

// onlyRebuild edits cmd/other, a change that rebuilds ./cmd/other alone, and checks that
// the next rebuild is exactly that. The watcher handles events in order, so a rebuild that
// earlier changes wrongly caused comes first or joins this one: either fails the check, with
// no waiting for something that should not happen.
func (h *harness) onlyRebuild(version string) {
	h.t.Helper()
	h.write("cmd/other/main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\""+version+"\") }\n")
	if diff := cmp.Diff([]string{"./cmd/other"}, h.nextRebuild()); diff != "" {
		h.t.Fatalf("the rebuild after the change to cmd/other (-want +got):\n%s\nlog:\n%s", diff, h.log.String())
	}
	if got := h.replacements(1); got[0].fn != "other" {
		h.t.Fatalf("replaced %s, want other", got[0].fn)
	}
	h.noReplacement()
}

// replacements collects the n Replace calls that follow a rebuild.
func (h *harness) replacements(n int) []replaced {
	h.t.Helper()
	var got []replaced
	for len(got) < n {
		select {
		case r := <-h.replaced:
			got = append(got, r)
		case <-time.After(10 * time.Second):
			h.t.Fatalf("got %d replacements, want %d; log:\n%s", len(got), n, h.log.String())
		}
	}
	return got
}

func (h *harness) noReplacement() {
	h.t.Helper()
	select {
	case r := <-h.replaced:
		h.t.Fatalf("unexpected Replace(%s, %s)", r.fn, r.binary)
	default:
	}
}

func output(t *testing.T, binary string) string {
	t.Helper()
	out, err := exec.Command(binary).Output()
	if err != nil {
		t.Fatalf("run %s: %v", binary, err)
	}
	return strings.TrimSpace(string(out))
}

func TestDependencyEditReplacesItsFunctions(t *testing.T) {
	h := startHarness(t, DefaultDebounce)

	h.write("greet/greet.go", greetSource("v2"))
	if diff := cmp.Diff([]string{"./cmd/hello"}, h.nextRebuild()); diff != "" {
		t.Fatalf("rebuilt packages (-want +got):\n%s", diff)
	}
	got := h.replacements(2)
	if got[0].fn != "hello" || got[1].fn != "hello-admin" || got[0].binary != got[1].binary {
		t.Fatalf("replacements = %+v, want hello and hello-admin with one binary", got)
	}
	first := got[0].binary
	if out := output(t, first); out != "v2" {
		t.Errorf("new binary printed %q, want v2", out)
	}

	h.write("greet/greet.go", greetSource("v3"))
	h.nextRebuild()
	second := h.replacements(2)[0].binary
	if second == first {
		t.Fatalf("second rebuild reused binary path %s: a running process's file must not be overwritten", first)
	}
	if out := output(t, second); out != "v3" {
		t.Errorf("second binary printed %q, want v3", out)
	}
	// The previous build stays: its processes may still be finishing an invocation.
	if out := output(t, first); out != "v2" {
		t.Errorf("previous binary printed %q after the rebuild, want v2", out)
	}
	h.noReplacement()
}

func TestBuildErrorKeepsOldCode(t *testing.T) {
	h := startHarness(t, DefaultDebounce)

	h.write("greet/greet.go", "package greet\n\nfunc Message() string { return undefinedName }\n")
	h.nextRebuild()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.log.String(), "undefined: undefinedName") {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks the compiler error:\n%s", h.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.noReplacement()

	// Fixing the error rebuilds and replaces.
	h.write("greet/greet.go", greetSource("fixed"))
	h.nextRebuild()
	if out := output(t, h.replacements(2)[0].binary); out != "fixed" {
		t.Errorf("binary printed %q, want fixed", out)
	}
}

func TestBurstOfWritesRebuildsOnce(t *testing.T) {
	// A longer debounce than the default keeps the test stable on a loaded machine: the ten
	// writes must land inside one quiet period.
	h := startHarness(t, 300*time.Millisecond)

	for i := range 10 {
		h.write("greet/greet.go", greetSource("burst"+string(rune('0'+i))))
	}
	h.nextRebuild()
	if out := output(t, h.replacements(2)[0].binary); out != "burst9" {
		t.Errorf("binary printed %q, want the last write's burst9", out)
	}
	h.onlyRebuild("after the burst") // no second rebuild of hello from the burst
}

func TestUnrelatedChangesDoNotRebuild(t *testing.T) {
	h := startHarness(t, DefaultDebounce)

	h.write("unused/unused.go", "package unused\n\nconst X = 2\n")    // not imported
	h.write("greet/README.md", "more notes\n")                        // not Go
	h.write("greet/greet_test.go", "package greet\n\n// test only\n") // not in the binary
	h.write("greet/.greet.go.swp", "swap")                            // an editor's
	if err := os.Chmod(filepath.Join(h.root, "greet", "greet.go"), 0o600); err != nil {
		t.Fatal(err)
	}
	// None of those rebuilt hello: the next rebuild is the one a real change causes, alone.
	h.onlyRebuild("other2")
}

func TestNewImportIsWatchedAfterRebuild(t *testing.T) {
	h := startHarness(t, DefaultDebounce)

	h.write("extra/extra.go", "package extra\n\nconst Word = \"one\"\n") // nothing imports it yet
	h.onlyRebuild("before the import")

	h.write("cmd/other/main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/hot/extra\"\n)\n\nfunc main() { fmt.Println(extra.Word) }\n")
	h.nextRebuild()
	h.replacements(1)

	// The rebuild re-read the imports: editing the new dependency rebuilds other.
	h.write("extra/extra.go", "package extra\n\nconst Word = \"two\"\n")
	if diff := cmp.Diff([]string{"./cmd/other"}, h.nextRebuild()); diff != "" {
		t.Errorf("rebuilt packages (-want +got):\n%s", diff)
	}
	if out := output(t, h.replacements(1)[0].binary); out != "two" {
		t.Errorf("binary printed %q, want two", out)
	}
}

func TestGoModChangeRebuildsEverything(t *testing.T) {
	h := startHarness(t, DefaultDebounce)

	h.write("go.mod", moduleFiles["go.mod"]+"\n// touched\n")
	if diff := cmp.Diff([]string{"./cmd/hello", "./cmd/other"}, h.nextRebuild()); diff != "" {
		t.Errorf("rebuilt packages (-want +got):\n%s", diff)
	}
	h.replacements(3)
}

// TestEditToReplaceLatency reports how long an edit of a dependency takes to reach Replace
// with the default debounce: the watcher's share of the issue's "edit to first response with
// the new code within 2 s". The bound is loose because the machine is shared.
// BenchmarkEditToReplace measures a source edit to the rebuilt binary's Replace (debounce,
// go build, swap), p50 and worst: a figure for `make bench`, not a pass/fail bound, since it
// depends on the machine's load.
func BenchmarkEditToReplace(b *testing.B) {
	h := startHarness(b, DefaultDebounce)
	took := make([]time.Duration, 0, b.N)
	for i := range b.N {
		began := time.Now()
		h.write("greet/greet.go", greetSource("latency"+strconv.Itoa(i)))
		h.nextRebuild()
		took = append(took, h.replacements(2)[0].at.Sub(began))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2])/float64(time.Millisecond), "p50-ms")
	b.ReportMetric(float64(took[len(took)-1])/float64(time.Millisecond), "worst-ms")
}

func TestNewRejectsIncompleteOptions(t *testing.T) {
	noop := func(context.Context, []string) (map[string]string, error) { return nil, nil }
	tests := []struct {
		name string
		opts Options
	}{
		{"no Rebuild", Options{Packages: map[string][]string{"./a": {"a"}}, Replace: func(string, string) error { return nil }}},
		{"no Replace", Options{Packages: map[string][]string{"./a": {"a"}}, Rebuild: noop}},
		{"no packages", Options{Rebuild: noop, Replace: func(string, string) error { return nil }}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opts); err == nil {
				t.Error("New succeeded")
			}
		})
	}
}

func TestCloseWithoutStart(t *testing.T) {
	w, err := New(Options{
		Packages: map[string][]string{"./a": {"a"}},
		Rebuild:  func(context.Context, []string) (map[string]string, error) { return nil, nil },
		Replace:  func(string, string) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestBuilderVersionsAndPrunes(t *testing.T) {
	root := t.TempDir()
	for name, content := range moduleFiles {
		writeFile(t, filepath.Join(root, name), content)
	}
	out := filepath.Join(root, "out")
	writeFile(t, filepath.Join(out, "v7", "stale"), "from an earlier run")
	build := Builder(root, out)
	ctx := context.Background()

	for _, v := range []string{"v8", "v9"} {
		bins, err := build(ctx, []string{"./cmd/hello"})
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(out, v, "hello"); bins["./cmd/hello"] != want {
			t.Fatalf("binary = %s, want %s", bins["./cmd/hello"], want)
		}
	}
	writeFile(t, filepath.Join(root, "greet", "greet.go"), "package greet\n\nfunc Message() string { return 1 }\n")
	if _, err := build(ctx, []string{"./cmd/hello"}); err == nil || !strings.Contains(err.Error(), "greet.go") {
		t.Fatalf("build of broken code: err = %v, want the compiler's message", err)
	}

	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	// v7 predates this run, v10 failed; v8 may still serve in-flight invocations.
	if diff := cmp.Diff([]string{"v8", "v9"}, got); diff != "" {
		t.Errorf("build directories (-want +got):\n%s", diff)
	}
}
