// Command catalog-list-products is the Lambda function serving GET /products of the catalog's HTTP API.
// It reads TABLE_NAME (the catalog table); the AWS SDK takes the rest of its configuration,
// including AWS_ENDPOINT_URL_DYNAMODB for a local engine, from the environment.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/ddb"
	"github.com/microshop/microshop/shared/httpapi"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(context.Background(), log); err != nil {
		log.Error("catalog-list-products cannot start", slog.Any("error", err))
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		return errors.New("TABLE_NAME is not set")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS config: %w", err)
	}
	h, err := api.Handler(api.RouteListProducts, api.Deps{Store: ddb.New(dynamodb.NewFromConfig(cfg), table), Log: log})
	if err != nil {
		return err
	}
	lambda.Start(httpapi.Lambda(h))
	return nil
}
