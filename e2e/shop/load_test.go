package shop

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/e2e/shoptest"
)

// TestFlashSale: 200 orders at once, from 8 customers, for a product with 25 units: exactly
// 25 are CONFIRMED and the rest FAILED for stock, the stock never goes negative (sampled
// while the sale runs), and every order is final within 30 s of the first request.
func TestFlashSale(t *testing.T) {
	shoptest.AfterScenario(t)
	const units, orders, buyers = 25, 200, 8
	p := shoptest.NewProduct(t, "Flash Sale Sneakers", 7900, units)
	customers := make([]*shoptest.User, buyers)
	for i := range customers {
		customers[i] = shoptest.Customer(t)
	}
	// One order first: it waits for the orders service's replica of the product, so the sale
	// itself is not refused for an unknown product. It is one of the 200.
	first := shoptest.PlaceOrder(t, customers[0], shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 1)))

	start := time.Now()
	ids := make([]string, orders)
	owners := make([]*shoptest.User, orders)
	ids[0], owners[0] = first.ID, customers[0]
	errs := make(chan error, orders)
	var wg sync.WaitGroup
	for i := 1; i < orders; i++ {
		owners[i] = customers[i%buyers]
		wg.Go(func() {
			r, err := shoptest.Send(owners[i], "POST", "/orders", shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 1)), "Idempotency-Key", shoptest.NewKey())
			if err != nil {
				errs <- err
				return
			}
			var o shoptest.Order
			if r.Status != http.StatusCreated || json.Unmarshal(r.Body, &o) != nil || o.ID == "" {
				errs <- fmt.Errorf("order %d: %s", i, r)
				return
			}
			ids[i] = o.ID
			shoptest.Tracked.AddOrder(owners[i], o)
		})
	}
	// Sample the stock while the orders go in and the saga runs.
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	var samples []shoptest.Stock
	sampler.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if r, err := shoptest.Send(shoptest.Admin, "GET", "/inventory/"+p.ID, nil); err == nil && r.Status == http.StatusOK {
				var s shoptest.Stock
				if json.Unmarshal(r.Body, &s) == nil {
					samples = append(samples, s)
				}
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		close(stop)
		sampler.Wait()
		t.FailNow()
	}

	counts := map[string]int{}
	for i, id := range ids {
		o := shoptest.AwaitFinal(t, owners[i], id)
		counts[o.Status]++
		if o.Status == shoptest.Failed && !shoptest.Contains(o.FailureReason, "stock") {
			t.Errorf("order %s failed for %q, want stock", id, o.FailureReason)
		}
	}
	elapsed := time.Since(start)
	close(stop)
	sampler.Wait()

	if diff := cmp.Diff(map[string]int{shoptest.Confirmed: units, shoptest.Failed: orders - units}, counts); diff != "" {
		t.Errorf("final statuses of %d orders for %d units (-want +got):\n%s", orders, units, diff)
	}
	if elapsed > 30*time.Second {
		t.Errorf("every order final after %v, want within 30 s", elapsed)
	}
	if len(samples) == 0 {
		t.Fatal("no stock sample taken during the sale")
	}
	for _, s := range samples {
		if s.Available < 0 || s.Reserved < 0 || s.Reserved > units || s.OnHand != units {
			t.Errorf("stock during the sale: %+v, want 0 ≤ reserved ≤ %d and available ≥ 0", s, units)
		}
	}
	t.Logf("%d orders final in %v; %d stock samples", orders, elapsed, len(samples))
}

// TestIdempotentOrder: one Idempotency-Key sent 20 times at once makes one order and one
// charge, every request gets the same response, and the same key with another body is a 422
// (shoptest.IdempotentOrder; e2e/shoplocal also counts the events it publishes).
func TestIdempotentOrder(t *testing.T) {
	shoptest.AfterScenario(t)
	shoptest.IdempotentOrder(t)
}
