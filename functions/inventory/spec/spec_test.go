package inventoryspec_test

import (
	"testing"

	inventoryspec "github.com/microshop/microshop/functions/inventory/spec"
)

func TestServiceIsValid(t *testing.T) {
	if err := inventoryspec.Service().Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}
