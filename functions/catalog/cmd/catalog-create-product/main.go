// Command catalog-create-product is the Lambda function serving POST /products of the catalog's HTTP API.
// The table is TABLE_NAME; the AWS SDK takes its region, credentials and any endpoint override
// (AWS_ENDPOINT_URL_DYNAMODB, set by the local runtime) from the environment; the shop's
// currency is SHOP_CURRENCY (default USD).
package main

import (
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/ddb"
	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
	"github.com/microshop/microshop/shared/idempotency"
	"github.com/microshop/microshop/shared/money"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.HTTP("catalog", build); err != nil {
		os.Exit(1) // start has logged why
	}
}

func build(env *start.Env) (http.Handler, error) {
	table, err := env.Var("TABLE_NAME")
	if err != nil {
		return nil, err
	}
	currency, err := money.ShopCurrency(os.Getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := env.AWS()
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = env.Endpoint("DYNAMODB") })
	return api.Handler(api.RouteCreateProduct, api.Deps{
		Store:       ddb.New(db, table),
		Currency:    currency,
		Idempotency: idempotency.NewStore(db, table, idempotency.PartitionKey(catalogspec.KeyID)),
		Log:         env.Log,
	})
}
