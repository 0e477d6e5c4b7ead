// Package quote is the shop's shipping price rule: a price by destination country and number of
// items. It is pure (no AWS, no clock) and deliberately outside shipping's internal/ tree, so
// the orders service prices an order's shipping line with exactly the rule that
// POST /shipping/quote answers with; a change to the rule reaches both at the next deploy.
//
// The rule: each destination falls in a Zone; a shipment costs the zone's base price for the
// first item plus its per-item price for each further item. Amounts are in minor units of the
// shop's currency (the same numbers whatever the currency: the shop sells in one).
package quote

import (
	"errors"
	"fmt"

	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/money"
)

// MaxItems is the largest number of items one quote covers.
const MaxItems = 999

// Errors Price returns (wrapped); both have fault code Invalid.
var (
	ErrCountry = fault.New(fault.Invalid, `country must be an ISO 3166-1 alpha-2 code in upper case, e.g. "US"`)
	ErrItems   = fault.Errorf(fault.Invalid, "items must be between 1 and %d", MaxItems)
)

// Zone is a group of destinations with one tariff.
type Zone string

// The zones.
const (
	Domestic     Zone = "domestic"      // the shop ships from the United States
	NorthAmerica Zone = "north-america" // Canada and Mexico
	Europe       Zone = "europe"        // the EU, EEA, Switzerland and the United Kingdom
	World        Zone = "world"         // every other country
)

// tariff is a zone's price: Base for the first item, PerItem for each further one.
type tariff struct{ Base, PerItem money.Cents }

var tariffs = map[Zone]tariff{
	Domestic:     {Base: 499, PerItem: 99},
	NorthAmerica: {Base: 999, PerItem: 199},
	Europe:       {Base: 1499, PerItem: 299},
	World:        {Base: 1999, PerItem: 399},
}

var zones = map[string]Zone{"US": Domestic, "CA": NorthAmerica, "MX": NorthAmerica}

func init() {
	for _, c := range []string{
		"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
		"LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "CH", "GB",
	} {
		zones[c] = Europe
	}
}

// ZoneOf returns the zone of country, an ISO 3166-1 alpha-2 code in upper case; any
// well-formed code outside the named zones is World. A malformed code is ErrCountry.
func ZoneOf(country string) (Zone, error) {
	if len(country) != 2 || !isUpper(country[0]) || !isUpper(country[1]) {
		return "", fmt.Errorf("country %q: %w", country, ErrCountry)
	}
	if z, ok := zones[country]; ok {
		return z, nil
	}
	return World, nil
}

func isUpper(b byte) bool { return 'A' <= b && b <= 'Z' }

// Price returns the price of shipping items items to country, in currency. It returns an error
// wrapping ErrCountry or ErrItems for a bad destination or count, or money's error for a zero
// currency.
func Price(country string, items int, currency money.Currency) (money.Price, error) {
	zone, err := ZoneOf(country)
	if err != nil {
		return money.Price{}, err
	}
	if items < 1 || items > MaxItems {
		return money.Price{}, fmt.Errorf("%d items: %w", items, ErrItems)
	}
	t := tariffs[zone]
	// At most 1999 + 998 × 399 minor units: far from any overflow.
	p, err := money.NewPrice(t.Base+money.Cents(items-1)*t.PerItem, currency)
	if err != nil {
		return money.Price{}, fmt.Errorf("shipping price: %w", err)
	}
	return p, nil
}

// IsInvalid reports whether err is a bad destination or item count (a client's mistake).
func IsInvalid(err error) bool { return errors.Is(err, ErrCountry) || errors.Is(err, ErrItems) }
