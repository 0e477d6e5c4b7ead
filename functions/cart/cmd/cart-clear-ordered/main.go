// Command cart-clear-ordered is the Lambda function that empties the ordered lines of a cart on OrderPlaced
// with fromCart (its queue is filled by an EventBridge rule).
package main

import (
	"os"

	"github.com/microshop/microshop/functions/cart/internal/consume"
	"github.com/microshop/microshop/functions/cart/internal/function"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS(function.Service, function.Consumer(consume.OrderPlaced)); err != nil {
		os.Exit(1) // start has logged why
	}
}
