// Command orders-on-cart keeps the orders service's copy of each customer's cart from the
// cart's CartChanged events, so POST /orders without lines orders the cart.
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
	if err := start.SQS(wiring.Service, wiring.Consumer(consumer.Carts)); err != nil {
		os.Exit(1) // start has logged why
	}
}
