package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/microshop/microshop/e2e/shoptest"
)

// send is a set-up request (not recorded): as u, wanting status want, decoded into v.
func send(u *shoptest.User, method, path string, body any, want int, v any, header ...string) (shoptest.Response, error) {
	resp, err := shoptest.Send(u, method, path, body, header...)
	if err != nil {
		return resp, err
	}
	if resp.Status != want {
		return resp, fmt.Errorf("%s %s: %s, want %d", method, path, resp, want)
	}
	if v != nil {
		if err := json.Unmarshal(resp.Body, v); err != nil {
			return resp, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return resp, nil
}

// retry calls f until it reports done, for up to timeout: the services learn of a new product
// from the catalog's events, a moment after it is created.
func retry(ctx context.Context, timeout time.Duration, f func() (done bool, err error)) error {
	deadline := time.Now().Add(timeout)
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 200*time.Millisecond) {
		done, err := f()
		if done {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %v: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

// newProduct creates a product as the admin, sets its stock, and waits until the cart and
// the orders service know it: the cart takes a line for it (removed again) and an order for
// one unit of it is accepted (with stock 0 the order FAILs and takes nothing; it is tracked
// like every order). The stock is set after that order failed.
func (r *runner) newProduct(ctx context.Context, u *shoptest.User, name, category string, price int64, onHand int) (shoptest.Product, error) {
	var p shoptest.Product
	if _, err := send(shoptest.Admin, "POST", "/products", map[string]any{
		"name": name, "description": "A " + name + " made by the load generator.", "category": category,
		"price": map[string]any{"amount": price, "currency": shoptest.ShopCurrency()},
	}, http.StatusCreated, &p); err != nil {
		return p, err
	}
	setStock := func(n int) error {
		return retry(ctx, 10*time.Second, func() (bool, error) {
			resp, err := send(shoptest.Admin, "PUT", "/inventory/"+p.ID, map[string]any{"onHand": n}, http.StatusOK, nil)
			return err == nil || resp.Status != http.StatusNotFound, err
		})
	}
	if err := setStock(0); err != nil {
		return p, err
	}
	if err := retry(ctx, 10*time.Second, func() (bool, error) {
		resp, err := send(u, "PUT", "/cart/items/"+p.ID, map[string]any{"quantity": 1}, http.StatusOK, nil)
		return err == nil || resp.Status != http.StatusNotFound, err
	}); err != nil {
		return p, err
	}
	if _, err := send(u, "DELETE", "/cart/items/"+p.ID, nil, http.StatusOK, nil); err != nil {
		return p, err
	}
	var o shoptest.Order
	if err := retry(ctx, 10*time.Second, func() (bool, error) {
		resp, err := send(u, "POST", "/orders", shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 1)), http.StatusCreated, &o,
			"Idempotency-Key", r.key())
		return err == nil || (resp.Status != http.StatusNotFound && resp.Status != http.StatusUnprocessableEntity), err
	}); err != nil {
		return p, err
	}
	r.track(u, o.ID)
	if err := retry(ctx, r.cfg.SagaTimeout, func() (bool, error) {
		_, err := send(u, "GET", "/orders/"+o.ID, nil, http.StatusOK, &o)
		return err != nil || shoptest.Final(o.Status), err
	}); err != nil {
		return p, err
	}
	if err := setStock(onHand); err != nil {
		return p, err
	}
	r.mu.Lock()
	r.stock[p.ID] = onHand
	r.products = append(r.products, p)
	r.mu.Unlock()
	return p, nil
}

func (r *runner) setupProducts(ctx context.Context, u *shoptest.User, n, onHand int) error {
	fmt.Fprintf(r.cfg.Out, "load: creating %d products with %d units each\n", n, onHand)
	category := fmt.Sprintf("load-%d-%d", r.cfg.Seed, time.Now().UnixNano()%1e9)
	for i := range n {
		if _, err := r.newProduct(ctx, u, fmt.Sprintf("Load Widget %d", i+1), category, int64(500+100*i), onHand); err != nil {
			return fmt.Errorf("load: product %d: %w", i+1, err)
		}
	}
	return nil
}

// flash stocks one product with FlashUnits units and has every buyer order one unit of it at
// the same moment, then polls every accepted order to a final state.
func (r *runner) flash(ctx context.Context, users []*shoptest.User, res *Result) error {
	units := r.cfg.FlashUnits
	fmt.Fprintf(r.cfg.Out, "load: flash sale: %d buyers, one product with %d units\n", len(users), units)
	p, err := r.newProduct(ctx, users[0], "Flash Sale Lamp", fmt.Sprintf("load-flash-%d", time.Now().UnixNano()%1e9), 4999, units)
	if err != nil {
		return fmt.Errorf("load: flash product: %w", err)
	}
	res.Started = time.Now()
	r.rec = NewRecorder(res.Started)
	stop := make(chan struct{})
	var live sync.WaitGroup
	live.Go(func() { r.rec.Live(r.cfg.Out, r.cfg.Terminal, r.cfg.Refresh, stop) })
	ids := make([]string, len(users))
	var ready, wg sync.WaitGroup
	ready.Add(1)
	for i, u := range users {
		wg.Go(func() {
			body := shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 1))
			key := r.key()
			ready.Wait()
			resp, ok := r.call(u, "POST /orders", "POST", "/orders", body, []int{http.StatusCreated}, "Idempotency-Key", key)
			ids[i] = r.accepted(u, resp, ok)
			r.await(u, ids[i])
		})
	}
	ready.Done()
	wg.Wait()
	close(stop)
	live.Wait()
	res.Elapsed = time.Since(res.Started)
	f := &Flash{Buyers: len(users), Units: units, ByStatus: map[string]int{}, ProductID: p.ID}
	r.rec.mu.Lock()
	for _, id := range ids {
		if id == "" {
			continue
		}
		f.Accepted++
		f.ByStatus[r.rec.orders[id]]++
	}
	r.rec.mu.Unlock()
	f.Oversold = max(0, f.ByStatus[shoptest.Confirmed]+f.ByStatus[shoptest.Delivered]-units)
	res.Flash = f
	return ctx.Err()
}

