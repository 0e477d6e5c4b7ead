// Command catalog-delete-product is the Lambda function serving DELETE /products/{id} of the catalog's HTTP API.
// The table is TABLE_NAME; the AWS SDK takes its region, credentials and any endpoint override
// (AWS_ENDPOINT_URL_DYNAMODB, set by the local runtime) from the environment.
package main

import (
	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/function"
)

func main() { function.Run(api.RouteDeleteProduct) }
