package order_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/orders/internal/order"
)

func TestCursorRoundTrip(t *testing.T) {
	scope := order.Scope{CustomerID: "alice"}
	want := order.Position{CreatedAt: t0.Add(123 * time.Nanosecond), ID: "0123456789abcdef0123456789abcdef"}
	got, err := order.DecodeCursor(scope, order.EncodeCursor(scope, want))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("position (-want +got):\n%s", diff)
	}
}

func TestCursorRefused(t *testing.T) {
	p := order.Position{CreatedAt: t0, ID: "0123456789abcdef0123456789abcdef"}
	alice := order.EncodeCursor(order.Scope{CustomerID: "alice"}, p)
	tampered := []byte(alice)
	tampered[3] ^= 1
	tests := []struct {
		name   string
		scope  order.Scope
		cursor string
	}{
		{"another customer's", order.Scope{CustomerID: "bob"}, alice},
		{"another status list's", order.Scope{Status: order.Pending}, alice},
		{"tampered", order.Scope{CustomerID: "alice"}, string(tampered)},
		{"not base64", order.Scope{CustomerID: "alice"}, "!!!"},
		{"empty", order.Scope{CustomerID: "alice"}, ""},
	}
	for _, tt := range tests {
		if _, err := order.DecodeCursor(tt.scope, tt.cursor); !errors.Is(err, order.ErrBadCursor) {
			t.Errorf("%s cursor: error = %v, want ErrBadCursor", tt.name, err)
		}
	}
}
