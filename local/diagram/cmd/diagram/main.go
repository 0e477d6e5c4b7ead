// Command diagram draws the stack of a synthesized template as a Mermaid flowchart and keeps
// the copy in a Markdown file current:
//
//	go run ./local/diagram/cmd/diagram --template cdk.out/MyStack.template.json --readme README.md
//
// rewrites the block between <!-- diagram:start --> and <!-- diagram:end --> in README.md;
// with --check it changes nothing and exits 1 when the block is stale. Without --readme it
// prints the chart.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/microshop/microshop/local/diagram"
	"github.com/microshop/microshop/local/template"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "diagram:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("diagram", flag.ContinueOnError)
	tpl := fs.String("template", "", "synthesized CloudFormation template (required)")
	readme := fs.String("readme", "", "Markdown file whose diagram block to rewrite; empty prints the chart")
	check := fs.Bool("check", false, "only check that the Markdown file's block is current")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tpl == "" {
		return errors.New("--template is required")
	}
	m, err := template.Load(*tpl, template.Options{})
	if err != nil {
		return err
	}
	chart, err := diagram.Mermaid(m)
	if err != nil {
		return err
	}
	if *readme == "" {
		if *check {
			return errors.New("--check needs --readme")
		}
		_, err := io.WriteString(stdout, chart)
		return err
	}
	doc, err := os.ReadFile(*readme)
	if err != nil {
		return err
	}
	if *check {
		if err := diagram.Check(string(doc), chart); err != nil {
			return fmt.Errorf("%s: %w\nrun `make diagram` to update it", *readme, err)
		}
		return nil
	}
	out, err := diagram.Rewrite(string(doc), chart)
	if err != nil {
		return fmt.Errorf("%s: %w", *readme, err)
	}
	if out == string(doc) {
		return nil
	}
	return os.WriteFile(*readme, []byte(out), 0o644)
}
