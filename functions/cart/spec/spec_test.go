package cartspec_test

import (
	"testing"

	cartspec "github.com/microshop/microshop/functions/cart/spec"
)

func TestServiceIsValid(t *testing.T) {
	if err := cartspec.Service().Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}
