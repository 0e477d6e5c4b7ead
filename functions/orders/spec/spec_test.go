package ordersspec_test

import (
	"testing"

	ordersspec "github.com/microshop/microshop/functions/orders/spec"
)

func TestServiceIsValid(t *testing.T) {
	if err := ordersspec.Service().Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}
