// Command orders-send-confirmation emails the customer their order confirmation on
// OrderConfirmed, from its queue, once per order.
// TABLE_NAME names the orders table, MAIL_FROM the sender (a verified SES identity on
// AWS) and USER_POOL_ID the user pool holding the email of an order placed without one; the
// AWS SDK takes its region, credentials and endpoint overrides (set by the local
// runtime) from the environment.
package main

import (
	"os"

	"github.com/microshop/microshop/functions/orders/internal/wiring"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS(wiring.Service, wiring.Confirmation()); err != nil {
		os.Exit(1) // start has logged why
	}
}
