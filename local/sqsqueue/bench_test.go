package sqsqueue_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/sqsqueue"
)

// signalInvoker reports the time of each invocation and succeeds.
type signalInvoker struct{ at chan time.Time }

func (s signalInvoker) Invoke(context.Context, string, []byte) (*lambdahost.Result, error) {
	s.at <- time.Now()
	return &lambdahost.Result{Payload: []byte("null")}, nil
}

// BenchmarkSendToInvoke measures the latency from an SDK-style SendMessage over HTTP to the
// event source mapping calling the function, and reports its percentiles.
func BenchmarkSendToInvoke(b *testing.B) {
	svc := sqsqueue.New(sqsqueue.Options{AccountID: "000000000000"})
	srv := httptest.NewServer(svc)
	defer srv.Close()
	url, err := svc.CreateQueue("bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	inv := signalInvoker{at: make(chan time.Time, 1)}
	m, err := sqsqueue.NewMapping(svc, sqsqueue.MappingConfig{QueueName: "bench", Function: "f", Invoker: inv, Enabled: true})
	if err != nil {
		b.Fatal(err)
	}
	m.Start()
	defer m.Stop()
	body := []byte(`{"QueueUrl":"` + url + `","MessageBody":"{\"orderId\":\"o-1\"}"}`)
	client := srv.Client()
	send := func() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		resp, err := client.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("SendMessage: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	send() // warm the connection and the pollers
	<-inv.at

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		send()
		lat = append(lat, (<-inv.at).Sub(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
