package template

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse parses arbitrary templates (seeded with the test templates): nothing panics or
// loops, and every failure is an *Error wrapping one of the package's sentinel errors.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.template.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed templates (%v)", err)
	}
	// YAML and SAM templates: the user-style apps and the SAM transform's test templates.
	yamls, _ := filepath.Glob("../testdata/ownstacks/*/template.yaml")
	samTemplates, _ := filepath.Glob("sam/testdata/templates/*.yaml")
	files = append(append(files, yamls...), samTemplates...)
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"Resources":{"A":{"Type":"X","Properties":{"P":{"Fn::Sub":["${A}${B}",{"B":{"Ref":"A"}}]}}}}}`))
	f.Add([]byte(`{"Conditions":{"C":{"Fn::Equals":[{"Fn::If":["C","a","b"]},"a"]}},"Resources":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, Options{})
		if err == nil {
			if m == nil {
				t.Fatal("Parse returned neither a model nor an error")
			}
			return
		}
		var te *Error
		sentinel := errors.Is(err, ErrInvalid) || errors.Is(err, ErrUnknownReference) ||
			errors.Is(err, ErrUnknownAttribute) || errors.Is(err, ErrMissingParameter) || errors.Is(err, ErrUnsupported)
		if !errors.As(err, &te) || !sentinel {
			t.Fatalf("Parse error %v (%T) is not an *Error wrapping a sentinel", err, err)
		}
	})
}
