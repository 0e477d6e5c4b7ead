package memstore_test

import (
	"testing"

	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/memstore"
	"github.com/microshop/microshop/functions/shipping/internal/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) app.Store { return memstore.New() })
}
