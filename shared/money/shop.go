package money

import "fmt"

// ShopCurrencyEnv is the environment variable that gives every function the shop's currency,
// a stage setting (the CDK context "currency"); DefaultShopCurrency applies when it is unset.
const (
	ShopCurrencyEnv     = "SHOP_CURRENCY"
	DefaultShopCurrency = "USD"
)

// ShopCurrency reads the shop's currency from ShopCurrencyEnv through getenv (os.Getenv in a
// function's main): DefaultShopCurrency when unset, an error when it is not an active ISO 4217
// code, so a misconfigured stage fails at start rather than on the first price.
func ShopCurrency(getenv func(string) string) (Currency, error) {
	code := getenv(ShopCurrencyEnv)
	if code == "" {
		code = DefaultShopCurrency
	}
	c, err := ParseCurrency(code)
	if err != nil {
		return Currency{}, fmt.Errorf("%s: %w", ShopCurrencyEnv, err)
	}
	return c, nil
}
