// Package amount is the money shape every event contract uses: an integer number of minor
// units and an ISO 4217 currency code, e.g. {"amount":1250,"currency":"USD"} for $12.50.
package amount

// Money is an amount in minor units of Currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}
