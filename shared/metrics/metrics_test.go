package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/shared/correlation"
	"github.com/microshop/microshop/shared/metrics"
)

// emf is an EMF line decoded with the specification's names.
type emf struct {
	AWS struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	} `json:"_aws"`
}

func decode(t *testing.T, line string) (emf, map[string]any) {
	t.Helper()
	var e emf
	if err := json.Unmarshal([]byte(line), &e); err != nil {
		t.Fatalf("EMF line %q: %v", line, err)
	}
	var all map[string]any
	if err := json.Unmarshal([]byte(line), &all); err != nil {
		t.Fatal(err)
	}
	delete(all, "_aws")
	return e, all
}

func TestCountAndDuration(t *testing.T) {
	var out bytes.Buffer
	at := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	e := metrics.New(&out, metrics.Options{Service: "orders", FunctionName: "orders-on-saga", Now: func() time.Time { return at }})
	ctx := metrics.WithEmitter(correlation.With(context.Background(), "c-1"), e)

	metrics.Count(ctx, metrics.OrdersFailed, 1, metrics.Reason("card_declined"))
	metrics.Duration(ctx, metrics.SagaDuration, 1500*time.Microsecond)

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), out.String())
	}
	tests := []struct {
		dims        [][]string
		name, unit  string
		wantMembers map[string]any
	}{
		{[][]string{{"Stage", "Service"}, {"Stage", "Service", "Reason"}}, "OrdersFailed", "Count",
			map[string]any{"Stage": "dev", "Service": "orders", "Reason": "card_declined", "OrdersFailed": 1.0, "functionName": "orders-on-saga", "correlationId": "c-1"}},
		{[][]string{{"Stage", "Service"}}, "SagaDuration", "Milliseconds",
			map[string]any{"Stage": "dev", "Service": "orders", "SagaDuration": 1.5, "functionName": "orders-on-saga", "correlationId": "c-1"}},
	}
	for i, tt := range tests {
		got, members := decode(t, lines[i])
		if got.AWS.Timestamp != at.UnixMilli() || len(got.AWS.CloudWatchMetrics) != 1 {
			t.Fatalf("line %d: _aws = %+v", i, got.AWS)
		}
		d := got.AWS.CloudWatchMetrics[0]
		if d.Namespace != "Microshop" || !cmp.Equal(d.Dimensions, tt.dims) || len(d.Metrics) != 1 || d.Metrics[0].Name != tt.name || d.Metrics[0].Unit != tt.unit {
			t.Errorf("line %d: directive %+v, want %s in %s with %v", i, d, tt.name, tt.unit, tt.dims)
		}
		if diff := cmp.Diff(tt.wantMembers, members); diff != "" {
			t.Errorf("line %d members (-want +got):\n%s", i, diff)
		}
	}
}

// Without an emitter in the context (a use case under a unit test) nothing is written; the
// same call with one writes, so the first would have been seen.
func TestNoEmitterNoLine(t *testing.T) {
	metrics.Count(context.Background(), metrics.OrdersPlaced, 1) // must not panic
	var out bytes.Buffer
	metrics.Count(metrics.WithEmitter(context.Background(), metrics.New(&out, metrics.Options{Service: "orders"})), metrics.OrdersPlaced, 1)
	if !strings.Contains(out.String(), `"OrdersPlaced":1`) {
		t.Errorf("with an emitter: %q, want an OrdersPlaced line", out.String())
	}
}
