package shoplocal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microshop/microshop/e2e/shoptest"
)

// logLine is one JSON line a function wrote, as the local runtime captured it
// ("[function] {...}"): a log line, or an EMF line (with "_aws").
type logLine map[string]any

// str returns the string field k of l, or "".
func (l logLine) str(k string) string {
	s, _ := l[k].(string)
	return s
}

// metric returns the name of the EMF line's metric, or "" for a log line.
func (l logLine) metric() string {
	var emf struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace string
				Metrics   []struct{ Name string }
			}
		} `json:"_aws"`
	}
	b, _ := json.Marshal(l)
	if json.Unmarshal(b, &emf) != nil || len(emf.AWS.CloudWatchMetrics) != 1 {
		return ""
	}
	d := emf.AWS.CloudWatchMetrics[0]
	if d.Namespace != "Microshop" || len(d.Metrics) != 1 {
		return ""
	}
	return d.Metrics[0].Name
}

// linesOf returns the JSON lines of the functions' output that carry correlation id corr.
func linesOf(corr string) []logLine {
	var out []logLine
	for _, raw := range strings.Split(runtimeLogs.String(), "\n") {
		_, js, ok := strings.Cut(raw, "] ")
		if !ok || !strings.HasPrefix(raw, "[") || !strings.HasPrefix(js, "{") {
			continue
		}
		var l logLine
		if json.Unmarshal([]byte(js), &l) != nil || l.str("correlationId") != corr {
			continue
		}
		out = append(out, l)
	}
	return out
}

// TestOneCorrelationIDThroughTheSaga follows one order's correlation id and trace through the
// logs of every function of its saga: the id the client sends with POST /orders reaches, through
// the orders outbox, EventBridge, SQS and each consumer's own events, the EMF lines of every
// step up to OrdersConfirmed, and the trace of the HTTP invocation is the trace of every one of
// them (PutEvents TraceHeader -> SQS AWSTraceHeader -> consumer -> its outbox -> ...).
func TestOneCorrelationIDThroughTheSaga(t *testing.T) {
	shoptest.AfterScenario(t)
	p := shoptest.NewProduct(t, "Observed Kettle", 3100, 5)
	c := shoptest.Customer(t)
	corr := "obs-" + shoptest.NewKey()

	var r shoptest.Response
	shoptest.Eventually(t, 5*time.Second, "POST /orders", func() (bool, string) {
		r = shoptest.Call(t, c, "POST", "/orders", shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 1)), "Idempotency-Key", shoptest.NewKey(), "X-Correlation-Id", corr)
		return r.Status != http.StatusNotFound && r.Status != http.StatusUnprocessableEntity, r.String()
	})
	o := shoptest.Want[shoptest.Order](t, r, http.StatusCreated)
	shoptest.Tracked.AddOrder(c, o)
	if got := r.Header.Get("X-Correlation-Id"); got != corr {
		t.Errorf("response X-Correlation-Id = %q, want %q", got, corr)
	}
	shoptest.AwaitStatus(t, c, o.ID, shoptest.Confirmed)

	// Each step's metric, by the function that emits it, once the state change committed.
	steps := []struct{ metric, function string }{
		{"OrdersPlaced", "orders-place-order"},
		{"StockReserved", "inventory-reserve-stock"},
		{"PaymentsSucceeded", "payments-charge"},
		{"ShipmentsCreated", "shipping-create-shipment"},
		{"OrdersConfirmed", "orders-on-saga"},
		{"SagaDuration", "orders-on-saga"},
	}
	var lines []logLine
	byMetric := map[string]logLine{}
	shoptest.Eventually(t, shoptest.SagaTimeout, "EMF lines of the saga with correlation id "+corr, func() (bool, string) {
		lines = linesOf(corr)
		clear(byMetric)
		for _, l := range lines {
			if m := l.metric(); m != "" {
				byMetric[m] = l
			}
		}
		var missing []string
		for _, s := range steps {
			if _, ok := byMetric[s.metric]; !ok {
				missing = append(missing, s.metric)
			}
		}
		return len(missing) == 0, fmt.Sprintf("missing %v", missing)
	})

	trace := byMetric["OrdersPlaced"].str("traceId")
	if !strings.HasPrefix(trace, "1-") {
		t.Fatalf("OrdersPlaced line has traceId %q, want the HTTP invocation's X-Ray trace", trace)
	}
	for _, s := range steps {
		l := byMetric[s.metric]
		got := []string{l.str("functionName"), l.str("Service"), l.str("traceId")}
		want := []string{s.function, strings.SplitN(s.function, "-", 2)[0], trace}
		if !slices.Equal(got, want) || l.str("requestId") == "" || l.str("Stage") == "" {
			t.Errorf("%s line %v: function, service, trace = %q, want %q, with a requestId and a Stage", s.metric, l, got, want)
		}
		if n, _ := l[s.metric].(float64); n <= 0 {
			t.Errorf("%s line has value %v, want > 0", s.metric, l[s.metric])
		}
	}
	// Every line of the chain, log or metric, names its function, request and trace.
	for _, l := range lines {
		if l.str("functionName") == "" || l.str("requestId") == "" || l.str("traceId") != trace {
			t.Errorf("line %v: want functionName, requestId and traceId %s", l, trace)
		}
		if l.metric() == "" && (l.str("service") == "" || l["coldStart"] == nil) {
			t.Errorf("log line %v: want service and coldStart", l)
		}
	}
}
