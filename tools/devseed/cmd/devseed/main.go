// Command devseed makes a local stack ready to shop in (see package devseed): `make dev` runs
// it once the stack serves, with the URLs devcloud passes to --after-start:
//
//	go run ./tools/devseed/cmd/devseed -template cdk.out/Microshop.template.json -api "$API_URL" -edge "$EDGE_URL"
//
// Against a deployed stage it seeds and stocks the catalog with an admin's access token and
// creates no users (docs/deploy.md):
//
//	go run ./tools/devseed/cmd/devseed -api "$API" -token "$ADMIN"
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/microshop/microshop/tools/devseed"
)

func main() {
	fs := flag.NewFlagSet("devseed", flag.ContinueOnError)
	cfg := devseed.Config{}
	fs.StringVar(&cfg.Template, "template", "cdk.out/Microshop.template.json", "the synthesized template the stack serves")
	fs.StringVar(&cfg.APIURL, "api", os.Getenv("API_URL"), "base URL of the HTTP API (default $API_URL)")
	fs.StringVar(&cfg.EdgeURL, "edge", os.Getenv("EDGE_URL"), "the stack's AWS endpoint (default $EDGE_URL)")
	fs.IntVar(&cfg.Stock, "stock", devseed.DefaultStock, "units on hand per sample product")
	fs.StringVar(&cfg.AdminToken, "token", "", "an admin's access token: seed a deployed stage with it and create no users (-edge unused)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if _, err := devseed.Run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
