// Command orders-on-product keeps the orders service's catalog replica from ProductCreated,
// ProductChanged and ProductDeleted.
// TABLE_NAME names the orders table; the AWS SDK takes its region, credentials and endpoint
// overrides (set by the local runtime) from the environment.
package main

import (
	"os"

	"github.com/microshop/microshop/functions/orders/internal/consumer"
	"github.com/microshop/microshop/functions/orders/internal/wiring"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS(wiring.Service, wiring.Consumer(consumer.Products)); err != nil {
		os.Exit(1) // start has logged why
	}
}
