package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/net/html"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/local/modroot"
	"github.com/microshop/microshop/local/timerslack"
	"github.com/microshop/microshop/tools/devseed"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run starts the local runtime on free ports, seeds it as make dev does, and opens shoptest.
func run(m *testing.M) int {
	ctx := context.Background()
	keyDir, err := os.MkdirTemp("", "load-test-jwt-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 1
	}
	defer os.RemoveAll(keyDir)
	rt, tg, err := shoptest.Local(ctx, keyDir, io.Discard)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 1
	}
	defer rt.Close()
	root, err := modroot.FromWorkingDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 1
	}
	tmpl := filepath.Join(root, "cdk.out", "Microshop.template.json")
	if _, err := devseed.Run(ctx, devseed.Config{Template: tmpl, APIURL: tg.APIURL, EdgeURL: tg.CognitoEndpoint}, io.Discard); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 1
	}
	if err := shoptest.Open(ctx, tg); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		return 1
	}
	return m.Run()
}

// A short mixed run against the local runtime: every journey's route answers without an
// error, orders reach final states, and the invariants hold; its report is one HTML file that
// fetches nothing, and a results.json that adds up.
func TestMixedRun(t *testing.T) {
	var out bytes.Buffer
	res, err := Run(context.Background(), Config{
		Duration: 2 * time.Second, Concurrency: 4, Seed: 7, Products: 2, Stock: 1000,
		Out: &out, Refresh: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Violations) > 0 {
		t.Fatalf("invariants broken: %q", res.Violations)
	}
	if n := res.Recorder.Errors(); n != 0 {
		t.Errorf("%d errors; first: %q", n, res.Recorder.lastErrs)
	}
	rep := NewReport(res, "load -duration 2s")
	var routes []string
	for _, r := range rep.Routes {
		routes = append(routes, r.Route)
	}
	for _, want := range []string{"GET /products", "GET /products/{id}", "PUT /cart/items/{productId}", "GET /cart",
		"POST /orders", "GET /orders/{id}", "POST /orders/{id}/cancel"} {
		if !slices.Contains(routes, want) {
			t.Errorf("routes %q: no %s (every journey should have run in 2 s with seed 7)", routes, want)
		}
	}
	if rep.Orders[shoptest.Confirmed] == 0 || rep.Orders[shoptest.Cancelled] == 0 || rep.Sagas.Requests == 0 {
		t.Errorf("orders by status %v, %d sagas: want CONFIRMED and CANCELLED ones", rep.Orders, rep.Sagas.Requests)
	}
	if !strings.Contains(out.String(), "req/s") {
		t.Errorf("no live line in the output:\n%s", out.String())
	}

	dir := t.TempDir()
	if err := rep.Write(dir); err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(dir)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	if !slices.Equal(names, []string{"index.html", "results.json"}) {
		t.Errorf("report folder holds %q, want index.html and results.json", names)
	}
	var back Report
	b, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	var sum uint64
	for _, r := range back.Routes {
		sum += r.Requests
	}
	if sum != back.Total.Requests || sum == 0 || len(back.Seconds) < 2 {
		t.Errorf("results.json: routes add to %d, total %d, %d seconds", sum, back.Total.Requests, len(back.Seconds))
	}
	// The run kept the runtime and its functions busy, so the machine was busy too.
	if c := back.MachineCPU; c == nil || c.Cores != runtime.NumCPU() || c.Busy <= 0 || c.Busy > 1 || c.MsPerRequest <= 0 {
		t.Errorf("results.json machineCPU = %+v, want this machine's %d cores, some busy, CPU per request", c, runtime.NumCPU())
	}
	checkSelfContained(t, filepath.Join(dir, "index.html"), 4+len(back.Routes))
}

// checkSelfContained parses the page: it must name no other resource (no src, href, link,
// stylesheet import or url()), hold no script that could fetch one, and draw svgs inline.
func checkSelfContained(t *testing.T, path string, wantSVGs int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := html.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	svgs := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "svg":
				svgs++
			case "link", "script", "img", "iframe", "object", "embed":
				t.Errorf("the page has a <%s>", n.Data)
			}
			for _, a := range n.Attr {
				if k := strings.ToLower(a.Key); k == "src" || k == "href" || k == "srcset" || k == "xmlns" || strings.HasSuffix(k, ":href") {
					t.Errorf("<%s %s=%q> names another resource", n.Data, a.Key, a.Val)
				}
			}
		}
		if n.Type == html.TextNode || n.Type == html.ElementNode {
			for _, s := range []string{n.Data, attrs(n)} {
				if l := strings.ToLower(s); strings.Contains(l, "http://") || strings.Contains(l, "https://") || strings.Contains(l, "url(") || strings.Contains(l, "@import") {
					// The page's command line may name the API; only markup is checked here.
					if n.Type == html.ElementNode || n.Parent == nil || n.Parent.Data == "style" {
						t.Errorf("<%s> refers outside the page: %.80q", n.Data, s)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if svgs != wantSVGs {
		t.Errorf("the page draws %d svg charts, want %d", svgs, wantSVGs)
	}
}

func attrs(n *html.Node) string {
	var s []string
	for _, a := range n.Attr {
		s = append(s, a.Key+"="+a.Val)
	}
	return strings.Join(s, " ")
}

// A small flash sale: more buyers than units, all at once; exactly the units are sold.
func TestFlashSale(t *testing.T) {
	res, err := Run(context.Background(), Config{FlashBuyers: 30, FlashUnits: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Violations) > 0 {
		t.Fatalf("invariants broken: %q", res.Violations)
	}
	f := res.Flash
	if f.Oversold != 0 || f.ByStatus[shoptest.Confirmed] != 5 || f.Accepted != 30 || f.ByStatus[shoptest.Failed] != 25 ||
		f.Available != 0 || f.Reserved != 5 {
		t.Errorf("flash sale %+v: want 30 accepted, 5 CONFIRMED, 25 FAILED, none oversold, 0 available, 5 reserved", *f)
	}
}

// The check reads what is there, so it catches what a run did wrong: an order the API
// accepted that is gone, and stock that does not add up.
func TestInvariantsCatchALostOrderAndStock(t *testing.T) {
	r := &runner{cfg: Config{SagaTimeout: time.Second}, ledger: map[string]*shoptest.User{}, stock: map[string]int{}}
	r.cfg.defaults()
	u, err := shoptest.NewUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.newProduct(context.Background(), u, "Audited Mug", "load-audit", 1200, 10)
	if err != nil {
		t.Fatal(err)
	}
	f, err := r.facts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v := shoptest.Violations(f); len(v) != 0 {
		t.Fatalf("before: %q, want none (the check must pass on a true ledger)", v)
	}
	lost := strings.Repeat("0", 32)
	r.ledger[lost] = u
	r.stock[p.ID] = 11 // the run set 10
	f, err = r.facts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v := shoptest.Violations(f)
	want := []string{"order " + lost + " was accepted but is lost (404)", fmt.Sprintf("product %s onHand 10, want 11 set − 0 delivered", p.ID)}
	if diff := cmp.Diff(want, v); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
}

// The live view: one line per refresh on a non-terminal, one line rewritten in place on a
// terminal; both carry the figures.
func TestLive(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		t.Run(fmt.Sprint("terminal=", terminal), func(t *testing.T) {
			start := time.Now()
			rec := NewRecorder(start.Add(-3 * time.Second))
			rec.Add("GET /products", start.Add(-2*time.Second), 3*time.Millisecond, 200, "")
			rec.Add("POST /orders", start.Add(-2*time.Second), 9*time.Millisecond, 500, "status 500")
			rec.OrderStatus("o1", "CONFIRMED")
			w := &syncWriter{}
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() { rec.Live(w, terminal, 5*time.Millisecond, stop); close(done) }()
			for w.String() == "" || strings.Count(w.String(), "req/s") < 3 {
				time.Sleep(time.Millisecond)
			}
			close(stop)
			<-done
			s := w.String()
			if terminal {
				if !strings.HasPrefix(s, "\r\033[K") || strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
					t.Errorf("terminal output %q: want lines rewritten in place (\\r, erase) and one newline at the end", s)
				}
			} else {
				lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
				if strings.Contains(s, "\r") || len(lines) < 3 || !strings.HasSuffix(s, "\n") {
					t.Errorf("non-terminal output %q: want whole lines, no \\r", s)
				}
			}
			for _, want := range []string{"2 req", "1 errors", "p50 ", "p99 9.0ms", "orders CONFIRMED=1"} {
				if !strings.Contains(s, want) {
					t.Errorf("live view %q lacks %q", s, want)
				}
			}
		})
	}
}

// syncWriter is a bytes.Buffer safe for the live view and the test reading it.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestParseMix(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Mix
		err  bool
	}{
		{in: "browse=50,cart=20,order=20,cancel=10", want: DefaultMix},
		{in: "order=1", want: Mix{Order: 1}},
		{in: "browse=0", err: true},
		{in: "buy=3", err: true},
		{in: "cart=-1", err: true},
	} {
		got, err := ParseMix(tc.in)
		if (err != nil) != tc.err || !cmp.Equal(got, tc.want) {
			t.Errorf("ParseMix(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestMachineCPU(t *testing.T) {
	const stat = "cpu  1000 50 250 7000 100 20 30 40 0 0\ncpu0 500 25 125 3500 50 10 15 20 0 0\n"
	from, ok := parseCPUTimes(strings.NewReader(stat))
	if want := (cpuTimes{busy: 1000 + 50 + 250 + 20 + 30, idle: 7000 + 100, steal: 40}); !ok || from != want {
		t.Fatalf("parseCPUTimes = %+v, %v; want %+v", from, ok, want)
	}
	// 1.5 s of two cores: 270 ticks busy, 20 idle, 10 stolen, over 600 requests.
	to := cpuTimes{busy: from.busy + 270, idle: from.idle + 20, steal: from.steal + 10}
	got := machineCPU(from, to, true, true, 600)
	slack, err := timerslack.Current() // this test process's: the machine line names it
	if err != nil {
		t.Fatal(err)
	}
	slackMs := float64(slack) / float64(time.Millisecond)
	want := &MachineCPU{Cores: runtime.NumCPU(), Busy: 0.9, Steal: 10.0 / 300, MsPerRequest: 4.5, TimerSlackMs: slackMs}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("machineCPU (-want +got):\n%s", diff)
	}
	for _, s := range []string{"90% busy", "3% stolen", "4.50 ms of CPU per request", "saturated", fmt.Sprintf("timer slack %g ms", slackMs)} {
		if !strings.Contains(got.String(), s) {
			t.Errorf("%q does not say %q", got, s)
		}
	}
	if s := machineCPU(from, cpuTimes{busy: from.busy + 50, idle: from.idle + 250, steal: from.steal}, true, true, 10).String(); strings.Contains(s, "saturated") || strings.Contains(s, "stolen") {
		t.Errorf("17%% busy, nothing stolen: %q", s)
	}
	for name, c := range map[string]*MachineCPU{
		"no first reading":   machineCPU(cpuTimes{}, to, false, true, 1),
		"no time passed":     machineCPU(from, from, true, true, 1),
		"counters went back": machineCPU(to, from, true, true, 1),
	} {
		if c != nil {
			t.Errorf("%s: machineCPU = %+v, want nil", name, c)
		}
	}
	for _, bad := range []string{"", "intr 1 2 3\n", "cpu 1 2 3\n", "cpu a b c d e f g h\n"} {
		if _, ok := parseCPUTimes(strings.NewReader(bad)); ok {
			t.Errorf("parseCPUTimes(%q) ok", bad)
		}
	}
}
