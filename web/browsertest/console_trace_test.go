package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/microshop/microshop/e2e/shoptest"
)

// The local console's Stack, Functions and Traces pages (local/runtime/console.go), served
// by devcloud on the edge port, driven in the browser against the running shop.

// consoleVisit loads a console page (path below /_console/) and waits for its heading.
func (p *page) consoleVisit(path string) {
	p.t.Helper()
	p.run("visit console "+path, chromedp.Navigate(rt.ConsoleURL()+path))
	p.waitFor("h1", "")
}

// waitNavigated waits until the page has loaded a console page whose path starts with
// prefix (after a link or a script changed the location) and rendered its heading. Unlike
// waitPath it outlives the navigation's teardown of the old page.
func (p *page) waitNavigated(prefix string) {
	p.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ctx, cancel := context.WithTimeout(p.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(
			`location.pathname.startsWith(%q) && document.readyState === "complete" && !!document.querySelector("h1")`, "/_console/"+prefix)))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("wait for the console's %s page: %v\n%s", prefix, err, p.state())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// hop is one row of a trace page, as the page shows it.
type hop struct {
	Kind       string  `json:"kind"`
	Function   string  `json:"function"`
	Name       string  `json:"name"`
	Depth      int     `json:"depth"`
	DurationMs float64 `json:"durationMs"`
	Error      bool    `json:"error"`
	Caller     string  `json:"caller"`
}

// hops reads the trace page's rows.
func (p *page) hops() []hop {
	p.t.Helper()
	return eval[[]hop](p, `[...document.querySelectorAll('#hops .hop')].map((li) => ({
		kind: li.dataset.kind, function: li.dataset.function, caller: li.dataset.caller || '', name: li.querySelector('.name').textContent,
		depth: Number(li.dataset.depth), durationMs: Number(li.dataset.durationMs), error: li.classList.contains('error')}))`)
}

// sagaStep is a hop the trace of an order must show, matched on its kind, the function it
// ran or reached, and a part of its name.
type sagaStep struct{ kind, function, name string }

// orderSaga is every hop of a paid order's saga, in causal order: each one is a descendant
// of the one before it in the trace's tree.
var orderSaga = []sagaStep{
	{"http", "orders-place-order", "POST /orders"},
	{"invoke", "orders-place-order", "orders-place-order"},
	// The order and its idempotency rows share the orders table, and a stream batch is
	// linked to the table's latest write before it: the order's TransactWriteItems, or the
	// PutItem that stores the response when the batch began after it.
	{"dynamodb", "", ""},
	{"stream", "orders-publish-events", "OrdersTable"},
	{"invoke", "orders-publish-events", ""},
	{"putevents", "", "OrderPlaced"},
	{"target", "", "InventoryReserveStock"},
	{"queue", "inventory-reserve-stock", ""},
	{"invoke", "inventory-reserve-stock", ""},
	{"dynamodb", "", "TransactWriteItems"},
	{"stream", "inventory-publish-events", "InventoryTable"},
	{"invoke", "inventory-publish-events", ""},
	{"putevents", "", "StockReserved"},
	{"target", "", "PaymentsCharge"},
	{"queue", "payments-charge", ""},
	{"invoke", "payments-charge", ""},
	{"dynamodb", "", "TransactWriteItems"},
	{"stream", "payments-publish-events", "PaymentsTable"},
	{"invoke", "payments-publish-events", ""},
	{"putevents", "", "PaymentSucceeded"},
	{"target", "", "ShippingCreateShipment"},
	{"queue", "shipping-create-shipment", ""},
	{"invoke", "shipping-create-shipment", ""},
	{"dynamodb", "", "TransactWriteItems"},
	{"stream", "shipping-publish-events", "ShippingTable"},
	{"invoke", "shipping-publish-events", ""},
	{"putevents", "", "ShipmentCreated"},
	{"target", "", "OrdersOnSaga"},
	{"queue", "orders-on-saga", ""},
	{"invoke", "orders-on-saga", ""},
	{"dynamodb", "", "TransactWriteItems"},
	{"stream", "orders-publish-events", "OrdersTable"},
	{"invoke", "orders-publish-events", ""},
	{"putevents", "", "OrderConfirmed"},
}

func (s sagaStep) matches(h hop) bool {
	return h.Kind == s.kind && strings.Contains(h.Function, s.function) && strings.Contains(h.Name, s.name)
}

func (s sagaStep) String() string { return fmt.Sprintf("%s %s %q", s.kind, s.function, s.name) }

