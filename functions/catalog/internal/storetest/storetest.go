// Package storetest is the contract every catalog store must keep, as one test suite. The
// in-memory fake (memstore) and the DynamoDB store (ddb) both run it, so handler tests that use
// the fake prove behaviour the real store has.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/shared/money"
)

// Store is the contract under test: the port the handlers declare, documented there.
type Store = api.Store

// Run runs the contract against stores from newStore, which must return an empty store for
// each call and clean it up when the test ends.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s Store)
	}{
		{"GetMissing", testGetMissing},
		{"CreateThenGet", testCreateThenGet},
		{"CreateTakenID", testCreateTakenID},
		{"Update", testUpdate},
		{"UpdateStaleVersion", testUpdateStaleVersion},
		{"UpdateMissing", testUpdateMissing},
		{"UpdateFuncError", testUpdateFuncError},
		{"UpdateRacesUpdate", testUpdateRacesUpdate},
		{"UpdateRacesDelete", testUpdateRacesDelete},
		{"DeleteTwice", testDeleteTwice},
		{"ListEmpty", testListEmpty},
		{"ListPages", testListPages},
		{"ListCursorAfterDelete", testListCursorAfterDelete},
		{"ListFollowsCategoryChange", testListFollowsCategoryChange},
		{"ListSubSecondOrder", testListSubSecondOrder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.test(t, newStore(t))
		})
	}
}

var base = time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC)

// idSeq makes IDs unique across the whole run but readable in failures.
var idSeq atomic.Uint64

func newID() product.ID {
	return product.ID(fmt.Sprintf("%032x", idSeq.Add(1)))
}

func details(name, category string) product.Details {
	price, err := money.NewPrice(1999, money.MustParseCurrency("EUR"))
	if err != nil {
		panic(err)
	}
	return product.Details{
		Name:        name,
		Description: "A product for the store contract.",
		Category:    category,
		Price:       price,
		ImageURL:    "https://img.example.com/" + name + ".jpg",
		Tags:        []string{"contract", "test"},
	}
}

// create stores a new product and returns it.
func create(t *testing.T, s Store, name, category string, createdAt time.Time) *product.Product {
	t.Helper()
	p, err := product.New(newID(), details(name, category), createdAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(context.Background(), p); err != nil {
		t.Fatalf("Create(%s): %v", name, err)
	}
	return p
}

// view is what a product looks like from outside, for comparisons.
type view struct {
	ID                   product.ID
	Details              product.Details
	CreatedAt, UpdatedAt time.Time
	Version              int
}

func viewOf(p *product.Product) view {
	return view{ID: p.ID(), Details: p.Details(), CreatedAt: p.CreatedAt(), UpdatedAt: p.UpdatedAt(), Version: p.Version()}
}

// cmpOpts compares money values by what they mean.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b money.Price) bool { return a == b }),
}

func assertStored(t *testing.T, s Store, want *product.Product) {
	t.Helper()
	got, err := s.Get(context.Background(), want.ID())
	if err != nil {
		t.Fatalf("Get(%s): %v", want.ID(), err)
	}
	if diff := cmp.Diff(viewOf(want), viewOf(got), cmpOpts); diff != "" {
		t.Errorf("stored product mismatch (-want +got):\n%s", diff)
	}
}

func testGetMissing(t *testing.T, s Store) {
	_, err := s.Get(context.Background(), newID())
	if !errors.Is(err, product.ErrNotFound) {
		t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
	}
}

