package docs

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLimitsTableMatchesCode checks every row of limits.md against the constant it names,
// and that every exported Max… constant of functions/ and shared/ has a row.
func TestLimitsTableMatchesCode(t *testing.T) {
	rows := limitRows(t)
	if len(rows) < 10 {
		t.Fatalf("limits.md has %d rows with a constant; the table was not read", len(rows))
	}
	consts := maxConstants(t)
	for name, value := range rows {
		got, ok := consts[name]
		if !ok {
			t.Errorf("limits.md names %s, which is not a constant in the code", name)
			continue
		}
		if got != value {
			t.Errorf("limits.md says %s is %s; the code says %s", name, value, got)
		}
	}
	for name := range consts {
		if _, ok := rows[name]; !ok {
			t.Errorf("%s is not in limits.md: document the limit (value and what a client gets past it)", name)
		}
	}
}

// limitRows reads the table's Constant and Value columns: constant -> value.
func limitRows(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("limits.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "|")
		if len(cells) < 5 || !strings.HasPrefix(strings.TrimSpace(cells[3]), "`") {
			continue
		}
		rows[strings.Trim(strings.TrimSpace(cells[3]), "`")] = strings.TrimSpace(cells[2])
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// maxConstants evaluates every exported constant named Max… in the non-test Go files under
// functions/ and shared/, keyed "dir.Name" (e.g. "shared/httpapi.MaxBodyBytes").
func maxConstants(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, root := range []string{"functions", "shared"} {
		err := filepath.WalkDir(filepath.Join("..", root), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			file, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			dir := filepath.ToSlash(strings.TrimPrefix(filepath.Dir(path), ".."+string(filepath.Separator)))
			for _, decl := range file.Decls {
				gd, ok := decl.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if !strings.HasPrefix(n.Name, "Max") || !n.IsExported() || i >= len(vs.Values) {
							continue
						}
						tv, err := types.Eval(fset, nil, token.NoPos, types.ExprString(vs.Values[i]))
						if err != nil || tv.Value == nil {
							t.Errorf("%s.%s: cannot evaluate %s: %v", dir, n.Name, types.ExprString(vs.Values[i]), err)
							continue
						}
						out[dir+"."+n.Name] = tv.Value.ExactString()
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}
