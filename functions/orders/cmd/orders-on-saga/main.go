// Command orders-on-saga consumes StockRejected, PaymentFailed, ShipmentCreated and
// ShipmentDelivered from its queue.
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
	if err := start.SQS(wiring.Service, wiring.Consumer(consumer.Saga)); err != nil {
		os.Exit(1) // start has logged why
	}
}
