// Command catalog-publish-events is the Lambda function on the catalog table's stream that
// sends the events of the products' outbox rows to the event bus named by EVENT_BUS_NAME (see
// shared/outbox). The AWS SDK takes its region, credentials and any endpoint override
// (AWS_ENDPOINT_URL_EVENTBRIDGE, set by the local runtime) from the environment.
package main

import (
	"os"

	"github.com/microshop/microshop/shared/outbox/publish"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.DynamoDBStream("catalog", publish.Build); err != nil {
		os.Exit(1) // start has logged why
	}
}
