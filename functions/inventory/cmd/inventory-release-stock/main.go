// Command inventory-release-stock is the Lambda function that releases an order's stock on PaymentFailed and
// OrderCancelled (its queue is filled by an EventBridge rule).
package main

import (
	"os"

	"github.com/microshop/microshop/functions/inventory/internal/consume"
	"github.com/microshop/microshop/functions/inventory/internal/function"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS(function.Service, function.Consumer(consume.Release)); err != nil {
		os.Exit(1) // start has logged why
	}
}
