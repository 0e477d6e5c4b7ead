package shippingrule_test

import (
	"testing"

	"github.com/microshop/microshop/functions/orders/internal/shippingrule"
	"github.com/microshop/microshop/shared/fault"
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
		{"US", 3, 697},
		{"DE", 2, 598},
	}
	for _, tt := range tests {
		got, err := shippingrule.Price(tt.country, tt.items, usd)
		if err != nil || got.Amount() != tt.want || got.Currency() != usd {
			t.Errorf("Price(%s, %d) = %v, %v; want %d USD", tt.country, tt.items, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		country string
		items   int
	}{{"USA", 1}, {"US", 0}} {
		if _, err := shippingrule.Price(bad.country, bad.items, usd); fault.CodeOf(err) != fault.Invalid {
			t.Errorf("Price(%s, %d): error = %v, want code invalid", bad.country, bad.items, err)
		}
	}
}
