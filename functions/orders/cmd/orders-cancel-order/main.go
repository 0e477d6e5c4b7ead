// Command orders-cancel-order serves POST /orders/{id}/cancel (Idempotency-Key required).
// TABLE_NAME names the orders table; the AWS SDK takes its region, credentials and endpoint
// overrides (set by the local runtime) from the environment.
package main

import (
	"os"

	"github.com/microshop/microshop/functions/orders/internal/api"
	"github.com/microshop/microshop/functions/orders/internal/wiring"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.HTTP(wiring.Service, wiring.Route(api.RouteCancelOrder)); err != nil {
		os.Exit(1) // start has logged why
	}
}
