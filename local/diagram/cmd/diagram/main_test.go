package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/microshop/microshop/local/diagram"
)

const fixture = "../../testdata/Shop.template.json"

func TestRunRewritesAndChecksReadme(t *testing.T) {
	readme := filepath.Join(t.TempDir(), "README.md")
	if err := os.WriteFile(readme, []byte("# Shop\n\n"+diagram.StartMarker+"\n"+diagram.EndMarker+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check := []string{"--template", fixture, "--readme", readme, "--check"}

	if err := run(check, new(bytes.Buffer)); err == nil {
		t.Fatal("--check passed on an empty block")
	}
	if err := run([]string{"--template", fixture, "--readme", readme}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "```mermaid\nflowchart LR\n") {
		t.Errorf("README lacks the mermaid block:\n%s", got)
	}
	if err := run(check, new(bytes.Buffer)); err != nil {
		t.Errorf("--check after the rewrite: %v", err)
	}

	stale := strings.Replace(string(got), "orders-relay", "orders-forwarder", 1)
	if err := os.WriteFile(readme, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(check, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "orders-forwarder") || !strings.Contains(err.Error(), "make diagram") {
		t.Errorf("--check on a stale README = %v, want a diff naming the stale line and the fix", err)
	}
}

func TestRunPrintsChart(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"--template", fixture}, &out); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../testdata/Shop.mmd")
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("printed chart differs from the golden file")
	}
}
