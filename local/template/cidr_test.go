package template

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFnCidr(t *testing.T) {
	tests := []struct {
		name string
		arg  any
		want []any
		err  error
	}{
		{"IPv4 /24s", []any{"10.0.0.0/16", "3", "8"}, []any{"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}, nil},
		{"numbers as written in YAML", []any{"192.168.0.0/24", 2, 6}, []any{"192.168.0.0/26", "192.168.0.64/26"}, nil},
		{"unmasked block", []any{"10.0.5.7/16", "1", "12"}, []any{"10.0.0.0/20"}, nil},
		{"IPv6", []any{"2001:db8::/56", "2", "64"}, []any{"2001:db8::/64", "2001:db8:0:1::/64"}, nil},
		{"too many", []any{"10.0.0.0/24", "5", "6"}, nil, ErrInvalid},
		{"subnet larger than block", []any{"10.0.0.0/24", "1", "9"}, nil, ErrInvalid},
		{"not a block", []any{"10.0.0.0", "1", "8"}, nil, ErrInvalid},
		{"two arguments", []any{"10.0.0.0/16", "1"}, nil, ErrInvalid},
	}
	r, err := newResolver([]byte(`{"Resources": {}}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.value(map[string]any{"Fn::Cidr": tt.arg}, loc{})
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Fn::Cidr %v = %v, %v; want %v", tt.arg, got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(any(tt.want), got); diff != "" {
				t.Errorf("Fn::Cidr %v mismatch (-want +got):\n%s", tt.arg, diff)
			}
		})
	}
}
