package paymentsspec_test

import (
	"testing"

	paymentsspec "github.com/microshop/microshop/functions/payments/spec"
)

func TestServiceValid(t *testing.T) {
	if err := paymentsspec.Service().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, r := range paymentsspec.Service().Routes {
		if r.Function == paymentsspec.GetPayment && r.Key() != paymentsspec.RouteGetPayment {
			t.Errorf("route key %q, want %q", r.Key(), paymentsspec.RouteGetPayment)
		}
	}
}
