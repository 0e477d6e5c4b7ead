// Command shipping-quote is the Lambda function serving POST /shipping/quote. The table is TABLE_NAME
// and the shop's currency SHOP_CURRENCY (default USD); the AWS SDK takes its region,
// credentials and any endpoint override (AWS_ENDPOINT_URL_DYNAMODB) from the environment.
package main

import (
	"os"

	"github.com/microshop/microshop/functions/shipping/internal/function"
	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.HTTP(function.Service, function.Route(shippingspec.RouteQuote)); err != nil {
		os.Exit(1) // start has logged why
	}
}
