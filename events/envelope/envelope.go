// Package envelope is the wrapper every Microshop business event travels in: who sent it, what
// it is (type and version), when, which chain of work it belongs to (correlation id) and what
// caused it (causation id), around the event's own payload (data).
//
// On EventBridge an envelope is one entry: Source = the envelope's source, DetailType = its
// type, Detail = the whole envelope JSON, so a rule matches
// {"source":["microshop.catalog"],"detail-type":["ProductChanged"]} and a consumer reads the
// envelope back from the event's detail with Decode.
//
// Within a version, event types change only by adding fields; Data decodes leniently, so a
// consumer built against an older shape of the same version keeps working.
package envelope

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	smithyrand "github.com/aws/smithy-go/rand"

	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/tracing"
)

// Envelope is one event as it is sent and stored. The JSON names are the contract in
// docs/contracts.md.
type Envelope struct {
	// ID is unique per event (a UUID); consumers de-duplicate on it.
	ID string `json:"id"`
	// Type is the event's name, e.g. "ProductChanged"; it is the EventBridge detail-type.
	Type string `json:"type"`
	// Version is the version of Type's payload schema, from 1.
	Version int `json:"version"`
	// Source names the emitting service, e.g. "microshop.catalog".
	Source string `json:"source"`
	// Time is when the event happened, in UTC (RFC 3339 in JSON).
	Time time.Time `json:"time"`
	// CorrelationID names the chain of work the event belongs to (see shared/correlation).
	CorrelationID string `json:"correlationId"`
	// CausationID is the id of the event or request that caused this one; it may be empty.
	CausationID string `json:"causationId"`
	// Data is the event's payload: a JSON object of the Go type for Type and Version.
	Data json.RawMessage `json:"data"`
	// TraceHeader is the X-Ray trace header of the work that made the event (shared/tracing),
	// or "". It is not part of the JSON: the outbox keeps it beside the event and the
	// publisher sends it as the PutEvents entry's TraceHeader.
	TraceHeader string `json:"-"`
}

// Event is implemented by every event payload type (one Go type per event per version). The
// methods must work on the zero value: Data uses them to check an envelope's type.
type Event interface {
	// EventType is the event's name, the envelope's type and the EventBridge detail-type.
	EventType() string
	// EventVersion is the payload schema's version.
	EventVersion() int
}

// Errors Decode and Data return (wrapped).
var (
	// ErrInvalid: the JSON is not an envelope (malformed, or a required field is missing).
	ErrInvalid = errors.New("invalid event envelope")
	// ErrOtherEvent: the envelope holds another type or version than the one asked for.
	ErrOtherEvent = errors.New("envelope holds another event")
)

// New wraps ev in an envelope from source, stamped with now (in UTC), a fresh id, the
// correlation id carried by ctx (shared/correlation), the causation id carried by ctx
// (WithCausationID) and the trace header carried by ctx (shared/tracing).
func New(ctx context.Context, source string, ev Event, now time.Time) (Envelope, error) {
	data, err := json.Marshal(ev)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s event: %w", ev.EventType(), err)
	}
	id, err := smithyrand.NewUUID(rand.Reader).GetUUID()
	if err != nil {
		return Envelope{}, fmt.Errorf("event id: %w", err)
	}
	return Envelope{
		ID:            id,
		Type:          ev.EventType(),
		Version:       ev.EventVersion(),
		Source:        source,
		Time:          now.UTC(),
		CorrelationID: correlation.ID(ctx),
		CausationID:   CausationID(ctx),
		Data:          data,
		TraceHeader:   tracing.HeaderOf(ctx),
	}, nil
}

// Decode reads an envelope from its JSON. Unknown top-level fields are ignored (they may be
// added later); a missing id, type, version (or one below 1), source or time, or data that is
// not a JSON object, is ErrInvalid.
func Decode(b []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return Envelope{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	var missing string
	switch {
	case e.ID == "":
		missing = "id"
	case e.Type == "":
		missing = "type"
	case e.Version < 1:
		missing = "version"
	case e.Source == "":
		missing = "source"
	case e.Time.IsZero():
		missing = "time"
	case !bytes.HasPrefix(bytes.TrimSpace(e.Data), []byte("{")):
		missing = "data (a JSON object)"
	}
	if missing != "" {
		return Envelope{}, fmt.Errorf("%w: no %s", ErrInvalid, missing)
	}
	return e, nil
}

// Encode returns the envelope's JSON.
func (e Envelope) Encode() ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode %s event %s: %w", e.Type, e.ID, err)
	}
	return b, nil
}

// Data decodes the payload of e as T. It returns an error wrapping ErrOtherEvent when e's
// type or version is not T's, and ErrInvalid when the payload does not fit T.
func Data[T Event](e Envelope) (T, error) {
	var v T
	if e.Type != v.EventType() || e.Version != v.EventVersion() {
		return v, fmt.Errorf("read %s v%d from event %s: %w (%s v%d)", v.EventType(), v.EventVersion(), e.ID, ErrOtherEvent, e.Type, e.Version)
	}
	if err := json.Unmarshal(e.Data, &v); err != nil {
		return v, fmt.Errorf("read %s v%d from event %s: %w: %v", e.Type, e.Version, e.ID, ErrInvalid, err)
	}
	return v, nil
}

// Is reports whether e holds an event of T's type and version.
func Is[T Event](e Envelope) bool {
	var v T
	return e.Type == v.EventType() && e.Version == v.EventVersion()
}

type causationKey struct{}

// WithCausationID returns a context whose events name id as their cause: a consumer sets the
// id of the event it handles, an HTTP handler its request id. An empty id leaves ctx unchanged.
func WithCausationID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, causationKey{}, id)
}

// CausationID returns the causation id carried by ctx, or "".
func CausationID(ctx context.Context) string {
	id, _ := ctx.Value(causationKey{}).(string)
	return id
}

// Context returns ctx as a consumer of e should handle it: the events it emits carry e's
// correlation id and name e as their cause.
func (e Envelope) Context(ctx context.Context) context.Context {
	return WithCausationID(correlation.With(ctx, e.CorrelationID), e.ID)
}
