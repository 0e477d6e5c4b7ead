package eventbus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microshop/microshop/local/eventbus"
)

// BenchmarkPutEventsToDelivery measures the latency from the start of a PutEvents HTTP call
// to the target's Deliver being invoked: HTTP, validation, matching against 50 rules and
// the hand-off to the delivery goroutine. It reports percentiles of that latency
// (p50-ns, p99-ns) and of the service's own share, from request received to Deliver
// (server-p50-ns).
func BenchmarkPutEventsToDelivery(b *testing.B) {
	s := eventbus.New(eventbus.Options{AccountID: "123456789012"})
	defer s.Close()
	if err := s.AddBus("shop"); err != nil {
		b.Fatal(err)
	}
	started := make(chan time.Time, 1)
	deliver := func(context.Context, []byte) error {
		started <- time.Now()
		return nil
	}
	// Realistic noise: rules for other detail types that are evaluated and do not match.
	for i := range 49 {
		if err := s.AddRule(eventbus.Rule{Name: fmt.Sprintf("other-%d", i), Bus: "shop",
			Pattern: json.RawMessage(fmt.Sprintf(`{"source":["microshop.orders"],"detail-type":["Other%d"]}`, i)),
			Targets: []eventbus.Target{{ID: "t", Deliver: deliver}}}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.AddRule(eventbus.Rule{Name: "orders", Bus: "shop",
		Pattern: json.RawMessage(`{"source":["microshop.orders"],"detail-type":["OrderPlaced"],"detail":{"total":[{"numeric":[">",0]}]}}`),
		Targets: []eventbus.Target{{ID: "inventory", Deliver: deliver}}}); err != nil {
		b.Fatal(err)
	}
	var (
		mu     sync.Mutex
		server []time.Duration
	)
	unsubscribe := s.Subscribe(func(d eventbus.Delivery) {
		mu.Lock()
		defer mu.Unlock()
		server = append(server, d.Started.Sub(d.Received))
	})
	defer unsubscribe()
	srv := httptest.NewServer(s)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	body := putEvents(orderPlaced)

	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		latencies = append(latencies, (<-started).Sub(t0))
	}
	b.StopTimer()
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(percentile(latencies, 50)), "p50-ns")
	b.ReportMetric(float64(percentile(latencies, 99)), "p99-ns")
	mu.Lock()
	defer mu.Unlock()
	b.ReportMetric(float64(percentile(server, 50)), "server-p50-ns")
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}
