package money_test

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/money"
)

var (
	eur = money.MustParseCurrency("EUR")
	usd = money.MustParseCurrency("USD")
	jpy = money.MustParseCurrency("JPY")
)

// mustPrice is NewPrice for test tables.
func mustPrice(t *testing.T, amount money.Cents, c money.Currency) money.Price {
	t.Helper()
	p, err := money.NewPrice(amount, c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// priceValue is a Price as comparable fields, for cmp.
type priceValue struct {
	Amount   money.Cents
	Currency string
}

func valueOf(p money.Price) priceValue {
	return priceValue{Amount: p.Amount(), Currency: p.Currency().String()}
}

func TestAdd(t *testing.T) {
	tests := []struct {
		name    string
		a, b    money.Price
		want    priceValue
		wantErr error
	}{
		{name: "cents", a: mustPrice(t, 1250, eur), b: mustPrice(t, 99, eur), want: priceValue{1349, "EUR"}},
		{name: "zero amount", a: mustPrice(t, 0, jpy), b: mustPrice(t, 500, jpy), want: priceValue{500, "JPY"}},
		{name: "up to the largest amount", a: mustPrice(t, money.MaxAmount-1, eur), b: mustPrice(t, 1, eur), want: priceValue{money.MaxAmount, "EUR"}},
		{name: "one past the largest amount", a: mustPrice(t, money.MaxAmount, eur), b: mustPrice(t, 1, eur), wantErr: money.ErrOverflow},
		{name: "largest twice", a: mustPrice(t, money.MaxAmount, eur), b: mustPrice(t, money.MaxAmount, eur), wantErr: money.ErrOverflow},
		{name: "other currency", a: mustPrice(t, 1, eur), b: mustPrice(t, 1, usd), wantErr: money.ErrCurrencyMismatch},
		{name: "zero price on the right", a: mustPrice(t, 1, eur), b: money.Price{}, wantErr: money.ErrCurrencyMismatch},
		{name: "zero price on the left", a: money.Price{}, b: mustPrice(t, 1, eur), wantErr: money.ErrCurrencyMismatch},
		{name: "two zero prices", a: money.Price{}, b: money.Price{}, wantErr: money.ErrCurrencyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Add(tt.b)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%v.Add(%v) error = %v, want %v", tt.a, tt.b, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, valueOf(got)); err == nil && diff != "" {
				t.Errorf("%v.Add(%v) mismatch (-want +got):\n%s", tt.a, tt.b, diff)
			}
		})
	}
}

func TestMul(t *testing.T) {
	tests := []struct {
		name     string
		p        money.Price
		quantity int64
		want     priceValue
		wantErr  error
	}{
		{name: "three mugs", p: mustPrice(t, 1450, eur), quantity: 3, want: priceValue{4350, "EUR"}},
		{name: "quantity zero", p: mustPrice(t, 1450, eur), quantity: 0, want: priceValue{0, "EUR"}},
		{name: "quantity one of the largest", p: mustPrice(t, money.MaxAmount, eur), quantity: 1, want: priceValue{money.MaxAmount, "EUR"}},
		{name: "free items in bulk", p: mustPrice(t, 0, eur), quantity: math.MaxInt64, want: priceValue{0, "EUR"}},
		{name: "exactly the largest", p: mustPrice(t, 1, eur), quantity: int64(money.MaxAmount), want: priceValue{money.MaxAmount, "EUR"}},
		{name: "one past the largest", p: mustPrice(t, 1, eur), quantity: int64(money.MaxAmount) + 1, wantErr: money.ErrOverflow},
		{name: "largest twice", p: mustPrice(t, money.MaxAmount, eur), quantity: 2, wantErr: money.ErrOverflow},
		// 2^32 × 2^32 = 2^64 wraps int64 (and uint64) to 0: the check must not be fooled.
		{name: "product wraps to zero in 64 bits", p: mustPrice(t, 1<<32, eur), quantity: 1 << 32, wantErr: money.ErrOverflow},
		{name: "largest quantity", p: mustPrice(t, 2, eur), quantity: math.MaxInt64, wantErr: money.ErrOverflow},
		{name: "negative quantity", p: mustPrice(t, 1450, eur), quantity: -1, wantErr: money.ErrNegativeQuantity},
		{name: "zero price", p: money.Price{}, quantity: 1, wantErr: money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.Mul(tt.quantity)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("%v.Mul(%d) error = %v, want %v", tt.p, tt.quantity, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, valueOf(got)); err == nil && diff != "" {
				t.Errorf("%v.Mul(%d) mismatch (-want +got):\n%s", tt.p, tt.quantity, diff)
			}
		})
	}
}

func TestSum(t *testing.T) {
	half := money.MaxAmount / 2 // MaxAmount is odd: half + half + 1 == MaxAmount
	tests := []struct {
		name     string
		currency money.Currency
		prices   []money.Price
		want     priceValue
		wantErr  error
	}{
		{name: "nothing", currency: eur, want: priceValue{0, "EUR"}},
		{name: "one", currency: eur, prices: []money.Price{mustPrice(t, 7, eur)}, want: priceValue{7, "EUR"}},
		{name: "lines of an order", currency: eur, prices: []money.Price{mustPrice(t, 4350, eur), mustPrice(t, 8900, eur), mustPrice(t, 0, eur)}, want: priceValue{13250, "EUR"}},
		{name: "up to the largest amount", currency: eur, prices: []money.Price{mustPrice(t, half, eur), mustPrice(t, half, eur), mustPrice(t, 1, eur)}, want: priceValue{money.MaxAmount, "EUR"}},
		{name: "one past the largest", currency: eur, prices: []money.Price{mustPrice(t, half, eur), mustPrice(t, half, eur), mustPrice(t, 2, eur)}, wantErr: money.ErrOverflow},
		{name: "a price in another currency", currency: eur, prices: []money.Price{mustPrice(t, 1, eur), mustPrice(t, 1, usd)}, wantErr: money.ErrCurrencyMismatch},
		{name: "prices in another currency than asked", currency: usd, prices: []money.Price{mustPrice(t, 1, eur)}, wantErr: money.ErrCurrencyMismatch},
		{name: "a zero price", currency: eur, prices: []money.Price{{}}, wantErr: money.ErrCurrencyMismatch},
		{name: "no currency", prices: nil, wantErr: money.ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := money.Sum(tt.currency, tt.prices...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Sum(%v, %v) error = %v, want %v", tt.currency, tt.prices, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, valueOf(got)); err == nil && diff != "" {
				t.Errorf("Sum(%v, %v) mismatch (-want +got):\n%s", tt.currency, tt.prices, diff)
			}
		})
	}
}
