package consumer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/cartevents"
	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/functions/orders/internal/consumer"
	"github.com/microshop/microshop/functions/orders/internal/memstore"
	"github.com/microshop/microshop/functions/orders/internal/order"
	"github.com/microshop/microshop/functions/shipping/quote"
	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/money"
)

var (
	t0      = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	orderID = order.ID("0123456789abcdef0123456789abcdef")
)

type fixture struct {
	store *memstore.Store
	svc   *app.Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New()}
	f.svc = app.New(app.Deps{
		Orders: f.store, Products: f.store, Carts: f.store, Shipping: quote.Price, Currency: money.MustParseCurrency("USD"),
		Now: func() time.Time { return t0 }, NewID: func() order.ID { return orderID },
	})
	return f
}

// message is the SQS message an EventBridge rule -> SQS target delivers for ev: the body is
// the EventBridge event, its detail the envelope.
func message(t *testing.T, source string, ev envelope.Event, id string) events.SQSMessage {
	t.Helper()
	env, err := envelope.New(correlation.With(context.Background(), "corr-upstream"), source, ev, t0)
	if err != nil {
		t.Fatal(err)
	}
	env.ID = id
	detail, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(events.EventBridgeEvent{
		Version: "0", ID: "eb-" + id, DetailType: env.Type, Source: source, AccountID: "000000000000",
		Time: t0, Region: "us-east-1", Resources: []string{}, Detail: detail,
	})
	if err != nil {
		t.Fatal(err)
	}
	return events.SQSMessage{MessageId: "msg-" + id, Body: string(body), EventSource: "aws:sqs"}
}

