package ddb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/functions/catalog/internal/ddb"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/money"
)

// Every write puts the product's event into the product's outbox row in the same transaction;
// a write whose condition fails leaves the outbox row as it was.
func TestOutboxRows(t *testing.T) {
	client := ddbtest.Client(t)
	store := ddb.New(client, newTable(t, client))
	ctx := correlation.With(envelope.WithCausationID(context.Background(), "req-1"), "corr-1")
	const id = "0123456789abcdef0123456789abcdef"
	created := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	eur := money.MustParseCurrency("EUR")
	price, _ := money.NewPrice(1450, eur)
	p, err := product.New(id, product.Details{Name: "Mug", Category: "kitchen", Price: price}, created)
	if err != nil {
		t.Fatal(err)
	}

	// Create.
	if err := store.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	first := outboxEvent(t, client, store.Table(), id)
	want := envelope.Envelope{
		ID: first.ID, Type: "ProductCreated", Version: 1, Source: "microshop.catalog", Time: created,
		CorrelationID: "corr-1", CausationID: "req-1",
	}
	if diff := cmp.Diff(want, withoutData(first)); diff != "" {
		t.Errorf("ProductCreated envelope (-want +got):\n%s", diff)
	}
	wantCreated := catalogevents.ProductCreatedV1{ID: id, Name: "Mug", Price: catalogevents.Price{Amount: 1450, Currency: "EUR"}, Category: "kitchen", Version: 1}
	if got, err := envelope.Data[catalogevents.ProductCreatedV1](first); err != nil || got != wantCreated {
		t.Errorf("ProductCreated data = %+v, %v; want %+v", got, err, wantCreated)
	}

	// A create whose condition fails (the id is taken) writes no event.
	if err := store.Create(ctx, p); !errors.Is(err, product.ErrAlreadyExists) {
		t.Fatalf("second Create: %v, want ErrAlreadyExists", err)
	}
	if got := outboxEvent(t, client, store.Table(), id); got.ID != first.ID {
		t.Errorf("failed Create replaced the outbox event with %s %s", got.Type, got.ID)
	}

	// Update.
	changedAt := created.Add(time.Hour)
	newPrice, _ := money.NewPrice(1600, eur)
	if _, err := store.Update(ctx, id, func(p *product.Product) error {
		return p.Replace(product.Details{Name: "Big mug", Category: "kitchen", Price: newPrice}, changedAt)
	}); err != nil {
		t.Fatal(err)
	}
	change := outboxEvent(t, client, store.Table(), id)
	wantChanged := catalogevents.ProductChangedV1{ID: id, Name: "Big mug", Price: catalogevents.Price{Amount: 1600, Currency: "EUR"}, Category: "kitchen", Version: 2}
	if got, err := envelope.Data[catalogevents.ProductChangedV1](change); err != nil || got != wantChanged || !change.Time.Equal(changedAt) {
		t.Errorf("ProductChanged at %v = %+v, %v; want %+v at %v", change.Time, got, err, wantChanged, changedAt)
	}

	// An update that fails writes no event.
	errNo := errors.New("no")
	if _, err := store.Update(ctx, id, func(*product.Product) error { return errNo }); !errors.Is(err, errNo) {
		t.Fatalf("failing Update: %v", err)
	}
	if got := outboxEvent(t, client, store.Table(), id); got.ID != change.ID {
		t.Errorf("failed Update replaced the outbox event with %s %s", got.Type, got.ID)
	}

	// Delete.
	if err := store.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	deleted := outboxEvent(t, client, store.Table(), id)
	if got, err := envelope.Data[catalogevents.ProductDeletedV1](deleted); err != nil || got != (catalogevents.ProductDeletedV1{ID: id}) {
		t.Errorf("ProductDeleted = %+v, %v; want id %s", got, err, id)
	}

	// A delete whose condition fails (the product is gone) writes no event.
	if err := store.Delete(ctx, id); !errors.Is(err, product.ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
	if got := outboxEvent(t, client, store.Table(), id); got.ID != deleted.ID {
		t.Errorf("failed Delete replaced the outbox event with %s %s", got.Type, got.ID)
	}
	const never = "fedcba9876543210fedcba9876543210"
	if err := store.Delete(ctx, never); !errors.Is(err, product.ErrNotFound) {
		t.Fatalf("Delete of a product that never existed: %v, want ErrNotFound", err)
	}
	if item := getItem(t, client, store.Table(), "outbox#"+never); item != nil {
		t.Errorf("failed Delete wrote an outbox row: %v", item)
	}
}

// The product's outbox row never shows up as a product.
func TestOutboxRowsAreNotListed(t *testing.T) {
	client := ddbtest.Client(t)
	store := ddb.New(client, newTable(t, client))
	price, _ := money.NewPrice(100, money.MustParseCurrency("EUR"))
	p, err := product.New("0123456789abcdef0123456789abcdef", product.Details{Name: "Mug", Category: "kitchen", Price: price}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	for _, category := range []string{"", "kitchen"} {
		q, err := product.NewListQuery(category, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		page, err := store.List(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Products) != 1 || page.Products[0].ID() != p.ID() {
			t.Errorf("List(category %q) = %d products, want only the mug", category, len(page.Products))
		}
	}
}

func getItem(t *testing.T, client *dynamodb.Client, table, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// outboxEvent returns the event in product id's outbox row.
func outboxEvent(t *testing.T, client *dynamodb.Client, table string, id product.ID) envelope.Envelope {
	t.Helper()
	item := getItem(t, client, table, "outbox#"+id.String())
	s, ok := item["outboxEvent"].(*types.AttributeValueMemberS)
	if !ok {
		t.Fatalf("outbox row of %s = %v, want an outboxEvent string", id, item)
	}
	env, err := envelope.Decode([]byte(s.Value))
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func withoutData(e envelope.Envelope) envelope.Envelope {
	e.Data = nil
	return e
}
