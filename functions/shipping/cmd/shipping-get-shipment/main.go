// Command shipping-get-shipment is the Lambda function serving GET /shipments/{orderId}. The table is TABLE_NAME
// and the shop's currency SHOP_CURRENCY (default USD); the AWS SDK takes its region,
// credentials and any endpoint override (AWS_ENDPOINT_URL_DYNAMODB) from the environment.
package main

import (
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/shipping/internal/api"
	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/ddb"
	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.HTTP("shipping", build); err != nil {
		os.Exit(1) // start has logged why
	}
}

func build(env *start.Env) (http.Handler, error) {
	table, err := env.Var("TABLE_NAME")
	if err != nil {
		return nil, err
	}
	code, _ := env.Var("SHOP_CURRENCY") // unset: the default currency
	currency, err := app.ShopCurrency(code)
	if err != nil {
		return nil, err
	}
	cfg, err := env.AWS()
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = env.Endpoint("DYNAMODB") })
	return api.Handler(shippingspec.RouteGetShipment, app.New(ddb.New(db, table), currency, nil, nil), env.Log)
}
