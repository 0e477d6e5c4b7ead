//go:build chaos

package shopfaults

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/local/faults"
)

// TestChaos (`make chaos`, build tag chaos) runs CHAOS_ROUNDS rounds (default 10) of three
// journeys at once under random faults over every saga step: for each step and each fault
// that applies to it, a coin decides whether a rule is set, with a random probability (5 to
// 25 %), seed and cap. The seed of that draw is printed; CHAOS_SEED replays it. The failures
// a rule can cause a function are capped (3 per function, below the queues'
// maxReceiveCount of 5), so no message is meant to reach a dead-letter queue: one that does
// fails the invariants.
func TestChaos(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CHAOS_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("CHAOS_SEED=%q: %v", s, err)
		}
	}
	rounds := 10
	if s := os.Getenv("CHAOS_ROUNDS"); s != "" {
		var err error
		if rounds, err = strconv.Atoi(s); err != nil || rounds < 1 {
			t.Fatalf("CHAOS_ROUNDS=%q: want a positive number", s)
		}
	}
	fmt.Printf("chaos: CHAOS_SEED=%d CHAOS_ROUNDS=%d (replay: make chaos CHAOS_SEED=%d)\n", seed, rounds, seed)
	t.Logf("CHAOS_SEED=%d", seed)
	sagaBound = 90 * time.Second
	defer func() { sagaBound = shoptest.SagaTimeout }()

	rng := rand.New(rand.NewPCG(seed, 0))
	var rules []faults.Rule
	add := func(r faults.Rule) {
		if rng.IntN(2) == 0 {
			return
		}
		r.Name = fmt.Sprintf("%s@%d", r.Fault, len(rules))
		r.Probability = 0.05 + 0.2*rng.Float64()
		r.Seed = rng.Uint64()
		if r.Max == 0 {
			r.Max = 1 + rng.IntN(3)
		}
		rules = append(rules, r)
	}
	for _, s := range steps {
		budget := 3 // failures any one function may be dealt
		for _, f := range []string{faults.CrashBefore, faults.CrashAfter, faults.Error, faults.Timeout, faults.Throttle} {
			if budget == 0 {
				break
			}
			r := faults.Rule{Fault: f, Function: s.function, Max: 1 + rng.IntN(budget)}
			if f == faults.Timeout {
				r.Max = 1
			}
			before := len(rules)
			add(r)
			if len(rules) > before {
				budget -= rules[len(rules)-1].Max
			}
		}
		add(faults.Rule{Fault: faults.Latency, Function: s.function, Latency: fmt.Sprintf("%dms", 50+rng.IntN(500)), Max: 20})
		if !s.api {
			src := sourceOf(t, s.function)
			add(faults.Rule{Fault: faults.Duplicate, Source: src, Max: 10})
			add(faults.Rule{Fault: faults.Reorder, Source: src, Max: 10})
		}
	}
	for _, prefix := range []string{"OrdersTable", "InventoryTable", "PaymentsTable", "ShippingTable"} {
		add(faults.Rule{Fault: faults.ThroughputExceeded, Table: tableName(t, prefix), Max: 10})
		add(faults.Rule{Fault: faults.TransactionConflict, Table: tableName(t, prefix), Max: 2})
	}
	add(faults.Rule{Fault: faults.PutEventsFail, Max: 10})
	for _, r := range rules {
		t.Logf("rule %s: %s %s%s%s p=%.2f max=%d", r.Name, r.Fault, r.Function, r.Source, r.Table, r.Probability, r.Max)
	}

	p := shoptest.NewProduct(t, "Chaotic Clock", 2500, 10000)
	if err := inj.Set(rules); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = inj.Set(nil) }()
	journeys(t, p, rounds)
	fired := inj.Fired()
	total := 0
	for _, r := range rules {
		t.Logf("fired %-28s %d", r.Name, fired[r.Name])
		total += fired[r.Name]
	}
	fmt.Printf("chaos: %d orders, %d rules, %d faults injected (CHAOS_SEED=%d)\n", 3*rounds, len(rules), total, seed)
	_ = inj.Set(nil)
	shoptest.CheckInvariants(t)
}
