// Command payments-refund is the Lambda function on the payments-refund queue: each
// OrderCancelled event refunds a paid order (see internal/app). The table is TABLE_NAME; the AWS SDK takes its
// region, credentials and any endpoint override from the environment.
package main

import (
	"os"

	"github.com/microshop/microshop/functions/payments/internal/consume"
	"github.com/microshop/microshop/functions/payments/internal/function"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.SQS(function.Service, function.Consumer(consume.Refund)); err != nil {
		os.Exit(1) // start has logged why
	}
}
