// Command inventory-reserve-stock is the Lambda function that reserves an order's stock on OrderPlaced (its
// queue is filled by an EventBridge rule).
package main

import (
	"os"

	"github.com/microshop/microshop/functions/inventory/internal/consume"
	"github.com/microshop/microshop/functions/inventory/internal/function"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS(function.Service, function.Consumer(consume.Reserve)); err != nil {
		os.Exit(1) // start has logged why
	}
}
