package money

import (
	"errors"
	"fmt"
	"math/bits"
)

// Errors returned by the arithmetic on prices.
var (
	// ErrCurrencyMismatch: the operands are in different currencies. Converting is a business
	// decision (which rate, when), so the arithmetic never does it.
	ErrCurrencyMismatch = errors.New("currencies differ")
	// ErrOverflow: the result would exceed MaxAmount. The check is exact: no intermediate
	// value wraps around int64.
	ErrOverflow = errors.New("amount overflows")
	// ErrNegativeQuantity: Mul was given a quantity below zero.
	ErrNegativeQuantity = errors.New("quantity is negative")
)

// Add returns p + q. Both must be in the same currency (ErrCurrencyMismatch; a zero Price has
// no currency and matches nothing) and the sum must not exceed MaxAmount (ErrOverflow).
func (p Price) Add(q Price) (Price, error) {
	if err := sameCurrency(p.currency, q); err != nil {
		return Price{}, err
	}
	// Both amounts are in [0, MaxAmount], so the int64 sum cannot wrap.
	sum := p.amount + q.amount
	if sum > MaxAmount {
		return Price{}, fmt.Errorf("%s + %s: %w", p, q, ErrOverflow)
	}
	return Price{amount: sum, currency: p.currency}, nil
}

// Mul returns p × quantity, for a line of an order: quantity must not be negative
// (ErrNegativeQuantity) and the product must not exceed MaxAmount (ErrOverflow). A zero Price
// has no currency (ErrUnknownCurrency).
func (p Price) Mul(quantity int64) (Price, error) {
	switch {
	case p.IsZero():
		return Price{}, fmt.Errorf("no currency: %w", ErrUnknownCurrency)
	case quantity < 0:
		return Price{}, fmt.Errorf("%s × %d: %w", p, quantity, ErrNegativeQuantity)
	}
	// Multiply in 128 bits: both factors are non-negative, so a high word of zero means the
	// product fits in 64 bits and can be compared with MaxAmount.
	hi, lo := bits.Mul64(uint64(p.amount), uint64(quantity))
	if hi != 0 || lo > uint64(MaxAmount) {
		return Price{}, fmt.Errorf("%s × %d: %w", p, quantity, ErrOverflow)
	}
	return Price{amount: Cents(lo), currency: p.currency}, nil
}

// Sum returns the total of prices in currency: zero in currency when there are none. Every
// price must be in currency (ErrCurrencyMismatch) and the total must not exceed MaxAmount
// (ErrOverflow). Currency must not be the zero Currency (ErrUnknownCurrency). The currency is
// a parameter so that an empty list still has a well-defined total.
func Sum(currency Currency, prices ...Price) (Price, error) {
	total, err := NewPrice(0, currency)
	if err != nil {
		return Price{}, err
	}
	for i, p := range prices {
		if total, err = total.Add(p); err != nil {
			return Price{}, fmt.Errorf("sum, item %d: %w", i, err)
		}
	}
	return total, nil
}

// sameCurrency returns ErrCurrencyMismatch unless q is in c, which must be a currency.
func sameCurrency(c Currency, q Price) error {
	if c.IsZero() || q.currency != c {
		return fmt.Errorf("%q and %q: %w", c, q.currency, ErrCurrencyMismatch)
	}
	return nil
}
