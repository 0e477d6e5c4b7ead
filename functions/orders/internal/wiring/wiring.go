// Package wiring builds what every orders Lambda shares from its environment: the DynamoDB
// client (once per process), the store on TABLE_NAME, the shop currency (SHOP_CURRENCY,
// default USD) and the use cases. Each cmd/<name> main names its route or consumer and
// nothing else.
package wiring

import (
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/orders/internal/api"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/functions/orders/internal/ddb"
	ordersspec "github.com/microshop/microshop/functions/orders/spec"
	"github.com/microshop/microshop/functions/shipping/quote"
	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/idempotency"
	"github.com/microshop/microshop/shared/money"
	"github.com/microshop/microshop/shared/start"
)

// Service is the service's name in logs.
const Service = ordersspec.Name

// CurrencyEnv names the shop's currency; DefaultCurrency applies when it is unset.
const (
	CurrencyEnv     = "SHOP_CURRENCY"
	DefaultCurrency = "USD"
)

// MailFromEnv names the sender of the service's emails (a verified SES identity on AWS);
// confirm.DefaultFrom applies when it is unset.
const MailFromEnv = "MAIL_FROM"

type deps struct {
	db    *dynamodb.Client
	store *ddb.Store
	table string
	svc   *app.Service
}

func build(env *start.Env) (deps, error) {
	table, err := env.Var("TABLE_NAME")
	if err != nil {
		return deps{}, err
	}
	code, err := env.Var(CurrencyEnv)
	if err != nil {
		code = DefaultCurrency
	}
	currency, err := money.ParseCurrency(code)
	if err != nil {
		return deps{}, fmt.Errorf("%s: %w", CurrencyEnv, err)
	}
	cfg, err := env.AWS()
	if err != nil {
		return deps{}, err
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = env.Endpoint("DYNAMODB") })
	store := ddb.New(db, table)
	svc := app.New(app.Deps{
		Orders: store, Products: store, Carts: store, Currency: currency, Log: env.Log,
		// The order's shipping line uses the rule POST /shipping/quote answers with.
		Shipping: quote.Price,
	})
	return deps{db: db, store: store, table: table, svc: svc}, nil
}

// Route returns the build function of the route with key routeKey (api.Route*).
func Route(routeKey string) start.Build[http.Handler] {
	return func(env *start.Env) (http.Handler, error) {
		d, err := build(env)
		if err != nil {
			return nil, err
		}
		return api.Handler(routeKey, api.Deps{
			Service:     d.svc,
			Idempotency: idempotency.NewStore(d.db, d.table, idempotency.PartitionKey(ordersspec.KeyID)),
			Log:         env.Log,
		})
	}
}

// Consumer returns the build function of a consumer made by handler (consumer.Saga,
// consumer.Products or consumer.Carts).
func Consumer(handler func(*app.Service) consume.Handler) start.Build[consume.Handler] {
	return func(env *start.Env) (consume.Handler, error) {
		d, err := build(env)
		if err != nil {
			return nil, err
		}
		return handler(d.svc), nil
	}
}

// UserPoolEnv names the shop's Cognito user pool, where the confirmation consumer finds the
// email of an order placed without one.
const UserPoolEnv = "USER_POOL_ID"

// Store returns the store on TABLE_NAME, for the confirmation consumer
// (cmd/orders-send-confirmation). That main builds its SES and Cognito clients itself, so that
// no other orders function links them (about 600 KB of each binary).
func Store(env *start.Env) (*ddb.Store, error) {
	d, err := build(env)
	if err != nil {
		return nil, err
	}
	return d.store, nil
}
