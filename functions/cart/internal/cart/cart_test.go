package cart_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/cart/internal/cart"
)

var t0 = time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)

func quantities(c *cart.Cart) map[cart.ProductID]int {
	out := map[cart.ProductID]int{}
	for _, l := range c.Lines() {
		out[l.ProductID] = l.Quantity
	}
	return out
}

func TestSet(t *testing.T) {
	c := cart.New("alice")
	tests := []struct {
		id   cart.ProductID
		q    int
		want error
	}{
		{"mug", 1, nil}, {"mug", 99, nil}, {"tea", 3, nil},
		{"mug", 0, cart.ErrInvalidQuantity}, {"mug", 100, cart.ErrInvalidQuantity}, {"mug", -1, cart.ErrInvalidQuantity},
	}
	for _, tt := range tests {
		if err := c.Set(tt.id, tt.q, t0); !errors.Is(err, tt.want) {
			t.Errorf("Set(%s, %d) = %v, want %v", tt.id, tt.q, err, tt.want)
		}
	}
	if diff := cmp.Diff(map[cart.ProductID]int{"mug": 99, "tea": 3}, quantities(c)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSetRefusesTooManyLines(t *testing.T) {
	c := cart.New("alice")
	for i := range cart.MaxLines {
		if err := c.Set(cart.ProductID(fmt.Sprintf("p%d", i)), 1, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Set("one-more", 1, t0); !errors.Is(err, cart.ErrTooManyLines) {
		t.Errorf("line %d: %v, want ErrTooManyLines", cart.MaxLines+1, err)
	}
	if err := c.Set("p0", 5, t0); err != nil {
		t.Errorf("changing an existing line of a full cart: %v", err)
	}
}

// Lines come in the order they were added; changing a line keeps its place.
func TestLinesOrder(t *testing.T) {
	c := cart.New("alice")
	_ = c.Set("b", 1, t0)
	_ = c.Set("a", 1, t0.Add(time.Second))
	_ = c.Set("b", 2, t0.Add(2*time.Second))
	var got []cart.ProductID
	for _, l := range c.Lines() {
		got = append(got, l.ProductID)
	}
	if diff := cmp.Diff([]cart.ProductID{"b", "a"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// RemoveOrdered takes out the ordered lines of the ordered cart version, not a line changed in
// a later version, not a line that was not ordered.
func TestRemoveOrdered(t *testing.T) {
	c := cart.Restore("alice", []cart.Line{
		{ProductID: "mug", Quantity: 1, AddedAt: t0, UpdatedAt: t0, Version: 1},
		{ProductID: "tea", Quantity: 1, AddedAt: t0, UpdatedAt: t0, Version: 2},
	}, t0, 2)
	_ = c.Set("pot", 1, t0.Add(2*time.Minute)) // version 3: changed after the order of version 2
	if got := c.Lines()[2].Version; got != 3 {
		t.Errorf("a line set on a cart at version 2 has version %d, want 3", got)
	}
	if !c.RemoveOrdered([]cart.ProductID{"mug", "pot", "absent"}, 2, t0) {
		t.Error("RemoveOrdered removed nothing")
	}
	if diff := cmp.Diff(map[cart.ProductID]int{"tea": 1, "pot": 1}, quantities(c)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if c.RemoveOrdered([]cart.ProductID{"mug"}, 2, t0) {
		t.Error("a second RemoveOrdered removed something")
	}
}

func TestExpiry(t *testing.T) {
	if cart.New("alice").Expired(t0.Add(1000 * cart.TTL)) {
		t.Error("a cart never stored expired")
	}
	c := cart.Restore("alice", nil, t0, 3)
	if c.Expired(t0.Add(cart.TTL - time.Nanosecond)) {
		t.Error("expired before its TTL")
	}
	if !c.Expired(t0.Add(cart.TTL)) {
		t.Error("not expired at its TTL")
	}
	if got, want := c.ExpiresAt(), t0.Add(30*24*time.Hour); !got.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", got, want)
	}
}
