// Command consumer is the function of the sam-events fixture, shared by its SQS, DynamoDB
// stream and EventBridge consumers: it logs each event with the SOURCE it was configured
// for and, for SQS batches, reports no failures.
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, event json.RawMessage) (any, error) {
	log.Printf("%s event: %s", os.Getenv("SOURCE"), event)
	if os.Getenv("SOURCE") == "sqs" {
		return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}, nil
	}
	return nil, nil
}

func main() { lambda.Start(handle) }
