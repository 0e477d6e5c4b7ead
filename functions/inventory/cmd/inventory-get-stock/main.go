// Command inventory-get-stock is the Lambda function serving admin GET /inventory/{productId}.
package main

import (
	"os"

	"github.com/microshop/microshop/functions/inventory/internal/api"
	"github.com/microshop/microshop/functions/inventory/internal/function"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.HTTP(function.Service, function.Route(api.RouteGetStock)); err != nil {
		os.Exit(1) // start has logged why
	}
}
