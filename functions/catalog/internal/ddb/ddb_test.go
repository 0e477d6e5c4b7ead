package ddb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
	"github.com/microshop/microshop/shared/spec"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/catalog/internal/ddb"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/functions/catalog/internal/storetest"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/money"
)

// TestContract runs the store contract against a real local DynamoDB engine (the runtime's
// embedded engine, from ddbtest) over the real SDK. One engine serves the whole suite; every subtest gets its own table.
func TestContract(t *testing.T) {
	client := ddbtest.Client(t)
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return ddb.New(client, newTable(t, client))
	})
}

var tableSeq atomic.Int64

// newTable creates a catalog table with a fresh name and waits until it is active.
func newTable(t *testing.T, client *dynamodb.Client) string {
	t.Helper()
	table := fmt.Sprintf("catalog-%d", tableSeq.Add(1))
	ctx := context.Background()
	if _, err := client.CreateTable(ctx, ddb.CreateTableInput(table)); err != nil {
		t.Fatalf("create table %s: %v", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 200*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 30*time.Second); err != nil {
		t.Fatalf("wait for table %s: %v", table, err)
	}
	return table
}

// TestItemLayout pins the stored attributes that docs/contracts.md defines, which other tools
// (the CDK construct, stream consumers) rely on.
func TestItemLayout(t *testing.T) {
	client := ddbtest.Client(t)
	ctx := context.Background()
	store := ddb.New(client, newTable(t, client))
	price, _ := money.NewPrice(1450, money.MustParseCurrency("EUR"))
	p, err := product.New("0123456789abcdef0123456789abcdef", product.Details{
		Name: "Mug", Category: "kitchen", Price: price, Tags: []string{"b", "a"},
	}, time.Date(2025, 3, 1, 12, 0, 0, 5000, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(store.Table()),
		Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: p.ID().String()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := attributevalue.UnmarshalMap(out.Item, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"id":          "0123456789abcdef0123456789abcdef",
		"name":        "Mug",
		"category":    "kitchen",
		"priceAmount": float64(1450),
		"currency":    "EUR",
		"tags":        []any{"b", "a"},
		"createdAt":   "2025-03-01T12:00:00.000005000Z",
		"updatedAt":   "2025-03-01T12:00:00.000005000Z",
		"version":     float64(1),
		"listKey":     "PRODUCT",
		"sortKey":     "2025-03-01T12:00:00.000005000Z#0123456789abcdef0123456789abcdef",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored item mismatch (-want +got):\n%s", diff)
	}
	// Every key attribute the spec gives the table and its indexes is one the item holds, so a
	// product appears in every index infra builds from the same spec.
	schema := catalogspec.Table()
	keys := []spec.Key{schema.PartitionKey}
	for _, ix := range schema.Indexes {
		keys = append(keys, ix.PartitionKey, ix.SortKey)
	}
	for _, k := range keys {
		if _, ok := got[k.Name]; !ok {
			t.Errorf("stored product lacks key attribute %q of the spec", k.Name)
		}
	}
}
