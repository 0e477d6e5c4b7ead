package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindTemplate(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  string // relative to the directory; "" for an error
		err   string // part of the error
	}{
		{"SAM YAML", []string{"template.yaml", "cdk.out/App.template.json"}, "template.yaml", ""},
		{"yml", []string{"template.yml", ".aws-sam/build/template.yaml"}, "template.yml", ""},
		{"JSON", []string{"template.json"}, "template.json", ""},
		{"yaml before json", []string{"template.json", "template.yaml"}, "template.yaml", ""},
		{"SAM build output", []string{".aws-sam/build/template.yaml", "cdk.out/App.template.json"}, ".aws-sam/build/template.yaml", ""},
		{"CDK", []string{"cdk.out/App.template.json"}, "cdk.out/App.template.json", ""},
		{"two CDK stacks", []string{"cdk.out/A.template.json", "cdk.out/B.template.json"}, "", "found 2 templates in cdk.out"},
		{"nothing", nil, "", "looked for template.yaml, template.yml, template.json, .aws-sam/build/template.yaml and cdk.out/*.template.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				p := filepath.Join(dir, f)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := findTemplate(dir)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("findTemplate = %q, %v; want an error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(dir, tt.want); got != want {
				t.Errorf("findTemplate = %q, want %q", got, want)
			}
		})
	}
}
