package shop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/sdk"
)

// TestFlashSale: 200 orders at once, from 8 customers, for a product with 25 units: exactly
// 25 are CONFIRMED and the rest FAILED for stock, the stock never goes negative (sampled
// while the sale runs), and every order is final within 30 s of the first request.
func TestFlashSale(t *testing.T) {
	needRoutes(t, sagaRoutes...)
	afterScenario(t)
	const units, orders, buyers = 25, 200, 8
	p := newProduct(t, "Flash Sale Sneakers", 7900, units)
	customers := make([]*user, buyers)
	for i := range customers {
		customers[i] = customer(t)
	}
	// One order first: it waits for the orders service's replica of the product, so the sale
	// itself is not refused for an unknown product. It is one of the 200.
	first := placeOrder(t, customers[0], orderBody("tok_visa", lineOf(p.ID, 1)))

	start := time.Now()
	ids := make([]string, orders)
	owners := make([]*user, orders)
	ids[0], owners[0] = first.ID, customers[0]
	errs := make(chan error, orders)
	var wg sync.WaitGroup
	for i := 1; i < orders; i++ {
		owners[i] = customers[i%buyers]
		wg.Go(func() {
			r, err := send(owners[i], "POST", "/orders", orderBody("tok_visa", lineOf(p.ID, 1)), "Idempotency-Key", newKey())
			if err != nil {
				errs <- err
				return
			}
			var o order
			if r.status != http.StatusCreated || json.Unmarshal(r.body, &o) != nil || o.ID == "" {
				errs <- fmt.Errorf("order %d: %s", i, r)
				return
			}
			ids[i] = o.ID
			tracked.addOrder(owners[i], o)
		})
	}
	// Sample the stock while the orders go in and the saga runs.
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	var samples []stock
	sampler.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if r, err := send(admin, "GET", "/inventory/"+p.ID, nil); err == nil && r.status == http.StatusOK {
				var s stock
				if json.Unmarshal(r.body, &s) == nil {
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
		o := awaitFinal(t, owners[i], id)
		counts[o.Status]++
		if o.Status == failed && !contains(o.FailureReason, "stock") {
			t.Errorf("order %s failed for %q, want stock", id, o.FailureReason)
		}
	}
	elapsed := time.Since(start)
	close(stop)
	sampler.Wait()

	if diff := cmp.Diff(map[string]int{confirmed: units, failed: orders - units}, counts); diff != "" {
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

// TestIdempotentOrder: one Idempotency-Key sent 20 times at once makes one order, one charge
// and one OrderPlaced, and every request gets the same response (a duplicate that arrives while
// the first still runs is told 409 and retries, as the Idempotency-Key draft has it); the same
// key with another body is a 422.
func TestIdempotentOrder(t *testing.T) {
	needRoutes(t, sagaRoutes...)
	afterScenario(t)
	p := newProduct(t, "Idempotent Kettle", 3900, 50)
	c := customer(t)
	// Wait for the orders service's replica of the product with an ordinary order.
	awaitStatus(t, c, placeOrder(t, c, orderBody("tok_visa", lineOf(p.ID, 1))).ID, confirmed)

	placed := tap(t, `{"source":["microshop.orders"],"detail-type":["OrderPlaced"]}`)
	charged := tap(t, `{"source":["microshop.payments"],"detail-type":["PaymentSucceeded"]}`)

	key := newKey()
	body, _ := json.Marshal(orderBody("tok_visa", lineOf(p.ID, 2)))
	const n = 20
	responses := make([]response, n)
	var retried atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			deadline := time.Now().Add(sagaTimeout)
			for try := 0; ; try++ {
				r, err := send(c, "POST", "/orders", body, "Idempotency-Key", key)
				if err != nil {
					t.Error(err)
					return
				}
				if r.status != http.StatusConflict || time.Now().After(deadline) {
					responses[i] = r
					retried.Add(int64(try))
					return
				}
				time.Sleep(time.Duration(min(try+1, 10)) * 5 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	o := want[order](t, responses[0], http.StatusCreated)
	tracked.addOrder(c, o)
	for i, r := range responses {
		if r.status != responses[0].status || !bytes.Equal(r.body, responses[0].body) {
			t.Errorf("response %d: %s, want the same as the first: %s", i, r, responses[0])
		}
	}
	t.Logf("%d requests with one key: %d retries after a 409", n, retried.Load())
	awaitStatus(t, c, o.ID, confirmed)

	if list := listOrders(t, c, "limit=100"); len(list) != 2 {
		t.Errorf("the customer has %d orders, want 2 (the warm-up and the idempotent one)", len(list))
	}
	// The order is CONFIRMED, so its OrderPlaced and PaymentSucceeded have been published;
	// a duplicate would have gone out with them.
	if got := countEvents(t, placed, o.ID); got != 1 {
		t.Errorf("OrderPlaced events for order %s: %d, want 1", o.ID, got)
	}
	if got := countEvents(t, charged, o.ID); got != 1 {
		t.Errorf("PaymentSucceeded events for order %s: %d, want 1", o.ID, got)
	}

	other, _ := json.Marshal(orderBody("tok_visa", lineOf(p.ID, 3)))
	wantError(t, call(t, c, "POST", "/orders", other, "Idempotency-Key", key), http.StatusUnprocessableEntity, "unprocessable")
	// The first request's response is still what the key answers.
	if r := call(t, c, "POST", "/orders", body, "Idempotency-Key", key); r.status != http.StatusCreated || !bytes.Equal(r.body, responses[0].body) {
		t.Errorf("replay after the 422: %s, want the first response", r)
	}
}

// tap routes the bus's events that match pattern to a new queue (rt.Tap) and returns its URL.
func tap(t *testing.T, pattern string) string {
	t.Helper()
	url, err := rt.Tap("microshop", []byte(pattern))
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// countEvents drains the tap queue and counts the events whose data names orderID.
func countEvents(t *testing.T, queueURL, orderID string) int {
	t.Helper()
	ctx := context.Background()
	c := sdk.SQS(rt.EdgeURL())
	n := 0
	for {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return n
		}
		for _, m := range out.Messages {
			var ev struct {
				Detail struct {
					Data struct {
						OrderID string `json:"orderId"`
					} `json:"data"`
				} `json:"detail"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil {
				t.Fatalf("tap message %s: %v", aws.ToString(m.Body), err)
			}
			if ev.Detail.Data.OrderID == orderID {
				n++
			}
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
}
