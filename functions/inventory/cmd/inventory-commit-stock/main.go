// Command inventory-commit-stock is the Lambda function that commits an order's stock on ShipmentDelivered (its
// queue is filled by an EventBridge rule).
package main

import (
	"os"

	"github.com/microshop/microshop/functions/inventory/internal/consume"
	"github.com/microshop/microshop/functions/inventory/internal/function"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS(function.Service, function.Consumer(consume.Commit)); err != nil {
		os.Exit(1) // start has logged why
	}
}
