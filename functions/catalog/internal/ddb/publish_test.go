package ddb_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/functions/catalog/internal/ddb"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/streamsource"
	"github.com/microshop/microshop/shared/money"
	"github.com/microshop/microshop/shared/outbox/publish"
)

// The catalog's writes reach a rule on the bus as ProductCreated, ProductChanged and
// ProductDeleted: the store's outbox rows, the table's stream, the shared publisher (run by
// devcloud's stream mapping) and devcloud's EventBridge, all over the SDK.
func TestWritesArePublished(t *testing.T) {
	engine := ddbengine.New(ddbengine.Options{TTLInterval: -1})
	t.Cleanup(func() { _ = engine.Close() })
	bus := eventbus.New(eventbus.Options{})
	t.Cleanup(func() { _ = bus.Close() })
	gw := edge.New()
	gw.Handle(edge.DynamoDB, engine)
	gw.Handle(edge.DynamoDBStreams, engine)
	gw.Handle(edge.EventBridge, bus)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)

	if err := bus.AddBus("shop"); err != nil {
		t.Fatal(err)
	}
	delivered := make(chan []byte, 10)
	err := bus.AddRule(eventbus.Rule{
		Name: "tap", Bus: "shop", Pattern: json.RawMessage(`{"source":["microshop.catalog"]}`),
		Targets: []eventbus.Target{{ID: "tap", ARN: "arn:aws:sqs:us-east-1:000000000000:tap", Deliver: func(_ context.Context, p []byte) error {
			delivered <- p
			return nil
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}

	client := sdk.DynamoDB(srv.URL)
	table := newTable(t, client)
	store := ddb.New(client, table)
	publisher := publish.New(sdk.EventBridge(srv.URL), "shop", publish.Options{})
	m, err := streamsource.New(streamsource.Config{
		Engine: engine, Table: table, Function: "catalog-publish-events", Invoker: inProcess(publisher.Handle),
		StartingPosition: streamsource.TrimHorizon, ReportBatchItemFailures: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)

	ctx := context.Background()
	const id = "0123456789abcdef0123456789abcdef"
	eur := money.MustParseCurrency("EUR")
	price, _ := money.NewPrice(1450, eur)
	p, err := product.New(id, product.Details{Name: "Mug", Category: "kitchen", Price: price}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	newPrice, _ := money.NewPrice(1600, eur)
	if _, err := store.Update(ctx, id, func(p *product.Product) error {
		return p.Replace(product.Details{Name: "Mug", Category: "kitchen", Price: newPrice}, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}

	// EventBridge does not order deliveries; collect all three, keyed by type.
	got := map[string]any{}
	for range 3 {
		select {
		case payload := <-delivered:
			var ev events.EventBridgeEvent
			if err := json.Unmarshal(payload, &ev); err != nil {
				t.Fatal(err)
			}
			env, err := envelope.Decode(ev.Detail)
			if err != nil {
				t.Fatal(err)
			}
			if ev.DetailType != env.Type || ev.Source != catalogevents.Source {
				t.Errorf("event %s: detail-type %q, source %q", env.ID, ev.DetailType, ev.Source)
			}
			got[env.Type] = data(t, env)
		case <-time.After(10 * time.Second):
			t.Fatalf("%d events delivered after 10s, want 3: %v", len(got), got)
		}
	}
	want := map[string]any{
		"ProductCreated": catalogevents.ProductCreatedV1{ID: id, Name: "Mug", Price: catalogevents.Price{Amount: 1450, Currency: "EUR"}, Category: "kitchen", Version: 1},
		"ProductChanged": catalogevents.ProductChangedV1{ID: id, Name: "Mug", Price: catalogevents.Price{Amount: 1600, Currency: "EUR"}, Category: "kitchen", Version: 2},
		"ProductDeleted": catalogevents.ProductDeletedV1{ID: id},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivered events (-want +got):\n%s", diff)
	}
}

// data decodes a catalog event's payload with its contract type.
func data(t *testing.T, env envelope.Envelope) any {
	t.Helper()
	var v any
	var err error
	switch env.Type {
	case catalogevents.TypeProductCreated:
		v, err = envelope.Data[catalogevents.ProductCreatedV1](env)
	case catalogevents.TypeProductChanged:
		v, err = envelope.Data[catalogevents.ProductChangedV1](env)
	case catalogevents.TypeProductDeleted:
		v, err = envelope.Data[catalogevents.ProductDeletedV1](env)
	default:
		t.Fatalf("unexpected event type %s", env.Type)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// inProcess runs a stream handler as the mapping's function.
type inProcess func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

func (h inProcess) Invoke(ctx context.Context, _ string, payload []byte) (*lambdahost.Result, error) {
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	resp, err := h(ctx, ev)
	if err != nil {
		return &lambdahost.Result{Error: &lambdahost.FunctionError{Type: "error", Message: err.Error(), Kind: "Unhandled"}}, nil
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	return &lambdahost.Result{Payload: out}, nil
}
