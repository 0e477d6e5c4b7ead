package ddb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/functions/orders/internal/ddb"
	"github.com/microshop/microshop/functions/orders/internal/order"
	"github.com/microshop/microshop/functions/orders/internal/storetest"
	"github.com/microshop/microshop/functions/shipping/quote"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/money"
)

// TestContract runs the store contract on the runtime's embedded DynamoDB engine through the
// real SDK; every subtest gets its own table.
func TestContract(t *testing.T) {
	client := ddbtest.Client(t)
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return ddb.New(client, newTable(t, client))
	})
}

var tableSeq atomic.Int64

func newTable(t *testing.T, client *dynamodb.Client) string {
	t.Helper()
	table := fmt.Sprintf("orders-%d", tableSeq.Add(1))
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

// TestOutboxRows: placing an order writes its outbox row in the same transaction, and each
// later transition overwrites the one row per order with its own event; a transition the order
// refuses leaves the row as it was.
func TestOutboxRows(t *testing.T) {
	client := ddbtest.Client(t)
	ctx := context.Background()
	table := newTable(t, client)
	store := ddb.New(client, table)
	svc := app.New(app.Deps{
		Orders: store, Products: store, Carts: store, Shipping: quote.Price, Currency: money.MustParseCurrency("USD"),
		Now: func() time.Time { return time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC) },
	})
	if err := svc.OnProductUpserted(ctx, "mug", "Mug", catalogevents.Price{Amount: 1250, Currency: "USD"}, 1); err != nil {
		t.Fatal(err)
	}
	o, err := svc.Place(correlation.With(ctx, "corr-1"), app.PlaceRequest{
		CustomerID: "alice", Lines: []app.LineRequest{{ProductID: "mug", Quantity: 1}}, PaymentToken: "tok_visa",
		Address: order.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"},
	})
	if err != nil {
		t.Fatal(err)
	}
	row := func() envelope.Envelope {
		t.Helper()
		out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: ddb.OutboxKey(o.ID()), ConsistentRead: aws.Bool(true)})
		if err != nil || out.Item == nil {
			t.Fatalf("outbox row of %s: %v (item %v)", o.ID(), err, out.Item)
		}
		var r struct {
			Event     string `dynamodbav:"outboxEvent"`
			ExpiresAt int64  `dynamodbav:"expiresAt"`
		}
		if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
			t.Fatal(err)
		}
		if r.ExpiresAt == 0 {
			t.Error("outbox row without expiresAt")
		}
		env, err := envelope.Decode([]byte(r.Event))
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	if env := row(); env.Type != orderevents.TypeOrderPlaced || env.CorrelationID != "corr-1" {
		t.Errorf("after Place: %s (correlation %q), want OrderPlaced with corr-1", env.Type, env.CorrelationID)
	}
	if err := svc.OnShipmentCreated(ctx, string(o.ID())); err != nil {
		t.Fatal(err)
	}
	confirmed := row()
	if confirmed.Type != orderevents.TypeOrderConfirmed || confirmed.CorrelationID != "corr-1" {
		t.Errorf("after ShipmentCreated: %s (correlation %q), want OrderConfirmed with corr-1", confirmed.Type, confirmed.CorrelationID)
	}
	if err := svc.OnStockRejected(ctx, string(o.ID()), "out_of_stock"); err != nil {
		t.Fatal(err)
	}
	if again := row(); again.ID != confirmed.ID {
		t.Errorf("a refused transition rewrote the outbox row with %s %s", again.Type, again.ID)
	}
}

// TestCartCopies: the cart copy keeps the highest version through the real SDK and engine, is
// read back in its line order, and an absent copy reads as version 0 with no items.
func TestCartCopies(t *testing.T) {
	client := ddbtest.Client(t)
	ctx := context.Background()
	store := ddb.New(client, newTable(t, client))
	if got, err := store.Cart(ctx, "alice"); err != nil || got.Version != 0 || len(got.Items) != 0 {
		t.Fatalf("no copy: %+v, %v; want version 0, no items", got, err)
	}
	v2 := app.Cart{CustomerID: "alice", Items: []app.LineRequest{{ProductID: "tea", Quantity: 1}, {ProductID: "mug", Quantity: 2}}, Version: 2}
	for _, tt := range []struct {
		put  app.Cart
		want bool
	}{
		{v2, true},
		{app.Cart{CustomerID: "alice", Version: 1}, false},
		{v2, false},
	} {
		if got, err := store.PutCart(ctx, tt.put); err != nil || got != tt.want {
			t.Errorf("PutCart(v%d) = %v, %v; want %v", tt.put.Version, got, err, tt.want)
		}
	}
	got, err := store.Cart(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v2, got); diff != "" {
		t.Errorf("copy (-want +got):\n%s", diff)
	}
}

// A claim is won once; a released claim can be won again; claims are per key.
func TestClaims(t *testing.T) {
	client := ddbtest.Client(t)
	s := ddb.New(client, newTable(t, client))
	ctx := context.Background()
	var got []bool
	for _, step := range []func() (bool, error){
		func() (bool, error) { return s.Claim(ctx, "confirmation-email#o-1") },
		func() (bool, error) { return s.Claim(ctx, "confirmation-email#o-1") },
		func() (bool, error) { return s.Claim(ctx, "confirmation-email#o-2") },
		func() (bool, error) { return true, s.Release(ctx, "confirmation-email#o-1") },
		func() (bool, error) { return s.Claim(ctx, "confirmation-email#o-1") },
		func() (bool, error) { return s.Claim(ctx, "confirmation-email#o-1") },
	} {
		ok, err := step()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ok)
	}
	if diff := cmp.Diff([]bool{true, false, true, true, true, false}, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}
