package diagram

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/microshop/microshop/local/template"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func loadModel(t *testing.T, path string) *template.Model {
	t.Helper()
	m, err := template.Load(path, template.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMermaidGolden draws testdata/Shop.template.json: an HTTP API with Lambda, queue and
// target-less routes; tables with and without a stream; a custom and the default bus; rules
// targeting a queue (with a target DLQ), a function and an ARN outside the stack; queue and
// stream event source mappings (one with an on-failure destination); queue redrive DLQs;
// and a queue whose condition is false.
func TestMermaidGolden(t *testing.T) {
	got, err := Mermaid(loadModel(t, filepath.Join("testdata", "Shop.template.json")))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "Shop.mmd")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("Mermaid (-%s +got); run go test ./local/diagram -update if the change is intended:\n%s", golden, diff)
	}
	if strings.Contains(got, "ProdOnlyQueue") {
		t.Error("a queue whose condition is false is drawn")
	}
}

func TestMermaidIsDeterministic(t *testing.T) {
	path := filepath.Join("testdata", "Shop.template.json")
	first, err := Mermaid(loadModel(t, path))
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		got, err := Mermaid(loadModel(t, path))
		if err != nil {
			t.Fatal(err)
		}
		if got != first {
			t.Fatalf("second drawing differs:\n%s", cmp.Diff(first, got))
		}
	}
}

func TestMermaidNilModel(t *testing.T) {
	if _, err := Mermaid(nil); err == nil {
		t.Error("Mermaid(nil) succeeded")
	}
}

func TestDisplay(t *testing.T) {
	tests := []struct{ name, logicalID, want string }{
		{"orders", "OrdersTable315BB997", "orders"},
		{"OrdersTable315BB997", "OrdersTable315BB997", "OrdersTable"},
		{"", "OrderPlacedRule0A1B2C3D", "OrderPlacedRule"},
		{"Handwritten", "Handwritten", "Handwritten"},
	}
	for _, tt := range tests {
		if got := display(tt.name, tt.logicalID); got != tt.want {
			t.Errorf("display(%q, %q) = %q, want %q", tt.name, tt.logicalID, got, tt.want)
		}
	}
}

func TestEscape(t *testing.T) {
	got := escape(`say "hi" <b>` + "<br/>next")
	want := "say #quot;hi#quot; #lt;b#gt;<br/>next"
	if got != want {
		t.Errorf("escape = %q, want %q", got, want)
	}
}

const doc = "# Title\n\nIntro.\n\n" + StartMarker + "\nold picture\n" + EndMarker + "\n\nMore.\n"

func TestRewriteThenCheck(t *testing.T) {
	chart := "flowchart LR\n  A --> B\n"
	got, err := Rewrite(doc, chart)
	if err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\nIntro.\n\n" + StartMarker + "\n```mermaid\nflowchart LR\n  A --> B\n```\n" + EndMarker + "\n\nMore.\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Rewrite (-want +got):\n%s", diff)
	}
	if err := Check(got, chart); err != nil {
		t.Errorf("Check after Rewrite: %v", err)
	}
	again, err := Rewrite(got, chart)
	if err != nil || again != got {
		t.Errorf("second Rewrite changed the document (err %v):\n%s", err, cmp.Diff(got, again))
	}
}

func TestCheckReportsStaleBlock(t *testing.T) {
	committed, err := Rewrite(doc, "flowchart LR\n  A --> B\n  B --> C\n")
	if err != nil {
		t.Fatal(err)
	}
	err = Check(committed, "flowchart LR\n  A --> B\n  B --> D\n")
	if !errors.Is(err, ErrStale) {
		t.Fatalf("Check = %v, want ErrStale", err)
	}
	for _, line := range []string{"-   B --> C", "+   B --> D"} {
		if !strings.Contains(err.Error(), line) {
			t.Errorf("error lacks %q:\n%v", line, err)
		}
	}
	if strings.Contains(err.Error(), "A --> B") {
		t.Errorf("error lists an unchanged line:\n%v", err)
	}
}

func TestMissingMarkers(t *testing.T) {
	for _, d := range []string{"no markers", EndMarker + "\n" + StartMarker, StartMarker + " only"} {
		if _, err := Rewrite(d, "flowchart LR\n"); !errors.Is(err, ErrNoMarkers) {
			t.Errorf("Rewrite(%q) = %v, want ErrNoMarkers", d, err)
		}
		if err := Check(d, "flowchart LR\n"); !errors.Is(err, ErrNoMarkers) {
			t.Errorf("Check(%q) = %v, want ErrNoMarkers", d, err)
		}
	}
}

func TestLineDiff(t *testing.T) {
	got := lineDiff("a\nb\nc\n", "a\nc\nd\n")
	want := "- b\n+ d\n"
	if got != want {
		t.Errorf("lineDiff = %q, want %q", got, want)
	}
}
