package consume_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/cart/internal/app"
	"github.com/microshop/microshop/functions/cart/internal/consume"
	"github.com/microshop/microshop/functions/cart/internal/ddb"
	"github.com/microshop/microshop/local/ddbtest"
	sharedconsume "github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/money"
)

var tableSeq atomic.Int64

func newCarts(t *testing.T, now func() time.Time) *app.Carts {
	t.Helper()
	client := ddbtest.Client(t)
	table := fmt.Sprintf("cart-consume-%d", tableSeq.Add(1))
	ctx := context.Background()
	if _, err := client.CreateTable(ctx, ddb.CreateTableInput(table)); err != nil {
		t.Fatal(err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 200*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	return app.New(ddb.New(client, table), money.MustParseCurrency("USD"), now)
}

// message is ev as an SQS message from an EventBridge rule (detail = the envelope).
func message(t *testing.T, source string, ev envelope.Event, at time.Time) events.SQSMessage {
	t.Helper()
	env, err := envelope.New(context.Background(), source, ev, at)
	if err != nil {
		t.Fatal(err)
	}
	detail, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(events.EventBridgeEvent{
		Version: "0", ID: "eb-" + env.ID, DetailType: env.Type, Source: source,
		AccountID: "000000000000", Time: env.Time, Region: "us-east-1", Detail: detail,
	})
	if err != nil {
		t.Fatal(err)
	}
	return events.SQSMessage{MessageId: "m-" + env.ID, Body: string(body)}
}

func run(t *testing.T, h sharedconsume.Handler, msgs ...events.SQSMessage) {
	t.Helper()
	resp, err := sharedconsume.Batch(h, slog.New(slog.NewTextHandler(io.Discard, nil)))(context.Background(), events.SQSEvent{Records: msgs})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("batch: %v, failures %v", err, resp.BatchItemFailures)
	}
}

// summary is a cart view as (product, name, quantity, unit cents) rows and the total.
func summary(t *testing.T, carts *app.Carts, customer string) []string {
	t.Helper()
	v, err := carts.Get(context.Background(), customer)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, it := range v.Items {
		out = append(out, fmt.Sprintf("%s %s ×%d @%d", it.ProductID, it.Name, it.Quantity, it.UnitPrice.Amount()))
	}
	return append(out, fmt.Sprintf("total %d", v.Total.Amount()))
}

// The product events arrive twice and out of order (the change before the create, the
// deletion before a late change): the replica ends at the newest state, and a deletion wins.
func TestProductEventsTwiceAndOutOfOrder(t *testing.T) {
	t0 := time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)
	carts := newCarts(t, func() time.Time { return t0 })
	usd := catalogevents.Price{Amount: 1250, Currency: "USD"}
	created := message(t, catalogevents.Source, catalogevents.ProductCreatedV1{ID: "mug", Name: "Mug", Price: usd, Category: "k", Version: 1}, t0)
	changed := message(t, catalogevents.Source, catalogevents.ProductChangedV1{ID: "mug", Name: "Big mug", Price: catalogevents.Price{Amount: 1500, Currency: "USD"}, Category: "k", Version: 2}, t0)
	tea := message(t, catalogevents.Source, catalogevents.ProductCreatedV1{ID: "tea", Name: "Tea", Price: usd, Category: "k", Version: 1}, t0)
	teaChanged := message(t, catalogevents.Source, catalogevents.ProductChangedV1{ID: "tea", Name: "Tea", Price: usd, Category: "k", Version: 2}, t0)
	teaDeleted := message(t, catalogevents.Source, catalogevents.ProductDeletedV1{ID: "tea"}, t0)

	h := consume.ProductEvents(carts)
	run(t, h, changed, created, changed, created, tea, teaDeleted, teaChanged, teaDeleted, teaChanged)
	if _, err := carts.SetItem(context.Background(), "alice", "mug", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := carts.SetItem(context.Background(), "alice", "tea", 1); err == nil {
		t.Error("a deleted product could be added after a late change")
	}
	if diff := cmp.Diff([]string{"mug Big mug ×1 @1500", "total 1500"}, summary(t, carts, "alice")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// OrderPlaced from the cart, delivered twice, empties the ordered lines once; a line the
// customer added again after the first delivery stays.
func TestOrderPlacedTwice(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)
	carts := newCarts(t, func() time.Time { return now })
	ctx := context.Background()
	run(t, consume.ProductEvents(carts),
		message(t, catalogevents.Source, catalogevents.ProductCreatedV1{ID: "mug", Name: "Mug", Price: catalogevents.Price{Amount: 1250, Currency: "USD"}, Version: 1}, now))
	v, err := carts.SetItem(ctx, "alice", "mug", 2)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	placed := message(t, orderevents.Source, orderevents.OrderPlacedV1{
		OrderID: "o1", CustomerID: "alice", FromCart: true, CartVersion: v.Version, Lines: []orderevents.Line{{ProductID: "mug", Quantity: 2}},
	}, now)
	h := consume.OrderPlaced(carts)
	run(t, h, placed)
	if diff := cmp.Diff([]string{"total 0"}, summary(t, carts, "alice")); diff != "" {
		t.Errorf("after OrderPlaced (-want +got):\n%s", diff)
	}
	now = now.Add(time.Minute)
	if _, err := carts.SetItem(ctx, "alice", "mug", 1); err != nil {
		t.Fatal(err)
	}
	run(t, h, placed) // the duplicate
	if diff := cmp.Diff([]string{"mug Mug ×1 @1250", "total 1250"}, summary(t, carts, "alice")); diff != "" {
		t.Errorf("after the duplicate (-want +got):\n%s", diff)
	}
}
