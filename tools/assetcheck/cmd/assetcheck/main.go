// Command assetcheck checks a synthesized stack's assets before deploy (package assetcheck):
//
//	go run ./tools/assetcheck/cmd/assetcheck -dir cdk.out -stack Microshop
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/microshop/microshop/tools/assetcheck"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "assetcheck:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("assetcheck", flag.ContinueOnError)
	dir := fs.String("dir", "cdk.out", "the cloud assembly directory")
	stack := fs.String("stack", "Microshop", "the stack's name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := assetcheck.Check(*dir, *stack)
	if err != nil {
		return err
	}
	var total int64
	for _, size := range r.Functions {
		total += size
	}
	fmt.Printf("%s: %d file assets present; %d functions, each with a non-empty executable bootstrap (%.1f MiB in all)\n",
		*stack, r.Files, len(r.Functions), float64(total)/(1<<20))
	return nil
}
