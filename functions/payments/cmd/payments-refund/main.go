// Command payments-refund is the Lambda function on the payments-refund queue: each
// OrderCancelled event refunds a paid order (see internal/app). The table is TABLE_NAME; the AWS SDK takes its
// region, credentials and any endpoint override from the environment.
package main

import (
	"os"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/card"
	"github.com/microshop/microshop/functions/payments/internal/consume"
	"github.com/microshop/microshop/functions/payments/internal/ddb"
	sharedconsume "github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS("payments", build); err != nil {
		os.Exit(1) // start has logged why
	}
}

func build(env *start.Env) (sharedconsume.Handler, error) {
	table, err := env.Var("TABLE_NAME")
	if err != nil {
		return nil, err
	}
	cfg, err := env.AWS()
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = env.Endpoint("DYNAMODB") })
	return consume.Refund(app.New(ddb.New(db, table), card.Simulated{}, nil)), nil
}
