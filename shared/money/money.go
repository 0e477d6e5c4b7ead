// Package money holds the value types for prices: an amount in a currency's minor unit and an
// ISO 4217 currency. Amounts are integers so arithmetic never rounds.
package money

import (
	"bufio"
	_ "embed" // for go:embed
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors returned by ParseCurrency and NewPrice. They carry no field names: callers know which
// field they parsed and say so in their own messages.
var (
	ErrUnknownCurrency = errors.New("not an active ISO 4217 currency code")
	ErrNegativeAmount  = errors.New("amount is negative")
	ErrAmountTooLarge  = errors.New("amount is too large")
)

// MaxAmount is the largest amount a Price may hold: 2^53-1, the largest integer every JSON
// client (JavaScript numbers included) represents exactly.
const MaxAmount Cents = 1<<53 - 1

// Cents is an amount in a currency's minor unit: cents for USD and EUR, yen for JPY (which has
// none), fils for KWD (a thousandth). The name follows the most common case.
type Cents int64

// Currency is an active ISO 4217 currency. The zero value is no currency; ParseCurrency is the
// only way to get another.
type Currency struct {
	code string
}

//go:embed iso4217.txt
var iso4217 string

// minorUnits maps each active code to its number of minor-unit digits.
var minorUnits = parseISO4217(iso4217)

func parseISO4217(list string) map[string]int {
	units := make(map[string]int)
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, digits, ok := strings.Cut(line, " ")
		n, err := strconv.Atoi(digits)
		if !ok || err != nil || !isCodeShape(code) {
			panic(fmt.Sprintf("money: bad line in iso4217.txt: %q", line)) // embedded data; caught by tests
		}
		units[code] = n
	}
	return units
}

func isCodeShape(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// ParseCurrency returns the currency with the given code. The code must be exactly an active,
// upper-case ISO 4217 code ("EUR", not "eur"); otherwise it returns ErrUnknownCurrency.
func ParseCurrency(code string) (Currency, error) {
	if _, ok := minorUnits[code]; !ok {
		return Currency{}, fmt.Errorf("%q: %w", code, ErrUnknownCurrency)
	}
	return Currency{code: code}, nil
}

// MustParseCurrency is ParseCurrency for constants in tests and seed data; it panics on error.
func MustParseCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// String returns the ISO 4217 code, or "" for the zero Currency.
func (c Currency) String() string { return c.code }

// IsZero reports whether c is the zero Currency.
func (c Currency) IsZero() bool { return c.code == "" }

// MinorUnits returns how many decimal digits the currency's minor unit has (2 for EUR, 0 for
// JPY, 3 for KWD).
func (c Currency) MinorUnits() int { return minorUnits[c.code] }

// Price is a non-negative amount in a currency. The zero value has no currency and is not a
// valid price; use IsZero to detect it.
type Price struct {
	amount   Cents
	currency Currency
}

// NewPrice returns a price, or ErrNegativeAmount, ErrAmountTooLarge, or ErrUnknownCurrency for
// a zero currency.
func NewPrice(amount Cents, currency Currency) (Price, error) {
	switch {
	case currency.IsZero():
		return Price{}, fmt.Errorf("no currency: %w", ErrUnknownCurrency)
	case amount < 0:
		return Price{}, ErrNegativeAmount
	case amount > MaxAmount:
		return Price{}, ErrAmountTooLarge
	}
	return Price{amount: amount, currency: currency}, nil
}

// Amount returns the amount in the currency's minor unit.
func (p Price) Amount() Cents { return p.amount }

// Currency returns the price's currency.
func (p Price) Currency() Currency { return p.currency }

// IsZero reports whether p is the zero Price (no currency).
func (p Price) IsZero() bool { return p.currency.IsZero() }

// String formats the price with its currency's decimals, e.g. "12.50 EUR" or "1200 JPY".
func (p Price) String() string {
	units := p.currency.MinorUnits()
	if units == 0 {
		return fmt.Sprintf("%d %s", p.amount, p.currency)
	}
	s := fmt.Sprintf("%0*d", units+1, p.amount)
	return s[:len(s)-units] + "." + s[len(s)-units:] + " " + p.currency.String()
}
