package order_test

import (
	"errors"
	"testing"
	"time"

	"github.com/microshop/microshop/functions/orders/internal/order"
	"github.com/microshop/microshop/shared/fault"
	"github.com/microshop/microshop/shared/money"
)

var (
	t0  = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	usd = money.MustParseCurrency("USD")
)

func price(t *testing.T, c money.Cents) money.Price {
	t.Helper()
	p, err := money.NewPrice(c, usd)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func placement(t *testing.T) order.Placement {
	t.Helper()
	l1, err := order.NewLine("p1", "Mug", 2, price(t, 1250))
	if err != nil {
		t.Fatal(err)
	}
	l2, err := order.NewLine("p2", "Tea", 1, price(t, 800))
	if err != nil {
		t.Fatal(err)
	}
	return order.Placement{
		CustomerID: "alice", Lines: []order.Line{l1, l2}, Shipping: price(t, 598), PaymentToken: "tok_visa",
		Address: order.Address{Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"},
	}
}

func TestNewPricesTheOrder(t *testing.T) {
	o, err := order.New("0123456789abcdef0123456789abcdef", placement(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := o.Total().Amount(), money.Cents(2*1250+800+598); got != want {
		t.Errorf("total = %d, want %d", got, want)
	}
	if o.Status() != order.Pending || o.Version() != 1 || o.ItemCount() != 3 {
		t.Errorf("new order: %s v%d, %d items; want PENDING v1, 3 items", o.Status(), o.Version(), o.ItemCount())
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *order.Placement)
	}{
		{"no lines", func(p *order.Placement) { p.Lines = nil }},
		{"duplicate product", func(p *order.Placement) { p.Lines = append(p.Lines, p.Lines[0]) }},
		{"no token", func(p *order.Placement) { p.PaymentToken = "" }},
		{"no city", func(p *order.Placement) { p.Address.City = "" }},
		{"lower-case country", func(p *order.Placement) { p.Address.Country = "us" }},
		{"long country", func(p *order.Placement) { p.Address.Country = "USA" }},
		{"mixed currencies", func(p *order.Placement) {
			eur, _ := money.NewPrice(100, money.MustParseCurrency("EUR"))
			p.Shipping = eur
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := placement(t)
			tt.change(&p)
			_, err := order.New(order.NewID(), p, t0)
			if fault.CodeOf(err) != fault.Invalid {
				t.Errorf("New: error = %v (code %s), want code invalid", err, fault.CodeOf(err))
			}
		})
	}
}

func TestNewLineRefusesQuantity(t *testing.T) {
	for _, q := range []int{0, -1, order.MaxQuantity + 1} {
		if _, err := order.NewLine("p1", "Mug", q, price(t, 100)); fault.CodeOf(err) != fault.Invalid {
			t.Errorf("NewLine quantity %d: error = %v, want code invalid", q, err)
		}
	}
}

// TestTransitions walks every status through every move: the allowed ones change the status
// and the version, every other one is ErrIllegalTransition and changes nothing.
func TestTransitions(t *testing.T) {
	moves := map[string]func(o *order.Order) error{
		"confirm": func(o *order.Order) error { return o.Confirm(t0.Add(time.Hour)) },
		"fail":    func(o *order.Order) error { return o.Fail("out_of_stock", t0.Add(time.Hour)) },
		"cancel":  func(o *order.Order) error { return o.Cancel(t0.Add(time.Hour)) },
		"deliver": func(o *order.Order) error { return o.Deliver(t0.Add(time.Hour)) },
	}
	allowed := map[order.Status]map[string]order.Status{
		order.Pending:   {"confirm": order.Confirmed, "fail": order.Failed, "cancel": order.Cancelled},
		order.Confirmed: {"cancel": order.Cancelled, "deliver": order.Delivered},
		order.Failed:    {},
		order.Cancelled: {},
		order.Delivered: {},
	}
	for from, next := range allowed {
		for name, move := range moves {
			t.Run(string(from)+"/"+name, func(t *testing.T) {
				st, err := order.New(order.NewID(), placement(t), t0)
				if err != nil {
					t.Fatal(err)
				}
				snap := st.Snapshot()
				snap.Status = from
				o := order.Restore(snap)
				err = move(o)
				want, ok := next[name]
				if !ok {
					if !errors.Is(err, order.ErrIllegalTransition) {
						t.Errorf("error = %v, want ErrIllegalTransition", err)
					}
					if o.Status() != from || o.Version() != 1 || !o.UpdatedAt().Equal(t0) {
						t.Errorf("refused move changed the order: %s v%d", o.Status(), o.Version())
					}
					return
				}
				if err != nil {
					t.Fatalf("error = %v, want nil", err)
				}
				if o.Status() != want || o.Version() != 2 || !o.UpdatedAt().Equal(t0.Add(time.Hour)) {
					t.Errorf("got %s v%d at %v, want %s v2 at %v", o.Status(), o.Version(), o.UpdatedAt(), want, t0.Add(time.Hour))
				}
			})
		}
	}
}

func TestFailKeepsReason(t *testing.T) {
	o, err := order.New(order.NewID(), placement(t), t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Fail("card_declined", t0); err != nil {
		t.Fatal(err)
	}
	if err := o.Fail("out_of_stock", t0); !errors.Is(err, order.ErrIllegalTransition) {
		t.Errorf("second Fail: error = %v, want ErrIllegalTransition", err)
	}
	if o.FailureReason() != "card_declined" {
		t.Errorf("reason = %q, want the first one", o.FailureReason())
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"0123456789abcdef0123456789abcdef", true},
		{"0123456789ABCDEF0123456789abcdef", false},
		{"0123", false},
		{"../0123456789abcdef0123456789abc", false},
	}
	for _, tt := range tests {
		_, err := order.ParseID(tt.in)
		if got := err == nil; got != tt.ok || (err != nil && !errors.Is(err, order.ErrNotFound)) {
			t.Errorf("ParseID(%q) error = %v, want ok %v (else ErrNotFound)", tt.in, err, tt.ok)
		}
	}
}