// facts reads back every accepted order (waiting for it to be final), its payment, the
// stock of every product the run stocked and the dead-letter queues, a few at a time.
func (r *runner) facts(ctx context.Context) (shoptest.Facts, error) {
	r.mu.Lock()
	ids := make([]string, 0, len(r.ledger))
	for id := range r.ledger {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	f := shoptest.Facts{Orders: make([]shoptest.OrderFacts, len(ids))}
	errs := make([]error, len(ids))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	deadline := time.Now().Add(r.cfg.SagaTimeout)
	for i, id := range ids {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			u := r.ledger[id]
			of := shoptest.OrderFacts{ID: id}
			for pause := 5 * time.Millisecond; ; pause = min(2*pause, 200*time.Millisecond) {
				resp, err := shoptest.Send(u, "GET", "/orders/"+id, nil)
				if err != nil {
					errs[i] = err
					return
				}
				if resp.Status == http.StatusNotFound {
					break // lost
				}
				if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &of.Order) != nil {
					errs[i] = fmt.Errorf("GET /orders/%s: %s", id, resp)
					return
				}
				of.Found = true
				if shoptest.Final(of.Order.Status) || time.Now().After(deadline) {
					break
				}
				time.Sleep(pause)
			}
			resp, err := shoptest.Send(u, "GET", "/payments/"+id, nil)
			switch {
			case err != nil:
				errs[i] = err
			case resp.Status == http.StatusOK:
				of.Paid = true
				errs[i] = json.Unmarshal(resp.Body, &of.Payment)
			case resp.Status != http.StatusNotFound:
				errs[i] = fmt.Errorf("GET /payments/%s: %s", id, resp)
			}
			f.Orders[i] = of
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return f, fmt.Errorf("load: read the orders back: %w", err)
	}
	for id, set := range r.stock {
		var s shoptest.Stock
		if _, err := send(shoptest.Admin, "GET", "/inventory/"+id, nil, http.StatusOK, &s); err != nil {
			return f, fmt.Errorf("load: read the stock back: %w", err)
		}
		f.Products = append(f.Products, shoptest.ProductFacts{ID: id, Set: set, Stock: s})
	}
	var err error
	if f.DLQDepths, err = shoptest.ReadDLQDepths(ctx); err != nil {
		return f, fmt.Errorf("load: %w", err)
	}
	return f, nil
}
