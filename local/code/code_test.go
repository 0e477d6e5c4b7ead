package code

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/template"
)

func write(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}

func elfHeader(t *testing.T, machine elf.Machine) []byte {
	t.Helper()
	h := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT), Ehsize: 64}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, h); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPlatform(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string][]byte{
		"arm64":   elfHeader(t, elf.EM_AARCH64),
		"amd64":   elfHeader(t, elf.EM_X86_64),
		"script":  []byte("#!/bin/sh\nexec ./app\n"),
		"garbage": []byte("this is not an executable"),
	}
	for name, data := range files {
		write(t, filepath.Join(dir, name), data, 0o755)
	}
	tests := []struct {
		path    string
		want    Target
		wantErr string
	}{
		{self, Host(), ""}, // the test binary was built for this machine
		{filepath.Join(dir, "arm64"), Target{OS: "linux", Arch: "arm64"}, ""},
		{filepath.Join(dir, "amd64"), Target{OS: "linux", Arch: "amd64"}, ""},
		{filepath.Join(dir, "script"), Target{Script: true}, ""},
		{filepath.Join(dir, "garbage"), Target{}, "no ELF, Mach-O or #! header"},
	}
	for _, tc := range tests {
		got, err := Platform(tc.path)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Platform(%s) error = %v, want %q", filepath.Base(tc.path), err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Platform(%s) = %v, %v; want %v", filepath.Base(tc.path), got, err, tc.want)
		}
	}
}

func zipOf(t *testing.T, path string, entries map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	write(t, path, buf.Bytes(), 0o644)
}

func TestUnpackExtractsOnceAndMakesTheBootstrapExecutable(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	z := filepath.Join(dir, "asset.abc.zip")
	zipOf(t, z, map[string]string{"bootstrap": "#!/bin/sh\n", "lib/data.txt": "x"})
	got, err := unpack(z, cache)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, filepath.Join(cache, "zip")) {
		t.Errorf("extracted to %s, want under the cache %s", got, cache)
	}
	st, err := os.Stat(filepath.Join(got, "bootstrap"))
	if err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("bootstrap: %v, mode %v; want an executable", err, st)
	}
	if b, err := os.ReadFile(filepath.Join(got, "lib", "data.txt")); err != nil || string(b) != "x" {
		t.Errorf("lib/data.txt = %q, %v", b, err)
	}
	// A second call reuses the extraction: a file added to it is still there.
	write(t, filepath.Join(got, "marker"), nil, 0o644)
	again, err := unpack(z, cache)
	if err != nil || again != got {
		t.Fatalf("second unpack = %s, %v; want %s", again, err, got)
	}
	if _, err := os.Stat(filepath.Join(again, "marker")); err != nil {
		t.Errorf("second unpack extracted again: %v", err)
	}
}

func TestUnpackRefusesEntriesOutsideTheFolder(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	z := filepath.Join(dir, "evil.zip")
	zipOf(t, z, map[string]string{"../../escaped": "x"})
	if _, err := unpack(z, cache); err == nil || !strings.Contains(err.Error(), "leaves the archive's folder") {
		t.Fatalf("unpack = %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(cache, "..", "escaped")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the entry was written outside the cache: %v", err)
	}
}

func TestLoadSources(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "devcloud.yaml"), []byte("sources:\n  GreetFunction: functions/greet\n  Other: /abs/path\n"), 0o644)
	got, err := LoadSources(filepath.Join(dir, "devcloud.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"GreetFunction": filepath.Join(dir, "functions", "greet"), "Other": "/abs/path"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadSources (-want +got):\n%s", diff)
	}

	write(t, filepath.Join(dir, "typo.yaml"), []byte("source:\n  A: b\n"), 0o644)
	if _, err := LoadSources(filepath.Join(dir, "typo.yaml")); err == nil || !strings.Contains(err.Error(), "field source not found") {
		t.Errorf("LoadSources with a misspelt key = %v, want an error naming it", err)
	}
}

func TestParseSource(t *testing.T) {
	tests := []struct {
		in, name, dir string
		ok            bool
	}{
		{"Hello=./hello", "Hello", "./hello", true},
		{"Hello=a=b", "Hello", "a=b", true},
		{"Hello", "", "", false},
		{"=dir", "", "", false},
		{"Hello=", "", "", false},
	}
	for _, tc := range tests {
		name, dir, err := ParseSource(tc.in)
		if name != tc.name || dir != tc.dir || (err == nil) != tc.ok {
			t.Errorf("ParseSource(%q) = %q, %q, %v; want %q, %q, ok=%v", tc.in, name, dir, err, tc.name, tc.dir, tc.ok)
		}
	}
}

