// Package function builds what the cart's Lambda functions share, once per process: the
// DynamoDB store on the table named by TABLE_NAME and the shop's currency (SHOP_CURRENCY,
// default USD). Each main package names its trigger and its handler, and nothing else.
package function

import (
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/cart/internal/api"
	"github.com/microshop/microshop/functions/cart/internal/app"
	"github.com/microshop/microshop/functions/cart/internal/ddb"
	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/money"
	"github.com/microshop/microshop/shared/start"
)

// Service is the service name every function logs.
const Service = "cart"

// DefaultCurrency is the shop's currency when SHOP_CURRENCY is not set.
const DefaultCurrency = "USD"

// Currency returns the shop's currency from SHOP_CURRENCY (default DefaultCurrency).
func Currency(getenv func(string) string) (money.Currency, error) {
	code := getenv("SHOP_CURRENCY")
	if code == "" {
		code = DefaultCurrency
	}
	c, err := money.ParseCurrency(code)
	if err != nil {
		return money.Currency{}, fmt.Errorf("SHOP_CURRENCY %q: %w", code, err)
	}
	return c, nil
}

// Store returns the store on TABLE_NAME through a DynamoDB client from the environment (the
// local runtime sets AWS_ENDPOINT_URL_DYNAMODB).
func Store(env *start.Env) (*ddb.Store, error) {
	table, err := env.Var("TABLE_NAME")
	if err != nil {
		return nil, err
	}
	cfg, err := env.AWS()
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = env.Endpoint("DYNAMODB") })
	return ddb.New(db, table), nil
}

// Route returns the build function of the HTTP function serving routeKey.
func Route(routeKey string) start.Build[http.Handler] {
	return func(env *start.Env) (http.Handler, error) {
		store, err := Store(env)
		if err != nil {
			return nil, err
		}
		cur, err := Currency(os.Getenv)
		if err != nil {
			return nil, err
		}
		return api.Handler(routeKey, api.Deps{Store: store, Currency: cur, Log: env.Log})
	}
}

// Consumer returns the build function of a consumer function running handler.
func Consumer(handler func(*app.Carts) consume.Handler) start.Build[consume.Handler] {
	return func(env *start.Env) (consume.Handler, error) {
		store, err := Store(env)
		if err != nil {
			return nil, err
		}
		cur, err := Currency(os.Getenv)
		if err != nil {
			return nil, err
		}
		return handler(app.New(store, cur, nil)), nil
	}
}
