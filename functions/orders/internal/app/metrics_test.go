package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/shared/metrics"
)

// points returns metric -> values (and Reason, when set) of the EMF lines in out.
func points(t *testing.T, out *bytes.Buffer) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		var meta struct {
			AWS struct {
				CloudWatchMetrics []struct{ Metrics []struct{ Name string } }
			} `json:"_aws"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(line), &meta); err != nil {
			t.Fatal(err)
		}
		name := meta.AWS.CloudWatchMetrics[0].Metrics[0].Name
		v, _ := json.Marshal(m[name])
		s := string(v)
		if r, ok := m["Reason"].(string); ok {
			s += " " + r
		}
		got[name] = append(got[name], s)
	}
	return got
}

// Each order move counts once, after it is stored: a duplicate event changes nothing and
// counts nothing; the saga's duration is placed -> left PENDING.
func TestMetricsCountCommittedMovesOnce(t *testing.T) {
	f := newFixture(t)
	var out bytes.Buffer
	ctx := metrics.WithEmitter(context.Background(), metrics.New(&out, metrics.Options{Service: "orders"}))

	o, err := f.svc.Place(ctx, app.PlaceRequest{CustomerID: "alice", Lines: []app.LineRequest{{ProductID: "mug", Quantity: 1}}, Address: address, PaymentToken: "tok_visa"})
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(1500 * time.Millisecond)
	for range 2 { // the second is a redelivery
		if err := f.svc.OnPaymentFailed(ctx, string(o.ID()), "card_declined"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Cancel(ctx, "alice", o.ID()); err == nil {
		t.Fatal("cancelling a failed order succeeded")
	}
	want := map[string][]string{
		"OrdersPlaced": {"1"},
		"OrdersFailed": {"1 card_declined"},
		"SagaDuration": {"1500"},
	}
	if diff := cmp.Diff(want, points(t, &out)); diff != "" {
		t.Errorf("metrics (-want +got):\n%s", diff)
	}
}
