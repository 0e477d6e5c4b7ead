package dynamodb

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"sort"
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

func (r *rawClient) call(b *testing.B, target, body string) {
	req, _ := http.NewRequest("POST", r.endpoint, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
	req.Header.Set("X-Amz-Date", "20240101T000000Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc")
	res, err := r.c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("%s: status %d", target, res.StatusCode)
	}
}

func benchOps(b *testing.B, r *rawClient) {
	r.call(b, "CreateTable", `{"TableName":"bench","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}`)
	time.Sleep(50 * time.Millisecond)
	for i := range 200 {
		r.call(b, "PutItem", fmt.Sprintf(`{"TableName":"bench","Item":{"pk":{"S":"p%d"},"sk":{"N":"%d"},"name":{"S":"product %d"},"price":{"N":"12.5"}}}`, i%10, i, i))
	}
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
	// Throughput with 16 concurrent clients.
	b.Run("GetItem-16conns", func(b *testing.B) {
		b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
		var n atomic.Int64
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(n.Add(1))
				r.call(b, "GetItem", fmt.Sprintf(`{"TableName":"bench","Key":{"pk":{"S":"p%d"},"sk":{"N":"%d"}}}`, i%10, (i%20)*10+i%10))
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
	})
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
