package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/catalog/internal/product"
)

// testListSubSecondOrder lists products created within one second, at whole seconds and at
// fractions of one, newest first: a store that orders by a timestamp's text must write it at a
// fixed width, or "…:00Z" sorts after "…:00.001Z".
func testListSubSecondOrder(t *testing.T, s Store) {
	offsets := []time.Duration{ // creation times after base, in creation order
		0,
		time.Millisecond,
		time.Second,
		time.Second + time.Nanosecond,
		100 * time.Millisecond,
		time.Second + 999*time.Millisecond,
		2 * time.Second,
		10 * time.Microsecond,
	}
	var ps []*product.Product
	for i, d := range offsets {
		ps = append(ps, create(t, s, fmt.Sprintf("t%d", i), "kitchen", base.Add(d)))
	}
	// Newest first, written out: indexes into offsets.
	want := []product.ID{ps[6].ID(), ps[5].ID(), ps[3].ID(), ps[2].ID(), ps[4].ID(), ps[1].ID(), ps[7].ID(), ps[0].ID()}
	for _, category := range []string{"", "kitchen"} {
		for _, limit := range []int{100, 3} {
			ids, _ := listAll(t, s, category, limit)
			if diff := cmp.Diff(want, ids); diff != "" {
				t.Errorf("List(%q, limit %d) order (-want +got):\n%s", category, limit, diff)
			}
		}
	}
}
