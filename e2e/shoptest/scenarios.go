package shoptest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// IdempotentOrder is the idempotency scenario: one Idempotency-Key sent 20 times at once makes
// one order and one charge, and every request gets the same response (a duplicate that arrives while
// the first still runs is told 409 and retries, as the Idempotency-Key draft has it); the same
// key with another body is a 422. It returns the customer and the order.
func IdempotentOrder(t *testing.T) (*User, Order) {
	t.Helper()
	p := NewProduct(t, "Idempotent Kettle", 3900, 50)
	c := Customer(t)
	// Wait for the orders service's replica of the product with an ordinary order.
	AwaitStatus(t, c, PlaceOrder(t, c, OrderBody("tok_visa", LineOf(p.ID, 1))).ID, Confirmed)

	key := NewKey()
	body, _ := json.Marshal(OrderBody("tok_visa", LineOf(p.ID, 2)))
	const n = 20
	responses := make([]Response, n)
	var retried atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			deadline := time.Now().Add(SagaTimeout)
			for try := 0; ; try++ {
				r, err := Send(c, "POST", "/orders", body, "Idempotency-Key", key)
				if err != nil {
					t.Error(err)
					return
				}
				if r.Status != http.StatusConflict || time.Now().After(deadline) {
					responses[i] = r
					retried.Add(int64(try))
					return
				}
				time.Sleep(time.Duration(min(try+1, 10)) * 5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	o := Want[Order](t, responses[0], http.StatusCreated)
	Tracked.AddOrder(c, o)
	for i, r := range responses {
		if r.Status != responses[0].Status || !bytes.Equal(r.Body, responses[0].Body) {
			t.Errorf("response %d: %s, want the same as the first: %s", i, r, responses[0])
		}
	}
	t.Logf("%d requests with one key: %d retries after a 409", n, retried.Load())
	AwaitStatus(t, c, o.ID, Confirmed)

	if list := ListOrders(t, c, "limit=100"); len(list) != 2 {
		t.Errorf("the customer has %d orders, want 2 (the warm-up and the idempotent one)", len(list))
	}
	if pay, ok := GetPayment(t, c, o.ID); !ok || pay.Status != "SUCCEEDED" || pay.Amount != o.Total {
		t.Errorf("payment %+v (found %v), want one SUCCEEDED charge of the total %+v", pay, ok, o.Total)
	}

	other, _ := json.Marshal(OrderBody("tok_visa", LineOf(p.ID, 3)))
	WantError(t, Call(t, c, "POST", "/orders", other, "Idempotency-Key", key), http.StatusUnprocessableEntity, "unprocessable")
	// The first request's response is still what the key answers.
	if r := Call(t, c, "POST", "/orders", body, "Idempotency-Key", key); r.Status != http.StatusCreated || !bytes.Equal(r.Body, responses[0].Body) {
		t.Errorf("replay after the 422: %s, want the first response", r)
	}
	return c, o
}
