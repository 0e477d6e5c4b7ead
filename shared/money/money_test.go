package money_test

import (
	"errors"
	"testing"

	"github.com/microshop/microshop/shared/money"
)

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		code       string
		wantErr    error
		wantDigits int
	}{
		{code: "EUR", wantDigits: 2},
		{code: "USD", wantDigits: 2},
		{code: "JPY", wantDigits: 0},
		{code: "KWD", wantDigits: 3},
		{code: "CLF", wantDigits: 4},
		{code: "XCG", wantDigits: 2},
		{code: "eur", wantErr: money.ErrUnknownCurrency},
		{code: "EURO", wantErr: money.ErrUnknownCurrency},
		{code: "", wantErr: money.ErrUnknownCurrency},
		{code: "ABC", wantErr: money.ErrUnknownCurrency},
		{code: "XXX", wantErr: money.ErrUnknownCurrency}, // "no currency": nothing is priced in it
		{code: "XAU", wantErr: money.ErrUnknownCurrency}, // gold has no minor unit
		{code: "HRK", wantErr: money.ErrUnknownCurrency}, // withdrawn 2023
		{code: "ANG", wantErr: money.ErrUnknownCurrency}, // replaced by XCG 2025
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			c, err := money.ParseCurrency(tt.code)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseCurrency(%q) error = %v, want %v", tt.code, err, tt.wantErr)
			}
			if got := c.MinorUnits(); got != tt.wantDigits {
				t.Errorf("MinorUnits() = %d, want %d", got, tt.wantDigits)
			}
		})
	}
}

func TestNewPrice(t *testing.T) {
	eur := money.MustParseCurrency("EUR")
	tests := []struct {
		name     string
		amount   money.Cents
		currency money.Currency
		wantErr  error
	}{
		{name: "zero is a price", amount: 0, currency: eur},
		{name: "largest", amount: money.MaxAmount, currency: eur},
		{name: "negative", amount: -1, currency: eur, wantErr: money.ErrNegativeAmount},
		{name: "too large", amount: money.MaxAmount + 1, currency: eur, wantErr: money.ErrAmountTooLarge},
		{name: "no currency", amount: 100, wantErr: money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := money.NewPrice(tt.amount, tt.currency)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("NewPrice error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if p.Amount() != tt.amount || p.Currency() != tt.currency {
				t.Errorf("NewPrice = %v, want %d %v", p, tt.amount, tt.currency)
			}
		})
	}
}

func TestPriceString(t *testing.T) {
	tests := []struct {
		amount money.Cents
		code   string
		want   string
	}{
		{amount: 1250, code: "EUR", want: "12.50 EUR"},
		{amount: 5, code: "USD", want: "0.05 USD"},
		{amount: 0, code: "USD", want: "0.00 USD"},
		{amount: 1200, code: "JPY", want: "1200 JPY"},
		{amount: 1, code: "KWD", want: "0.001 KWD"},
	}
	for _, tt := range tests {
		p, err := money.NewPrice(tt.amount, money.MustParseCurrency(tt.code))
		if err != nil {
			t.Fatal(err)
		}
		if got := p.String(); got != tt.want {
			t.Errorf("Price{%d %s}.String() = %q, want %q", tt.amount, tt.code, got, tt.want)
		}
	}
}
