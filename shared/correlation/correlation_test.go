package correlation_test

import (
	"context"
	"strings"
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

func TestValid(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{id: "3f9c1e0a-7b2d-4c8e-9a61-0d2f4b5c6e7f", want: true}, // UUID
		{id: "01J9ZK3Q4W8X7Y6V5T4S3R2P1N", want: true},           // ULID
		{id: "JKJaXmPLvHcESHA=", want: true},                     // API Gateway HTTP API request id
		{id: "req:checkout/42_a.b+c", want: true},
		{id: strings.Repeat("a", correlation.MaxLen), want: true},
		{id: strings.Repeat("a", correlation.MaxLen+1)},
		{id: ""},
		{id: "has space"},
		{id: "line\nbreak"},
		{id: "quote\"d"},
		{id: "caf\u00e9"},
		{id: "{json}"},
	}
	for _, tt := range tests {
		if got := correlation.Valid(tt.id); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}
