package assetcheck_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/tools/assetcheck"
)

// assembly writes a cloud assembly for stack "S" with one function F whose code is asset
// "abc" (a directory asset.abc holding bootstrap), plus the template as an asset; change
// breaks it before Check runs.
func assembly(t *testing.T, change func(dir string)) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("S.template.json", `{"Resources":{
		"F":{"Type":"AWS::Lambda::Function","Properties":{"Code":{"S3Bucket":"b","S3Key":"abc.zip"}}},
		"T":{"Type":"AWS::DynamoDB::Table","Properties":{}}}}`, 0o644)
	write("S.assets.json", `{"version":"1","files":{
		"abc":{"source":{"path":"asset.abc","packaging":"zip"}},
		"tpl":{"source":{"path":"S.template.json","packaging":"file"}}}}`, 0o644)
	write("asset.abc/bootstrap", "\x7fELF binary", 0o755)
	if change != nil {
		change(dir)
	}
	return dir
}

func TestCheckAcceptsACompleteAssembly(t *testing.T) {
	got, err := assetcheck.Check(assembly(t, nil), "S")
	if err != nil {
		t.Fatal(err)
	}
	want := assetcheck.Report{Files: 2, Functions: map[string]int64{"F": int64(len("\x7fELF binary"))}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestCheckRefusesAMissingOrEmptyAsset(t *testing.T) {
	tests := []struct {
		name   string
		change func(dir string)
		want   string
	}{
		{"no manifest", func(d string) { os.Remove(filepath.Join(d, "S.assets.json")) }, "S.assets.json"},
		{"no template", func(d string) { os.Remove(filepath.Join(d, "S.template.json")) }, "S.template.json"},
		{"no asset directory", func(d string) { os.RemoveAll(filepath.Join(d, "asset.abc")) }, "asset abc"},
		{"no bootstrap", func(d string) { os.Remove(filepath.Join(d, "asset.abc", "bootstrap")) }, "make build"},
		{"empty bootstrap", func(d string) { os.WriteFile(filepath.Join(d, "asset.abc", "bootstrap"), nil, 0o755) }, "is empty"},
		{"bootstrap not executable", func(d string) { os.Chmod(filepath.Join(d, "asset.abc", "bootstrap"), 0o644) }, "not executable"},
		{"code not in the manifest", func(d string) {
			os.WriteFile(filepath.Join(d, "S.assets.json"), []byte(`{"files":{}}`), 0o644)
		}, "not in the manifest"},
		{"no functions", func(d string) {
			os.WriteFile(filepath.Join(d, "S.template.json"), []byte(`{"Resources":{}}`), 0o644)
		}, "no Lambda functions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := assetcheck.Check(assembly(t, tt.change), "S")
			if !errors.Is(err, assetcheck.ErrMissing) {
				t.Fatalf("Check = %v, want ErrMissing", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}
