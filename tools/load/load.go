// Package load is the shop's load generator: virtual customers, signed in through the target's
// Cognito user pool, replay shopping journeys against its HTTP API (browse the catalog, view
// products, fill a cart, place orders with Idempotency-Keys from the cart or with lines, poll
// them to a final state, cancel some) at a rate or a concurrency for a duration, or buy one
// scarce product all at once (the flash sale). It records every request (per route, per second),
// shows a live line while it runs, and afterwards reads the orders, payments, stock and
// dead-letter queues back and checks the saga's invariants (shoptest.Violations). WriteReport
// writes the results as JSON and as one self-contained HTML page.
//
// It talks to the shop through e2e/shoptest, so the same run works against the local runtime
// and a deployed stage: shoptest.Open must have been called with the target first.
package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microshop/microshop/e2e/shoptest"
)

// Mix weighs the journeys of a mixed run.
type Mix struct {
	Browse int // list products, page, filter by category, view two
	Cart   int // fill the cart, order it (cartVersion), poll to final
	Order  int // order lines directly, poll to final
	Cancel int // order lines, cancel at once, poll to final
}

// DefaultMix is the mix of `make load`.
var DefaultMix = Mix{Browse: 50, Cart: 20, Order: 20, Cancel: 10}

// ParseMix reads "browse=50,cart=20,order=20,cancel=10" (names left out weigh 0).
func ParseMix(s string) (Mix, error) {
	var m Mix
	for part := range strings.SplitSeq(s, ",") {
		name, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return Mix{}, fmt.Errorf("journey mix %q: want name=weight, got %q", s, part)
		}
		switch name {
		case "browse":
			m.Browse = n
		case "cart":
			m.Cart = n
		case "order":
			m.Order = n
		case "cancel":
			m.Cancel = n
		default:
			return Mix{}, fmt.Errorf("journey mix %q: unknown journey %q (browse, cart, order, cancel)", s, name)
		}
	}
	if m.Browse+m.Cart+m.Order+m.Cancel == 0 {
		return Mix{}, fmt.Errorf("journey mix %q: every weight is 0", s)
	}
	return m, nil
}

func (m Mix) String() string {
	return fmt.Sprintf("browse=%d,cart=%d,order=%d,cancel=%d", m.Browse, m.Cart, m.Order, m.Cancel)
}

// Config is one run.
type Config struct {
	Duration time.Duration // how long journeys start and are recorded (the mixed run)
	// Warmup runs journeys this long before the recorded Duration (cold starts, connection
	// pools, the engine's caches): not in the figures, but its orders are checked like all.
	Warmup      time.Duration
	Concurrency int     // virtual customers, each running journeys one after another
	Rate        float64 // requests per second over all customers; 0: as fast as they go
	Mix         Mix
	Seed        uint64 // seeds the journeys' choices: a run replays the same choices
	Products    int    // products the run creates and orders
	Stock       int    // units each of them gets
	// FlashBuyers, when > 0, runs the flash sale instead: that many customers, each with one
	// order of one unit of a product with FlashUnits units, all sent at once.
	FlashBuyers int
	FlashUnits  int
	SagaTimeout time.Duration // how long an order may take to be final
	Out         io.Writer     // the live view and the summary
	Terminal    bool          // Out is a terminal: the live line is rewritten in place
	Refresh     time.Duration // how often the live view refreshes
}

