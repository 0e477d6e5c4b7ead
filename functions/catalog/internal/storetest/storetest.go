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

	"github.com/microshop/microshop/functions/catalog/internal/app"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/shared/money"
)

// Store is the contract under test: the port the use cases declare, documented there.
type Store = app.Products

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
		{"UpdateMissing", testUpdateMissing},
		{"UpdateFuncError", testUpdateFuncError},
		{"UpdateRetriesConflict", testUpdateRetriesConflict},
		{"UpdateGivesUpAfterBound", testUpdateGivesUpAfterBound},
		{"UpdateLastAttemptRacesDelete", testUpdateLastAttemptRacesDelete},
		{"UpdateRetryRunsChecksAgain", testUpdateRetryRunsChecksAgain},
		{"UpdateRacesDelete", testUpdateRacesDelete},
		{"DeleteTwice", testDeleteTwice},
		{"ListEmpty", testListEmpty},
		{"ListPages", testListPages},
		{"ListCursorAfterDelete", testListCursorAfterDelete},
		{"ListFollowsCategoryChange", testListFollowsCategoryChange},
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

	calls := 0
	got, err := s.Update(context.Background(), p.ID(), func(p *product.Product) error {
		calls++
		return p.Replace(details("big-mug", "mugs"), base.Add(time.Minute))
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if diff := cmp.Diff(viewOf(want), viewOf(got), cmpOpts); diff != "" {
		t.Errorf("Update result mismatch (-want +got):\n%s", diff)
	}
	if got.Version() != 2 || calls != 1 {
		t.Errorf("after an uncontended update: version %d, function called %d times; want 2 and 1", got.Version(), calls)
	}
	assertStored(t, s, want)
}

func testUpdateMissing(t *testing.T, s Store) {
	_, err := s.Update(context.Background(), newID(), func(p *product.Product) error {
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
	_, err := s.Update(context.Background(), p.ID(), func(p *product.Product) error {
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

// rename is an update function that another writer applies; it changes only the name.
func rename(name string, at time.Time) func(*product.Product) error {
	return func(p *product.Product) error {
		d := p.Details()
		d.Name = name
		return p.Replace(d, at)
	}
}

// addTag is the update function under test: it builds on whatever product it is given, so
// its result shows which version it was applied to.
func addTag(calls *[]int, tag string, at time.Time) func(*product.Product) error {
	return func(p *product.Product) error {
		*calls = append(*calls, p.Version())
		d := p.Details()
		d.Tags = append(d.Tags, tag)
		return p.Replace(d, at)
	}
}

// testUpdateRetriesConflict changes the product between the store's first read and its write:
// the store must not overwrite that change, but read again and apply the function to it.
func testUpdateRetriesConflict(t *testing.T, s Store) {
	ctx := context.Background()
	p := create(t, s, "mug", "kitchen", base)
	var calls []int
	tag := addTag(&calls, "mine", base.Add(2*time.Second))
	got, err := s.Update(ctx, p.ID(), func(mine *product.Product) error {
		if len(calls) == 0 { // stage one conflicting write, on the first attempt only
			if _, err := s.Update(ctx, p.ID(), rename("theirs", base.Add(time.Second))); err != nil {
				t.Fatalf("concurrent Update: %v", err)
			}
		}
		return tag(mine)
	})
	if err != nil {
		t.Fatalf("Update after one conflict: %v", err)
	}
	if diff := cmp.Diff([]int{1, 2}, calls); diff != "" {
		t.Errorf("versions the update function saw (-want +got):\n%s", diff)
	}
	want := details("mug", "kitchen")
	want.Name = "theirs"
	want.Tags = append(want.Tags, "mine")
	if diff := cmp.Diff(want, got.Details(), cmpOpts); diff != "" {
		t.Errorf("Update result: both writes must show (-want +got):\n%s", diff)
	}
	if got.Version() != 3 {
		t.Errorf("version = %d, want 3 (create, theirs, mine)", got.Version())
	}
	assertStored(t, s, got)
}

// testUpdateGivesUpAfterBound loses every attempt to another writer: after app.UpdateAttempts
// attempts the store must report a conflict, and keep the other writer's last change.
func testUpdateGivesUpAfterBound(t *testing.T, s Store) {
	ctx := context.Background()
	p := create(t, s, "mug", "kitchen", base)
	var calls []int
	var winner *product.Product
	tag := addTag(&calls, "mine", base.Add(time.Hour))
	_, err := s.Update(ctx, p.ID(), func(mine *product.Product) error {
		var err error
		winner, err = s.Update(ctx, p.ID(), rename(fmt.Sprintf("theirs-%d", len(calls)), base.Add(time.Duration(len(calls)+1)*time.Second)))
		if err != nil {
			t.Fatalf("concurrent Update: %v", err)
		}
		return tag(mine)
	})
	if !errors.Is(err, product.ErrConflict) {
		t.Errorf("Update that always loses: error = %v, want ErrConflict", err)
	}
	want := make([]int, app.UpdateAttempts) // each attempt sees the previous one's winner
	for i := range want {
		want[i] = i + 1
	}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("versions the update function saw (-want +got):\n%s", diff)
	}
	assertStored(t, s, winner)
}

// testUpdateLastAttemptRacesDelete loses every attempt but the last to another writer, and the
// last to a delete: the store must report the product gone, not a conflict a client would
// retry in vain.
func testUpdateLastAttemptRacesDelete(t *testing.T, s Store) {
	ctx := context.Background()
	p := create(t, s, "mug", "kitchen", base)
	var calls []int
	tag := addTag(&calls, "mine", base.Add(time.Hour))
	_, err := s.Update(ctx, p.ID(), func(mine *product.Product) error {
		if len(calls) < app.UpdateAttempts-1 {
			if _, err := s.Update(ctx, p.ID(), rename("theirs", base.Add(time.Duration(len(calls)+1)*time.Second))); err != nil {
				t.Fatalf("concurrent Update: %v", err)
			}
		} else if err := s.Delete(ctx, p.ID()); err != nil {
			t.Fatalf("concurrent Delete: %v", err)
		}
		return tag(mine)
	})
	if !errors.Is(err, product.ErrNotFound) {
		t.Errorf("Update whose last attempt races a delete: error = %v, want ErrNotFound", err)
	}
	if len(calls) != app.UpdateAttempts {
		t.Errorf("update function called %d times, want %d", len(calls), app.UpdateAttempts)
	}
	if _, err := s.Get(ctx, p.ID()); !errors.Is(err, product.ErrNotFound) {
		t.Errorf("Get after the last attempt raced a delete: error = %v, want ErrNotFound", err)
	}
}

// testUpdateRetryRunsChecksAgain is how a use case refuses a stale If-Match: the function
// checks the version it is given. A concurrent write between the store's read and its write
// must make the retry see the new version and refuse, writing nothing.
func testUpdateRetryRunsChecksAgain(t *testing.T, s Store) {
	ctx := context.Background()
	p := create(t, s, "mug", "kitchen", base)
	var calls []int
	tag := addTag(&calls, "mine", base.Add(2*time.Second))
	var winner *product.Product
	_, err := s.Update(ctx, p.ID(), func(mine *product.Product) error {
		if mine.Version() != 1 {
			calls = append(calls, mine.Version())
			return product.ErrVersionMismatch
		}
		var err error
		if winner, err = s.Update(ctx, p.ID(), rename("theirs", base.Add(time.Second))); err != nil {
			t.Fatalf("concurrent Update: %v", err)
		}
		return tag(mine)
	})
	if !errors.Is(err, product.ErrVersionMismatch) {
		t.Errorf("losing Update error = %v, want the function's ErrVersionMismatch", err)
	}
	if diff := cmp.Diff([]int{1, 2}, calls); diff != "" {
		t.Errorf("versions the update function saw (-want +got):\n%s", diff)
	}
	assertStored(t, s, winner)
}

// testUpdateRacesDelete deletes the product between the store's read and its write: the retry
// must find it gone and report not found, and must not recreate the product.
func testUpdateRacesDelete(t *testing.T, s Store) {
	ctx := context.Background()
	p := create(t, s, "mug", "kitchen", base)
	calls := 0
	_, err := s.Update(ctx, p.ID(), func(mine *product.Product) error {
		calls++
		if err := s.Delete(ctx, p.ID()); err != nil {
			t.Fatalf("concurrent Delete: %v", err)
		}
		return mine.Replace(details("mine", "kitchen"), base.Add(time.Second))
	})
	if !errors.Is(err, product.ErrNotFound) {
		t.Errorf("Update of a deleted product error = %v, want ErrNotFound", err)
	}
	if calls != 1 {
		t.Errorf("update function called %d times, want 1 (the retry finds the product gone)", calls)
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
	if _, err := s.Update(context.Background(), p.ID(), func(p *product.Product) error {
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
