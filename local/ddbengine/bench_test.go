package ddbengine

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microshop/microshop/local/edge"
)

// Benchmarks run GetItem, PutItem and Query through HTTP against this engine and, side by
// side, against dynalite on the same machine (`make bench` runs both).

type rawClient struct {
	endpoint string
	c        *http.Client
}

// do sends one request and reports a transport error or a non-200 status.
func (r *rawClient) do(target, body string) error {
	req, _ := http.NewRequest("POST", r.endpoint, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
	req.Header.Set("X-Amz-Date", "20240101T000000Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc")
	res, err := r.c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("%s: status %d", target, res.StatusCode)
	}
	return nil
}

func (r *rawClient) call(b *testing.B, target, body string) {
	if err := r.do(target, body); err != nil {
		b.Fatal(err)
	}
}

// seed creates the bench table with 200 items.
func seed(b *testing.B, r *rawClient) {
	r.call(b, "CreateTable", `{"TableName":"bench","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}`)
	time.Sleep(50 * time.Millisecond)
	for i := range 200 {
		r.call(b, "PutItem", fmt.Sprintf(`{"TableName":"bench","Item":{"pk":{"S":"p%d"},"sk":{"N":"%d"},"name":{"S":"product %d"},"price":{"N":"12.5"}}}`, i%10, i, i))
	}
}

func benchOps(b *testing.B, r *rawClient) {
	seed(b, r)
	run := func(name, target string, body func(i int) string) {
		b.Run(name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				r.call(b, target, body(i))
				lat = append(lat, time.Since(t0))
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			}
		})
	}
	run("GetItem", "GetItem", func(i int) string {
		return fmt.Sprintf(`{"TableName":"bench","Key":{"pk":{"S":"p%d"},"sk":{"N":"%d"}}}`, i%10, (i%20)*10+i%10)
	})
	run("PutItem", "PutItem", func(i int) string {
		return fmt.Sprintf(`{"TableName":"bench","Item":{"pk":{"S":"w%d"},"sk":{"N":"%d"},"name":{"S":"x"}}}`, i%10, i%1000)
	})
	run("Query", "Query", func(i int) string {
		return fmt.Sprintf(`{"TableName":"bench","KeyConditionExpression":"pk = :p AND sk > :s","ExpressionAttributeValues":{":p":{"S":"p%d"},":s":{"N":"50"}},"Limit":10}`, i%10)
	})
	// Throughput with 16 concurrent clients, per operation.
	for _, op := range throughputOps {
		b.Run(op.name+"-16conns", func(b *testing.B) {
			b.ReportMetric(throughput(r, b.N, op.target, op.body), "ops/s")
		})
	}
}

// throughputOps are the operations measured from 16 concurrent connections.
var throughputOps = []struct {
	name, target string
	body         func(i int) string
}{
	{"GetItem", "GetItem", func(i int) string {
		return fmt.Sprintf(`{"TableName":"bench","Key":{"pk":{"S":"p%d"},"sk":{"N":"%d"}}}`, i%10, (i%20)*10+i%10)
	}},
	{"PutItem", "PutItem", func(i int) string {
		return fmt.Sprintf(`{"TableName":"bench","Item":{"pk":{"S":"t%d"},"sk":{"N":"%d"},"name":{"S":"x"}}}`, i%10, i%1000)
	}},
	{"Query", "Query", func(i int) string {
		return fmt.Sprintf(`{"TableName":"bench","KeyConditionExpression":"pk = :p AND sk > :s","ExpressionAttributeValues":{":p":{"S":"p%d"},":s":{"N":"50"}},"Limit":10}`, i%10)
	}},
}

// throughput runs n requests from 16 goroutines and returns requests per second; a failed
// request fails the benchmark after the run (never from a worker goroutine).
func throughput(r *rawClient, n int, target string, body func(i int) string) float64 {
	var next atomic.Int64
	var failures atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range 16 {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
				if err := r.do(target, body(i)); err != nil {
					failures.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if f := failures.Load(); f > 0 {
		panic(fmt.Sprintf("%s: %d of %d requests failed", target, f, n))
	}
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkThroughputRatio measures both engines in one run and reports how many times
// dynalite's throughput ours reaches at 16 connections (target ≥ 3×).
func BenchmarkThroughputRatio(b *testing.B) {
	e := New(Options{TTLInterval: -1})
	defer e.Close()
	ours := edgeFor(e)
	defer ours.Close()
	d := startDynalite(b)
	u, err := url.Parse(d.endpoint)
	if err != nil {
		b.Fatal(err)
	}
	theirs := edgeFor(edge.Proxy(u))
	defer theirs.Close()
	clients := []*rawClient{
		{endpoint: ours.URL, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}},
		{endpoint: theirs.URL, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}},
	}
	for _, r := range clients {
		seed(b, r)
	}
	for _, op := range throughputOps {
		b.Run(op.name, func(b *testing.B) {
			o := throughput(clients[0], b.N, op.target, op.body)
			t := throughput(clients[1], b.N, op.target, op.body)
			b.ReportMetric(o, "ours-ops/s")
			b.ReportMetric(t, "dynalite-ops/s")
			b.ReportMetric(o/t, "x-dynalite")
		})
	}
}

// Both engines are measured behind the runtime's edge port, as functions reach them.
func edgeFor(h http.Handler) *httptest.Server {
	e := edge.New()
	e.Handle(edge.DynamoDB, h)
	return httptest.NewServer(e)
}

func BenchmarkEngine(b *testing.B) {
	e := New(Options{TTLInterval: -1})
	srv := edgeFor(e)
	defer srv.Close()
	defer e.Close()
	benchOps(b, &rawClient{endpoint: srv.URL, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}})
}

func BenchmarkDynalite(b *testing.B) {
	d := startDynalite(b)
	u, err := url.Parse(d.endpoint)
	if err != nil {
		b.Fatal(err)
	}
	srv := edgeFor(edge.Proxy(u))
	defer srv.Close()
	benchOps(b, &rawClient{endpoint: srv.URL, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}})
}