func (c *Config) defaults() {
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
	if c.Mix == (Mix{}) {
		c.Mix = DefaultMix
	}
	if c.Products <= 0 {
		c.Products = 8
	}
	if c.Stock <= 0 {
		c.Stock = 100000
	}
	if c.FlashUnits <= 0 {
		c.FlashUnits = 25
	}
	if c.SagaTimeout <= 0 {
		c.SagaTimeout = shoptest.SagaTimeout
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Refresh <= 0 {
		c.Refresh = 2 * time.Second
	}
}

// Flash is the flash sale's outcome.
type Flash struct {
	Buyers    int            `json:"buyers"`
	Units     int            `json:"units"`
	Accepted  int            `json:"accepted"` // orders the API accepted (201)
	ByStatus  map[string]int `json:"byStatus"`
	Oversold  int            `json:"oversold"` // CONFIRMED orders beyond the units
	Available int            `json:"available"`
	Reserved  int            `json:"reserved"`
	ProductID string         `json:"productId"`
}

// Result is a finished run.
type Result struct {
	Config     Config
	Started    time.Time
	Elapsed    time.Duration
	Recorder   *Recorder
	Flash      *Flash
	Orders     int      // orders accepted
	Violations []string // invariants broken (none: they hold)

	// The machine's CPU times when the recorded part of a mixed run began and ended.
	cpuFrom, cpuTo     cpuTimes
	cpuFromOK, cpuToOK bool
}

// Run sets the run up (customers, products), runs it, waits for its orders and checks the
// invariants. An error is a run that could not be made; broken invariants are in Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	r := &runner{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		ledger: map[string]*shoptest.User{}, stock: map[string]int{}}
	if cfg.Rate > 0 {
		r.interval = time.Duration(float64(time.Second) / cfg.Rate)
	}
	n := cfg.Concurrency
	if cfg.FlashBuyers > 0 {
		n = cfg.FlashBuyers
	}
	fmt.Fprintf(cfg.Out, "load: signing in %d customers (Cognito AdminCreateUser, InitiateAuth)\n", n)
	users, err := newUsers(ctx, n)
	if err != nil {
		return nil, err
	}
	res := &Result{Config: cfg}
	if cfg.FlashBuyers > 0 {
		err = r.flash(ctx, users, res)
	} else {
		err = r.mixed(ctx, users, res)
	}
	if err != nil {
		return nil, err
	}
	res.Recorder = r.rec
	res.Orders = len(r.ledger)
	fmt.Fprintf(cfg.Out, "load: checking the invariants over %d orders and %d products\n", len(r.ledger), len(r.stock))
	facts, err := r.facts(ctx)
	if err != nil {
		return nil, err
	}
	res.Violations = shoptest.Violations(facts)
	if res.Flash != nil {
		for _, p := range facts.Products {
			if p.ID == res.Flash.ProductID {
				res.Flash.Available, res.Flash.Reserved = p.Stock.Available, p.Stock.Reserved
			}
		}
		if res.Flash.Oversold > 0 {
			res.Violations = append(res.Violations, fmt.Sprintf("flash sale oversold %d units (%d CONFIRMED orders of 1 unit, %d units)",
				res.Flash.Oversold, res.Flash.ByStatus[shoptest.Confirmed], res.Flash.Units))
		}
	}
	return res, nil
}

type runner struct {
	cfg Config
	rec *Recorder

	rngMu sync.Mutex
	rng   *rand.Rand

	paceMu   sync.Mutex
	interval time.Duration
	next     time.Time

	mu       sync.Mutex
	ledger   map[string]*shoptest.User // accepted orders → their customer
	stock    map[string]int            // products the run stocked → the units set
	products []shoptest.Product        // the run's products
	keys     atomic.Int64
}

// newUsers creates and signs in n customers, a few at a time.
func newUsers(ctx context.Context, n int) ([]*shoptest.User, error) {
	users := make([]*shoptest.User, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			users[i], errs[i] = shoptest.NewUser(ctx)
		})
	}
	wg.Wait()
	return users, errors.Join(errs...)
}

// call is one request of a journey: it paces, sends, records and reports whether the status
// is one of want (anything else, or no response, is an error).
func (r *runner) call(u *shoptest.User, route, method, path string, body any, want []int, header ...string) (shoptest.Response, bool) {
	r.pace()
	at := time.Now()
	resp, err := shoptest.Send(u, method, path, body, header...)
	lat := time.Since(at)
	msg := ""
	switch {
	case err != nil:
		msg = err.Error()
	case !contains(want, resp.Status):
		b := resp.Body
		if len(b) > 200 {
			b = b[:200]
		}
		msg = fmt.Sprintf("status %d: %s", resp.Status, b)
	}
	r.rec.Add(route, at, lat, resp.Status, msg)
	return resp, msg == ""
}

