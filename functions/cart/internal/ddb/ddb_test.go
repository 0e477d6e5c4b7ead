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

	"github.com/microshop/microshop/events/cartevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/events/orderevents"
	"github.com/microshop/microshop/functions/cart/internal/app"
	"github.com/microshop/microshop/functions/cart/internal/cart"
	"github.com/microshop/microshop/functions/cart/internal/ddb"
	"github.com/microshop/microshop/local/ddbtest"
	"github.com/microshop/microshop/shared/money"
)

var (
	tableSeq atomic.Int64
	usd      = money.MustParseCurrency("USD")
	t0       = time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)
)

// fixture is the cart's use cases on a fresh table of the real local engine, through the real
// SDK, with a clock the test moves.
type fixture struct {
	client *dynamodb.Client
	table  string
	carts  *app.Carts
	now    *time.Time
}

func newFixture(t *testing.T, client *dynamodb.Client) *fixture {
	t.Helper()
	table := fmt.Sprintf("cart-%d", tableSeq.Add(1))
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
	f := &fixture{client: client, table: table}
	now := t0
	f.now = &now
	f.carts = app.New(ddb.New(client, table), usd, func() time.Time { return *f.now })
	return f
}

func price(t *testing.T, cents int64) money.Price {
	t.Helper()
	p, err := money.NewPrice(money.Cents(cents), usd)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) product(t *testing.T, id, name string, cents int64, version int) {
	t.Helper()
	if err := f.carts.ProductChanged(context.Background(), cart.Product{ID: cart.ProductID(id), Name: name, Price: price(t, cents), Version: version}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) set(t *testing.T, customer, id string, q int) {
	t.Helper()
	if _, err := f.carts.SetItem(context.Background(), customer, id, q); err != nil {
		t.Fatalf("SetItem(%s, %s, %d): %v", customer, id, q, err)
	}
}

// view is a cart view in the API's terms: amounts in cents.
type view struct {
	Items []item
	Total int64
}

type item struct {
	ProductID, Name      string
	Quantity             int
	UnitPrice, LineTotal int64
}

func (f *fixture) view(t *testing.T, customer string) view {
	t.Helper()
	v, err := f.carts.Get(context.Background(), customer)
	if err != nil {
		t.Fatal(err)
	}
	out := view{Total: int64(v.Total.Amount())}
	for _, it := range v.Items {
		out.Items = append(out.Items, item{string(it.ProductID), it.Name, it.Quantity, int64(it.UnitPrice.Amount()), int64(it.LineTotal.Amount())})
	}
	return out
}

func TestCartAtCurrentPrices(t *testing.T) {
	f := newFixture(t, ddbtest.Client(t))
	f.product(t, "mug", "Mug", 1250, 1)
	f.product(t, "tea", "Tea", 499, 1)
	f.set(t, "alice", "mug", 2)
	*f.now = f.now.Add(time.Minute)
	f.set(t, "alice", "tea", 3)
	f.set(t, "alice", "mug", 1) // a change keeps the line's place
	want := view{Items: []item{{"mug", "Mug", 1, 1250, 1250}, {"tea", "Tea", 3, 499, 1497}}, Total: 2747}
	if diff := cmp.Diff(want, f.view(t, "alice")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// The catalog changes a price: the cart shows the new one. A late, older event does not
	// bring the old price back.
	f.product(t, "mug", "Big mug", 1500, 2)
	f.product(t, "mug", "Mug", 1250, 1)
	want = view{Items: []item{{"mug", "Big mug", 1, 1500, 1500}, {"tea", "Tea", 3, 499, 1497}}, Total: 2997}
	if diff := cmp.Diff(want, f.view(t, "alice")); diff != "" {
		t.Errorf("after a price change (-want +got):\n%s", diff)
	}

	// A deleted product leaves the priced cart and cannot be added; a late change does not
	// revive it.
	if err := f.carts.ProductDeleted(context.Background(), "tea"); err != nil {
		t.Fatal(err)
	}
	f.product(t, "tea", "Tea", 499, 7)
	want = view{Items: []item{{"mug", "Big mug", 1, 1500, 1500}}, Total: 1500}
	if diff := cmp.Diff(want, f.view(t, "alice")); diff != "" {
		t.Errorf("after a deletion (-want +got):\n%s", diff)
	}
	if _, err := f.carts.SetItem(context.Background(), "alice", "tea", 1); !errors.Is(err, cart.ErrProductNotFound) {
		t.Errorf("SetItem of a deleted product: %v, want ErrProductNotFound", err)
	}

	// Another customer's cart is their own.
	if diff := cmp.Diff(view{}, f.view(t, "bob")); diff != "" {
		t.Errorf("bob's cart (-want +got):\n%s", diff)
	}
}

func TestSetItemRefuses(t *testing.T) {
	f := newFixture(t, ddbtest.Client(t))
	f.product(t, "mug", "Mug", 1250, 1)
	tests := []struct {
		name, id string
		q        int
		want     error
	}{
		{"unknown product", "nope", 1, cart.ErrProductNotFound},
		{"zero", "mug", 0, cart.ErrInvalidQuantity},
		{"over 99", "mug", 100, cart.ErrInvalidQuantity},
		{"bad id", "a#b", 1, cart.ErrInvalidProductID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.carts.SetItem(context.Background(), "alice", tt.id, tt.q); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
	f.set(t, "alice", "mug", 99)
	if diff := cmp.Diff(view{Items: []item{{"mug", "Mug", 99, 1250, 123750}}, Total: 123750}, f.view(t, "alice")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRemoveAndClear(t *testing.T) {
	f := newFixture(t, ddbtest.Client(t))
	f.product(t, "mug", "Mug", 1250, 1)
	f.product(t, "tea", "Tea", 499, 1)
	f.set(t, "alice", "mug", 1)
	f.set(t, "alice", "tea", 1)
	ctx := context.Background()
	for range 2 { // removing twice is fine
		if _, err := f.carts.RemoveItem(ctx, "alice", "mug"); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(view{Items: []item{{"tea", "Tea", 1, 499, 499}}, Total: 499}, f.view(t, "alice")); diff != "" {
		t.Errorf("after remove (-want +got):\n%s", diff)
	}
	if err := f.carts.Clear(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(view{}, f.view(t, "alice")); diff != "" {
		t.Errorf("after clear (-want +got):\n%s", diff)
	}
}

// A cart expires 30 days after its last change: its TTL attribute says so, and it reads as
// empty once expired even before DynamoDB deletes it.
func TestExpiry(t *testing.T) {
	f := newFixture(t, ddbtest.Client(t))
	f.product(t, "mug", "Mug", 1250, 1)
	f.set(t, "alice", "mug", 1)
	*f.now = t0.Add(10 * 24 * time.Hour)
	f.set(t, "alice", "mug", 2)

	out, err := f.client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(f.table), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "cart#alice"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var stored struct {
		ExpiresAt int64 `dynamodbav:"expiresAt"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &stored); err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(40 * 24 * time.Hour).Unix(); stored.ExpiresAt != want {
		t.Errorf("expiresAt = %d, want %d (30 days after the last change)", stored.ExpiresAt, want)
	}

	*f.now = t0.Add(40*24*time.Hour - time.Second)
	if got := f.view(t, "alice"); len(got.Items) != 1 {
		t.Errorf("a second before expiry: %v, want the line", got)
	}
	*f.now = t0.Add(40 * 24 * time.Hour)
	if diff := cmp.Diff(view{}, f.view(t, "alice")); diff != "" {
		t.Errorf("expired cart (-want +got):\n%s", diff)
	}
	f.set(t, "alice", "mug", 5) // a new cart over the expired one
	if diff := cmp.Diff(view{Items: []item{{"mug", "Mug", 5, 1250, 6250}}, Total: 6250}, f.view(t, "alice")); diff != "" {
		t.Errorf("after expiry (-want +got):\n%s", diff)
	}
}

// OrderPlaced with fromCart removes the ordered lines — once, however often it arrives — but
// not a line the customer changed after the cart version the order was taken from, nor
// anything when the order was not placed from the cart.
func TestOrderPlaced(t *testing.T) {
	f := newFixture(t, ddbtest.Client(t))
	ctx := context.Background()
	f.product(t, "mug", "Mug", 1250, 1)
	f.product(t, "tea", "Tea", 499, 1)
	f.product(t, "pot", "Pot", 2000, 1)
	f.set(t, "alice", "mug", 1)
	f.set(t, "alice", "tea", 2)
	v, err := f.carts.Get(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	ordered := v.Version
	*f.now = f.now.Add(time.Minute)
	f.set(t, "alice", "tea", 4) // changed after the order
	f.set(t, "alice", "pot", 1) // added after the order

	order := orderevents.OrderPlacedV1{
		OrderID: "o1", CustomerID: "alice", FromCart: true, CartVersion: ordered,
		Lines: []orderevents.Line{{ProductID: "mug", Quantity: 1}, {ProductID: "tea", Quantity: 2}},
	}
	notFromCart := order
	notFromCart.FromCart = false
	if err := f.carts.OrderPlaced(ctx, notFromCart); err != nil {
		t.Fatal(err)
	}
	if got := f.view(t, "alice"); len(got.Items) != 3 {
		t.Errorf("an order not from the cart changed it: %v", got)
	}
	for range 2 {
		if err := f.carts.OrderPlaced(ctx, order); err != nil {
			t.Fatal(err)
		}
	}
	want := view{Items: []item{{"tea", "Tea", 4, 499, 1996}, {"pot", "Pot", 1, 2000, 2000}}, Total: 3996}
	if diff := cmp.Diff(want, f.view(t, "alice")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Every change of a cart writes, in the same transaction, its outbox row holding CartChanged
// with the whole cart and the version stored; a change that changes nothing writes nothing.
func TestChangesGoToTheOutbox(t *testing.T) {
	f := newFixture(t, ddbtest.Client(t))
	ctx := context.Background()
	f.product(t, "mug", "Mug", 1250, 1)
	f.product(t, "tea", "Tea", 499, 1)
	f.set(t, "alice", "mug", 2)
	f.set(t, "alice", "tea", 1)
	want := cartevents.CartChangedV1{CustomerID: "alice", Items: []cartevents.Item{{ProductID: "mug", Quantity: 2}, {ProductID: "tea", Quantity: 1}}, Version: 2}
	if diff := cmp.Diff(want, f.outboxEvent(t, "alice")); diff != "" {
		t.Errorf("after two changes (-want +got):\n%s", diff)
	}
	if _, err := f.carts.RemoveItem(ctx, "alice", "absent"); err != nil {
		t.Fatal(err)
	}
	if got := f.outboxEvent(t, "alice").Version; got != 2 {
		t.Errorf("a removal of no line wrote CartChanged version %d, want none (2 still)", got)
	}
	if err := f.carts.Clear(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	want = cartevents.CartChangedV1{CustomerID: "alice", Items: []cartevents.Item{}, Version: 3}
	if diff := cmp.Diff(want, f.outboxEvent(t, "alice")); diff != "" {
		t.Errorf("after DELETE /cart (-want +got):\n%s", diff)
	}
	if v, err := f.carts.Get(ctx, "alice"); err != nil || v.Version != 3 {
		t.Errorf("Get: version %d (%v), want the event's 3", v.Version, err)
	}
}

// outboxEvent reads the customer's outbox row and decodes its CartChanged.
func (f *fixture) outboxEvent(t *testing.T, customer string) cartevents.CartChangedV1 {
	t.Helper()
	out, err := f.client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(f.table), Key: ddb.OutboxKey(customer), ConsistentRead: aws.Bool(true),
	})
	if err != nil || out.Item == nil {
		t.Fatalf("outbox row of %s: %v (found %v)", customer, err, out != nil && out.Item != nil)
	}
	var row struct {
		Event string `dynamodbav:"outboxEvent"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &row); err != nil {
		t.Fatal(err)
	}
	env, err := envelope.Decode([]byte(row.Event))
	if err != nil {
		t.Fatal(err)
	}
	if env.Source != cartevents.Source {
		t.Errorf("outbox event source %q, want %q", env.Source, cartevents.Source)
	}
	ev, err := envelope.Data[cartevents.CartChangedV1](env)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// Concurrent changes to one cart all land: optimistic locking retries the losers.
func TestConcurrentChanges(t *testing.T) {
	f := newFixture(t, ddbtest.Client(t))
	const n = 8
	for i := range n {
		f.product(t, fmt.Sprintf("p%d", i), "P", 100, 1)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 4 { // a conflict may outlast Attempts under a burst; the client retries
				_, err := f.carts.SetItem(context.Background(), "alice", fmt.Sprintf("p%d", i), 1)
				if !errors.Is(err, cart.ErrConflict) {
					if err != nil {
						t.Error(err)
					}
					return
				}
			}
			t.Errorf("p%d: conflict every time", i)
		}()
	}
	wg.Wait()
	if got := f.view(t, "alice"); len(got.Items) != n || got.Total != n*100 {
		t.Errorf("cart after %d concurrent adds: %v", n, got)
	}
}
