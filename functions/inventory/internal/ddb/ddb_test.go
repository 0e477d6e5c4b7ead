package ddb_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/events/amount"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/inventoryevents"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/inventory/internal/app"
	"github.com/microshop/microshop/functions/inventory/internal/ddb"
	"github.com/microshop/microshop/functions/inventory/internal/stock"
	"github.com/microshop/microshop/local/ddbtest"
)

var tableSeq atomic.Int64

// fixture is an inventory on a fresh table of the real local engine, through the real SDK.
type fixture struct {
	client *dynamodb.Client
	table  string
	inv    *app.Inventory
}

func newFixture(t *testing.T, client *dynamodb.Client) fixture {
	t.Helper()
	table := fmt.Sprintf("inventory-%d", tableSeq.Add(1))
	ctx := context.Background()
	if _, err := client.CreateTable(ctx, ddb.CreateTableInput(table)); err != nil {
		t.Fatalf("create table %s: %v", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 200*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 30*time.Second); err != nil {
		t.Fatalf("wait for table %s: %v", table, err)
	}
	now := func() time.Time { return time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC) }
	return fixture{client: client, table: table, inv: app.New(ddb.New(client, table), now)}
}

func (f fixture) set(t *testing.T, id string, n int64) {
	t.Helper()
	if _, err := f.inv.SetOnHand(context.Background(), id, n); err != nil {
		t.Fatalf("SetOnHand(%s, %d): %v", id, n, err)
	}
}

// level is a stock level as the admin API shows it.
type level struct{ OnHand, Reserved, Available int64 }

func (f fixture) level(t *testing.T, id string) level {
	t.Helper()
	l, err := f.inv.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return level{l.OnHand, l.Reserved, l.Available()}
}

