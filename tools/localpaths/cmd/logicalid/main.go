// Command logicalid prints the logical ID of a function of a synthesized template, given its
// name, for `sam local invoke` (make sam-invoke FN=<name>):
//
//	go run ./tools/localpaths/cmd/logicalid -template cdk.out/Microshop.template.json orders-place-order
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/microshop/microshop/local/template"
	"github.com/microshop/microshop/tools/localpaths"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("logicalid", flag.ContinueOnError)
	tmpl := fs.String("template", "cdk.out/Microshop.template.json", "the synthesized template")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: logicalid [-template FILE] FUNCTION-NAME")
		return 2
	}
	m, err := template.Load(*tmpl, template.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "logicalid:", err)
		return 1
	}
	id, err := localpaths.LogicalID(m, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "logicalid:", err)
		return 1
	}
	fmt.Println(id)
	return 0
}
