// Package function builds what the shipping service's Lambda functions share, once per
// process: the app on the DynamoDB table named by TABLE_NAME, in the shop's currency
// (SHOP_CURRENCY, default USD). Each main package names its trigger and its handler, and
// nothing else.
package function

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/shipping/internal/api"
	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/ddb"
	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/start"
)

// Service is the service name every function logs.
const Service = "shipping"

// App returns the shipping app on TABLE_NAME through a DynamoDB client from the environment
// (the local runtime sets AWS_ENDPOINT_URL_DYNAMODB).
func App(env *start.Env) (*app.Shipping, error) {
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
	return app.New(ddb.New(db, table), currency, nil, nil), nil
}

// Route returns the build function of the HTTP function serving routeKey.
func Route(routeKey string) start.Build[http.Handler] {
	return func(env *start.Env) (http.Handler, error) {
		a, err := App(env)
		if err != nil {
			return nil, err
		}
		return api.Handler(routeKey, a, env.Log)
	}
}

// Consumer returns the build function of a consumer function running handler.
func Consumer(handler func(*app.Shipping) consume.Handler) start.Build[consume.Handler] {
	return func(env *start.Env) (consume.Handler, error) {
		a, err := App(env)
		if err != nil {
			return nil, err
		}
		return handler(a), nil
	}
}
