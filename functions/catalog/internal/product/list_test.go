package product_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/catalog/internal/product"
)

func TestNewListQuery(t *testing.T) {
	p, err := product.New(testID, valid(nil), t0)
	if err != nil {
		t.Fatal(err)
	}
	allFirst, _ := product.NewListQuery("", 10, "")
	kitchenFirst, _ := product.NewListQuery("kitchen", 10, "")
	allCursor := allFirst.NextCursor(p)
	kitchenCursor := kitchenFirst.NextCursor(p)

	// edit rewrites the JSON inside a cursor; reseal recomputes the checksum as a forger would.
	raw, _ := base64.RawURLEncoding.DecodeString(allCursor)
	payload := string(raw[:len(raw)-8])
	edit := func(old, new string) string {
		b := []byte(strings.Replace(payload, old, new, 1))
		return base64.RawURLEncoding.EncodeToString(append(b, raw[len(raw)-8:]...))
	}
	reseal := func(old, new string) string {
		b := []byte(strings.Replace(payload, old, new, 1))
		sum := sha256.Sum256(b)
		return base64.RawURLEncoding.EncodeToString(append(b, sum[:8]...))
	}
	here := p.Position()
	flipped := []byte(allCursor)
	flipped[10] ^= 1

	tests := []struct {
		name      string
		category  string
		limit     int
		cursor    string
		wantErr   error
		wantAfter *product.Position // nil for a first page
	}{
		{name: "first page", limit: 20},
		{name: "limit 1", limit: 1},
		{name: "limit 100", limit: 100},
		{name: "limit 0", limit: 0, wantErr: product.ErrBadLimit},
		{name: "limit 101", limit: 101, wantErr: product.ErrBadLimit},
		{name: "bad category", category: "Kitchen", limit: 5, wantErr: errAny},
		{name: "own cursor", limit: 5, cursor: allCursor, wantAfter: &here},
		{name: "own category cursor", category: "kitchen", limit: 5, cursor: kitchenCursor, wantAfter: &here},
		{name: "category cursor without category", limit: 5, cursor: kitchenCursor, wantErr: product.ErrInvalidCursor},
		{name: "plain cursor with category", category: "kitchen", limit: 5, cursor: allCursor, wantErr: product.ErrInvalidCursor},
		{name: "other category's cursor", category: "garden", limit: 5, cursor: kitchenCursor, wantErr: product.ErrInvalidCursor},
		{name: "not base64", limit: 5, cursor: "!!!", wantErr: product.ErrInvalidCursor},
		{name: "padded", limit: 5, cursor: allCursor + "=", wantErr: product.ErrInvalidCursor},
		{name: "truncated", limit: 5, cursor: allCursor[:len(allCursor)-3], wantErr: product.ErrInvalidCursor},
		{name: "flipped bit", limit: 5, cursor: string(flipped), wantErr: product.ErrInvalidCursor},
		{name: "edited time", limit: 5, cursor: edit("2025", "2024"), wantErr: product.ErrInvalidCursor},
		{name: "edited id", limit: 5, cursor: edit("0123", "4567"), wantErr: product.ErrInvalidCursor},
		{name: "forged position", limit: 5, cursor: reseal("2025", "2024"), wantAfter: &product.Position{CreatedAt: t0.AddDate(-1, 0, 0), ID: testID}},
		{name: "forged category", limit: 5, cursor: reseal(`{`, `{"c":"garden",`), wantErr: product.ErrInvalidCursor},
		{name: "forged non-canonical JSON", limit: 5, cursor: reseal("{", "{ "), wantErr: product.ErrInvalidCursor},
		{name: "forged unknown field", limit: 5, cursor: reseal("{", `{"x":1,`), wantErr: product.ErrInvalidCursor},
		{name: "forged malformed id", limit: 5, cursor: reseal(string(testID), "nope"), wantErr: product.ErrInvalidCursor},
		{name: "not JSON", limit: 5, cursor: base64.RawURLEncoding.EncodeToString([]byte("hello, world")), wantErr: product.ErrInvalidCursor},
		{name: "huge", limit: 5, cursor: strings.Repeat("A", 4096), wantErr: product.ErrInvalidCursor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := product.NewListQuery(tt.category, tt.limit, tt.cursor)
			if !matches(err, tt.wantErr) {
				t.Fatalf("NewListQuery error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var got *product.Position
			if after, ok := q.After(); ok {
				got = &after
			}
			if diff := cmp.Diff(tt.wantAfter, got); diff != "" {
				t.Errorf("After() mismatch (-want +got):\n%s", diff)
			}
			if q.Category() != tt.category || q.Limit() != tt.limit {
				t.Errorf("query = (%q, %d), want (%q, %d)", q.Category(), q.Limit(), tt.category, tt.limit)
			}
		})
	}
}

// errAny stands for "some error" in tables.
var errAny = errors.New("any error")

func matches(err, want error) bool {
	if want == errAny {
		return err != nil
	}
	return errors.Is(err, want)
}

func TestPositionOrder(t *testing.T) {
	a := product.Position{CreatedAt: t0.Add(time.Second), ID: "00000000000000000000000000000001"}
	b := product.Position{CreatedAt: t0, ID: "ffffffffffffffffffffffffffffffff"}
	c := product.Position{CreatedAt: t0, ID: "00000000000000000000000000000002"}
	d := product.Position{CreatedAt: t0, ID: "00000000000000000000000000000001"}
	got := []product.Position{d, b, c, a}
	slices.SortFunc(got, func(x, y product.Position) int {
		switch {
		case x.Before(y):
			return -1
		case y.Before(x):
			return 1
		}
		return 0
	})
	if diff := cmp.Diff([]product.Position{a, b, c, d}, got); diff != "" {
		t.Errorf("list order mismatch (-want +got):\n%s", diff)
	}
}
