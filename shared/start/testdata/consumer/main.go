// Command consumer is a test function for shared/start's SQS entry point: it records each
// event it handles in the table SEEN_TABLE (key: the event id, with its type and the
// correlation id its context carried) and fails events of type "Fails".
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS("test", build); err != nil {
		os.Exit(1)
	}
}

func build(env *start.Env) (consume.Handler, error) {
	table, err := env.Var("SEEN_TABLE")
	if err != nil {
		return nil, err
	}
	cfg, err := env.AWS()
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = env.Endpoint("DYNAMODB") })
	return func(ctx context.Context, ev consume.Event) error {
		if ev.Type == "Fails" {
			return errors.New("this event always fails")
		}
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"pk":          &types.AttributeValueMemberS{Value: ev.ID},
			"type":        &types.AttributeValueMemberS{Value: ev.Type},
			"correlation": &types.AttributeValueMemberS{Value: correlation.ID(ctx)},
		}})
		if err != nil {
			return err
		}
		slog.InfoContext(ctx, "handled", slog.String("eventId", ev.ID))
		return nil
	}, nil
}