// module writes a Go module with a main package in sub and returns the module's root.
func module(t *testing.T, sub string) string {
	t.Helper()
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), []byte("module example.com/m\n\ngo 1.24\n"), 0o644)
	write(t, filepath.Join(root, sub, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	return root
}

func TestLocate(t *testing.T) {
	root := module(t, "cmd/hello")
	other := module(t, "fn")
	cache := t.TempDir()
	wrongArch := t.TempDir()
	arch := elf.EM_AARCH64
	if runtime.GOARCH == "arm64" {
		arch = elf.EM_X86_64
	}
	write(t, filepath.Join(wrongArch, Bootstrap), elfHeader(t, arch), 0o755)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	built := t.TempDir()
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(built, Bootstrap), data, 0o755)
	sourceAsset := t.TempDir() // a staged asset holding its own module's source
	write(t, filepath.Join(sourceAsset, "go.mod"), []byte("module example.com/asset\n\ngo 1.24\n"), 0o644)
	write(t, filepath.Join(sourceAsset, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
	outOf := func(mod string) string {
		return filepath.Join(cache, "build", digest(mod)+"-"+filepath.Base(mod))
	}

	tests := []struct {
		name    string
		fn      template.Function
		sources map[string]string
		want    Plan
	}{
		{
			name: "GoPackage builds in the template's module, as before",
			fn:   template.Function{LogicalID: "F", Name: "f", GoPackage: "./cmd/hello"},
			want: Plan{Function: "f", Module: root, Package: "./cmd/hello", OutDir: filepath.Join(root, ".local", "functions"), From: "GoPackage ./cmd/hello"},
		},
		{
			name:    "a source mapping by construct ID wins over the template",
			fn:      template.Function{LogicalID: "HelloFunctionD909AE8C", Name: "f", GoPackage: "./cmd/hello", Code: template.Code{CDKPath: "Stack/HelloFunction/Resource"}},
			sources: map[string]string{"HelloFunction": filepath.Join(other, "fn")},
			want:    Plan{Function: "f", Module: other, Package: "./fn", OutDir: outOf(other), From: "--source " + filepath.Join(other, "fn")},
		},
		{
			name:    "a wrong-architecture bootstrap with a source mapping is built from source",
			fn:      template.Function{LogicalID: "F", Name: "f", Code: template.Code{AssetPath: wrongArch}},
			sources: map[string]string{"f": other},
			want:    Plan{Function: "f", Module: other, Package: ".", OutDir: outOf(other), From: "--source " + other},
		},
		{
			name: "a bootstrap for this machine runs as it is",
			fn:   template.Function{LogicalID: "F", Name: "f", Code: template.Code{AssetPath: built}},
			want: Plan{Function: "f", Binary: filepath.Join(built, Bootstrap), From: "asset " + built + " (" + Host().String() + " bootstrap)"},
		},
		{
			name: "an asset of Go source is built in its own module",
			fn:   template.Function{LogicalID: "F", Name: "f", Code: template.Code{AssetPath: sourceAsset}},
			want: Plan{Function: "f", Module: sourceAsset, Package: ".", OutDir: outOf(sourceAsset), From: "asset " + sourceAsset + " (Go source)"},
		},
		{
			name: "a SAM go1.x CodeUri below its module's go.mod",
			fn:   template.Function{LogicalID: "F", Name: "f", Code: template.Code{CodeURI: filepath.Join(root, "cmd", "hello"), BuildMethod: "go1.x"}},
			want: Plan{Function: "f", Module: root, Package: "./cmd/hello", OutDir: outOf(root), From: "CodeUri " + filepath.Join(root, "cmd", "hello")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Locate(&tc.fn, Options{Root: root, CacheDir: cache, Sources: tc.sources})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Locate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLocateErrorsNameTheCauseAndTheFix(t *testing.T) {
	wrongArch := t.TempDir()
	write(t, filepath.Join(wrongArch, Bootstrap), elfHeader(t, elf.EM_RISCV), 0o755)
	empty := t.TempDir()
	tests := []struct {
		name string
		fn   template.Function
		root string
		want []string
	}{
		{"wrong architecture, no source", template.Function{LogicalID: "F", Code: template.Code{AssetPath: wrongArch}}, "",
			[]string{"function F", filepath.Join(wrongArch, Bootstrap), "linux/riscv64", "--source F=DIR"}},
		{"GoPackage outside any module", template.Function{LogicalID: "F", GoPackage: "./x"}, "",
			[]string{"function F", `"./x"`, "in no Go module", "--source F=DIR"}},
		{"missing asset", template.Function{LogicalID: "F", Code: template.Code{AssetPath: filepath.Join(empty, "asset.gone")}}, "",
			[]string{"function F", "asset.gone", "not found", "cdk synth"}},
		{"folder without bootstrap or source", template.Function{LogicalID: "F", Code: template.Code{AssetPath: empty}}, "",
			[]string{"function F", "neither a bootstrap nor Go source", "--source F=DIR"}},
		{"nothing in the template", template.Function{LogicalID: "F"}, "",
			[]string{"function F", "does not say where its code is", "--source F=DIR"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Locate(&tc.fn, Options{Root: tc.root, CacheDir: t.TempDir()})
			if !errors.Is(err, ErrNoCode) {
				t.Fatalf("Locate = %v, want ErrNoCode", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}
