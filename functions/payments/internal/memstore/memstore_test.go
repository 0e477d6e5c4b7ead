package memstore_test

import (
	"testing"

	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/memstore"
	"github.com/microshop/microshop/functions/payments/internal/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) app.Store { return memstore.New() })
}
