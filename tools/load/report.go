package load

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// RouteSummary is one route's figures (latencies in milliseconds).
type RouteSummary struct {
	Route       string         `json:"route"`
	Requests    uint64         `json:"requests"`
	Errors      int            `json:"errors"`
	Rate        float64        `json:"rate"`
	Mean        float64        `json:"meanMs"`
	P50         float64        `json:"p50Ms"`
	P95         float64        `json:"p95Ms"`
	P99         float64        `json:"p99Ms"`
	Max         float64        `json:"maxMs"`
	StatusCodes map[string]int `json:"statusCodes"`
	Histogram   []Bucket       `json:"histogram"`
}

// Bucket counts the latencies from From to To milliseconds (To 0: no upper bound).
type Bucket struct {
	From  float64 `json:"fromMs"`
	To    float64 `json:"toMs"`
	Count uint64  `json:"count"`
}

// Second is one second of the run.
type Second struct {
	T        int     `json:"t"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	P50      float64 `json:"p50Ms"`
	P99      float64 `json:"p99Ms"`
}

// Report is the results file (results.json) and what the HTML page draws.
type Report struct {
	Command     string         `json:"command"`
	Mode        string         `json:"mode"`
	Started     time.Time      `json:"started"`
	ElapsedS    float64        `json:"elapsedSeconds"`
	Concurrency int            `json:"concurrency"`
	Rate        float64        `json:"rateLimit"`
	WarmupS     float64        `json:"warmupSeconds"`
	Mix         string         `json:"mix"`
	Seed        uint64         `json:"seed"`
	LoadAverage string         `json:"loadAverage"`
	MachineCPU  *MachineCPU    `json:"machineCPU,omitempty"`
	Total       RouteSummary   `json:"total"`
	Routes      []RouteSummary `json:"routes"`
	Seconds     []Second       `json:"seconds"`
	Sagas       RouteSummary   `json:"sagas"`
	Orders      map[string]int `json:"ordersByStatus"`
	Accepted    int            `json:"ordersAccepted"`
	Flash       *Flash         `json:"flash,omitempty"`
	Errors      []string       `json:"firstErrors"`
	Violations  []string       `json:"violations"`
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func summarize(route string, m *vegeta.Metrics) RouteSummary {
	m.Close()
	s := RouteSummary{Route: route, Requests: m.Requests, Rate: m.Rate, Mean: msf(m.Latencies.Mean),
		P50: msf(m.Latencies.P50), P95: msf(m.Latencies.P95), P99: msf(m.Latencies.P99), Max: msf(m.Latencies.Max),
		StatusCodes: m.StatusCodes}
	for i, c := range m.Histogram.Counts {
		b := Bucket{From: msf(m.Histogram.Buckets[i]), Count: c}
		if i+1 < len(m.Histogram.Buckets) {
			b.To = msf(m.Histogram.Buckets[i+1])
		}
		s.Histogram = append(s.Histogram, b)
	}
	return s
}

// NewReport summarizes a finished run; command is the command line that made it.
func NewReport(res *Result, command string) *Report {
	rec := res.Recorder
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rep := &Report{Command: command, Mode: "mixed", Started: res.Started, ElapsedS: res.Elapsed.Seconds(),
		Concurrency: res.Config.Concurrency, Rate: res.Config.Rate, WarmupS: res.Config.Warmup.Seconds(), Mix: res.Config.Mix.String(), Seed: res.Config.Seed,
		LoadAverage: loadAverage(), Orders: map[string]int{}, Accepted: res.Orders, Flash: res.Flash,
		Errors: rec.lastErrs, Violations: res.Violations}
	if res.Flash != nil {
		rep.Mode, rep.Concurrency, rep.Mix = "flash", res.Flash.Buyers, ""
	}
	rep.Total = summarize("all", rec.all)
	rep.Total.Errors = rec.errors
	rep.MachineCPU = machineCPU(res.cpuFrom, res.cpuTo, res.cpuFromOK, res.cpuToOK, rep.Total.Requests)
	routes := make([]string, 0, len(rec.routes))
	for r := range rec.routes {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		s := summarize(r, rec.routes[r])
		s.Errors = rec.routeErrs[r]
		rep.Routes = append(rep.Routes, s)
	}
	for i, s := range rec.seconds {
		rep.Seconds = append(rep.Seconds, Second{T: i, Requests: s.requests, Errors: s.errors,
			P50: msf(quantile(s.latencies, 0.5)), P99: msf(quantile(s.latencies, 0.99))})
	}
	sagas := newMetrics()
	sagas.Histogram.Buckets = vegeta.Buckets{0, 10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
		100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second}
	for _, d := range rec.sagas {
		sagas.Add(&vegeta.Result{Code: 200, Timestamp: res.Started, Latency: d})
	}
	rep.Sagas = summarize("saga: 201 → final", sagas)
	rep.Sagas.StatusCodes, rep.Sagas.Rate = nil, 0
	for _, s := range rec.orders {
		rep.Orders[s]++
	}
	return rep
}

// loadAverage reads /proc/loadavg ("" where there is none).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// WriteTable writes the per-route summary table.
func (rep *Report) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "route\trequests\terrors\treq/s\tmean ms\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	row := func(s RouteSummary) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t\n", s.Route, s.Requests, s.Errors, s.Rate, s.Mean, s.P50, s.P95, s.P99, s.Max)
	}
	for _, s := range rep.Routes {
		row(s)
	}
	row(rep.Total)
	if rep.Sagas.Requests > 0 {
		row(rep.Sagas)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "orders: %d accepted, by status %s\n", rep.Accepted, statusCounts(rep.Orders))
	if rep.MachineCPU != nil {
		fmt.Fprintln(w, rep.MachineCPU)
	}
	if f := rep.Flash; f != nil {
		fmt.Fprintf(w, "flash sale: %d buyers, %d units: %d accepted, by status %s, oversold %d (stock now available %d, reserved %d)\n",
			f.Buyers, f.Units, f.Accepted, statusCounts(f.ByStatus), f.Oversold, f.Available, f.Reserved)
	}
}

// Write writes results.json and index.html into dir (made if missing).
func (rep *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("load: report: %w", err)
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("load: report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), b, 0o644); err != nil {
		return fmt.Errorf("load: report: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "index.html"))
	if err != nil {
		return fmt.Errorf("load: report: %w", err)
	}
	if err := rep.HTML(f); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("load: report: %w", err)
	}
	return nil
}
