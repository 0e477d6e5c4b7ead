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

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/functions/inventory/internal/app"
	"github.com/microshop/microshop/functions/inventory/internal/consume"
	"github.com/microshop/microshop/functions/inventory/internal/ddb"
	"github.com/microshop/microshop/local/ddbtest"
	sharedconsume "github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/correlation"
)

var tableSeq atomic.Int64

func newInventory(t *testing.T, client *dynamodb.Client) *app.Inventory {
	t.Helper()
	table := fmt.Sprintf("inventory-consume-%d", tableSeq.Add(1))
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
	return app.New(ddb.New(client, table), nil)
}

// message is ev as an SQS message from an EventBridge rule: the body is the EventBridge event,
// whose detail is the envelope.
func message(t *testing.T, source string, ev envelope.Event) events.SQSMessage {
	t.Helper()
	env, err := envelope.New(correlation.With(context.Background(), "corr-1"), source, ev, time.Now())
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
	return events.SQSMessage{MessageId: "m-" + env.ID, Body: string(body), EventSourceARN: "arn:aws:sqs:us-east-1:000000000000:q"}
}

func batch(t *testing.T, h sharedconsume.Handler, msgs ...events.SQSMessage) []events.SQSBatchItemFailure {
	t.Helper()
	resp, err := sharedconsume.Batch(h, slog.New(slog.NewTextHandler(io.Discard, nil)))(context.Background(), events.SQSEvent{Records: msgs})
	if err != nil {
		t.Fatal(err)
	}
	return resp.BatchItemFailures
}

func level(t *testing.T, inv *app.Inventory, id string) [3]int64 {
	t.Helper()
	l, err := inv.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return [3]int64{l.OnHand, l.Reserved, l.Available()}
}

// Each consumer receives each of its events twice, and the saga's events out of order
// (cancel before place, a duplicate delivery after a release): no second effect.
func TestConsumersTwiceAndOutOfOrder(t *testing.T) {
	client := ddbtest.Client(t)
	ctx := context.Background()
	inv := newInventory(t, client)
	for _, id := range []string{"p1", "p2"} {
		if _, err := inv.SetOnHand(ctx, id, 10); err != nil {
			t.Fatal(err)
		}
	}
	placed := func(id, product string) events.SQSMessage {
		return message(t, orderevents.Source, orderevents.OrderPlacedV1{
			OrderID: id, CustomerID: "c1", Lines: []orderevents.Line{{ProductID: product, Quantity: 2}},
		})
	}
	reserve, release, commit := consume.Reserve(inv), consume.Release(inv), consume.Commit(inv)

	// o1 is placed (twice), then its payment fails (twice).
	o1 := placed("o1", "p1")
	failed := message(t, paymentevents.Source, paymentevents.PaymentFailedV1{OrderID: "o1", CustomerID: "c1", Reason: "card_declined"})
	// o2 is cancelled before inventory sees it placed, each twice.
	cancelled := message(t, orderevents.Source, orderevents.OrderCancelledV1{OrderID: "o2", CustomerID: "c1"})
	o2 := placed("o2", "p1")
	// o3 is placed and delivered, each twice, then a late cancel arrives.
	o3 := placed("o3", "p2")
	delivered := message(t, shippingevents.Source, shippingevents.ShipmentDeliveredV1{OrderID: "o3", CustomerID: "c1", TrackingNumber: "T1"})
	late := message(t, orderevents.Source, orderevents.OrderCancelledV1{OrderID: "o3", CustomerID: "c1"})

	steps := []struct {
		h    sharedconsume.Handler
		msgs []events.SQSMessage
	}{
		{reserve, []events.SQSMessage{o1, o1, o3}},
		{release, []events.SQSMessage{failed, cancelled, failed, cancelled}},
		{reserve, []events.SQSMessage{o2, o3, o2}},
		{commit, []events.SQSMessage{delivered, delivered}},
		{release, []events.SQSMessage{late, late}},
	}
	for i, s := range steps {
		if f := batch(t, s.h, s.msgs...); len(f) != 0 {
			t.Fatalf("step %d: failures %v", i, f)
		}
	}
	got := map[string][3]int64{"p1": level(t, inv, "p1"), "p2": level(t, inv, "p2")}
	want := map[string][3]int64{
		"p1": {10, 0, 10}, // o1 released once, o2 never reserved
		"p2": {8, 0, 8},   // o3 committed once, not released after
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("onHand, reserved, available (-want +got):\n%s", diff)
	}
}

// An event the consumer cannot apply fails alone (retried, then the DLQ), never silently.
func TestBadEventsFail(t *testing.T) {
	inv := newInventory(t, ddbtest.Client(t))
	good := message(t, orderevents.Source, orderevents.OrderCancelledV1{OrderID: "o9", CustomerID: "c1"})
	wrong := message(t, orderevents.Source, orderevents.OrderConfirmedV1{OrderID: "o9", CustomerID: "c1"})
	noLines := message(t, orderevents.Source, orderevents.OrderPlacedV1{OrderID: "o8", CustomerID: "c1"})
	junk := events.SQSMessage{MessageId: "junk", Body: "{"}

	if got := batch(t, consume.Release(inv), good, wrong, junk); !cmp.Equal(ids(got), []string{wrong.MessageId, "junk"}) {
		t.Errorf("release failures %v, want the wrong event and the junk", ids(got))
	}
	if got := batch(t, consume.Reserve(inv), noLines); !cmp.Equal(ids(got), []string{noLines.MessageId}) {
		t.Errorf("reserve failures %v, want the order without lines", ids(got))
	}
	if got := batch(t, consume.Commit(inv), message(t, shippingevents.Source, shippingevents.ShipmentDeliveredV1{OrderID: "never-placed"})); len(got) != 1 {
		t.Errorf("commit of an unknown order: failures %v, want it retried", ids(got))
	}
}

func ids(f []events.SQSBatchItemFailure) []string {
	var out []string
	for _, x := range f {
		out = append(out, x.ItemIdentifier)
	}
	return out
}
