// Command orders-publish-events is the Lambda function on the orders table's stream that sends
// the events of the orders' outbox rows to the bus named by EVENT_BUS_NAME (shared/outbox).
package main

import (
	"os"

	"github.com/microshop/microshop/functions/orders/internal/wiring"
	"github.com/microshop/microshop/shared/outbox/publish"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.DynamoDBStream(wiring.Service, publish.Build); err != nil {
		os.Exit(1) // start has logged why
	}
}
