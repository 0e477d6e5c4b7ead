package memstore_test

import (
	"testing"

	"github.com/microshop/microshop/functions/orders/internal/memstore"
	"github.com/microshop/microshop/functions/orders/internal/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) storetest.Store { return memstore.New() })
}
