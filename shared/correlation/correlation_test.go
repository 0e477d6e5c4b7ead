package correlation_test

import (
	"context"
	"testing"

	"github.com/microshop/microshop/shared/correlation"
)

func TestWithAndID(t *testing.T) {
	ctx := context.Background()
	if got := correlation.ID(ctx); got != "" {
		t.Errorf("ID(background) = %q, want empty", got)
	}
	ctx = correlation.With(ctx, "c-1")
	if got := correlation.ID(ctx); got != "c-1" {
		t.Errorf("ID = %q, want c-1", got)
	}
	// An empty id does not erase the one already carried.
	if got := correlation.ID(correlation.With(ctx, "")); got != "c-1" {
		t.Errorf("ID after With(\"\") = %q, want c-1", got)
	}
}
