package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/chromedp/chromedp"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/template"
)

// The operations pages of devcloud's console (/_console/): events, queues, tables, users and
// mail, driven as a developer debugging the shop would.

// confirmationFn is the orders service's confirmation email consumer.
const confirmationFn = "orders-send-confirmation"

// visitConsole opens a console page and waits for its heading.
func (p *page) visitConsole(path, title string) {
	p.t.Helper()
	p.run("visit console "+path, chromedp.Navigate(rt.ConsoleURL()+path))
	p.waitFor("h1", title)
}

// waitValue waits until the form field matching css holds text and returns its value.
func (p *page) waitValue(css, text string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	expr := fmt.Sprintf(`(() => { const el = document.querySelector(%q); return el && el.value.includes(%q) ? [el.value] : false; })()`, css, text)
	v, err := chromedp.Run(ctx, chromedp.Poll[[]string](expr, chromedp.WithPollingInterval(25*time.Millisecond)))
	if err != nil || len(v) != 1 {
		p.t.Fatalf("wait for %s to hold %q: %v\n%s", css, text, err, p.state())
	}
	return v[0]
}

// placeOrder signs a in on the storefront, checks out one prod with the test card that
// succeeds and waits until the order page shows it confirmed; it returns the order ID. The
// storefront sends the access token, which carries no email.
func placeOrder(t *testing.T, p *page, a account, prod product) string {
	t.Helper()
	p.signIn(a)
	checkout(t, p, a, prod, 1, "tok_visa")
	p.waitFor("#order-status", "Confirmed")
	path := eval[string](p, `location.pathname`)
	return strings.TrimPrefix(path, "/orders/")
}

// queueOf returns the template queue whose logical ID starts with prefix.
func queueOf(t *testing.T, prefix string) *template.Queue {
	t.Helper()
	for _, q := range rt.Model().Queues {
		if strings.HasPrefix(q.LogicalID, prefix) {
			return q
		}
	}
	t.Fatalf("no queue %s* in the template", prefix)
	return nil
}