// outboxEvent returns the envelope in order id's outbox row, or false when there is none.
func (f fixture) outboxEvent(t *testing.T, orderID string) (envelope.Envelope, bool) {
	t.Helper()
	out, err := f.client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(f.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "outbox#" + orderID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		return envelope.Envelope{}, false
	}
	var row struct {
		Event     string `dynamodbav:"outboxEvent"`
		ExpiresAt int64  `dynamodbav:"expiresAt"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &row); err != nil {
		t.Fatal(err)
	}
	if row.ExpiresAt == 0 {
		t.Errorf("outbox row of %s has no expiresAt", orderID)
	}
	env, err := envelope.Decode([]byte(row.Event))
	if err != nil {
		t.Fatal(err)
	}
	return env, true
}

func placed(orderID string, lines ...orderevents.Line) orderevents.OrderPlacedV1 {
	return orderevents.OrderPlacedV1{
		OrderID: orderID, CustomerID: "cust-1", Lines: lines,
		Total:        amount.Money{Amount: 1000, Currency: "USD"},
		PaymentToken: "tok_visa",
		ShippingAddress: orderevents.Address{
			Name: "Ada", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US",
		},
	}
}

func line(id string, q int) orderevents.Line { return orderevents.Line{ProductID: id, Quantity: q} }

func TestSetAndGet(t *testing.T) {
	f := newFixture(t, ddbtest.Client(t))
	ctx := context.Background()
	if _, err := f.inv.Get(ctx, "p1"); !errors.Is(err, stock.ErrNotFound) {
		t.Errorf("Get of a product never set: error %v, want ErrNotFound", err)
	}
	got, err := f.inv.SetOnHand(ctx, "p1", 25)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stock.Level{ProductID: "p1", OnHand: 25}, got); diff != "" {
		t.Errorf("SetOnHand (-want +got):\n%s", diff)
	}
	f.set(t, "p1", 30)
	if diff := cmp.Diff(level{30, 0, 30}, f.level(t, "p1")); diff != "" {
		t.Errorf("after a second set (-want +got):\n%s", diff)
	}
	if _, err := f.inv.SetOnHand(ctx, "p1", -1); !errors.Is(err, stock.ErrInvalidOnHand) {
		t.Errorf("SetOnHand(-1): error %v, want ErrInvalidOnHand", err)
	}
}

// An admin may lower onHand down to the reserved quantity, not below: available never goes
// negative.
func TestSetOnHandBelowReserved(t *testing.T) {
	f := newFixture(t, ddbtest.Client(t))
	ctx := context.Background()
	f.set(t, "p1", 10)
	if err := f.inv.Reserve(ctx, placed("o1", line("p1", 4))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.inv.SetOnHand(ctx, "p1", 3); !errors.Is(err, stock.ErrBelowReserved) {
		t.Errorf("SetOnHand(3) with 4 reserved: error %v, want ErrBelowReserved", err)
	}
	f.set(t, "p1", 4)
	if diff := cmp.Diff(level{4, 4, 0}, f.level(t, "p1")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReserveEmitsStockReserved(t *testing.T) {
	f := newFixture(t, ddbtest.Client(t))
	f.set(t, "p1", 10)
	f.set(t, "p2", 5)
	in := placed("o1", line("p2", 2), line("p1", 3), line("p2", 1))
	if err := f.inv.Reserve(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]level{"p1": {10, 3, 7}, "p2": {5, 3, 2}},
		map[string]level{"p1": f.level(t, "p1"), "p2": f.level(t, "p2")}); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}
	env, ok := f.outboxEvent(t, "o1")
	if !ok {
		t.Fatal("no outbox row")
	}
	got, err := envelope.Data[inventoryevents.StockReservedV1](env)
	if err != nil {
		t.Fatal(err)
	}
	want := inventoryevents.StockReservedV1{
		OrderID: "o1", CustomerID: "cust-1",
		Lines: []inventoryevents.Line{{ProductID: "p1", Quantity: 3}, {ProductID: "p2", Quantity: 3}},
		Total: in.Total, PaymentToken: in.PaymentToken, ShippingAddress: in.ShippingAddress,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StockReserved (-want +got):\n%s", diff)
	}
}

// An order whose lines cannot all be held holds none of them, and says why.
func TestReserveAllOrNothing(t *testing.T) {
	tests := []struct {
		name  string
		lines []orderevents.Line
		want  inventoryevents.StockRejectedV1
	}{
		{
			name:  "one line short",
			lines: []orderevents.Line{line("p1", 2), line("p2", 6)},
			want:  inventoryevents.StockRejectedV1{OrderID: "o1", CustomerID: "cust-1", Reason: "out_of_stock", ProductID: "p2"},
		},
		{
			name:  "unknown product",
			lines: []orderevents.Line{line("p1", 2), line("p9", 1)},
			want:  inventoryevents.StockRejectedV1{OrderID: "o1", CustomerID: "cust-1", Reason: "unknown_product", ProductID: "p9"},
		},
	}
	client := ddbtest.Client(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, client)
			f.set(t, "p1", 10)
			f.set(t, "p2", 5)
			if err := f.inv.Reserve(context.Background(), placed("o1", tt.lines...)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]level{"p1": {10, 0, 10}, "p2": {5, 0, 5}},
				map[string]level{"p1": f.level(t, "p1"), "p2": f.level(t, "p2")}); diff != "" {
				t.Errorf("levels (-want +got):\n%s", diff)
			}
			env, ok := f.outboxEvent(t, "o1")
			if !ok {
				t.Fatal("no outbox row")
			}
			got, err := envelope.Data[inventoryevents.StockRejectedV1](env)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("StockRejected (-want +got):\n%s", diff)
			}
		})
	}
}

// Every consumer gets each of its events twice and out of order: no second effect. The
// outbox row's event id shows whether a second event was written.
func TestRedeliveryHasNoSecondEffect(t *testing.T) {
	client := ddbtest.Client(t)
	ctx := context.Background()

	t.Run("OrderPlaced twice", func(t *testing.T) {
		f := newFixture(t, client)
		f.set(t, "p1", 10)
		if err := f.inv.Reserve(ctx, placed("o1", line("p1", 3))); err != nil {
			t.Fatal(err)
		}
		first, _ := f.outboxEvent(t, "o1")
		if err := f.inv.Reserve(ctx, placed("o1", line("p1", 3))); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(level{10, 3, 7}, f.level(t, "p1")); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if again, _ := f.outboxEvent(t, "o1"); again.ID != first.ID {
			t.Errorf("a duplicate OrderPlaced wrote event %s (%s) after %s", again.ID, again.Type, first.ID)
		}
	})

	t.Run("rejected OrderPlaced twice, stock arriving between", func(t *testing.T) {
		f := newFixture(t, client)
		f.set(t, "p1", 1)
		if err := f.inv.Reserve(ctx, placed("o1", line("p1", 3))); err != nil {
			t.Fatal(err)
		}
		first, _ := f.outboxEvent(t, "o1")
		f.set(t, "p1", 10)
		if err := f.inv.Reserve(ctx, placed("o1", line("p1", 3))); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(level{10, 0, 10}, f.level(t, "p1")); diff != "" {
			t.Errorf("a rejected order was reserved on redelivery (-want +got):\n%s", diff)
		}
		if again, _ := f.outboxEvent(t, "o1"); again.ID != first.ID || first.Type != "StockRejected" {
			t.Errorf("events %s (%s) then %s (%s), want one StockRejected", first.ID, first.Type, again.ID, again.Type)
		}
	})

	t.Run("release twice", func(t *testing.T) {
		f := newFixture(t, client)
		f.set(t, "p1", 10)
		if err := f.inv.Reserve(ctx, placed("o1", line("p1", 3))); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := f.inv.Release(ctx, "o1", "cust-1"); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(level{10, 0, 10}, f.level(t, "p1")); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		env, _ := f.outboxEvent(t, "o1")
		got, err := envelope.Data[inventoryevents.StockReleasedV1](env)
		if err != nil {
			t.Fatal(err)
		}
		want := inventoryevents.StockReleasedV1{OrderID: "o1", CustomerID: "cust-1", Lines: []inventoryevents.Line{{ProductID: "p1", Quantity: 3}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("StockReleased (-want +got):\n%s", diff)
		}
	})

	t.Run("commit twice", func(t *testing.T) {
		f := newFixture(t, client)
		f.set(t, "p1", 10)
		if err := f.inv.Reserve(ctx, placed("o1", line("p1", 3))); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := f.inv.Commit(ctx, "o1"); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(level{7, 0, 7}, f.level(t, "p1")); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("cancel before the order arrives", func(t *testing.T) {
		f := newFixture(t, client)
		f.set(t, "p1", 10)
		if err := f.inv.Release(ctx, "o1", "cust-1"); err != nil {
			t.Fatal(err)
		}
		if err := f.inv.Reserve(ctx, placed("o1", line("p1", 3))); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(level{10, 0, 10}, f.level(t, "p1")); diff != "" {
			t.Errorf("a cancelled order was reserved (-want +got):\n%s", diff)
		}
		if env, ok := f.outboxEvent(t, "o1"); ok {
			t.Errorf("a cancelled order emitted %s", env.Type)
		}
		// The same steps in order do reserve, so the check above could have failed.
		if err := f.inv.Reserve(ctx, placed("o2", line("p1", 3))); err != nil {
			t.Fatal(err)
		}
		if _, ok := f.outboxEvent(t, "o2"); !ok {
			t.Error("o2 emitted nothing")
		}
	})

	t.Run("cancel after delivery", func(t *testing.T) {
		f := newFixture(t, client)
		f.set(t, "p1", 10)
		if err := f.inv.Reserve(ctx, placed("o1", line("p1", 3))); err != nil {
			t.Fatal(err)
		}
		if err := f.inv.Commit(ctx, "o1"); err != nil {
			t.Fatal(err)
		}
		if err := f.inv.Release(ctx, "o1", "cust-1"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(level{7, 0, 7}, f.level(t, "p1")); diff != "" {
			t.Errorf("release after commit changed stock (-want +got):\n%s", diff)
		}
		if env, _ := f.outboxEvent(t, "o1"); env.Type != inventoryevents.TypeStockReserved {
			t.Errorf("last event %s, want StockReserved (nothing after the commit)", env.Type)
		}
	})

	t.Run("delivered before reserved is retried", func(t *testing.T) {
		f := newFixture(t, client)
		if err := f.inv.Commit(ctx, "o1"); !errors.Is(err, stock.ErrNotFound) {
			t.Errorf("Commit of an unknown order: error %v, want ErrNotFound (retry, then DLQ)", err)
		}
	})
}

// TestConcurrentOrdersNeverOversell is the flash sale on the real engine: 200 orders of one
// unit each race for 25 units, while other orders on the same product are released and
// committed and the admin raises and lowers onHand. Exactly as many orders are reserved as
// there were units; available is never seen below zero; and at the end every unit is
// accounted for: onHand = available + reserved, reserved = the sum of held reservations.
func TestConcurrentOrdersNeverOversell(t *testing.T) {
	f := newFixture(t, ddbtest.Client(t))
	ctx := context.Background()
	const units, buyers = 25, 200
	f.set(t, "hot", units)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	var observed atomic.Int64 // observations of the level while the sale ran
	var negative atomic.Int64
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			l, err := f.inv.Get(ctx, "hot")
			if err == nil {
				observed.Add(1)
				if l.Available() < 0 || l.Reserved < 0 {
					negative.Add(1)
				}
			}
		}
	}()
	for i := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.inv.Reserve(ctx, placed(fmt.Sprintf("order-%03d", i), line("hot", 1))); err != nil {
				t.Errorf("order-%03d: %v", i, err)
			}
		}()
	}
	// The admin sets onHand (to the same value) during the sale: available is recomputed
	// from reserved in the same write, so it must not undo or double any reservation.
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = f.inv.SetOnHand(ctx, "hot", units)
	}()
	wg.Wait()
	close(stop)

	reserved := 0
	for i := range buyers {
		env, ok := f.outboxEvent(t, fmt.Sprintf("order-%03d", i))
		if !ok {
			t.Fatalf("order-%03d: no event", i)
		}
		if env.Type == inventoryevents.TypeStockReserved {
			reserved++
		}
	}
	if reserved != units {
		t.Errorf("%d orders reserved, want exactly %d", reserved, units)
	}
	if diff := cmp.Diff(level{units, units, 0}, f.level(t, "hot")); diff != "" {
		t.Errorf("after the sale (-want +got):\n%s", diff)
	}
	if observed.Load() == 0 || negative.Load() != 0 {
		t.Errorf("%d of %d observations during the sale were negative", negative.Load(), observed.Load())
	}

	// Now release and commit concurrently, and refill: the books still balance.
	var held []string
	for i := range buyers {
		if env, _ := f.outboxEvent(t, fmt.Sprintf("order-%03d", i)); env.Type == inventoryevents.TypeStockReserved {
			held = append(held, fmt.Sprintf("order-%03d", i))
		}
	}
	for i, id := range held {
		wg.Add(2)
		go func() {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				err = f.inv.Release(ctx, id, "cust-1")
			} else {
				err = f.inv.Commit(ctx, id)
			}
			if err != nil {
				t.Errorf("%s: %v", id, err)
			}
		}()
		go func() { // a duplicate of every event, racing the first
			defer wg.Done()
			var err error
			if i%2 == 0 {
				err = f.inv.Release(ctx, id, "cust-1")
			} else {
				err = f.inv.Commit(ctx, id)
			}
			if err != nil {
				t.Errorf("%s duplicate: %v", id, err)
			}
		}()
	}
	wg.Wait()
	committed := int64(len(held) / 2)
	if diff := cmp.Diff(level{units - committed, 0, units - committed}, f.level(t, "hot")); diff != "" {
		t.Errorf("after releasing and committing (-want +got):\n%s", diff)
	}
}
