package shoplocal

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/local/sdk"
)

// confirmations follows the bus's OrderConfirmed events through a tap queue and tells each
// waiter when its order is confirmed: long polling returns as soon as an event arrives, so the
// time measured is the saga's, not a polling interval's.
type confirmations struct {
	mu      sync.Mutex
	waiters map[string]chan struct{}
	early   map[string]bool // confirmed before anyone waited
	stop    context.CancelFunc
	done    sync.WaitGroup
}

func followConfirmations(b *testing.B) *confirmations {
	b.Helper()
	queueURL, err := rt.Tap("microshop", []byte(`{"source":["microshop.orders"],"detail-type":["OrderConfirmed"]}`))
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	c := &confirmations{waiters: map[string]chan struct{}{}, early: map[string]bool{}, stop: stop}
	q := sdk.SQS(rt.EdgeURL())
	for range 4 {
		c.done.Go(func() {
			for ctx.Err() == nil {
				out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
					QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
				})
				if err != nil {
					continue // the context ended, or a transient error: the waiter's timeout reports it
				}
				for _, m := range out.Messages {
					var ev struct {
						Detail struct {
							Data struct {
								OrderID string `json:"orderId"`
							} `json:"data"`
						} `json:"detail"`
					}
					if json.Unmarshal([]byte(aws.ToString(m.Body)), &ev) == nil {
						c.Confirmed(ev.Detail.Data.OrderID)
					}
					_, _ = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle})
				}
			}
		})
	}
	b.Cleanup(func() { stop(); c.done.Wait() })
	return c
}

func (c *confirmations) Confirmed(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch, ok := c.waiters[id]; ok {
		close(ch)
		delete(c.waiters, id)
		return
	}
	c.early[id] = true
}

// wait blocks until order id is confirmed or timeout passes.
func (c *confirmations) wait(id string, timeout time.Duration) error {
	c.mu.Lock()
	if c.early[id] {
		delete(c.early, id)
		c.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	c.waiters[id] = ch
	c.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("order %s: no OrderConfirmed within %v", id, timeout)
	}
}

// benchBuyer places one order and waits for its confirmation, returning the time taken.
func benchBuyer(u *shoptest.User, productID string, c *confirmations) (time.Duration, error) {
	start := time.Now()
	r, err := shoptest.Send(u, "POST", "/orders", shoptest.OrderBody("tok_visa", shoptest.LineOf(productID, 1)), "Idempotency-Key", shoptest.NewKey())
	if err != nil {
		return 0, err
	}
	var o shoptest.Order
	if r.Status != http.StatusCreated || json.Unmarshal(r.Body, &o) != nil {
		return 0, fmt.Errorf("POST /orders: %s", r)
	}
	if err := c.wait(o.ID, shoptest.SagaTimeout); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// benchSetup makes a product with stock for every order the benchmark may place and waits for
// the orders service to know it.
func benchSetup(b *testing.B) (shoptest.Product, *confirmations) {
	b.Helper()
	p := shoptest.NewProduct(b, "Bench Widget", 500, 1_000_000)
	c := followConfirmations(b)
	u := shoptest.Customer(b)
	o := shoptest.PlaceOrder(b, u, shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 1)))
	if err := c.wait(o.ID, shoptest.SagaTimeout); err != nil {
		b.Fatal(err)
	}
	return p, c
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkOrderToConfirmed places orders one after another and times each from POST /orders
// to its OrderConfirmed on the bus, after inventory, payments, shipping and orders have each
// done their step: p50 and p99 (target p50 ≤ 25 ms).
func BenchmarkOrderToConfirmed(b *testing.B) {
	p, c := benchSetup(b)
	u := shoptest.Customer(b)
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		d, err := benchBuyer(u, p.ID, c)
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, d)
	}
	b.StopTimer()
	b.ReportMetric(ms(percentile(times, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(times, 0.99)), "p99-ms")
}

// BenchmarkOrders16 runs 16 concurrent buyers, each placing an order and waiting for its
// confirmation before the next: orders confirmed per second, p50 and p99, and errors (want 0).
func BenchmarkOrders16(b *testing.B) {
	p, c := benchSetup(b)
	const buyers = 16
	users := make([]*shoptest.User, buyers)
	for i := range users {
		users[i] = shoptest.Customer(b)
	}
	var next, errs atomic.Int64
	var mu sync.Mutex
	times := make([]time.Duration, 0, b.N)
	var firstErr error
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range buyers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				d, err := benchBuyer(users[i], p.ID, c)
				mu.Lock()
				if err != nil {
					errs.Add(1)
					if firstErr == nil {
						firstErr = err
					}
				} else {
					times = append(times, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if firstErr != nil {
		b.Errorf("%d of %d orders failed; first: %v", errs.Load(), b.N, firstErr)
	}
	if len(times) > 0 {
		b.ReportMetric(ms(percentile(times, 0.50)), "p50-ms")
		b.ReportMetric(ms(percentile(times, 0.99)), "p99-ms")
	}
	b.ReportMetric(float64(len(times))/elapsed.Seconds(), "orders/s")
	b.ReportMetric(float64(errs.Load()), "errors")
}
