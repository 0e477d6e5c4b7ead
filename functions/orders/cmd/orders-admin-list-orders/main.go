// Command orders-admin-list-orders serves GET /admin/orders (admin group).
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
	if err := start.HTTP(wiring.Service, wiring.Route(api.RouteAdminListOrders)); err != nil {
		os.Exit(1) // start has logged why
	}
}
