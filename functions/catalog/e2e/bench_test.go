package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	catalogapi "github.com/microshop/microshop/functions/catalog/internal/api"
	"github.com/microshop/microshop/functions/catalog/internal/ddb"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/runtime"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/shared/httpapi"
)

func p50(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkRequestOverhead measures what the local path (HTTP API → runtime → function process)
// adds to a request, sequentially: each iteration times GET /products/{id} through the runtime
// and the same handler called in-process with the same event shape and the same DynamoDB.
// Reports p50 of both and their difference (target: overhead p50 ≤ 0.5 ms).
func BenchmarkRequestOverhead(b *testing.B) {
	p := createForBench(b)
	direct := directGetProduct(b)
	ev := sampleEvent(b, p.ID)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	url := api + "/products/" + p.ID
	ctx := context.Background()

	viaRuntime := make([]time.Duration, 0, b.N)
	inProcess := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		viaRuntime = append(viaRuntime, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}

		start = time.Now()
		out, err := direct(ctx, ev)
		inProcess = append(inProcess, time.Since(start))
		if err != nil || out.StatusCode != http.StatusOK {
			b.Fatalf("direct call: %d %v", out.StatusCode, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(ms(p50(viaRuntime)), "p50-runtime-ms")
	b.ReportMetric(ms(p50(inProcess)), "p50-direct-ms")
	b.ReportMetric(ms(p50(viaRuntime)-p50(inProcess)), "p50-overhead-ms")
}

// BenchmarkThroughput16 drives GET /products/{id} from 16 concurrent connections and reports
// requests per second and errors (target ≥ 2,500 req/s, 0 errors).
func BenchmarkThroughput16(b *testing.B) {
	p := createForBench(b)
	url := api + "/products/" + p.ID
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16, MaxConnsPerHost: 16}}
	var next, errs atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 16 {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				resp, err := client.Get(url)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(errs.Load()), "errors")
}

// BenchmarkColdStart starts a fresh runtime for one function per iteration and reports the
// time until it serves (excluding the Go build, which is cached), the function process's spawn
// → ready time, and the first request's latency including that cold start (target ≤ 1 s).
func BenchmarkColdStart(b *testing.B) {
	var serving, spawn, first []time.Duration
	for range b.N {
		r, err := runtime.Start(context.Background(), runtime.Config{
			Template: tmpl, Root: root, KeyDir: keyDir, APIAddr: "127.0.0.1:0",
			Functions: []string{"catalog-list-products"},
		})
		if err != nil {
			b.Fatal(err)
		}
		t := r.Timings()
		serving = append(serving, t.Total-t.Build)
		start := time.Now()
		resp, err := http.Get(r.APIURL() + "/products?limit=1")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		first = append(first, time.Since(start))
		fn, _ := r.Lookup("catalog-list-products")
		st, _ := r.Manager().Stats(fn.Name)
		spawn = append(spawn, st.InitLast)
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(ms(p50(serving)), "p50-serving-ms")
	b.ReportMetric(ms(p50(spawn)), "p50-spawn-ready-ms")
	b.ReportMetric(ms(p50(first)), "p50-first-request-ms")
}

func createForBench(b *testing.B) product {
	b.Helper()
	body := productJSON("Bench Teapot", "bench", 2500)
	req, err := http.NewRequest(http.MethodPost, api+"/products", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var p product
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("create: %d %v", resp.StatusCode, err)
	}
	return p
}

// directGetProduct builds the catalog-get-product handler in process, against the same
// DynamoDB table the runtime's function uses.
func directGetProduct(b *testing.B) httpapi.LambdaHandler {
	b.Helper()
	// The template holds every service's table: pick the catalog's (Tables is in logical-ID
	// order, so Tables[0] is the cart's).
	var table string
	for _, t := range rt.Model().Tables {
		if strings.HasPrefix(t.LogicalID, "Catalog") {
			table = t.Name
		}
	}
	if table == "" {
		b.Fatal("the template has no catalog table")
	}
	h, err := catalogapi.Handler(catalogapi.RouteGetProduct, catalogapi.Deps{
		Store: ddb.New(sdk.DynamoDB(rt.EdgeURL()), table),
		Log:   slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	return httpapi.Lambda(h)
}

// sampleEvent is the committed sample event for GET /products/{id}, pointed at id.
func sampleEvent(b *testing.B, id string) events.APIGatewayV2HTTPRequest {
	b.Helper()
	root, err := modroot.FromWorkingDir()
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "events", "samples", "apigw", "catalog-get-product.json"))
	if err != nil {
		b.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(data, &ev); err != nil {
		b.Fatal(err)
	}
	ev.RawPath = "/products/" + id
	ev.RequestContext.HTTP.Path = ev.RawPath
	ev.PathParameters = map[string]string{"id": id}
	return ev
}