// consoleJSON GETs a console API path and decodes its JSON.
func consoleJSON(t *testing.T, path string, out any) {
	t.Helper()
	res, err := http.Get(rt.ConsoleURL() + "api/" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds or the wait timeout passes.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened (%s)", what, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A poison message — the OrderConfirmed event of an order the orders table does not have —
// fails the confirmation consumer until SQS moves it to the dead-letter queue, where the
// Queues page shows it. The developer fixes the data on the Tables page (a copy of a real
// order under the missing ID, saved with PutItem after a confirmation) and clicks Redrive:
// the message goes back to its source queue, the consumer runs on it and succeeds — the
// source and dead-letter queues drain and the confirmation of the fixed order is in the
// mailbox. The Events page meanwhile shows the real order's events with their rules.
func TestConsoleRedrivesAPoisonMessage(t *testing.T) {
	ctx := context.Background()
	a := newCustomer(t)
	prod := newProduct(t, "Redrive Lamp", 2500, 5)
	p := newPage(t, 1280, 900)
	real := placeOrder(t, p, a, prod)
	poison := real[:len(real)-1] + map[bool]string{true: "1", false: "0"}[strings.HasSuffix(real, "0")]

	// Retries every second instead of every minute, so the poison reaches the DLQ quickly.
	source := queueOf(t, "OrdersSendConfirmationConsumerQueue")
	dlq := queueOf(t, "OrdersSendConfirmationConsumerDeadLetterQueue")
	q := sdk.SQS(rt.EdgeURL())
	if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(source.URL), Attributes: map[string]string{"VisibilityTimeout": "1"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(source.URL), Attributes: map[string]string{"VisibilityTimeout": strconv.Itoa(*source.VisibilityTimeout)}})
	})
	env, err := envelope.New(ctx, orderevents.Source, orderevents.OrderConfirmedV1{OrderID: poison, CustomerID: "c-poison"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	detail, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"detail-type": env.Type, "source": env.Source, "detail": json.RawMessage(detail)})
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(source.URL), MessageBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}

	// The Queues page: the poison in the DLQ, received 5 times (maxReceiveCount).
	p.visitConsole("queues", "Queues")
	p.waitFor("#queues td", dlq.Name)
	p.clickText("#queues a", dlq.Name)
	p.waitFor("#queue-name", dlq.Name)
	p.waitFor("#messages td pre.body", poison)
	p.waitFor("#messages td", "from "+source.Name)
	p.screenshot("console-queues")

	// The Events page shows the real order's events and the rules they matched.
	p.visitConsole("events", "Events")
	p.fill("#filter input[name=q]", real)
	p.waitFor("#events td", "OrderConfirmed")
	p.waitFor("#events td .tag", "") // a matched rule
	p.screenshot("console-events")

	// Fix the data: the real order's item, copied under the poison's ID.
	ordersTable := ""
	for _, tb := range rt.Model().Tables {
		if strings.HasPrefix(tb.LogicalID, "Orders") {
			ordersTable = tb.Name
		}
	}
	p.visitConsole("tables?table="+ordersTable, "Tables")
	p.waitFor("#result-info", "Scan")
	p.fill("#partition", "order#"+real)
	p.click("#run")
	p.waitFor("#result-info", "Query: 1 item")
	p.screenshot("console-tables")
	p.click("#items button.open")
	item := p.waitValue("#item-json", real)
	if !strings.Contains(item, real) {
		t.Fatalf("the item editor holds %q, want the order %s", item, real)
	}
	edited, _ := json.Marshal(strings.ReplaceAll(item, real, poison))
	eval[bool](p, fmt.Sprintf(`(document.getElementById("item-json").value = %s, true)`, edited))
	p.click("#save")
	p.waitFor("#confirm-yes", "Put this item")
	p.click("#confirm-yes")
	p.waitFor("#item-status", "Saved")

	// Redrive, and the consumer delivers the confirmation of the fixed order.
	before, ok := rt.Manager().Stats(confirmationFn)
	if !ok {
		t.Fatalf("no function %s", confirmationFn)
	}
	p.visitConsole("queues?queue="+dlq.Name, "Queues")
	p.waitFor("#messages td pre.body", poison)
	p.click("#redrive")
	p.waitFor("#queue-status", "Redrive completed: 1 message moved")
	eventually(t, "the consumer ran on the redriven message", func() (bool, string) {
		st, _ := rt.Manager().Stats(confirmationFn)
		return st.Invocations > before.Invocations && st.Busy == 0, fmt.Sprintf("%d invocations, %d busy", st.Invocations, st.Busy)
	})
	var mail struct {
		Messages []struct{ Subject string }
	}
	eventually(t, "the fixed order's confirmation in the mailbox", func() (bool, string) {
		consoleJSON(t, "mail?to="+a.email, &mail)
		for _, m := range mail.Messages {
			if strings.Contains(m.Subject, poison) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", mail.Messages)
	})
	var src, dead struct {
		Queue struct{ Waiting, InFlight int }
	}
	eventually(t, "both queues drained", func() (bool, string) {
		consoleJSON(t, "queues/"+source.Name, &src)
		consoleJSON(t, "queues/"+dlq.Name, &dead)
		return src.Queue.Waiting+src.Queue.InFlight+dead.Queue.Waiting+dead.Queue.InFlight == 0, fmt.Sprintf("source %+v, DLQ %+v", src.Queue, dead.Queue)
	})
	p.waitFor("#tasks", "Redrive completed")
}

// The mailbox page shows the confirmation of an order placed on the storefront (with the
// access token it sends: the consumer finds the address in the user pool), its text body
// shown as text.
func TestConsoleMailShowsTheOrderConfirmation(t *testing.T) {
	a := newCustomer(t)
	prod := newProduct(t, "Mailbox Vase", 3100, 5)
	p := newPage(t, 1280, 900)
	id := placeOrder(t, p, a, prod)

	p.visitConsole("mail", "Mail")
	p.fill("#filter input[name=to]", a.email)
	p.waitFor("#messages li", "Your order "+id+" is confirmed")
	p.clickText("#messages li", id)
	p.waitFor("#message h2", "Your order "+id+" is confirmed")
	p.waitFor("#message pre.text", "Mailbox Vase")
	p.waitFor("#message td", a.email)
	p.screenshot("console-mail")

	narrow := newPage(t, 375, 800)
	narrow.visitConsole("mail", "Mail")
	narrow.fill("#filter input[name=to]", a.email)
	narrow.clickText("#messages li", id)
	narrow.waitFor("#message pre.text", "Mailbox Vase")
	narrow.screenshot("console-mail-375")
	if w := eval[float64](narrow, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the mail page is %v px wide on a 375 px screen, want no horizontal scrolling", w)
	}
}

