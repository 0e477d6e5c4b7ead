package build

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildGroupsCollidingNames(t *testing.T) {
	out := t.TempDir()
	pkgs := []string{"./testdata/hello", "./testdata/bye", "./testdata/dup/hello", "./testdata/hello"}
	bins, err := Build(context.Background(), Options{Root: ".", OutDir: out, Packages: pkgs})
	if err != nil {
		t.Fatal(err)
	}

	wantPaths := map[string]string{
		"./testdata/hello":     filepath.Join(out, exe("hello")),
		"./testdata/bye":       filepath.Join(out, exe("bye")),
		"./testdata/dup/hello": filepath.Join(out, "dup1", exe("hello")),
	}
	if diff := cmp.Diff(wantPaths, bins); diff != "" {
		t.Errorf("binaries (-want +got):\n%s", diff)
	}

	wantOutput := map[string]string{
		"./testdata/hello":     "hello",
		"./testdata/bye":       "bye",
		"./testdata/dup/hello": "dup hello",
	}
	for pkg, want := range wantOutput {
		got, err := exec.Command(bins[pkg]).Output()
		if err != nil {
			t.Fatalf("run %s: %v", pkg, err)
		}
		if strings.TrimSpace(string(got)) != want {
			t.Errorf("%s printed %q, want %q", pkg, got, want)
		}
	}
}

func TestBuildRejectsNonMainPackage(t *testing.T) {
	_, err := Build(context.Background(), Options{Root: ".", OutDir: t.TempDir(), Packages: []string{"./testdata/lib", "./testdata/bye"}})
	if err == nil || !strings.Contains(err.Error(), "testdata/lib") {
		t.Fatalf("Build of a non-main package: err = %v, want an error naming it", err)
	}
}

func TestBuildReportsCompileErrors(t *testing.T) {
	_, err := Build(context.Background(), Options{Root: ".", OutDir: t.TempDir(), Packages: []string{"./testdata/missing"}})
	if err == nil {
		t.Fatal("Build of a missing package succeeded")
	}
}

func TestBuildRejectsPatterns(t *testing.T) {
	_, err := Build(context.Background(), Options{OutDir: t.TempDir(), Packages: []string{"./testdata/..."}})
	if err == nil {
		t.Fatal("Build of a pattern succeeded")
	}
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name string
		pkgs []string
		want [][]pkgBinary
	}{
		{
			name: "unique names share one group",
			pkgs: []string{"./cmd/a", "./cmd/b", "example.com/m/cmd/c"},
			want: [][]pkgBinary{{{"./cmd/a", exe("a")}, {"./cmd/b", exe("b")}, {"example.com/m/cmd/c", exe("c")}}},
		},
		{
			name: "collisions spread over groups",
			pkgs: []string{"./x/a", "./y/a", "./z/a", "./b"},
			want: [][]pkgBinary{{{"./x/a", exe("a")}, {"./b", exe("b")}}, {{"./y/a", exe("a")}}, {{"./z/a", exe("a")}}},
		},
		{
			name: "duplicates build once",
			pkgs: []string{"./a", "./a/", "./a"},
			want: [][]pkgBinary{{{"./a", exe("a")}}, {{"./a/", exe("a")}}},
		},
		{
			name: "major version suffix names the binary after its parent",
			pkgs: []string{"example.com/tool/v2", "./cmd/v1"},
			want: [][]pkgBinary{{{"example.com/tool/v2", exe("tool")}, {"./cmd/v1", exe("v1")}}},
		},
		{
			name: "module root builds alone",
			pkgs: []string{".", "./build"},
			want: [][]pkgBinary{{{"./build", exe("build")}}, {{".", exe("root")}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := plan("/src/root", tt.pkgs)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(pkgBinary{})); diff != "" {
				t.Errorf("plan(%q) (-want +got):\n%s", tt.pkgs, diff)
			}
		})
	}
}
