package inventoryevents_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
)

var update = flag.Bool("update", false, "rewrite the golden fixtures in testdata from the Go values")

var (
	_ envelope.Event = inventoryevents.StockReservedV1{}
	_ envelope.Event = inventoryevents.StockRejectedV1{}
	_ envelope.Event = inventoryevents.StockReleasedV1{}
)

// Every event round-trips through its golden fixture, as aws-lambda-go tests its event types:
// the fixture decodes into the Go value, and encoding that value gives the fixture's JSON back.
func TestRoundTrip(t *testing.T) {
	const (
		orderID    = "01JF7QZK2M3N4P5Q6R7S8T9V0W"
		customerID = "6b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
	)
	lines := []inventoryevents.Line{
		{ProductID: "3f9a0c7e5b2d4e6f8a1b0c9d8e7f6a5b", Quantity: 2},
		{ProductID: "7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29", Quantity: 1},
	}
	tests := []struct {
		file string
		want envelope.Event
		data func(envelope.Envelope) (envelope.Event, error)
	}{
		{
			file: "StockReserved.v1.json",
			want: inventoryevents.StockReservedV1{
				OrderID: orderID, CustomerID: customerID, Lines: lines,
				Total:        amount.Money{Amount: 3897, Currency: "USD"},
				PaymentToken: "tok_visa",
				ShippingAddress: orderevents.Address{
					Name: "Ada Lovelace", Line1: "12 St James's Square", Line2: "Flat 3",
					City: "London", PostalCode: "SW1Y 4JH", Country: "GB",
				},
			},
			data: func(e envelope.Envelope) (envelope.Event, error) {
				return envelope.Data[inventoryevents.StockReservedV1](e)
			},
		},
		{
			file: "StockRejected.v1.json",
			want: inventoryevents.StockRejectedV1{
				OrderID: orderID, CustomerID: customerID, Reason: "out_of_stock",
				ProductID: "7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29",
			},
			data: func(e envelope.Envelope) (envelope.Event, error) {
				return envelope.Data[inventoryevents.StockRejectedV1](e)
			},
		},
		{
			file: "StockReleased.v1.json",
			want: inventoryevents.StockReleasedV1{OrderID: orderID, CustomerID: customerID, Lines: lines},
			data: func(e envelope.Envelope) (envelope.Event, error) {
				return envelope.Data[inventoryevents.StockReleasedV1](e)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			if *update {
				writeFixture(t, path, tt.want)
			}
			fixture, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			env, err := envelope.Decode(fixture)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if env.Source != inventoryevents.Source || env.Type != tt.want.EventType() || env.Version != tt.want.EventVersion() {
				t.Errorf("source, type, version = %s, %s, %d; want %s, %s, %d", env.Source, env.Type, env.Version,
					inventoryevents.Source, tt.want.EventType(), tt.want.EventVersion())
			}
			got, err := tt.data(env)
			if err != nil {
				t.Fatalf("Data: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fixture data mismatch (-want +got):\n%s", diff)
			}

			// Encode the typed value back into the envelope: nothing of the fixture may be lost.
			if env.Data, err = json.Marshal(got); err != nil {
				t.Fatal(err)
			}
			again, err := env.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(jsonValue(t, fixture), jsonValue(t, again)); diff != "" {
				t.Errorf("round trip changes the JSON (-fixture +encoded):\n%s", diff)
			}
		})
	}
}

// A StockRejected for an unknown product may name none: productId is left out, not sent empty.
func TestRejectedWithoutProductOmitsIt(t *testing.T) {
	b, err := json.Marshal(inventoryevents.StockRejectedV1{OrderID: "o", CustomerID: "c", Reason: "unknown_product"})
	if err != nil {
		t.Fatal(err)
	}
	got := jsonValue(t, b)
	want := map[string]any{"orderId": "o", "customerId": "c", "reason": "unknown_product"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// writeFixture writes the envelope of ev with fixed metadata.
func writeFixture(t *testing.T, path string, ev envelope.Event) {
	t.Helper()
	env, err := envelope.New(context.Background(), inventoryevents.Source, ev, time.Date(2026, 5, 6, 7, 8, 9, 123000000, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	env.ID = "5e0c4b1a-8d2f-4e3a-9b7c-1a2b3c4d5e6f"
	env.CorrelationID = "Kq3Xq2aBIAMEVJQ="
	env.CausationID = "0b9e8a4c-3f2d-4c1b-9a7e-5d6f7a8b9c0d"
	b, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func jsonValue(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return v
}