func run(t *testing.T, h consume.Handler, msgs ...events.SQSMessage) events.SQSEventResponse {
	t.Helper()
	resp, err := consume.Batch(h, slog.New(slog.DiscardHandler))(context.Background(), events.SQSEvent{Records: msgs})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (f *fixture) seedProducts(t *testing.T) {
	t.Helper()
	resp := run(t, consumer.Products(f.svc),
		message(t, catalogevents.Source, catalogevents.ProductCreatedV1{ID: "mug", Name: "Mug", Price: catalogevents.Price{Amount: 1250, Currency: "USD"}, Version: 1}, "p1"),
	)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
}

func (f *fixture) place(t *testing.T) {
	t.Helper()
	_, err := f.svc.Place(correlation.With(context.Background(), "corr-order"), app.PlaceRequest{
		CustomerID: "alice", Lines: []app.LineRequest{{ProductID: "mug", Quantity: 1}}, PaymentToken: "tok_visa",
		Address: order.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func types(envs []envelope.Envelope) []string {
	var out []string
	for _, e := range envs {
		out = append(out, e.Type)
	}
	return out
}

// TestSagaRedelivery delivers every saga event twice and out of order: the order ends as the
// first meaningful event left it, each emitted event appears once, carries the order's
// correlation id and names the consumed event as its cause.
func TestSagaRedelivery(t *testing.T) {
	id := string(orderID)
	created := message(t, shippingevents.Source, shippingevents.ShipmentCreatedV1{OrderID: id, CustomerID: "alice", TrackingNumber: "T1"}, "e-created")
	delivered := message(t, shippingevents.Source, shippingevents.ShipmentDeliveredV1{OrderID: id, CustomerID: "alice", TrackingNumber: "T1"}, "e-delivered")
	rejected := message(t, inventoryevents.Source, inventoryevents.StockRejectedV1{OrderID: id, CustomerID: "alice", Reason: "out_of_stock", ProductID: "mug"}, "e-rejected")
	declined := message(t, paymentevents.Source, paymentevents.PaymentFailedV1{OrderID: id, CustomerID: "alice", Reason: "card_declined"}, "e-declined")
	tests := []struct {
		name       string
		batches    [][]events.SQSMessage
		wantStatus order.Status
		wantReason string
		wantEvents []string
		wantCause  string
	}{
		{"delivered before created, each twice", [][]events.SQSMessage{{delivered, created}, {created, delivered}},
			order.Delivered, "", []string{"OrderPlaced", "OrderConfirmed"}, "e-delivered"},
		{"rejected twice, then a late decline", [][]events.SQSMessage{{rejected}, {rejected, declined}, {declined}},
			order.Failed, "out_of_stock", []string{"OrderPlaced", "OrderFailed"}, "e-rejected"},
		{"declined twice", [][]events.SQSMessage{{declined, declined}},
			order.Failed, "card_declined", []string{"OrderPlaced", "OrderFailed"}, "e-declined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.seedProducts(t)
			f.place(t)
			for _, b := range tt.batches {
				if resp := run(t, consumer.Saga(f.svc), b...); len(resp.BatchItemFailures) != 0 {
					t.Fatalf("failures %v", resp.BatchItemFailures)
				}
			}
			o, err := f.svc.Get(context.Background(), "alice", orderID)
			if err != nil {
				t.Fatal(err)
			}
			if o.Status() != tt.wantStatus || o.FailureReason() != tt.wantReason {
				t.Errorf("order %s %q, want %s %q", o.Status(), o.FailureReason(), tt.wantStatus, tt.wantReason)
			}
			out := f.store.Outbox()
			if diff := cmp.Diff(tt.wantEvents, types(out)); diff != "" {
				t.Errorf("emitted (-want +got):\n%s", diff)
			}
			last := out[len(out)-1]
			if last.CorrelationID != "corr-order" || last.CausationID != tt.wantCause {
				t.Errorf("%s: correlation %q cause %q, want corr-order and %s", last.Type, last.CorrelationID, last.CausationID, tt.wantCause)
			}
		})
	}
}

// TestFailuresReachTheDLQ: an event the consumer cannot apply is a batch item failure (retried,
// then dead-lettered), never dropped; the good message of the same batch is applied.
func TestFailuresReachTheDLQ(t *testing.T) {
	f := newFixture(t)
	f.seedProducts(t)
	f.place(t)
	unknownOrder := message(t, shippingevents.Source, shippingevents.ShipmentCreatedV1{OrderID: fmt.Sprintf("%032x", 7), CustomerID: "x"}, "e-unknown")
	wrongType := message(t, catalogevents.Source, catalogevents.ProductDeletedV1{ID: "mug"}, "e-wrong")
	good := message(t, shippingevents.Source, shippingevents.ShipmentCreatedV1{OrderID: string(orderID), CustomerID: "alice"}, "e-good")
	resp := run(t, consumer.Saga(f.svc), unknownOrder, wrongType, good)
	want := []events.SQSBatchItemFailure{{ItemIdentifier: "msg-e-unknown"}, {ItemIdentifier: "msg-e-wrong"}}
	if diff := cmp.Diff(want, resp.BatchItemFailures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if o, _ := f.svc.Get(context.Background(), "alice", orderID); o.Status() != order.Confirmed {
		t.Errorf("the good message was not applied: %s", o.Status())
	}
}

// TestProductRedelivery: the replica keeps the newest copy whatever the order of delivery, and
// a deletion is final.
func TestProductRedelivery(t *testing.T) {
	price := func(a int64) catalogevents.Price { return catalogevents.Price{Amount: a, Currency: "USD"} }
	c1 := message(t, catalogevents.Source, catalogevents.ProductCreatedV1{ID: "mug", Name: "Mug", Price: price(100), Version: 1}, "c1")
	c2 := message(t, catalogevents.Source, catalogevents.ProductChangedV1{ID: "mug", Name: "Big mug", Price: price(200), Version: 2}, "c2")
	c3 := message(t, catalogevents.Source, catalogevents.ProductChangedV1{ID: "mug", Name: "Huge mug", Price: price(300), Version: 3}, "c3")
	del := message(t, catalogevents.Source, catalogevents.ProductDeletedV1{ID: "mug"}, "d")

	f := newFixture(t)
	if resp := run(t, consumer.Products(f.svc), c3, c1, c2, c3, c2, c1); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
	p, err := f.store.Product(context.Background(), "mug")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Huge mug" || p.Price.Amount() != 300 || p.Version != 3 {
		t.Errorf("replica %+v, want v3 Huge mug at 300", p)
	}
	if resp := run(t, consumer.Products(f.svc), del, c2, del, c3); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
	if _, err := f.store.Product(context.Background(), "mug"); err == nil {
		t.Error("a late ProductChanged brought a deleted product back")
	}
}

// TestCartRedelivery delivers CartChanged versions twice and out of order: the copy of the
// cart ends at the highest version, which an order from the cart then orders; a CartChanged
// without a version fails (retried, then the DLQ).
func TestCartRedelivery(t *testing.T) {
	f := newFixture(t)
	f.seedProducts(t)
	changed := func(v, quantity int, id string) events.SQSMessage {
		items := []cartevents.Item{}
		if quantity > 0 {
			items = append(items, cartevents.Item{ProductID: "mug", Quantity: quantity})
		}
		return message(t, cartevents.Source, cartevents.CartChangedV1{CustomerID: "alice", Items: items, Version: v}, id)
	}
	v1, v2, v3 := changed(1, 1, "c1"), changed(2, 3, "c2"), changed(3, 2, "c3")
	resp := run(t, consumer.Carts(f.svc), v3, v1, v2, v3, v2, v1)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
	got, err := f.store.Cart(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	want := app.Cart{CustomerID: "alice", Items: []app.LineRequest{{ProductID: "mug", Quantity: 2}}, Version: 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cart copy (-want +got):\n%s", diff)
	}
	resp = run(t, consumer.Carts(f.svc), changed(0, 1, "bad"))
	if len(resp.BatchItemFailures) != 1 {
		t.Errorf("a CartChanged without a version: failures %v, want it failed", resp.BatchItemFailures)
	}
}
