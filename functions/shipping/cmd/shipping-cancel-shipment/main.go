// Command shipping-cancel-shipment is the Lambda function on the shipping-cancel-shipment queue: each
// OrderCancelled event cancels the order's shipment (see internal/app). The table is TABLE_NAME; the AWS SDK
// takes its region, credentials and any endpoint override from the environment.
package main

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/consume"
	"github.com/microshop/microshop/functions/shipping/internal/ddb"
	sharedconsume "github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS("shipping", build); err != nil {
		os.Exit(1) // start has logged why
	}
}

func build(env *start.Env) (sharedconsume.Handler, error) {
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
	return consume.CancelShipment(app.New(ddb.New(db, table), currency, nil, nil)), nil
}
