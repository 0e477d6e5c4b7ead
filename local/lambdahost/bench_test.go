package lambdahost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/microshop/microshop/local/cwlogs"
	"github.com/microshop/microshop/local/lambdahost"
)

// BenchmarkInvokeEcho measures a warm invocation through the Runtime API of the echo
// function: everything the local runtime adds over calling the handler directly. It
// reports latency percentiles (µs) besides ns/op, which for "parallel" is throughput.
func BenchmarkInvokeEcho(b *testing.B) {
	small := []byte(`{"hello":"world"}`)
	// About the size of an API Gateway HTTP API (payload 2.0) event.
	large := []byte(`{"body":"` + strings.Repeat("x", 2000) + `"}`)

	// The baseline: the same handler called in-process through aws-lambda-go's reflection
	// and JSON handling, with no process, no HTTP.
	b.Run("direct", func(b *testing.B) {
		h := lambda.NewHandler(func(_ context.Context, e json.RawMessage) (json.RawMessage, error) { return e, nil })
		ctx := context.Background()
		lat := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		for b.Loop() {
			start := time.Now()
			out, err := h.Invoke(ctx, small)
			lat = append(lat, time.Since(start))
			if err != nil || len(out) != len(small) {
				b.Fatalf("invoke: %v %s", err, out)
			}
		}
		b.StopTimer()
		reportPercentiles(b, lat)
	})

	for _, bc := range []struct {
		name    string
		payload []byte
	}{{"sequential", small}, {"sequential-2KB", large}} {
		b.Run(bc.name, func(b *testing.B) {
			m, _ := newManager(b, lambdahost.ManagerOptions{}, spec("echo", "echo"))
			if err := m.Warm(context.Background(), "echo", 1); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				res, err := m.Invoke(ctx, "echo", bc.payload)
				lat = append(lat, time.Since(start))
				if err != nil || res.Error != nil || len(res.Payload) != len(bc.payload) {
					b.Fatalf("invoke: %v %v", err, res)
				}
			}
			b.StopTimer()
			reportPercentiles(b, lat)
			if s := stats(b, m, "echo"); s.Spawns != 1 {
				b.Errorf("%d processes spawned for sequential invocations, want 1", s.Spawns)
			}
		})
	}

	// Lambda's START/END/REPORT lines, then the same recorded as CloudWatch Logs
	// (local/cwlogs): what the recording costs an invocation.
	for _, bc := range []struct {
		name string
		opts lambdahost.ManagerOptions
	}{
		{"reports", lambdahost.ManagerOptions{Reports: true, Logs: io.Discard}},
		{"reports-recorded", lambdahost.ManagerOptions{Reports: true, Logs: io.Discard, Record: cwlogs.New(cwlogs.Options{})}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m, _ := newManager(b, bc.opts, spec("echo", "echo"))
			if err := m.Warm(context.Background(), "echo", 1); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				res, err := m.Invoke(ctx, "echo", small)
				lat = append(lat, time.Since(start))
				if err != nil || res.Error != nil {
					b.Fatalf("invoke: %v %v", err, res)
				}
			}
			b.StopTimer()
			reportPercentiles(b, lat)
		})
	}

	b.Run("parallel", func(b *testing.B) {
		m, _ := newManager(b, lambdahost.ManagerOptions{}, spec("echo", "echo"))
		b.SetParallelism(4) // 4×GOMAXPROCS callers
		if err := m.Warm(context.Background(), "echo", 10); err != nil {
			b.Fatal(err)
		}
		var (
			mu  sync.Mutex
			all []time.Duration
		)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			var lat []time.Duration
			for pb.Next() {
				start := time.Now()
				res, err := m.Invoke(ctx, "echo", small)
				lat = append(lat, time.Since(start))
				if err != nil || res.Error != nil {
					b.Errorf("invoke: %v %v", err, res)
					return
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
		b.StopTimer()
		reportPercentiles(b, all)
	})
}

// BenchmarkColdStart measures starting a new process for an invocation: spawn, the
// runtime's first /next, and the invocation. init-ms is spawn to first /next.
func BenchmarkColdStart(b *testing.B) {
	m, _ := newManager(b, lambdahost.ManagerOptions{}, spec("echo", "echo"))
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		// Registering again retires the warm process, so every invocation starts one.
		if err := m.Register(spec("echo", "echo")); err != nil {
			b.Fatal(err)
		}
		res, err := m.Invoke(ctx, "echo", []byte(`{}`))
		if err != nil || res.Error != nil || res.InitDuration == 0 {
			b.Fatalf("invoke: %v %+v", err, res)
		}
	}
	b.StopTimer()
	s := stats(b, m, "echo")
	b.ReportMetric(float64(s.InitMean())/float64(time.Millisecond), "init-ms")
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[int(q*float64(len(lat)-1))]) / float64(time.Microsecond)
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// ExampleManager shows the life of a Manager.
func ExampleManager() {
	m := lambdahost.NewManager(lambdahost.ManagerOptions{Region: "us-east-1"})
	defer m.Close()
	if err := m.Register(lambdahost.FunctionSpec{Name: "echo", Binary: binaries["echo"], Timeout: 3 * time.Second}); err != nil {
		panic(err)
	}
	res, err := m.Invoke(context.Background(), "echo", []byte(`{"hello":"world"}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(res.Payload), res.Error == nil)
	// Output: {"hello":"world"} true
}
