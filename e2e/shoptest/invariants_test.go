package shoptest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestViolations(t *testing.T) {
	usd := func(n int64) Money { return Money{Amount: n, Currency: "USD"} }
	confirmed := OrderFacts{ID: "o1", Found: true, Paid: true,
		Order:   Order{ID: "o1", Status: Confirmed, Total: usd(700), Lines: []Line{{ProductID: "p1", Quantity: 2}}},
		Payment: Payment{OrderID: "o1", Status: "SUCCEEDED", Amount: usd(700)}}
	cancelled := OrderFacts{ID: "o2", Found: true, Paid: true,
		Order:   Order{ID: "o2", Status: Cancelled, Total: usd(300), Lines: []Line{{ProductID: "p1", Quantity: 1}}},
		Payment: Payment{OrderID: "o2", Status: "REFUNDED", Amount: usd(300)}}
	stock := ProductFacts{ID: "p1", Set: 10, Stock: Stock{ProductID: "p1", OnHand: 10, Reserved: 2, Available: 8}}
	good := Facts{Orders: []OrderFacts{confirmed, cancelled}, Products: []ProductFacts{stock}, DLQDepths: map[string]int{"q": 0}}

	for _, tc := range []struct {
		name  string
		facts func(f Facts) Facts
		want  []string
	}{
		{name: "all hold", facts: func(f Facts) Facts { return f }},
		{name: "a lost order", facts: func(f Facts) Facts {
			f.Orders = append(f.Orders, OrderFacts{ID: "o3"})
			return f
		}, want: []string{"order o3 was accepted but is lost (404)"}},
		{name: "an order never final", facts: func(f Facts) Facts {
			f.Orders = append(f.Orders, OrderFacts{ID: "o3", Found: true, Order: Order{ID: "o3", Status: Pending}})
			return f
		}, want: []string{"order o3 is PENDING, not in a final state"}},
		{name: "a cancelled order still charged", facts: func(f Facts) Facts {
			f.Orders = []OrderFacts{confirmed, cancelled}
			f.Orders[1].Payment.Status = "SUCCEEDED"
			return f
		}, want: []string{
			`CANCELLED order o2 has payment {OrderID:o2 Status:SUCCEEDED Amount:{Amount:300 Currency:USD} Reason:}, want none or REFUNDED`,
			"successful charges − refunds = 1000, want the CONFIRMED orders' totals 700",
		}},
		{name: "stock not conserved", facts: func(f Facts) Facts {
			f.Products = []ProductFacts{{ID: "p1", Set: 10, Stock: Stock{ProductID: "p1", OnHand: 10, Reserved: 3, Available: 7}}}
			return f
		}, want: []string{"product p1 reserved 3, want 2 (the lines of the orders holding a reservation)"}},
		{name: "oversold", facts: func(f Facts) Facts {
			f.Products = []ProductFacts{{ID: "p1", Set: 10, Stock: Stock{ProductID: "p1", OnHand: 10, Reserved: 12, Available: -2}}}
			return f
		}, want: []string{
			"product p1 stock {ProductID:p1 OnHand:10 Reserved:12 Available:-2}: want onHand = available + reserved, none negative",
			"product p1 reserved 12, want 2 (the lines of the orders holding a reservation)",
		}},
		{name: "a dead letter", facts: func(f Facts) Facts {
			f.DLQDepths = map[string]int{"q": 1}
			return f
		}, want: []string{"dead-letter queue q holds 1 messages, want 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Violations(tc.facts(good))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Violations (-want +got):\n%s", diff)
			}
		})
	}
}
