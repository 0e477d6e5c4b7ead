package api

import (
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/catalog/internal/ddb"
	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
	"github.com/microshop/microshop/shared/idempotency"
	"github.com/microshop/microshop/shared/money"
	"github.com/microshop/microshop/shared/start"
)

// Build returns how the Lambda function serving route builds its handler, once per process:
// the table is TABLE_NAME, the DynamoDB client takes its region, credentials and any endpoint
// override (AWS_ENDPOINT_URL_DYNAMODB, set by the local runtime) from the environment. Every
// catalog route function's main is start.HTTP("catalog", api.Build(route)).
func Build(route string) start.Build[http.Handler] {
	return func(env *start.Env) (http.Handler, error) {
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
		return Handler(route, Deps{
			Store:       ddb.New(db, table),
			Currency:    currency,
			Idempotency: idempotency.NewStore(db, table, idempotency.PartitionKey(catalogspec.KeyID)),
			Log:         env.Log,
		})
	}
}
