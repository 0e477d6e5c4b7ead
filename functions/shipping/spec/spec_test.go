package shippingspec_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
)

func TestService(t *testing.T) {
	s := shippingspec.Service()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range s.Routes {
		got = append(got, r.Key())
	}
	want := []string{shippingspec.RouteQuote, shippingspec.RouteGetShipment, shippingspec.RouteDeliverShipment}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("route keys (-constants +spec):\n%s", diff)
	}
}
