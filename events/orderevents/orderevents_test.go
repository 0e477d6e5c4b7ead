package orderevents_test

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
	"github.com/microshop/microshop/events/orderevents"
)

var update = flag.Bool("update", false, "rewrite the golden fixtures in testdata from the Go values")

var (
	_ envelope.Event = orderevents.OrderPlacedV1{}
	_ envelope.Event = orderevents.OrderConfirmedV1{}
	_ envelope.Event = orderevents.OrderFailedV1{}
	_ envelope.Event = orderevents.OrderCancelledV1{}
)

const (
	orderID    = "5e2b7c1d9a0f4e3b8c6d2a1f0e9b8c7d"
	customerID = "8d3f1a2b-4c5d-4e6f-9a8b-7c6d5e4f3a2b"
)

func usd(a int64) amount.Money { return amount.Money{Amount: a, Currency: "USD"} }

// Every event round-trips through its golden fixture, as aws-lambda-go tests its event types:
// the fixture decodes into the Go value, and encoding that value gives the fixture's JSON back.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		file string
		want envelope.Event
		data func(envelope.Envelope) (envelope.Event, error)
	}{
		{
			file: "OrderPlaced.v1.json",
			want: orderevents.OrderPlacedV1{
				OrderID: orderID, CustomerID: customerID,
				Lines: []orderevents.Line{
					{ProductID: "3f9a0c7e5b2d4e6f8a1b0c9d8e7f6a5b", Name: "Mug", Quantity: 2, UnitPrice: usd(1250), LineTotal: usd(2500)},
					{ProductID: "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d", Name: "Tea", Quantity: 1, UnitPrice: usd(800), LineTotal: usd(800)},
				},
				Shipping: usd(697), Total: usd(3997), PaymentToken: "tok_visa",
				ShippingAddress: orderevents.Address{
					Name: "Ada Lovelace", Line1: "1 Main St", Line2: "Apt 2", City: "Springfield", PostalCode: "12345", Country: "US",
				},
				FromCart: false,
			},
			data: func(e envelope.Envelope) (envelope.Event, error) {
				return envelope.Data[orderevents.OrderPlacedV1](e)
			},
		},
		{
			file: "OrderConfirmed.v1.json",
			want: orderevents.OrderConfirmedV1{OrderID: orderID, CustomerID: customerID},
			data: func(e envelope.Envelope) (envelope.Event, error) {
				return envelope.Data[orderevents.OrderConfirmedV1](e)
			},
		},
		{
			file: "OrderFailed.v1.json",
			want: orderevents.OrderFailedV1{OrderID: orderID, CustomerID: customerID, Reason: "out_of_stock"},
			data: func(e envelope.Envelope) (envelope.Event, error) {
				return envelope.Data[orderevents.OrderFailedV1](e)
			},
		},
		{
			file: "OrderCancelled.v1.json",
			want: orderevents.OrderCancelledV1{OrderID: orderID, CustomerID: customerID},
			data: func(e envelope.Envelope) (envelope.Event, error) {
				return envelope.Data[orderevents.OrderCancelledV1](e)
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
			if env.Source != orderevents.Source || env.Type != tt.want.EventType() || env.Version != tt.want.EventVersion() {
				t.Errorf("source, type, version = %s, %s, %d; want %s, %s, %d", env.Source, env.Type, env.Version,
					orderevents.Source, tt.want.EventType(), tt.want.EventVersion())
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

// writeFixture writes the envelope of ev with fixed metadata.
func writeFixture(t *testing.T, path string, ev envelope.Event) {
	t.Helper()
	env, err := envelope.New(context.Background(), orderevents.Source, ev, time.Date(2026, 5, 6, 7, 8, 9, 123000000, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	env.ID = "0b9e8a4c-3f2d-4c1b-9a7e-5d6f7a8b9c0d"
	env.CorrelationID = "Kq3Xq2aBIAMEVJQ="
	env.CausationID = "Kq3Xq2aBIAMEVJQ="
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
