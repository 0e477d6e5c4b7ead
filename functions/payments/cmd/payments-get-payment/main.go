// Command payments-get-payment is the Lambda function serving GET /payments/{orderId}. The table
// is TABLE_NAME; the AWS SDK takes its region, credentials and any endpoint override
// (AWS_ENDPOINT_URL_DYNAMODB, set by the local runtime) from the environment.
package main

import (
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/payments/internal/api"
	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/card"
	"github.com/microshop/microshop/functions/payments/internal/ddb"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.HTTP("payments", build); err != nil {
		os.Exit(1) // start has logged why
	}
}

func build(env *start.Env) (http.Handler, error) {
	table, err := env.Var("TABLE_NAME")
	if err != nil {
		return nil, err
	}
	cfg, err := env.AWS()
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = env.Endpoint("DYNAMODB") })
	return api.Handler(app.New(ddb.New(db, table), card.Simulated{}, nil), env.Log), nil
}
