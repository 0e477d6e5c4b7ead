// Package eventtest checks event types against their golden JSON fixtures, as aws-lambda-go
// tests its event types: each fixture decodes into the Go value, and encoding that value gives
// the fixture's JSON back. Run a package's tests with -update to rewrite its fixtures from the
// Go values.
package eventtest

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
)

var update = flag.Bool("update", false, "rewrite the golden fixtures in testdata from the Go values")

// Case is one event and its golden fixture in testdata.
type Case struct {
	// File is the fixture's name in testdata, e.g. "ProductCreated.v1.json".
	File string
	// Want is the fixture's data as a Go value.
	Want envelope.Event
	// data decodes an envelope's data into Want's type.
	data func(envelope.Envelope) (envelope.Event, error)
}

// Event returns the case of fixture file holding want.
func Event[T envelope.Event](file string, want T) Case {
	return Case{File: file, Want: want, data: func(e envelope.Envelope) (envelope.Event, error) {
		return envelope.Data[T](e)
	}}
}

// Fixture is the envelope metadata that RoundTrip writes into fixtures with -update.
type Fixture struct {
	// Source is the service's event source, e.g. "microshop.catalog"; decoded fixtures must have it.
	Source        string
	ID            string
	CorrelationID string
	CausationID   string
}

// fixtureTime is the time of every fixture's envelope.
var fixtureTime = time.Date(2026, 5, 6, 7, 8, 9, 123000000, time.UTC)

// RoundTrip checks each case against its fixture in testdata, in a subtest named for the file;
// with -update it first rewrites the fixture from the case's value and f.
func RoundTrip(t *testing.T, f Fixture, cases []Case) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.File, func(t *testing.T) {
			path := filepath.Join("testdata", tt.File)
			if *update {
				writeFixture(t, path, f, tt.Want)
			}
			fixture, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			env, err := envelope.Decode(fixture)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if env.Source != f.Source || env.Type != tt.Want.EventType() || env.Version != tt.Want.EventVersion() {
				t.Errorf("source, type, version = %s, %s, %d; want %s, %s, %d", env.Source, env.Type, env.Version,
					f.Source, tt.Want.EventType(), tt.Want.EventVersion())
			}
			got, err := tt.data(env)
			if err != nil {
				t.Fatalf("Data: %v", err)
			}
			if diff := cmp.Diff(tt.Want, got); diff != "" {
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
			if diff := cmp.Diff(JSONValue(t, fixture), JSONValue(t, again)); diff != "" {
				t.Errorf("round trip changes the JSON (-fixture +encoded):\n%s", diff)
			}
		})
	}
}

// writeFixture writes the envelope of ev with f's fixed metadata.
func writeFixture(t *testing.T, path string, f Fixture, ev envelope.Event) {
	t.Helper()
	env, err := envelope.New(context.Background(), f.Source, ev, fixtureTime)
	if err != nil {
		t.Fatal(err)
	}
	env.ID = f.ID
	env.CorrelationID = f.CorrelationID
	env.CausationID = f.CausationID
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

// JSONValue decodes b into a generic JSON value for comparing documents with cmp.Diff.
func JSONValue(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return v
}