func testCreateThenGet(t *testing.T, s Store) {
	// Nanoseconds, empty optional fields and non-ASCII text must survive the round trip.
	price, _ := money.NewPrice(1200, money.MustParseCurrency("JPY"))
	p, err := product.New(newID(), product.Details{Name: "Teekanne „Kyūsu“", Category: "tea", Price: price},
		time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	assertStored(t, s, p)
	assertStored(t, s, create(t, s, "mug", "kitchen", base))
}

func testCreateTakenID(t *testing.T, s Store) {
	first := create(t, s, "first", "kitchen", base)
	again, err := product.New(first.ID(), details("second", "garden"), base.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(context.Background(), again); !errors.Is(err, product.ErrAlreadyExists) {
		t.Errorf("Create(taken id) error = %v, want ErrAlreadyExists", err)
	}
	assertStored(t, s, first)
}

func testUpdate(t *testing.T, s Store) {
	p := create(t, s, "mug", "kitchen", base)
	want, _ := product.Restore(p.ID(), p.Details(), p.CreatedAt(), p.UpdatedAt(), p.Version())
	if err := want.Replace(details("big-mug", "mugs"), base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	got, err := s.Update(context.Background(), p.ID(), 1, func(p *product.Product) error {
		return p.Replace(details("big-mug", "mugs"), base.Add(time.Minute))
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if diff := cmp.Diff(viewOf(want), viewOf(got), cmpOpts); diff != "" {
		t.Errorf("Update result mismatch (-want +got):\n%s", diff)
	}
	if got.Version() != 2 {
		t.Errorf("version after update = %d, want 2", got.Version())
	}
	assertStored(t, s, want)
}

func testUpdateStaleVersion(t *testing.T, s Store) {
	p := create(t, s, "mug", "kitchen", base)
	for _, stale := range []int{0, 2} {
		_, err := s.Update(context.Background(), p.ID(), stale, func(p *product.Product) error {
			return p.Replace(details("changed", "kitchen"), base.Add(time.Minute))
		})
		if !errors.Is(err, product.ErrVersionMismatch) {
			t.Errorf("Update(version %d) error = %v, want ErrVersionMismatch", stale, err)
		}
	}
	assertStored(t, s, p)
}

func testUpdateMissing(t *testing.T, s Store) {
	_, err := s.Update(context.Background(), newID(), 1, func(p *product.Product) error {
		t.Error("update function called for a missing product")
		return nil
	})
	if !errors.Is(err, product.ErrNotFound) {
		t.Errorf("Update(missing) error = %v, want ErrNotFound", err)
	}
}

func testUpdateFuncError(t *testing.T, s Store) {
	p := create(t, s, "mug", "kitchen", base)
	errRefused := errors.New("refused")
	_, err := s.Update(context.Background(), p.ID(), 1, func(p *product.Product) error {
		if err := p.Replace(details("changed", "kitchen"), base.Add(time.Minute)); err != nil {
			return err
		}
		return errRefused // after changing p: still nothing may be written
	})
	if !errors.Is(err, errRefused) {
		t.Errorf("Update error = %v, want the function's error", err)
	}
	assertStored(t, s, p)
}

// testUpdateRacesUpdate changes the product between the store's read and its write: the write
// must fail as a version mismatch and leave the other writer's change in place.
func testUpdateRacesUpdate(t *testing.T, s Store) {
	ctx := context.Background()
	p := create(t, s, "mug", "kitchen", base)
	var winner *product.Product
	_, err := s.Update(ctx, p.ID(), 1, func(mine *product.Product) error {
		var err error
		winner, err = s.Update(ctx, p.ID(), 1, func(theirs *product.Product) error {
			return theirs.Replace(details("theirs", "kitchen"), base.Add(time.Second))
		})
		if err != nil {
			t.Fatalf("concurrent Update: %v", err)
		}
		return mine.Replace(details("mine", "kitchen"), base.Add(2*time.Second))
	})
	if !errors.Is(err, product.ErrVersionMismatch) {
		t.Errorf("losing Update error = %v, want ErrVersionMismatch", err)
	}
	assertStored(t, s, winner)
}

// testUpdateRacesDelete deletes the product between the store's read and its write: the write
// must fail as not found, and must not recreate the product.
func testUpdateRacesDelete(t *testing.T, s Store) {
	ctx := context.Background()
	p := create(t, s, "mug", "kitchen", base)
	_, err := s.Update(ctx, p.ID(), 1, func(mine *product.Product) error {
		if err := s.Delete(ctx, p.ID()); err != nil {
			t.Fatalf("concurrent Delete: %v", err)
		}
		return mine.Replace(details("mine", "kitchen"), base.Add(time.Second))
	})
	if !errors.Is(err, product.ErrNotFound) {
		t.Errorf("Update of a deleted product error = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, p.ID()); !errors.Is(err, product.ErrNotFound) {
		t.Errorf("Get after racing Update and Delete: error = %v, want ErrNotFound", err)
	}
}

func testDeleteTwice(t *testing.T, s Store) {
	ctx := context.Background()
	p := create(t, s, "mug", "kitchen", base)
	other := create(t, s, "plate", "kitchen", base)
	if err := s.Delete(ctx, p.ID()); err != nil {
		t.Fatalf("first Delete: %v", err)
	}
	if _, err := s.Get(ctx, p.ID()); !errors.Is(err, product.ErrNotFound) {
		t.Errorf("Get after Delete: error = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, p.ID()); !errors.Is(err, product.ErrNotFound) {
		t.Errorf("second Delete error = %v, want ErrNotFound", err)
	}
	assertStored(t, s, other)
}

func testListEmpty(t *testing.T, s Store) {
	for _, category := range []string{"", "kitchen"} {
		page := list(t, s, category, 5, "")
		if len(page.Products) != 0 || page.NextCursor != "" {
			t.Errorf("List(%q) on an empty store = %d products, cursor %q; want none", category, len(page.Products), page.NextCursor)
		}
	}
}

func list(t *testing.T, s Store, category string, limit int, cursor string) product.Page {
	t.Helper()
	q, err := product.NewListQuery(category, limit, cursor)
	if err != nil {
		t.Fatalf("NewListQuery(%q, %d, %q): %v", category, limit, cursor, err)
	}
	page, err := s.List(context.Background(), q)
	if err != nil {
		t.Fatalf("List(%q, %d): %v", category, limit, err)
	}
	if page.Products == nil {
		t.Errorf("List(%q, %d) returned nil Products, want an empty slice", category, limit)
	}
	return page
}

// listAll pages through a list and returns every product's ID in the order seen, and the size
// of each page. It fails if a page other than the last has no cursor or is short.
func listAll(t *testing.T, s Store, category string, limit int) (ids []product.ID, sizes []int) {
	t.Helper()
	cursor := ""
	for range 100 { // a bound, in case a broken store loops
		page := list(t, s, category, limit, cursor)
		for _, p := range page.Products {
			ids = append(ids, p.ID())
		}
		sizes = append(sizes, len(page.Products))
		if page.NextCursor == "" {
			return ids, sizes
		}
		cursor = page.NextCursor
	}
	t.Fatalf("List(%q, %d) did not end after 100 pages", category, limit)
	return nil, nil
}

// expected returns the IDs of ps in category ("" for all) in list order.
func expected(ps []*product.Product, category string) []product.ID {
	var want []*product.Product
	for _, p := range ps {
		if category == "" || p.Category() == category {
			want = append(want, p)
		}
	}
	slices.SortFunc(want, func(a, b *product.Product) int {
		if a.Position().Before(b.Position()) {
			return -1
		}
		return 1
	})
	ids := make([]product.ID, len(want))
	for i, p := range want {
		ids[i] = p.ID()
	}
	return ids
}

func testListPages(t *testing.T, s Store) {
	// 25 products over 4 categories, created out of order, with runs created at the same
	// instant so the id tie-breaker matters; "kitchen" has exactly 14 = 2 full pages of 7.
	const k, g, b, y = "kitchen", "garden", "books", "toys"
	categories := []string{k, g, k, b, k, y, k, g, k, b, k, y, k, g, k, b, k, y, k, b, k, y, k, k, k}
	var ps []*product.Product
	for i, category := range categories {
		createdAt := base.Add(time.Duration((i*7)%25/3) * time.Second) // 0..8 s, repeated
		ps = append(ps, create(t, s, fmt.Sprintf("p%02d", i), category, createdAt))
	}

	tests := []struct {
		category  string
		wantSizes []int
	}{
		{category: "", wantSizes: []int{7, 7, 7, 4}},
		{category: "kitchen", wantSizes: []int{7, 7}},
		{category: "garden", wantSizes: []int{3}},
		{category: "books", wantSizes: []int{4}},
		{category: "none", wantSizes: []int{0}},
	}
	for _, tt := range tests {
		t.Run("category="+tt.category, func(t *testing.T) {
			ids, sizes := listAll(t, s, tt.category, 7)
			if diff := cmp.Diff(expected(ps, tt.category), ids, cmpOptsIDs); diff != "" {
				t.Errorf("listed IDs mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSizes, sizes); diff != "" {
				t.Errorf("page sizes mismatch (-want +got):\n%s", diff)
			}
		})
	}

	page := list(t, s, "", 100, "")
	if len(page.Products) != 25 || page.NextCursor != "" {
		t.Errorf("List(limit 100) = %d products, cursor %q; want 25 and no cursor", len(page.Products), page.NextCursor)
	}
	for _, p := range page.Products { // listed products are complete
		want := ps[slices.IndexFunc(ps, func(q *product.Product) bool { return q.ID() == p.ID() })]
		if diff := cmp.Diff(viewOf(want), viewOf(p), cmpOpts); diff != "" {
			t.Errorf("listed product mismatch (-want +got):\n%s", diff)
		}
	}
}

// cmpOptsIDs treats nil and empty ID lists alike.
var cmpOptsIDs = cmp.Options{cmp.Comparer(func(a, b []product.ID) bool { return slices.Equal(a, b) })}

// testListCursorAfterDelete deletes the product a cursor points at: the next page must still
// start right after where it was.
func testListCursorAfterDelete(t *testing.T, s Store) {
	var ps []*product.Product
	for i := range 6 {
		ps = append(ps, create(t, s, fmt.Sprintf("p%d", i), "kitchen", base.Add(time.Duration(i)*time.Minute)))
	}
	first := list(t, s, "kitchen", 3, "")
	last := first.Products[len(first.Products)-1]
	if err := s.Delete(context.Background(), last.ID()); err != nil {
		t.Fatal(err)
	}
	second := list(t, s, "kitchen", 3, first.NextCursor)
	var got []product.ID
	for _, p := range second.Products {
		got = append(got, p.ID())
	}
	want := []product.ID{ps[2].ID(), ps[1].ID(), ps[0].ID()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("page after deleting the cursor's product (-want +got):\n%s", diff)
	}
}

func testListFollowsCategoryChange(t *testing.T, s Store) {
	p := create(t, s, "mug", "kitchen", base)
	if _, err := s.Update(context.Background(), p.ID(), 1, func(p *product.Product) error {
		return p.Replace(details("mug", "mugs"), base.Add(time.Second))
	}); err != nil {
		t.Fatal(err)
	}
	if page := list(t, s, "kitchen", 10, ""); len(page.Products) != 0 {
		t.Errorf("old category still lists %d products", len(page.Products))
	}
	page := list(t, s, "mugs", 10, "")
	if len(page.Products) != 1 || page.Products[0].Version() != 2 {
		t.Errorf("new category lists %d products, want the replaced one", len(page.Products))
	}
}
