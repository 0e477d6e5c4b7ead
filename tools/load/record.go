package load

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Buckets are the latency buckets of each route's distribution (the report's histograms).
var Buckets = vegeta.Buckets{0, 1 * time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond, time.Second, 5 * time.Second}

// Recorder collects every request's outcome: per route in a vegeta Metrics (its t-digest gives
// the quantiles, its histogram the distribution), per second for the time series, and each
// order's last seen status and saga duration. It is safe for concurrent use.
type Recorder struct {
	mu        sync.Mutex
	start     time.Time
	routes    map[string]*vegeta.Metrics
	all       *vegeta.Metrics
	seconds   []*second
	errors    int
	routeErrs map[string]int
	lastErrs  []string
	orders    map[string]string // order id → last seen status
	sagas     []time.Duration   // 201 → first seen final
}

type second struct {
	requests, errors int
	latencies        []time.Duration
}

// NewRecorder starts recording at start.
func NewRecorder(start time.Time) *Recorder {
	return &Recorder{start: start, routes: map[string]*vegeta.Metrics{}, routeErrs: map[string]int{}, all: newMetrics(), orders: map[string]string{}}
}

func newMetrics() *vegeta.Metrics {
	return &vegeta.Metrics{Histogram: &vegeta.Histogram{Buckets: Buckets}}
}

// Add records one request to route (nothing before the recorder's start: the warm-up) (its template, like "GET /orders/{id}"): started at at,
// taking latency, answering code (0: no response); errMsg is not empty when the request is an
// error (no response, a 5xx, or a status the journey did not expect).
func (r *Recorder) Add(route string, at time.Time, latency time.Duration, code int, errMsg string) {
	if at.Before(r.start) {
		return // the warm-up
	}
	res := &vegeta.Result{Attack: route, Code: uint16(code), Timestamp: at, Latency: latency, Error: errMsg}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.routes[route]
	if m == nil {
		m = newMetrics()
		r.routes[route] = m
	}
	m.Add(res)
	r.all.Add(res)
	i := max(0, int(at.Sub(r.start)/time.Second))
	for len(r.seconds) <= i {
		r.seconds = append(r.seconds, &second{})
	}
	s := r.seconds[i]
	s.requests++
	s.latencies = append(s.latencies, latency)
	if errMsg != "" {
		s.errors++
		r.errors++
		r.routeErrs[route]++
		if len(r.lastErrs) < 20 {
			r.lastErrs = append(r.lastErrs, route+": "+errMsg)
		}
	}
}

// OrderStatus records the status an order was last seen in.
func (r *Recorder) OrderStatus(id, status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.orders[id] = status
}

// Saga records how long an order took from its 201 to a final state.
func (r *Recorder) Saga(d time.Duration) {
	if time.Now().Add(-d).Before(r.start) {
		return // placed in the warm-up
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sagas = append(r.sagas, d)
}

// Errors returns how many requests were errors.
func (r *Recorder) Errors() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errors
}

// Line is the live view's one line at now: elapsed, requests, rate, errors, p50/p99 of the
// last five seconds, orders by status.
func (r *Recorder) Line(now time.Time) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	elapsed := now.Sub(r.start)
	if elapsed < 0 {
		return fmt.Sprintf("warming up, %.0fs to go  orders %s", -elapsed.Seconds(), statusCounts(r.byStatus()))
	}
	n := int(r.all.Requests)
	cur := int(elapsed / time.Second)
	var window []time.Duration
	var recent int
	for i := max(0, cur-5); i < min(cur, len(r.seconds)); i++ {
		window = append(window, r.seconds[i].latencies...)
		recent += r.seconds[i].requests
	}
	secs := min(cur, 5)
	rate := 0.0
	if secs > 0 {
		rate = float64(recent) / float64(secs)
	}
	p50, p99 := quantile(window, 0.50), quantile(window, 0.99)
	byStatus := r.byStatus()
	return fmt.Sprintf("%6.1fs  %7d req  %6.0f req/s  %d errors  p50 %s  p99 %s  orders %s",
		elapsed.Seconds(), n, rate, r.errors, ms(p50), ms(p99), statusCounts(byStatus))
}

// byStatus counts the orders by their last seen status; r.mu is held.
func (r *Recorder) byStatus() map[string]int {
	m := map[string]int{}
	for _, s := range r.orders {
		m[s]++
	}
	return m
}

func statusCounts(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%s=%d", k, m[k])
	}
	return s
}

// quantile returns the q-quantile of ds (nearest rank), 0 for none; ds is sorted in place.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(q*float64(len(ds))+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// Live writes the live view to w until stop is closed: on a terminal one line rewritten in
// place every refresh; otherwise a line every refresh (the caller picks a few seconds).
func (r *Recorder) Live(w io.Writer, terminal bool, refresh time.Duration, stop <-chan struct{}) {
	tick := time.NewTicker(refresh)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			if terminal {
				fmt.Fprintf(w, "\r\033[K%s\n", r.Line(time.Now()))
			}
			return
		case now := <-tick.C:
			if terminal {
				fmt.Fprintf(w, "\r\033[K%s", r.Line(now))
			} else {
				fmt.Fprintln(w, r.Line(now))
			}
		}
	}
}
