package shoplocal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/microshop/microshop/e2e/shoptest"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/local/sesmail"
)

// confirmationFn is the orders service's confirmation email consumer
// (ordersspec.SendConfirmation; not imported, to keep the spec's dependencies out).
const confirmationFn = "orders-send-confirmation"

// inbox reads the local mailbox's messages to addr through its JSON API.
func inbox(t *testing.T, addr string) []sesmail.Message {
	t.Helper()
	resp, err := http.Get(rt.EdgeURL() + sesmail.MailboxPath + "?to=" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailbox: %s", resp.Status)
	}
	var body struct{ Messages []sesmail.Message }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Messages
}

// An order placed with a token carrying the customer's email is CONFIRMED and the customer
// receives exactly one confirmation through SES (the local mailbox), also after its
// OrderConfirmed event is delivered twice more. The consumer running again is proved by its
// invocation count, so "still one" is not "not yet looked".
func TestOrderConfirmationEmailOnce(t *testing.T) {
	shoptest.AfterScenario(t)
	tap := newTap(t)
	p := shoptest.NewProduct(t, "Mailed Mug", 1500, 5)
	c := shoptest.Customer(t)
	if c.IDToken == "" {
		t.Fatal("the sign-in returned no ID token")
	}
	withEmail := *c
	withEmail.Token = c.IDToken // Cognito puts email in ID tokens only
	o := shoptest.PlaceOrder(t, &withEmail, shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 2)))
	shoptest.AwaitStatus(t, c, o.ID, shoptest.Confirmed)

	var got []sesmail.Message
	shoptest.Eventually(t, shoptest.SagaTimeout, "the confirmation email", func() (bool, string) {
		got = inbox(t, c.Email)
		return len(got) > 0, fmt.Sprintf("%d messages", len(got))
	})
	if len(got) != 1 || !strings.Contains(got[0].Subject, o.ID) || !strings.Contains(got[0].Text, "Mailed Mug") ||
		!strings.Contains(got[0].From, "no-reply@microshop.local") {
		t.Fatalf("mailbox of %s: %+v, want one confirmation of %s from the default sender", c.Email, got, o.ID)
	}

	confirmed := tap.collect(t, func(env envelope.Envelope) bool {
		return env.Type == "OrderConfirmed" && mentions(env, o.ID)
	}, map[string]int{"OrderConfirmed": 1})
	for i := range 2 {
		before := invocations(t, []string{confirmationFn})[confirmationFn]
		put(t, confirmed[0])
		// Done once invoked again and no process is running an invocation: the consumer
		// sends before it answers.
		shoptest.Eventually(t, shoptest.SagaTimeout, "the consumer ran on the redelivery", func() (bool, string) {
			st, _ := rt.Manager().Stats(confirmationFn)
			return st.Invocations > before && st.Busy == 0, fmt.Sprintf("%d invocations (want more than %d), %d busy", st.Invocations, before, st.Busy)
		})
		if n := len(inbox(t, c.Email)); n != 1 {
			t.Errorf("after redelivery %d the mailbox of %s has %d messages, want still 1", i+1, c.Email, n)
		}
	}
}

// An order placed with an access token, as the storefront places them (it carries no email
// claim), gets its confirmation too: the consumer finds the customer's email in the user
// pool (AdminGetUser by the customer's sub).
func TestOrderConfirmationEmailWithAccessToken(t *testing.T) {
	shoptest.AfterScenario(t)
	p := shoptest.NewProduct(t, "Access Mug", 1200, 5)
	c := shoptest.Customer(t)
	o := shoptest.PlaceOrder(t, c, shoptest.OrderBody("tok_visa", shoptest.LineOf(p.ID, 1)))
	shoptest.AwaitStatus(t, c, o.ID, shoptest.Confirmed)
	var got []sesmail.Message
	shoptest.Eventually(t, shoptest.SagaTimeout, "the confirmation email", func() (bool, string) {
		got = inbox(t, c.Email)
		return len(got) > 0, fmt.Sprintf("%d messages", len(got))
	})
	if len(got) != 1 || !strings.Contains(got[0].Subject, o.ID) || !strings.Contains(got[0].Text, "Access Mug") {
		t.Fatalf("mailbox of %s: %+v, want one confirmation of %s", c.Email, got, o.ID)
	}
}
