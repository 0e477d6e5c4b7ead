// Command catalog-list-products is the Lambda function serving GET /products of the catalog's HTTP API.
// Its handler is built by api.Build (TABLE_NAME, the DynamoDB client from the environment).
package main

import (
	"os"

	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.HTTP("catalog", api.Build(api.RouteListProducts)); err != nil {
		os.Exit(1) // start has logged why
	}
}
