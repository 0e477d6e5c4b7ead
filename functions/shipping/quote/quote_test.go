package quote_test

import (
	"errors"
	"testing"

	"github.com/microshop/microshop/functions/shipping/quote"
	"github.com/microshop/microshop/shared/money"
)

func TestPrice(t *testing.T) {
	usd := money.MustParseCurrency("USD")
	tests := []struct {
		country string
		items   int
		want    money.Cents
	}{
		{"US", 1, 499},
		{"US", 3, 499 + 2*99},
		{"CA", 1, 999},
		{"MX", 2, 999 + 199},
		{"DE", 1, 1499},
		{"GB", 4, 1499 + 3*299},
		{"JP", 1, 1999},
		{"ZZ", 2, 1999 + 399}, // any well-formed code outside the named zones
		{"US", quote.MaxItems, 499 + (quote.MaxItems-1)*99},
	}
	for _, tt := range tests {
		got, err := quote.Price(tt.country, tt.items, usd)
		if err != nil {
			t.Errorf("Price(%q, %d): %v", tt.country, tt.items, err)
			continue
		}
		if got.Amount() != tt.want || got.Currency() != usd {
			t.Errorf("Price(%q, %d) = %v, want %d USD", tt.country, tt.items, got, tt.want)
		}
	}
}

func TestPriceErrors(t *testing.T) {
	usd := money.MustParseCurrency("USD")
	tests := []struct {
		country string
		items   int
		want    error
	}{
		{"us", 1, quote.ErrCountry},
		{"USA", 1, quote.ErrCountry},
		{"", 1, quote.ErrCountry},
		{"U1", 1, quote.ErrCountry},
		{"US", 0, quote.ErrItems},
		{"US", -1, quote.ErrItems},
		{"US", quote.MaxItems + 1, quote.ErrItems},
	}
	for _, tt := range tests {
		_, err := quote.Price(tt.country, tt.items, usd)
		if !errors.Is(err, tt.want) || !quote.IsInvalid(err) {
			t.Errorf("Price(%q, %d) error = %v, want %v", tt.country, tt.items, err, tt.want)
		}
	}
	if _, err := quote.Price("US", 1, money.Currency{}); !errors.Is(err, money.ErrUnknownCurrency) || quote.IsInvalid(err) {
		t.Errorf("Price with no currency: error = %v, want money.ErrUnknownCurrency", err)
	}
}

// The price never falls as items are added, and each zone further away costs more.
func TestPriceMonotonic(t *testing.T) {
	usd := money.MustParseCurrency("USD")
	countries := []string{"US", "CA", "FR", "AU"}
	for items := 1; items <= 50; items++ {
		var last money.Cents = -1
		for _, c := range countries {
			p, err := quote.Price(c, items, usd)
			if err != nil {
				t.Fatal(err)
			}
			if p.Amount() <= last {
				t.Errorf("%d items to %s = %d, not more than the nearer zone's %d", items, c, p.Amount(), last)
			}
			last = p.Amount()
			if items > 1 {
				prev, _ := quote.Price(c, items-1, usd)
				if p.Amount() <= prev.Amount() {
					t.Errorf("%d items to %s = %d, not more than %d items' %d", items, c, p.Amount(), items-1, prev.Amount())
				}
			}
		}
	}
}