// A table query finds an item: the product the test creates, by its key, on the Tables page.
func TestConsoleTableQueryFindsAnItem(t *testing.T) {
	prod := newProduct(t, "Queried Teapot", 1800, 3)
	catalog := ""
	var pk string
	for _, tb := range rt.Model().Tables {
		if strings.HasPrefix(tb.LogicalID, "Catalog") {
			catalog = tb.Name
			for _, k := range tb.KeySchema {
				if k.KeyType == "HASH" {
					pk = k.AttributeName
				}
			}
		}
	}
	var sample struct {
		Items []map[string]map[string]any `json:"items"`
	}
	res, err := http.Post(rt.ConsoleURL()+"api/tables/"+catalog+"/query", "application/json", strings.NewReader(`{"filter":"contains(#n, :n)","names":{"#n":"name"},"values":{":n":"Queried Teapot"},"limit":1000}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&sample); err != nil || len(sample.Items) != 1 {
		t.Fatalf("scan for the product through the console API: %v, %d items, want 1", err, len(sample.Items))
	}
	key := fmt.Sprint(sample.Items[0][pk]["S"])
	if !strings.Contains(key, prod.ID) {
		t.Fatalf("the product's %s is %q, want it to hold its ID %s", pk, key, prod.ID)
	}

	p := newPage(t, 1280, 900)
	p.visitConsole("tables?table="+catalog, "Tables")
	p.waitFor("#result-info", "Scan")
	p.fill("#partition", key)
	p.click("#run")
	p.waitFor("#result-info", "Query: 1 item")
	p.waitFor("#items td", key)
	p.click("#items button.open")
	p.waitValue("#item-json", "Queried Teapot")

	narrow := newPage(t, 375, 800)
	narrow.visitConsole("tables?table="+catalog, "Tables")
	narrow.fill("#partition", key)
	narrow.click("#run")
	narrow.waitFor("#result-info", "Query: 1 item")
	narrow.screenshot("console-tables-375")
}

// A user created on the Users page (confirmed, in a group) signs in: on the page itself
// (its tokens shown to copy) and on the storefront.
func TestConsoleCreatedUserSignsIn(t *testing.T) {
	email, password := newEmail("console"), newPassword()
	p := newPage(t, 1280, 900)
	p.visitConsole("users", "Users")
	p.waitFor(".pool h2", "")
	p.fill("#create input[name=email]", email)
	p.fill("#create input[name=password]", password)
	p.run("pick the admin group", selectValue("#create select[name=group]", "admin"))
	p.click("#create button")
	p.waitFor("#create-status", "Created "+email+" (CONFIRMED)")
	p.waitFor(".users tr[data-email='"+email+"'] td", "CONFIRMED")
	p.waitFor(".users tr[data-email='"+email+"'] .tag", "admin")

	p.fill("#signin input[name=username]", email)
	p.fill("#signin input[name=password]", password)
	p.click("#signin button")
	p.waitFor("#signin-status", "Signed in")
	access := p.text(`#tokens code[data-token="Access token"]`)
	if strings.Count(access, ".") != 2 {
		t.Fatalf("access token %q, want a JWT", access)
	}
	p.screenshot("console-users")
	// The token is the user's: the API takes it.
	call(t, access, "GET", "/orders", nil, http.StatusOK, nil)

	shop := newPage(t, 1280, 900)
	shop.signIn(account{email: email, password: password})

	narrow := newPage(t, 375, 800)
	narrow.visitConsole("users", "Users")
	narrow.waitFor(".users td", email)
	narrow.screenshot("console-users-375")
}

// The Queues page on a phone.
func TestConsoleQueuesNarrow(t *testing.T) {
	p := newPage(t, 375, 800)
	p.visitConsole("queues", "Queues")
	p.waitFor("#queues td", "DeadLetterQueue")
	p.screenshot("console-queues-375")
	p.visitConsole("events", "Events")
	p.waitFor("#count", "event")
	p.screenshot("console-events-375")
}
