package consume_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/card"
	"github.com/microshop/microshop/functions/payments/internal/consume"
	"github.com/microshop/microshop/functions/payments/internal/memstore"
	"github.com/microshop/microshop/functions/payments/internal/payment"
	sharedconsume "github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/correlation"
)

var t0 = time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)

// message is the SQS message an EventBridge rule delivers for ev: the EventBridge event, its
// detail the envelope.
func message(t *testing.T, id, source string, ev envelope.Event) events.SQSMessage {
	t.Helper()
	env, err := envelope.New(correlation.With(context.Background(), "corr-"+id), source, ev, t0)
	if err != nil {
		t.Fatal(err)
	}
	detail, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(events.EventBridgeEvent{Version: "0", ID: "eb-" + id, DetailType: env.Type, Source: source,
		AccountID: "123456789012", Time: t0, Region: "us-east-1", Resources: []string{}, Detail: detail})
	if err != nil {
		t.Fatal(err)
	}
	return events.SQSMessage{MessageId: id, Body: string(body), EventSource: "aws:sqs",
		EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:payments", Attributes: map[string]string{"ApproximateReceiveCount": "1"}}
}

func batch(t *testing.T, h sharedconsume.Handler, msgs ...events.SQSMessage) []string {
	t.Helper()
	resp, err := sharedconsume.Batch(h, slog.New(slog.NewTextHandler(io.Discard, nil)))(context.Background(), events.SQSEvent{Records: msgs})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	return failed
}

func stockReserved(orderID, token string) inventoryevents.StockReservedV1 {
	return inventoryevents.StockReservedV1{OrderID: orderID, CustomerID: "cust-1",
		Lines: []inventoryevents.Line{{ProductID: "p1", Quantity: 1}}, Total: amount.Money{Amount: 500, Currency: "USD"}, PaymentToken: token}
}

// Each consumer gets each of its events twice and out of order: one charge and one refund for
// the paid order; nothing for the order cancelled before its stock was reserved.
func TestRedelivery(t *testing.T) {
	store := memstore.New()
	svc := app.New(store, card.Simulated{}, func() time.Time { return t0 })
	charge, refund := consume.Charge(svc), consume.Refund(svc)

	paid := message(t, "m1", inventoryevents.Source, stockReserved("o1", card.TokenVisa))
	cancelPaid := message(t, "m2", orderevents.Source, orderevents.OrderCancelledV1{OrderID: "o1", CustomerID: "cust-1"})
	early := message(t, "m3", orderevents.Source, orderevents.OrderCancelledV1{OrderID: "o2", CustomerID: "cust-1"})
	late := message(t, "m4", inventoryevents.Source, stockReserved("o2", card.TokenVisa))

	for _, step := range []struct {
		h   sharedconsume.Handler
		msg events.SQSMessage
	}{{refund, early}, {charge, paid}, {charge, late}, {refund, cancelPaid}, {charge, paid}, {refund, early}, {charge, late}, {refund, cancelPaid}} {
		if failed := batch(t, step.h, step.msg); len(failed) > 0 {
			t.Fatalf("message %s failed", step.msg.MessageId)
		}
	}
	want := []app.Event{
		paymentevents.PaymentSucceededV1{OrderID: "o1", CustomerID: "cust-1", Amount: amount.Money{Amount: 500, Currency: "USD"}, ItemCount: 1},
		paymentevents.PaymentRefundedV1{OrderID: "o1", CustomerID: "cust-1", Amount: amount.Money{Amount: 500, Currency: "USD"}},
	}
	if diff := cmp.Diff(want, store.Events()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if p, err := store.Get(context.Background(), "o2"); err != nil || p.Status() != payment.Voided {
		t.Errorf("o2: %v, %v; want VOIDED", p, err)
	}
}

// A message holding another event, or no envelope, fails (and so reaches the DLQ in the end).
func TestWrongEventFails(t *testing.T) {
	store := memstore.New()
	svc := app.New(store, card.Simulated{}, nil)
	wrong := message(t, "m1", orderevents.Source, orderevents.OrderCancelledV1{OrderID: "o1"})
	junk := events.SQSMessage{MessageId: "m2", Body: `{"detail":"nope"}`}
	right := message(t, "m3", inventoryevents.Source, stockReserved("o3", card.TokenVisa))
	if diff := cmp.Diff([]string{"m1", "m2"}, batch(t, consume.Charge(svc), wrong, junk, right)); diff != "" {
		t.Errorf("failed messages (-want +got):\n%s", diff)
	}
	if len(store.Events()) != 1 {
		t.Errorf("the good message of the batch was not charged: %d events", len(store.Events()))
	}
}
