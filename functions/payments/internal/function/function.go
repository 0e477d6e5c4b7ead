// Package function builds what the payments service's Lambda functions share, once per
// process: the app on the DynamoDB table named by TABLE_NAME with the simulated card processor.
// Each main package names its trigger and its handler, and nothing else.
package function

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/payments/internal/api"
	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/card"
	"github.com/microshop/microshop/functions/payments/internal/ddb"
	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/start"
)

// Service is the service name every function logs.
const Service = "payments"

// App returns the payments app on TABLE_NAME through a DynamoDB client from the environment
// (the local runtime sets AWS_ENDPOINT_URL_DYNAMODB).
func App(env *start.Env) (*app.Payments, error) {
	table, err := env.Var("TABLE_NAME")
	if err != nil {
		return nil, err
	}
	cfg, err := env.AWS()
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = env.Endpoint("DYNAMODB") })
	return app.New(ddb.New(db, table), card.Simulated{}, nil), nil
}

// HTTP builds the function serving GET /payments/{orderId}.
func HTTP(env *start.Env) (http.Handler, error) {
	a, err := App(env)
	if err != nil {
		return nil, err
	}
	return api.Handler(a, env.Log), nil
}

// Consumer returns the build function of a consumer function running handler.
func Consumer(handler func(*app.Payments) consume.Handler) start.Build[consume.Handler] {
	return func(env *start.Env) (consume.Handler, error) {
		a, err := App(env)
		if err != nil {
			return nil, err
		}
		return handler(a), nil
	}
}
