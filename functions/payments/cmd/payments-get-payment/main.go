// Command payments-get-payment is the Lambda function serving GET /payments/{orderId}. The table
// is TABLE_NAME; the AWS SDK takes its region, credentials and any endpoint override
// (AWS_ENDPOINT_URL_DYNAMODB, set by the local runtime) from the environment.
package main

import (
	"os"

	"github.com/microshop/microshop/functions/payments/internal/function"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.HTTP(function.Service, function.HTTP); err != nil {
		os.Exit(1) // start has logged why
	}
}
