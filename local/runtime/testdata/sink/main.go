// Command sink is a test function for event sources: it stores every event it receives in
// the table SINK_TABLE (one item per invocation, keyed by the Lambda request id, with the time
// it ran in "at") and fails any
// event that contains the word "poison", so tests can watch retries and dead-letter queues.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/shared/awsconfig"
)

func main() {
	cfg, err := awsconfig.FromEnv()
	if err != nil {
		panic(err)
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = awsconfig.Endpoint(os.Getenv, "DYNAMODB")
	})
	table := os.Getenv("SINK_TABLE")
	lambda.Start(func(ctx context.Context, event json.RawMessage) (json.RawMessage, error) {
		lc, _ := lambdacontext.FromContext(ctx)
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(table),
			Item: map[string]types.AttributeValue{
				"pk":    &types.AttributeValueMemberS{Value: lc.AwsRequestID},
				"event": &types.AttributeValueMemberS{Value: string(event)},
				"at":    &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().UnixNano(), 10)},
			},
		})
		if err != nil {
			return nil, err
		}
		if bytes.Contains(event, []byte("poison")) {
			return nil, errors.New("poison event")
		}
		return json.RawMessage(`{"batchItemFailures":[]}`), nil
	})
}