func contains(want []int, s int) bool {
	for _, w := range want {
		if w == s {
			return true
		}
	}
	return false
}

// pace waits for the next request's slot when a rate is set.
func (r *runner) pace() {
	if r.interval == 0 {
		return
	}
	r.paceMu.Lock()
	now := time.Now()
	if r.next.Before(now) {
		r.next = now
	}
	at := r.next
	r.next = r.next.Add(r.interval)
	r.paceMu.Unlock()
	time.Sleep(time.Until(at))
}

func (r *runner) intn(n int) int {
	r.rngMu.Lock()
	defer r.rngMu.Unlock()
	return r.rng.IntN(n)
}

func (r *runner) key() string {
	return fmt.Sprintf("load-%d-%d-%s", r.cfg.Seed, r.keys.Add(1), shoptest.NewKey())
}

func (r *runner) track(u *shoptest.User, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ledger[id] = u
}

var ok200 = []int{http.StatusOK}

// mixed runs the journeys for the duration.
func (r *runner) mixed(ctx context.Context, users []*shoptest.User, res *Result) error {
	if err := r.setupProducts(ctx, users[0], r.cfg.Products, r.cfg.Stock); err != nil {
		return err
	}
	if r.cfg.Warmup > 0 {
		fmt.Fprintf(r.cfg.Out, "load: warming up for %v (not recorded)\n", r.cfg.Warmup)
	}
	res.Started = time.Now().Add(r.cfg.Warmup)
	r.rec = NewRecorder(res.Started)
	stop := make(chan struct{})
	var live sync.WaitGroup
	live.Go(func() { r.rec.Live(r.cfg.Out, r.cfg.Terminal, r.cfg.Refresh, stop) })
	end := res.Started.Add(r.cfg.Duration)
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-time.After(time.Until(res.Started)):
			res.cpuFrom, res.cpuFromOK = readCPUTimes()
		case <-ctx.Done():
		}
	})
	for _, u := range users {
		wg.Go(func() {
			for time.Now().Before(end) && ctx.Err() == nil {
				r.journey(u)
			}
		})
	}
	wg.Wait()
	res.cpuTo, res.cpuToOK = readCPUTimes()
	close(stop)
	live.Wait()
	res.Elapsed = time.Since(res.Started)
	return ctx.Err()
}

func (r *runner) journey(u *shoptest.User) {
	m := r.cfg.Mix
	n := r.intn(m.Browse + m.Cart + m.Order + m.Cancel)
	switch {
	case n < m.Browse:
		r.browse(u)
	case n < m.Browse+m.Cart:
		r.cartOrder(u)
	case n < m.Browse+m.Cart+m.Order:
		r.await(u, r.lineOrder(u))
	default:
		id := r.lineOrder(u)
		if id != "" {
			r.call(u, "POST /orders/{id}/cancel", "POST", "/orders/"+id+"/cancel", nil, []int{http.StatusOK, http.StatusConflict}, "Idempotency-Key", r.key())
		}
		r.await(u, id)
	}
}

// browse lists the catalog, pages on, filters by a category and views two products.
func (r *runner) browse(u *shoptest.User) {
	var page struct {
		Items      []shoptest.Product `json:"items"`
		NextCursor string             `json:"nextCursor"`
	}
	resp, ok := r.call(u, "GET /products", "GET", "/products?limit=10", nil, ok200)
	if !ok || json.Unmarshal(resp.Body, &page) != nil || len(page.Items) == 0 {
		return
	}
	items := page.Items
	if page.NextCursor != "" {
		r.call(u, "GET /products", "GET", "/products?limit=10&cursor="+url.QueryEscape(page.NextCursor), nil, ok200)
	}
	p := items[r.intn(len(items))]
	r.call(u, "GET /products", "GET", "/products?limit=10&category="+url.QueryEscape(p.Category), nil, ok200)
	r.call(u, "GET /products/{id}", "GET", "/products/"+p.ID, nil, ok200)
	p = items[r.intn(len(items))]
	r.call(u, "GET /products/{id}", "GET", "/products/"+p.ID, nil, ok200)
}

