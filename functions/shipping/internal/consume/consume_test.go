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

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/consume"
	"github.com/microshop/microshop/functions/shipping/internal/memstore"
	"github.com/microshop/microshop/functions/shipping/internal/shipment"
	sharedconsume "github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/money"
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
		EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:shipping", Attributes: map[string]string{"ApproximateReceiveCount": "1"}}
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

// Each consumer gets each of its events twice and out of order: o1 is shipped once and then
// cancelled once; o2, cancelled before its payment arrived, is never shipped.
func TestRedelivery(t *testing.T) {
	store := memstore.New()
	svc := app.New(store, money.MustParseCurrency("USD"), func() time.Time { return t0 }, func() string { return "MSTEST" })
	create, cancel := consume.CreateShipment(svc), consume.CancelShipment(svc)

	paid := message(t, "m1", paymentevents.Source, paymentevents.PaymentSucceededV1{OrderID: "o1", CustomerID: "cust-1", ItemCount: 1})
	cancelPaid := message(t, "m2", orderevents.Source, orderevents.OrderCancelledV1{OrderID: "o1", CustomerID: "cust-1"})
	early := message(t, "m3", orderevents.Source, orderevents.OrderCancelledV1{OrderID: "o2", CustomerID: "cust-1"})
	late := message(t, "m4", paymentevents.Source, paymentevents.PaymentSucceededV1{OrderID: "o2", CustomerID: "cust-1", ItemCount: 1})

	for _, step := range []struct {
		h   sharedconsume.Handler
		msg events.SQSMessage
	}{{cancel, early}, {create, paid}, {create, late}, {cancel, cancelPaid}, {create, paid}, {cancel, early}, {create, late}, {cancel, cancelPaid}} {
		if failed := batch(t, step.h, step.msg); len(failed) > 0 {
			t.Fatalf("message %s failed", step.msg.MessageId)
		}
	}
	want := []app.Event{shippingevents.ShipmentCreatedV1{OrderID: "o1", CustomerID: "cust-1", TrackingNumber: "MSTEST"}}
	if diff := cmp.Diff(want, store.Events()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for order, want := range map[string]struct {
		status  shipment.Status
		version int
	}{"o1": {shipment.Cancelled, 2}, "o2": {shipment.Cancelled, 1}} {
		sh, err := store.Get(context.Background(), order)
		if err != nil || sh.Status() != want.status || sh.Version() != want.version {
			t.Errorf("%s: %+v, %v; want %s at version %d", order, sh, err, want.status, want.version)
		}
	}
}

// A message holding another event fails (and so reaches the DLQ in the end).
func TestWrongEventFails(t *testing.T) {
	store := memstore.New()
	svc := app.New(store, money.MustParseCurrency("USD"), nil, nil)
	wrong := message(t, "m1", orderevents.Source, orderevents.OrderCancelledV1{OrderID: "o1"})
	right := message(t, "m2", paymentevents.Source, paymentevents.PaymentSucceededV1{OrderID: "o2", CustomerID: "c"})
	if diff := cmp.Diff([]string{"m1"}, batch(t, consume.CreateShipment(svc), wrong, right)); diff != "" {
		t.Errorf("failed messages (-want +got):\n%s", diff)
	}
	if len(store.Events()) != 1 {
		t.Errorf("the good message of the batch shipped nothing: %d events", len(store.Events()))
	}
}
