package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/catalog/internal/app"
	"github.com/microshop/microshop/functions/catalog/internal/memstore"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/money"
)

const (
	idMug  product.ID = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	idNew  product.ID = "cccccccccccccccccccccccccccccccc"
	idNone product.ID = "dddddddddddddddddddddddddddddddd"
)

var (
	t0  = time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
	now = time.Date(2025, 5, 2, 10, 30, 0, 0, time.UTC)
)

func details(t *testing.T, name string) product.Details {
	t.Helper()
	price, err := money.NewPrice(1450, money.MustParseCurrency("EUR"))
	if err != nil {
		t.Fatal(err)
	}
	return product.Details{Name: name, Category: "kitchen", Price: price}
}

// newCatalog returns the use cases over a store holding the mug at version 1, with a fixed
// clock and id source.
func newCatalog(t *testing.T) (*app.Catalog, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	mug, err := product.New(idMug, details(t, "Mug"), t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Create(context.Background(), mug); err != nil {
		t.Fatal(err)
	}
	return app.New(store, money.MustParseCurrency("EUR"), func() time.Time { return now }, func() product.ID { return idNew }), store
}

// view is what a product looks like from outside, for comparisons.
type view struct {
	ID                   product.ID
	Name                 string
	CreatedAt, UpdatedAt time.Time
	Version              int
}

func viewOf(p *product.Product) view {
	return view{ID: p.ID(), Name: p.Details().Name, CreatedAt: p.CreatedAt(), UpdatedAt: p.UpdatedAt(), Version: p.Version()}
}

func stored(t *testing.T, store *memstore.Store, id product.ID) view {
	t.Helper()
	p, err := store.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return viewOf(p)
}

func TestCreateUsesClockAndIDs(t *testing.T) {
	c, store := newCatalog(t)
	got, err := c.Create(context.Background(), details(t, "Plate"))
	if err != nil {
		t.Fatal(err)
	}
	want := view{ID: idNew, Name: "Plate", CreatedAt: now, UpdatedAt: now, Version: 1}
	if diff := cmp.Diff(want, viewOf(got)); diff != "" {
		t.Errorf("created product (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, stored(t, store, idNew)); diff != "" {
		t.Errorf("stored product (-want +got):\n%s", diff)
	}
}

func TestReplace(t *testing.T) {
	c, store := newCatalog(t)
	got, err := c.Replace(context.Background(), idMug, 1, details(t, "Big Mug"))
	if err != nil {
		t.Fatal(err)
	}
	want := view{ID: idMug, Name: "Big Mug", CreatedAt: t0, UpdatedAt: now, Version: 2}
	if diff := cmp.Diff(want, viewOf(got)); diff != "" {
		t.Errorf("replaced product (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, stored(t, store, idMug)); diff != "" {
		t.Errorf("stored product (-want +got):\n%s", diff)
	}
}

// TestReplaceRefused covers the ways a replace is refused; none may change the stored mug.
func TestReplaceRefused(t *testing.T) {
	tests := []struct {
		name     string
		id       product.ID
		expected int
		d        func(t *testing.T) product.Details
		wantErr  error
		wantCode fault.Code
	}{
		{"stale version", idMug, 2, func(t *testing.T) product.Details { return details(t, "x") }, product.ErrVersionMismatch, fault.PreconditionFailed},
		{"version 0", idMug, 0, func(t *testing.T) product.Details { return details(t, "x") }, product.ErrVersionMismatch, fault.PreconditionFailed},
		{"absent", idNone, 1, func(t *testing.T) product.Details { return details(t, "x") }, product.ErrNotFound, fault.NotFound},
		// A bad body is the client's first problem, whether or not the product exists.
		{"invalid details of absent product", idNone, 1, func(t *testing.T) product.Details { return details(t, "") }, nil, fault.Invalid},
		{"invalid details at stale version", idMug, 2, func(t *testing.T) product.Details { return details(t, "") }, nil, fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, store := newCatalog(t)
			before := stored(t, store, idMug)
			_, err := c.Replace(context.Background(), tt.id, tt.expected, tt.d(t))
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Replace error = %v, want %v", err, tt.wantErr)
			}
			if got := fault.CodeOf(err); got != tt.wantCode {
				t.Errorf("Replace error code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if diff := cmp.Diff(before, stored(t, store, idMug)); diff != "" {
				t.Errorf("stored mug changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestGetListDelete(t *testing.T) {
	c, _ := newCatalog(t)
	ctx := context.Background()
	p, err := c.Get(ctx, idMug)
	if err != nil || p.ID() != idMug {
		t.Fatalf("Get = %v, %v; want the mug", p, err)
	}
	q, err := product.NewListQuery("kitchen", 10, "")
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.List(ctx, q)
	if err != nil || len(page.Products) != 1 || page.Products[0].ID() != idMug {
		t.Fatalf("List = %+v, %v; want the mug", page, err)
	}
	if err := c.Delete(ctx, idMug); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, idMug); !errors.Is(err, product.ErrNotFound) {
		t.Errorf("Get after Delete: error = %v, want ErrNotFound", err)
	}
	if err := c.Delete(ctx, idMug); !errors.Is(err, product.ErrNotFound) {
		t.Errorf("second Delete: error = %v, want ErrNotFound", err)
	}
}
