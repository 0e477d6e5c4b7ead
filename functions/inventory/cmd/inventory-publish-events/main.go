// Command inventory-publish-events is the Lambda function on the inventory table's stream that sends the events of
// its outbox rows to the bus named by EVENT_BUS_NAME (shared/outbox).
package main

import (
	"os"

	"github.com/microshop/microshop/functions/inventory/internal/function"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.DynamoDBStream(function.Service, function.Publisher); err != nil {
		os.Exit(1) // start has logged why
	}
}
