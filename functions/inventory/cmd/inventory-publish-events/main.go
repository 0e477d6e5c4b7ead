// Command inventory-publish-events is the Lambda function on the inventory table's stream that sends the events of
// its outbox rows to the bus named by EVENT_BUS_NAME (shared/outbox). The AWS SDK takes its
// region, credentials and any endpoint override (AWS_ENDPOINT_URL_EVENTBRIDGE, set by the
// local runtime) from the environment.
package main

import (
	"os"

	"github.com/microshop/microshop/functions/inventory/internal/function"
	"github.com/microshop/microshop/shared/outbox/publish"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.DynamoDBStream(function.Service, publish.Build); err != nil {
		os.Exit(1) // start has logged why
	}
}
