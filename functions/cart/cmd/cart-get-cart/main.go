// Command cart-get-cart is the Lambda function serving GET /cart: the caller's cart at current prices.
package main

import (
	"os"

	"github.com/microshop/microshop/functions/cart/internal/api"
	"github.com/microshop/microshop/functions/cart/internal/function"
	"github.com/microshop/microshop/shared/start"
)

func main() {
	if err := start.HTTP(function.Service, function.Route(api.RouteGetCart)); err != nil {
		os.Exit(1) // start has logged why
	}
}
