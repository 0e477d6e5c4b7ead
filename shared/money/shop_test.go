package money_test

import (
	"errors"
	"testing"

	"github.com/microshop/microshop/shared/money"
)

func TestShopCurrency(t *testing.T) {
	tests := []struct {
		name, env, want string
		wantErr         error
	}{
		{name: "unset is the default", env: "", want: "USD"},
		{name: "set", env: "EUR", want: "EUR"},
		{name: "no minor unit", env: "JPY", want: "JPY"},
		{name: "lower case", env: "eur", wantErr: money.ErrUnknownCurrency},
		{name: "unknown", env: "XYZ", wantErr: money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := money.ShopCurrency(func(k string) string {
				if k != money.ShopCurrencyEnv {
					t.Errorf("getenv(%q), want %q", k, money.ShopCurrencyEnv)
				}
				return tt.env
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && got.String() != tt.want {
				t.Errorf("currency = %s, want %s", got, tt.want)
			}
		})
	}
}
