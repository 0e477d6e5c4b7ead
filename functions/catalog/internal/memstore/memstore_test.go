package memstore_test

import (
	"testing"

	"github.com/microshop/microshop/functions/catalog/internal/memstore"
	"github.com/microshop/microshop/functions/catalog/internal/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return memstore.New() })
}
