package stock_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/inventory/internal/stock"
)

func TestMerge(t *testing.T) {
	tests := []struct {
		name  string
		lines []stock.Line
		want  []stock.Line
	}{
		{"one", []stock.Line{{"a", 2}}, []stock.Line{{"a", 2}}},
		{"sorted", []stock.Line{{"b", 1}, {"a", 3}}, []stock.Line{{"a", 3}, {"b", 1}}},
		{"duplicates added", []stock.Line{{"b", 1}, {"a", 3}, {"b", 4}}, []stock.Line{{"a", 3}, {"b", 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stock.Merge(tt.lines)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Merge (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergeRefuses(t *testing.T) {
	many := make([]stock.Line, stock.MaxLines+1)
	for i := range many {
		many[i] = stock.Line{ProductID: stock.ProductID(fmt.Sprintf("p%d", i)), Quantity: 1}
	}
	tests := []struct {
		name  string
		lines []stock.Line
		want  error
	}{
		{"none", nil, stock.ErrInvalidLines},
		{"zero quantity", []stock.Line{{"a", 0}}, stock.ErrInvalidLines},
		{"negative quantity", []stock.Line{{"a", -1}}, stock.ErrInvalidLines},
		{"too many products", many, stock.ErrInvalidLines},
		{"bad product id", []stock.Line{{"a/b", 1}}, stock.ErrInvalidProductID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := stock.Merge(tt.lines); !errors.Is(err, tt.want) {
				t.Errorf("Merge error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseProductID(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"3f9a0c7e5b2d4e6f8a1b0c9d8e7f6a5b", nil},
		{"sku_1-A", nil},
		{strings.Repeat("a", 64), nil},
		{"", stock.ErrInvalidProductID},
		{strings.Repeat("a", 65), stock.ErrInvalidProductID},
		{"a#b", stock.ErrInvalidProductID},
		{"a b", stock.ErrInvalidProductID},
	}
	for _, tt := range tests {
		if _, err := stock.ParseProductID(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("ParseProductID(%q) error = %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestCheckOnHand(t *testing.T) {
	tests := []struct {
		n    int64
		want error
	}{
		{0, nil}, {25, nil}, {stock.MaxOnHand, nil},
		{-1, stock.ErrInvalidOnHand}, {stock.MaxOnHand + 1, stock.ErrInvalidOnHand},
	}
	for _, tt := range tests {
		if err := stock.CheckOnHand(tt.n); !errors.Is(err, tt.want) {
			t.Errorf("CheckOnHand(%d) = %v, want %v", tt.n, err, tt.want)
		}
	}
}

func TestAvailable(t *testing.T) {
	if got := (stock.Level{OnHand: 25, Reserved: 7}).Available(); got != 18 {
		t.Errorf("Available = %d, want 18", got)
	}
}
