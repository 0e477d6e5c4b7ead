// Command cart-apply-product-events is the Lambda function that keeps the cart's copy of the catalog from
// ProductCreated, ProductChanged and ProductDeleted (its queue is filled by an EventBridge rule).
package main

import (
	"os"

	"github.com/microshop/microshop/functions/cart/internal/consume"
	"github.com/microshop/microshop/functions/cart/internal/function"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS(function.Service, function.Consumer(consume.ProductEvents)); err != nil {
		os.Exit(1) // start has logged why
	}
}
