package confirm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/orders/internal/confirm"
	"github.com/microshop/microshop/functions/orders/internal/order"
	"github.com/microshop/microshop/shared/consume"
	"github.com/microshop/microshop/shared/money"
)

// fakeOrders holds orders by id.
type fakeOrders map[order.ID]*order.Order

func (f fakeOrders) Get(_ context.Context, id order.ID) (*order.Order, error) {
	if o, ok := f[id]; ok {
		return o, nil
	}
	return nil, order.ErrNotFound
}

// fakeClaims is an in-memory claim table.
type fakeClaims map[string]bool

func (f fakeClaims) Claim(_ context.Context, key string) (bool, error) {
	if f[key] {
		return false, nil
	}
	f[key] = true
	return true, nil
}

func (f fakeClaims) Release(_ context.Context, key string) error { delete(f, key); return nil }

// fakeMailer records what it sends, failing while fail is set.
type fakeMailer struct {
	sent []confirm.Email
	fail error
}

func (m *fakeMailer) Send(_ context.Context, e confirm.Email) error {
	if m.fail != nil {
		return m.fail
	}
	m.sent = append(m.sent, e)
	return nil
}

func newOrder(t *testing.T, id, email string) *order.Order {
	t.Helper()
	usd := money.MustParseCurrency("USD")
	price, err := money.NewPrice(1500, usd)
	if err != nil {
		t.Fatal(err)
	}
	line, err := order.NewLine("p-1", "Mug", 2, price)
	if err != nil {
		t.Fatal(err)
	}
	ship, _ := money.NewPrice(500, usd)
	o, err := order.New(order.ID(id), order.Placement{
		CustomerID: "c-1", Email: email, Lines: []order.Line{line}, Shipping: ship, PaymentToken: "tok_visa",
		Address: order.Address{Name: "A", Line1: "1 Road", City: "Town", PostalCode: "12345", Country: "US"},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func confirmed(t *testing.T, id string) consume.Event {
	t.Helper()
	env, err := envelope.New(context.Background(), orderevents.Source, orderevents.OrderConfirmedV1{OrderID: id, CustomerID: "c-1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return consume.Event{ID: env.ID, Type: env.Type, Envelope: b}
}

// One email per order however often OrderConfirmed comes; a failed send is retried and
// then sends; an order without an email sends nothing and is done.
func TestHandler(t *testing.T) {
	orders := fakeOrders{
		"o-1": newOrder(t, "o-1", "ann@example.com"),
		"o-2": newOrder(t, "o-2", ""),
	}
	claims := fakeClaims{}
	mailer := &fakeMailer{}
	h := confirm.Handler(confirm.Deps{Orders: orders, Claims: claims, Mailer: mailer, From: "shop@example.com"})
	ctx := context.Background()

	mailer.fail = errors.New("throttled")
	if err := h(ctx, confirmed(t, "o-1")); err == nil {
		t.Fatal("a failed send returned no error: the message would not be retried")
	}
	mailer.fail = nil
	ev := confirmed(t, "o-1")
	for range 3 {
		if err := h(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := h(ctx, confirmed(t, "o-1")); err != nil { // another OrderConfirmed of the same order
		t.Fatal(err)
	}
	if err := h(ctx, confirmed(t, "o-2")); err != nil {
		t.Errorf("an order without an email: %v, want done", err)
	}
	if len(mailer.sent) != 1 {
		t.Fatalf("sent %d emails, want 1: %+v", len(mailer.sent), mailer.sent)
	}
	got := mailer.sent[0]
	want := confirm.Email{From: "shop@example.com", To: "ann@example.com", Subject: "Your order o-1 is confirmed"}
	got.Text = ""
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("email (-want +got):\n%s", diff)
	}

	if err := h(ctx, confirmed(t, "o-missing")); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("unknown order: %v, want ErrNotFound (retried, then the DLQ)", err)
	}
}

// fakeCustomers is a user directory: customer ID → email.
type fakeCustomers map[string]string

func (f fakeCustomers) Email(_ context.Context, id string) (string, error) {
	if e, ok := f[id]; ok {
		return e, nil
	}
	return "", confirm.ErrUnknownCustomer
}

// An order placed without an email (an access token has none) is confirmed to the address
// the user directory holds for its customer; a customer the directory does not know gets
// nothing, and the event is done; a directory failure is retried.
func TestHandlerFindsTheEmailInTheDirectory(t *testing.T) {
	orders := fakeOrders{"o-1": newOrder(t, "o-1", "")}
	ctx := context.Background()
	tests := []struct {
		name      string
		customers confirm.Customers
		wantTo    []string
	}{
		{"known customer", fakeCustomers{"c-1": "cy@example.com"}, []string{"cy@example.com"}},
		{"unknown customer", fakeCustomers{}, nil},
		{"no directory", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mailer := &fakeMailer{}
			h := confirm.Handler(confirm.Deps{Orders: orders, Claims: fakeClaims{}, Mailer: mailer, Customers: tt.customers})
			if err := h(ctx, confirmed(t, "o-1")); err != nil {
				t.Fatal(err)
			}
			var to []string
			for _, e := range mailer.sent {
				to = append(to, e.To)
			}
			if diff := cmp.Diff(tt.wantTo, to); diff != "" {
				t.Errorf("sent to (-want +got):\n%s", diff)
			}
		})
	}
	failing := confirm.Handler(confirm.Deps{Orders: orders, Claims: fakeClaims{}, Mailer: &fakeMailer{}, Customers: brokenCustomers{}})
	if err := failing(ctx, confirmed(t, "o-1")); !errors.Is(err, errDirectoryDown) {
		t.Errorf("directory failure: %v, want it returned (retried)", err)
	}
}

var errDirectoryDown = errors.New("directory down")

type brokenCustomers struct{}

func (brokenCustomers) Email(context.Context, string) (string, error) { return "", errDirectoryDown }
