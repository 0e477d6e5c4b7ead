package catalogspec_test

import (
	"testing"

	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
)

func TestServiceIsValid(t *testing.T) {
	if err := catalogspec.Service().Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}