// lines picks one or two of the run's products, 1–3 units each.
func (r *runner) lines() []map[string]any {
	n := 1 + r.intn(2)
	seen := map[string]bool{}
	var ls []map[string]any
	for range n {
		p := r.products[r.intn(len(r.products))]
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		ls = append(ls, shoptest.LineOf(p.ID, 1+r.intn(3)))
	}
	return ls
}

// lineOrder places an order with lines and returns its id ("" when not accepted).
func (r *runner) lineOrder(u *shoptest.User) string {
	resp, ok := r.call(u, "POST /orders", "POST", "/orders", shoptest.OrderBody("tok_visa", r.lines()...),
		[]int{http.StatusCreated}, "Idempotency-Key", r.key())
	return r.accepted(u, resp, ok)
}

func (r *runner) accepted(u *shoptest.User, resp shoptest.Response, ok bool) string {
	var o shoptest.Order
	if !ok || json.Unmarshal(resp.Body, &o) != nil || o.ID == "" {
		return ""
	}
	r.track(u, o.ID)
	r.rec.OrderStatus(o.ID, o.Status)
	return o.ID
}

// cartOrder views the products it puts in the cart, reads the cart and orders that version of
// it; a 409 not_ready (the orders service's copy of the cart is behind) is retried with a new
// key, as a client does.
func (r *runner) cartOrder(u *shoptest.User) {
	for _, l := range r.lines() {
		id := l["productId"].(string)
		r.call(u, "GET /products/{id}", "GET", "/products/"+id, nil, ok200)
		r.call(u, "PUT /cart/items/{productId}", "PUT", "/cart/items/"+id, map[string]any{"quantity": l["quantity"]}, ok200)
	}
	resp, ok := r.call(u, "GET /cart", "GET", "/cart", nil, ok200)
	var c shoptest.Cart
	if !ok || json.Unmarshal(resp.Body, &c) != nil || len(c.Items) == 0 {
		return
	}
	body := shoptest.OrderBody("tok_visa")
	body["cartVersion"] = c.Version
	deadline := time.Now().Add(r.cfg.SagaTimeout)
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		resp, ok = r.call(u, "POST /orders", "POST", "/orders", body, []int{http.StatusCreated, http.StatusConflict}, "Idempotency-Key", r.key())
		if !ok || resp.Status != http.StatusConflict {
			break
		}
		if time.Now().After(deadline) {
			r.rec.Add("POST /orders", time.Now(), 0, http.StatusConflict, "cart order still not_ready after the saga timeout")
			return
		}
		time.Sleep(pause)
	}
	r.await(u, r.accepted(u, resp, ok))
}

// await polls the order until it is final and records the saga's duration.
func (r *runner) await(u *shoptest.User, id string) {
	if id == "" {
		return
	}
	start := time.Now()
	deadline := start.Add(r.cfg.SagaTimeout)
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 100*time.Millisecond) {
		resp, ok := r.call(u, "GET /orders/{id}", "GET", "/orders/"+id, nil, ok200)
		var o shoptest.Order
		if ok && json.Unmarshal(resp.Body, &o) == nil {
			r.rec.OrderStatus(id, o.Status)
			if shoptest.Final(o.Status) {
				r.rec.Saga(time.Since(start))
				return
			}
		}
		if time.Now().After(deadline) {
			r.rec.Add("GET /orders/{id}", time.Now(), 0, 0, "order "+id+" not final within "+r.cfg.SagaTimeout.String())
			return
		}
		time.Sleep(pause)
	}
}
