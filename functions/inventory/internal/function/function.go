// Package function builds what the inventory's Lambda functions share, once per process: the
// DynamoDB store on the table named by TABLE_NAME. Each main package names its trigger and its
// handler, and nothing else; the outbox publisher (cmd/inventory-publish-events) builds its
// own EventBridge client, so the other functions do not link it.
package function

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/inventory/internal/api"
	"github.com/microshop/microshop/functions/inventory/internal/app"
	"github.com/microshop/microshop/functions/inventory/internal/ddb"
	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/start"
)

// Service is the service name every function logs.
const Service = "inventory"

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
		return api.Handler(routeKey, api.Deps{Store: store, Log: env.Log})
	}
}

// Consumer returns the build function of a consumer function running handler.
func Consumer(handler func(*app.Inventory) consume.Handler) start.Build[consume.Handler] {
	return func(env *start.Env) (consume.Handler, error) {
		store, err := Store(env)
		if err != nil {
			return nil, err
		}
		return handler(app.New(store, nil)), nil
	}
}