// followSaga matches the steps, in order, against the hops, each step against a descendant
// of the previous step's hop, trying every candidate hop of a step before giving up on it (a
// step that names no operation may match several writes, and only one of them leads on). It
// returns the index of each step's hop on the deepest path found, and the first step not
// found (len(steps) when all are).
func followSaga(hops []hop, steps []sagaStep) (at []int, missing int) {
	var best []int
	var walk func(prev int, path []int)
	walk = func(prev int, path []int) {
		if len(path) > len(best) || best == nil {
			best = append([]int{}, path...)
		}
		if len(path) == len(steps) {
			return
		}
		for j := prev + 1; j < len(hops); j++ {
			if prev >= 0 && hops[j].Depth <= hops[prev].Depth {
				return // left the previous step's subtree
			}
			if steps[len(path)].matches(hops[j]) {
				walk(j, append(path, j))
				if len(best) == len(steps) {
					return
				}
			}
		}
	}
	walk(-1, nil)
	return best, len(best)
}

// waitConfirmed polls the order as its customer until the saga confirmed it.
func waitConfirmed(t *testing.T, token, id string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		var o struct{ Status string }
		call(t, token, "GET", "/orders/"+id, nil, http.StatusOK, &o)
		if o.Status == "CONFIRMED" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s is %s after %v, want CONFIRMED", id, o.Status, waitTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestConsoleTraceOfAnOrder places an order over HTTP, finds its trace on the Traces page by
// the order id alone, and checks that every hop of the saga appears in causal order, each
// with its function and a duration.
func TestConsoleTraceOfAnOrder(t *testing.T) {
	a := newCustomer(t)
	var order struct{ ID string }
	call(t, a.token, "POST", "/orders", shoptest.OrderBody("tok_visa", shoptest.LineOf(seededProduct(t, "Trekking Poles (pair)").ID, 1)),
		http.StatusCreated, &order, "Idempotency-Key", shoptest.NewKey())
	waitConfirmed(t, a.token, order.ID)

	p := newPage(t, 1280, 900)
	p.consoleVisit("traces")
	p.fill("#q", order.ID)
	p.click("#search button[type=submit]")
	p.waitNavigated("traces/")
	p.waitFor("#trace-id", "")

	// The page follows the trace live: wait until the last hop arrived.
	var hops []hop
	missing := 0
	deadline := time.Now().Add(waitTimeout)
	for {
		hops = p.hops()
		if _, missing = followSaga(hops, orderSaga); missing == len(orderSaga) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if missing < len(orderSaga) {
		var b strings.Builder
		for _, h := range hops {
			fmt.Fprintf(&b, "  %s%s %s %q %.2f ms\n", strings.Repeat("  ", h.Depth), h.Kind, h.Function, h.Name, h.DurationMs)
		}
		t.Fatalf("the trace of order %s lacks the saga's step %d (%s) after the ones before it; it shows:\n%s", order.ID, missing, orderSaga[missing], b.String())
	}
	at, _ := followSaga(hops, orderSaga)
	for i, j := range at {
		h := hops[j]
		if h.DurationMs <= 0 && h.Kind != "target" && h.Kind != "putevents" && h.Kind != "dynamodb" {
			t.Errorf("step %s has no duration: %+v", orderSaga[i], h)
		}
		if (h.Kind == "invoke" || h.Kind == "http" || h.Kind == "queue" || h.Kind == "stream") && h.Function == "" {
			t.Errorf("step %s shows no function: %+v", orderSaga[i], h)
		}
		if h.Error {
			t.Errorf("step %s failed: %+v", orderSaga[i], h)
		}
		// A write is the function's before it (the SDK names its caller).
		if h.Kind == "dynamodb" && h.Caller != hops[at[i-1]].Function {
			t.Errorf("step %s was made by %q, want %q", orderSaga[i], h.Caller, hops[at[i-1]].Function)
		}
	}
	// The trace is the order's alone: other tests' orders, placed on the same stack, are not
	// in it.
	posts := 0
	for _, h := range hops {
		if h.Kind == "http" && h.Name == "POST /orders" {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("the trace holds %d POST /orders requests, want its own only", posts)
	}
	p.screenshot("console-trace")

	narrow := newPage(t, 375, 812)
	narrow.run("visit the trace at 375 px", chromedp.Navigate(rt.ConsoleURL()+"traces/"+strings.TrimPrefix(eval[string](p, "location.pathname"), "/_console/traces/")))
	narrow.waitFor("#hops .hop", "POST /orders")
	if w := eval[float64](narrow, "document.documentElement.scrollWidth"); w > 375 {
		t.Errorf("the trace page is %v px wide at 375 px: it scrolls sideways", w)
	}
	narrow.screenshot("console-trace-375")
}

// TestConsoleFunctionsInvocationsAndReinvoke reads a product over HTTP, finds that
// invocation on the Functions page with its event, result and log lines START..REPORT, and
// re-invokes it with the event edited to ask for another product.
func TestConsoleFunctionsInvocationsAndReinvoke(t *testing.T) {
	first, second := seededProduct(t, "Insulated Water Bottle 750 ml"), seededProduct(t, "Monitor Arm")
	call(t, "", "GET", "/products/"+first.ID, nil, http.StatusOK, nil)
	fn, err := rt.Lookup("catalog-get-product")
	if err != nil {
		t.Fatal(err)
	}

	p := newPage(t, 1280, 900)
	p.consoleVisit("functions")
	p.waitFor("#functions tr[data-function] a", fn.Name)
	if n := eval[int](p, fmt.Sprintf(`Number(document.querySelector('#functions tr[data-function=%q] .invocations').textContent)`, fn.Name)); n < 1 {
		t.Errorf("%s shows %d invocations, want at least the one just made", fn.Name, n)
	}
	p.screenshot("console-functions")
	p.clickText("#functions tr[data-function] a", fn.Name)
	p.waitNavigated("functions/" + fn.Name)

	// Search finds the invocation by the product id it was asked for.
	p.fill("#inv-q", first.ID)
	p.click("#detail form button[type=submit]")
	p.waitFor("details.invocation .event", first.ID)
	p.click("details.invocation summary")
	logs := p.waitFor("details.invocation .logs", "REPORT RequestId:")
	if !strings.HasPrefix(logs, "START RequestId:") || !strings.Contains(logs, "END RequestId:") {
		t.Errorf("the invocation's log is not START..REPORT:\n%s", logs)
	}
	if got := p.text("details.invocation .result"); !strings.Contains(got, first.Name) {
		t.Errorf("the invocation's result lacks %q: %s", first.Name, got)
	}
	p.screenshot("console-invocation")

	// Re-invoke with the event edited to ask for the second product.
	p.click("details.invocation button.edit")
	p.waitFor("details.invocation .event-editor", first.ID)
	eval[bool](p, fmt.Sprintf(`(() => { const ta = document.querySelector('details.invocation .event-editor');
		ta.value = ta.value.replaceAll(%q, %q); return true; })()`, first.ID, second.ID))
	p.click("details.invocation button.invoke")
	got := p.waitFor("details.invocation .invoke-result", second.Name)
	var res struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if _, body, ok := strings.Cut(got, "\n"); !ok || json.Unmarshal([]byte(body), &res) != nil || res.StatusCode != http.StatusOK {
		t.Errorf("re-invoke answered %q, want a 200 with %s", got, second.Name)
	}
	// The new invocation is recorded like any other, and listed.
	p.fill("#inv-q", second.ID)
	p.click("#detail form button[type=submit]")
	p.waitFor("details.invocation .event", second.ID)
}

// TestConsoleStack shows the template's resources with live figures.
func TestConsoleStack(t *testing.T) {
	call(t, "", "GET", "/products", nil, http.StatusOK, nil)
	fn, err := rt.Lookup("catalog-list-products")
	if err != nil {
		t.Fatal(err)
	}
	p := newPage(t, 1280, 900)
	p.consoleVisit("stack")
	p.waitFor("#routes .node", "GET /products")
	p.waitFor("#queues .node", "DLQ")
	p.waitFor("#tables .node", "stream →")
	p.waitFor("#rules .node", "→ queue")
	// The function's figure counts the request just made.
	card := p.waitFor(fmt.Sprintf(`#stack-functions .node[data-function=%q]`, fn.Name), "invocations")
	if strings.Contains(card, "invocations 0") {
		t.Errorf("%s shows no invocation after GET /products: %q", fn.Name, card)
	}
	p.screenshot("console-stack")
	narrow := newPage(t, 375, 812)
	narrow.consoleVisit("stack")
	narrow.waitFor("#routes .node", "GET /products")
	if w := eval[float64](narrow, "document.documentElement.scrollWidth"); w > 375 {
		t.Errorf("the stack page is %v px wide at 375 px: it scrolls sideways", w)
	}
	narrow.screenshot("console-stack-375")
}

// TestFollowSagaTriesEveryCandidate: a stream batch under the place-order invocation's last
// write (as CI once saw it) is found, and one under no write of it is not.
func TestFollowSagaTriesEveryCandidate(t *testing.T) {
	steps := orderSaga[:6]
	tree := func(streamDepth int) []hop {
		return []hop{
			{Kind: "http", Function: "orders-place-order", Name: "POST /orders", Depth: 0},
			{Kind: "invoke", Function: "orders-place-order", Name: "orders-place-order", Depth: 1},
			{Kind: "dynamodb", Name: "PutItem", Depth: 2},
			{Kind: "dynamodb", Name: "TransactWriteItems", Depth: 2},
			{Kind: "dynamodb", Name: "PutItem", Depth: 2},
			{Kind: "stream", Function: "orders-publish-events", Name: "OrdersTable1F8332C7 → orders-publish-events", Depth: streamDepth},
			{Kind: "invoke", Function: "orders-publish-events", Depth: streamDepth + 1},
			{Kind: "putevents", Name: "PutEvents OrderPlaced", Depth: streamDepth + 2},
		}
	}
	if at, missing := followSaga(tree(3), steps); missing != len(steps) || at[2] != 4 {
		t.Errorf("under the last write: steps %v, missing %d; want all, the write at 4", at, missing)
	}
	if _, missing := followSaga(tree(1), steps); missing != 3 {
		t.Errorf("beside the writes: missing %d, want 3 (the stream)", missing)
	}
}
