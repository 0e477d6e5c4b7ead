package envelope_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/shared/correlation"
)

// thingHappened is a test event, version 2.
type thingHappened struct {
	Name string `json:"name"`
}

func (thingHappened) EventType() string { return "ThingHappened" }
func (thingHappened) EventVersion() int { return 2 }

// otherThing has thingHappened's type at another version.
type otherThing struct{}

func (otherThing) EventType() string { return "ThingHappened" }
func (otherThing) EventVersion() int { return 1 }

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNew(t *testing.T) {
	ctx := correlation.With(context.Background(), "corr-1")
	ctx = envelope.WithCausationID(ctx, "req-9")
	now := time.Date(2026, 3, 4, 5, 6, 7, 800, time.FixedZone("CET", 3600))

	got, err := envelope.New(ctx, "microshop.test", thingHappened{Name: "a"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !uuidPattern.MatchString(got.ID) {
		t.Errorf("ID = %q, want a UUID v4", got.ID)
	}
	want := envelope.Envelope{
		ID: got.ID, Type: "ThingHappened", Version: 2, Source: "microshop.test",
		Time:          time.Date(2026, 3, 4, 4, 6, 7, 800, time.UTC),
		CorrelationID: "corr-1", CausationID: "req-9",
		Data: json.RawMessage(`{"name":"a"}`),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("New mismatch (-want +got):\n%s", diff)
	}
	if got.Time.Location() != time.UTC {
		t.Errorf("Time location = %v, want UTC", got.Time.Location())
	}
	again, err := envelope.New(ctx, "microshop.test", thingHappened{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID == got.ID {
		t.Errorf("two envelopes share id %s", got.ID)
	}
}

func TestNewWithoutIDsInContext(t *testing.T) {
	got, err := envelope.New(context.Background(), "s", thingHappened{}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got.CorrelationID != "" || got.CausationID != "" {
		t.Errorf("correlation, causation = %q, %q; want empty", got.CorrelationID, got.CausationID)
	}
}

func TestDecode(t *testing.T) {
	valid := `{"id":"e1","type":"ThingHappened","version":2,"source":"s","time":"2026-03-04T04:06:07Z","correlationId":"c","causationId":"","data":{"name":"a"}}`
	tests := []struct {
		name    string
		json    string
		want    envelope.Envelope
		wantErr error
	}{
		{name: "valid", json: valid, want: envelope.Envelope{
			ID: "e1", Type: "ThingHappened", Version: 2, Source: "s",
			Time: time.Date(2026, 3, 4, 4, 6, 7, 0, time.UTC), CorrelationID: "c",
			Data: json.RawMessage(`{"name":"a"}`),
		}},
		{name: "unknown field is ignored", json: `{"id":"e1","type":"T","version":1,"source":"s","time":"2026-03-04T04:06:07Z","data":{},"extra":1}`, want: envelope.Envelope{
			ID: "e1", Type: "T", Version: 1, Source: "s", Time: time.Date(2026, 3, 4, 4, 6, 7, 0, time.UTC), Data: json.RawMessage(`{}`),
		}},
		{name: "malformed", json: `{"id":`, wantErr: envelope.ErrInvalid},
		{name: "not an object", json: `[]`, wantErr: envelope.ErrInvalid},
		{name: "no id", json: `{"type":"T","version":1,"source":"s","time":"2026-03-04T04:06:07Z","data":{}}`, wantErr: envelope.ErrInvalid},
		{name: "no type", json: `{"id":"e","version":1,"source":"s","time":"2026-03-04T04:06:07Z","data":{}}`, wantErr: envelope.ErrInvalid},
		{name: "version 0", json: `{"id":"e","type":"T","version":0,"source":"s","time":"2026-03-04T04:06:07Z","data":{}}`, wantErr: envelope.ErrInvalid},
		{name: "no source", json: `{"id":"e","type":"T","version":1,"time":"2026-03-04T04:06:07Z","data":{}}`, wantErr: envelope.ErrInvalid},
		{name: "no time", json: `{"id":"e","type":"T","version":1,"source":"s","data":{}}`, wantErr: envelope.ErrInvalid},
		{name: "bad time", json: `{"id":"e","type":"T","version":1,"source":"s","time":"yesterday","data":{}}`, wantErr: envelope.ErrInvalid},
		{name: "no data", json: `{"id":"e","type":"T","version":1,"source":"s","time":"2026-03-04T04:06:07Z"}`, wantErr: envelope.ErrInvalid},
		{name: "data not an object", json: `{"id":"e","type":"T","version":1,"source":"s","time":"2026-03-04T04:06:07Z","data":"x"}`, wantErr: envelope.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := envelope.Decode([]byte(tt.json))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Decode error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestData(t *testing.T) {
	e := envelope.Envelope{ID: "e1", Type: "ThingHappened", Version: 2, Data: json.RawMessage(`{"name":"a","addedLater":true}`)}
	got, err := envelope.Data[thingHappened](e)
	if err != nil {
		t.Fatalf("Data: %v", err)
	}
	if want := (thingHappened{Name: "a"}); got != want {
		t.Errorf("Data = %+v, want %+v", got, want)
	}
	if !envelope.Is[thingHappened](e) || envelope.Is[otherThing](e) {
		t.Errorf("Is[thingHappened], Is[otherThing] = %v, %v; want true, false", envelope.Is[thingHappened](e), envelope.Is[otherThing](e))
	}
	if _, err := envelope.Data[otherThing](e); !errors.Is(err, envelope.ErrOtherEvent) {
		t.Errorf("Data of another version: error = %v, want ErrOtherEvent", err)
	}
	e.Data = json.RawMessage(`{"name":7}`)
	if _, err := envelope.Data[thingHappened](e); !errors.Is(err, envelope.ErrInvalid) {
		t.Errorf("Data of a payload that does not fit: error = %v, want ErrInvalid", err)
	}
}

func TestContext(t *testing.T) {
	e := envelope.Envelope{ID: "cause", CorrelationID: "corr"}
	ctx := e.Context(context.Background())
	next, err := envelope.New(ctx, "s", thingHappened{}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if next.CorrelationID != "corr" || next.CausationID != "cause" {
		t.Errorf("event caused by %+v has correlation, causation = %q, %q; want corr, cause", e, next.CorrelationID, next.CausationID)
	}
}
