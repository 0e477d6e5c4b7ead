// Command catalog-publish-events is the catalog's outbox publisher: the table's stream triggers
// it (infra.Outbox) and it sends the outbox rows' events to the bus named by EVENT_BUS_NAME.
//
// PLACEHOLDER so that `make build` and `make synth` have an asset on the infra branch: it fails
// every batch, so the stream mapping retries and nothing is lost. The real main (wiring of
// shared/outbox's Publisher) replaces this file.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		return events.DynamoDBEventResponse{}, errors.New("catalog-publish-events: not implemented")
	})
}
