package shippingevents_test

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

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/shippingevents"
)

var update = flag.Bool("update", false, "rewrite the golden fixtures in testdata from the Go values")

var (
	_ envelope.Event = shippingevents.ShipmentCreatedV1{}
	_ envelope.Event = shippingevents.ShipmentDeliveredV1{}
)

// Every event round-trips through its golden fixture, as aws-lambda-go tests its event types:
// the fixture decodes into the Go value, and encoding that value gives the fixture's JSON back.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		file string
		want envelope.Event
		data func(envelope.Envelope) (envelope.Event, error)
	}{
		{
			file: "ShipmentCreated.v1.json",
			want: shippingevents.ShipmentCreatedV1{OrderID: "01JEQ8Z3V4W5X6Y7Z8A9B0C1D2", CustomerID: "8c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", TrackingNumber: "MS7K2M9QX4HPZ8RWT3"},
			data: func(e envelope.Envelope) (envelope.Event, error) {
				return envelope.Data[shippingevents.ShipmentCreatedV1](e)
			},
		},
		{
			file: "ShipmentDelivered.v1.json",
			want: shippingevents.ShipmentDeliveredV1{OrderID: "01JEQ8Z3V4W5X6Y7Z8A9B0C1D2", CustomerID: "8c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", TrackingNumber: "MS7K2M9QX4HPZ8RWT3"},
			data: func(e envelope.Envelope) (envelope.Event, error) {
				return envelope.Data[shippingevents.ShipmentDeliveredV1](e)
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
			if env.Source != shippingevents.Source || env.Type != tt.want.EventType() || env.Version != tt.want.EventVersion() {
				t.Errorf("source, type, version = %s, %s, %d; want %s, %s, %d", env.Source, env.Type, env.Version,
					shippingevents.Source, tt.want.EventType(), tt.want.EventVersion())
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
	env, err := envelope.New(context.Background(), shippingevents.Source, ev, time.Date(2026, 5, 6, 7, 8, 9, 123000000, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	env.ID = "0b9e8a4c-3f2d-4c1b-9a7e-5d6f7a8b9c0d"
	env.CorrelationID = "Kq3Xq2aBIAMEVJQ="
	env.CausationID = "5d2c7b1a-9e8f-4a3b-8c6d-1e2f3a4b5c6d" // the event that caused it
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
