// Command shipping-create-shipment is the Lambda function on the shipping-create-shipment queue: each
// PaymentSucceeded event creates the paid order's shipment (see internal/app). The table is TABLE_NAME; the AWS SDK
// takes its region, credentials and any endpoint override from the environment.
package main

import (
	"os"

	"github.com/microshop/microshop/functions/shipping/internal/consume"
	"github.com/microshop/microshop/functions/shipping/internal/function"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS(function.Service, function.Consumer(consume.CreateShipment)); err != nil {
		os.Exit(1) // start has logged why
	}
}
