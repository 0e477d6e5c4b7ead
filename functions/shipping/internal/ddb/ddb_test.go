package ddb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/ddb"
	"github.com/microshop/microshop/functions/shipping/internal/shipment"
	"github.com/microshop/microshop/functions/shipping/internal/storetest"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/correlation"
)

// TestContract runs the store contract on the local engine through the real SDK.
func TestContract(t *testing.T) {
	client := ddbtest.Client(t)
	storetest.Run(t, func(t *testing.T) app.Store { return ddb.New(client, newTable(t, client)) })
}

var tableSeq atomic.Int64

func newTable(t *testing.T, client *dynamodb.Client) string {
	t.Helper()
	table := fmt.Sprintf("shipping-%d", tableSeq.Add(1))
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

// outboxEvent returns the envelope in order orderID's outbox row, or nil if it has none.
func outboxEvent(t *testing.T, client *dynamodb.Client, table, orderID string) *envelope.Envelope {
	t.Helper()
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "outbox#" + orderID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		return nil
	}
	s, ok := out.Item["outboxEvent"].(*types.AttributeValueMemberS)
	if !ok {
		t.Fatalf("outbox row without outboxEvent: %v", out.Item)
	}
	env, err := envelope.Decode([]byte(s.Value))
	if err != nil {
		t.Fatal(err)
	}
	return &env
}

// A shipment's event lands in its order's outbox row, in the same write, with the context's
// correlation id; a tombstone writes no event; a refused write leaves the row alone.
func TestOutboxRow(t *testing.T) {
	client := ddbtest.Client(t)
	table := newTable(t, client)
	store := ddb.New(client, table)
	ctx := correlation.With(context.Background(), "corr-1")
	t0 := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)

	ev := shippingevents.ShipmentCreatedV1{OrderID: "o1", CustomerID: "c1", TrackingNumber: "MS1"}
	if err := store.Create(ctx, shipment.New("o1", "c1", "MS1", t0), ev); err != nil {
		t.Fatal(err)
	}
	env := outboxEvent(t, client, table, "o1")
	if env == nil {
		t.Fatal("no outbox row for o1")
	}
	if env.Source != shippingevents.Source || env.CorrelationID != "corr-1" || !env.Time.Equal(t0) {
		t.Errorf("envelope source %q, correlation %q, time %v", env.Source, env.CorrelationID, env.Time)
	}
	got, err := envelope.Data[shippingevents.ShipmentCreatedV1](*env)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ev, got); diff != "" {
		t.Errorf("outbox event (-want +got):\n%s", diff)
	}

	if err := store.Create(ctx, shipment.Tombstone("o2", "c1", t0), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, "o2"); err != nil {
		t.Fatalf("tombstone not stored: %v", err)
	}
	if env := outboxEvent(t, client, table, "o2"); env != nil {
		t.Errorf("tombstone wrote an event: %+v", env)
	}

	before := outboxEvent(t, client, table, "o1")
	if err := store.Create(ctx, shipment.New("o1", "c1", "MS2", t0), ev); err == nil {
		t.Fatal("second Create succeeded")
	}
	if after := outboxEvent(t, client, table, "o1"); after.ID != before.ID {
		t.Errorf("refused Create replaced the outbox event %s with %s", before.ID, after.ID)
	}
}
