// Package docs holds the project's written documentation; its test keeps the README's stack
// diagram in step with the synthesized template.
package docs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/microshop/microshop/local/diagram"
	"github.com/microshop/microshop/local/template"
)

// The README's diagram is drawn from cdk.out/Microshop.template.json (`make test` synthesizes
// it first); when the stack changes, `make diagram` must be run and the result committed.
func TestREADMEDiagramIsCurrent(t *testing.T) {
	m, err := template.Load(filepath.Join("..", "cdk.out", "Microshop.template.json"), template.Options{})
	if err != nil {
		t.Fatalf("%v (run `make synth`)", err)
	}
	chart, err := diagram.Mermaid(m)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if err := diagram.Check(string(readme), chart); err != nil {
		t.Fatalf("%v\nrun `make diagram` and commit README.md", err)
	}
}
