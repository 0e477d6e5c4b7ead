// Package function is the wiring every catalog Lambda shares: read the configuration Lambda
// provides, build the DynamoDB client once, build the route's handler, and hand it to
// lambda.Start. Each cmd/<name> main names its route and nothing else.
package function

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/ddb"
	"github.com/microshop/microshop/shared/awsconfig"
	"github.com/microshop/microshop/shared/httpapi"
	"github.com/microshop/microshop/shared/idempotency"
)

// Run serves route (one of the api.Route* keys) as a Lambda function and never returns; it
// exits with status 1, after logging why, when the function cannot start.
func Run(route string) {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	h, err := handler(route, log)
	if err != nil {
		log.Error("catalog function cannot start", slog.String("route", route), slog.Any("error", err))
		os.Exit(1)
	}
	lambda.Start(h)
}

func handler(route string, log *slog.Logger) (httpapi.LambdaHandler, error) {
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		return nil, errors.New("TABLE_NAME is not set")
	}
	cfg, err := awsconfig.FromEnv()
	if err != nil {
		return nil, err
	}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = awsconfig.Endpoint(os.Getenv, "DYNAMODB")
	})
	h, err := api.Handler(route, api.Deps{
		Store:       ddb.New(client, table),
		Idempotency: idempotency.NewStore(client, table, idempotency.PartitionKey("id")),
		Log:         log,
	})
	if err != nil {
		return nil, fmt.Errorf("build handler: %w", err)
	}
	return httpapi.Lambda(h), nil
}
