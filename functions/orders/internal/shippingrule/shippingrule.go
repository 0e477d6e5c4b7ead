// Package shippingrule is a PLACEHOLDER for the shop's shipping price rule, which the shipping
// service owns as the importable pure package functions/shipping/quote (POST /shipping/quote
// answers with the same rule). Until that package is on main, orders prices its shipping line
// with Price below; it has quote.Price's signature, so switching is one line in each main
// (app.Deps.Shipping = quote.Price) and the deletion of this package.
package shippingrule

import (
	"fmt"

	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/money"
)

// Price returns the placeholder price of shipping items items to country in currency: 499
// minor units for the first item and 99 for each further one, whatever the destination.
func Price(country string, items int, currency money.Currency) (money.Price, error) {
	if len(country) != 2 {
		return money.Price{}, fault.New(fault.Invalid, "country: want an ISO 3166-1 alpha-2 code")
	}
	if items < 1 {
		return money.Price{}, fault.New(fault.Invalid, "items: want at least one")
	}
	p, err := money.NewPrice(499+money.Cents(items-1)*99, currency)
	if err != nil {
		return money.Price{}, fmt.Errorf("shipping price: %w", err)
	}
	return p, nil
}
