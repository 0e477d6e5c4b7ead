// Package ddb keeps orders, the catalog replica and the outbox in the orders table
// (functions/orders/spec): partition key id, with "order#<id>" items indexed by byCustomer,
// byStatus and byNewest (sparse: only orders carry their keys), "product#<id>" replica items
// and one "outbox#<orderId>" row per order (shared/outbox).
//
// Every write of an order is conditional: a new order on attribute_not_exists, a change on
// the version it was read at, in one TransactWriteItems with the order's outbox row when the
// change emits an event.
package ddb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/functions/orders/internal/app"
	"github.com/microshop/microshop/functions/orders/internal/order"
	ordersspec "github.com/microshop/microshop/functions/orders/spec"
	"github.com/microshop/microshop/shared/money"
	"github.com/microshop/microshop/shared/outbox"
)

// timeLayout is RFC 3339 in UTC with exactly nine fractional digits, so timestamps (and
// sortKey, which starts with one) sort as strings in time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

const listKeyOrder = "ORDER"

// API is the part of the DynamoDB client the store uses; *dynamodb.Client implements it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Store is the DynamoDB orders store and catalog replica.
type Store struct {
	db    API
	table string
}

var (
	_ app.Orders   = (*Store)(nil)
	_ app.Products = (*Store)(nil)
)

// New returns a store on table.
func New(db API, table string) *Store { return &Store{db: db, table: table} }

// CreateTableInput describes the orders table as ordersspec.Table does (on demand), for tests.
func CreateTableInput(table string) *dynamodb.CreateTableInput {
	return ordersspec.Table().CreateTableInput(table)
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{ordersspec.KeyID: &types.AttributeValueMemberS{Value: id}}
}

func orderKey(id order.ID) string { return "order#" + string(id) }

// OutboxKey is the key of order id's outbox row.
func OutboxKey(id order.ID) map[string]types.AttributeValue { return key("outbox#" + string(id)) }

// Create implements app.Orders.
func (s *Store) Create(ctx context.Context, o *order.Order, ev envelope.Envelope) error {
	item, err := marshalOrder(o)
	if err != nil {
		return err
	}
	cond, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(ordersspec.KeyID))).Build()
	if err != nil {
		return fmt.Errorf("create order %s: %w", o.ID(), err)
	}
	row, err := outbox.Row(s.table, OutboxKey(o.ID()), ev)
	if err != nil {
		return fmt.Errorf("create order %s: %w", o.ID(), err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: aws.String(s.table), Item: item, ConditionExpression: cond.Condition(),
			ExpressionAttributeNames: cond.Names(),
		}},
		row,
	}})
	if conditionFailed(err) {
		return fmt.Errorf("create order %s: %w", o.ID(), order.ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("create order %s: %w", o.ID(), err)
	}
	return nil
}

// Get implements app.Orders.
func (s *Store) Get(ctx context.Context, id order.ID) (*order.Order, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(orderKey(id)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get order %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("get order %s: %w", id, order.ErrNotFound)
	}
	return unmarshalOrder(out.Item)
}

// Update implements app.Orders.
func (s *Store) Update(ctx context.Context, id order.ID, fn func(*order.Order) (*envelope.Envelope, error)) (*order.Order, error) {
	for range app.UpdateAttempts {
		o, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		read := o.Version()
		ev, err := fn(o)
		if err != nil {
			return nil, err
		}
		if o.Version() == read {
			return o, nil
		}
		err = s.write(ctx, o, read, ev)
		if conditionFailed(err) || transactionConflict(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return o, nil
	}
	return nil, fmt.Errorf("update order %s: %w", id, order.ErrConflict)
}

// write stores o on condition that the stored version is still read, with ev's outbox row.
func (s *Store) write(ctx context.Context, o *order.Order, read int, ev *envelope.Envelope) error {
	item, err := marshalOrder(o)
	if err != nil {
		return err
	}
	cond, err := expression.NewBuilder().WithCondition(expression.Name("version").Equal(expression.Value(read))).Build()
	if err != nil {
		return fmt.Errorf("update order %s: %w", o.ID(), err)
	}
	put := &types.Put{
		TableName: aws.String(s.table), Item: item, ConditionExpression: cond.Condition(),
		ExpressionAttributeNames: cond.Names(), ExpressionAttributeValues: cond.Values(),
	}
	if ev == nil {
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression,
			ExpressionAttributeNames: put.ExpressionAttributeNames, ExpressionAttributeValues: put.ExpressionAttributeValues,
		})
	} else {
		var row types.TransactWriteItem
		if row, err = outbox.Row(s.table, OutboxKey(o.ID()), *ev); err != nil {
			return fmt.Errorf("update order %s: %w", o.ID(), err)
		}
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: []types.TransactWriteItem{{Put: put}, row},
		})
	}
	if err != nil {
		return fmt.Errorf("update order %s at version %d: %w", o.ID(), read, err)
	}
	return nil
}

// conditionFailed reports whether err is a failed condition of a PutItem, or a transaction
// canceled because its first item (the order) failed its condition.
func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return true
	}
	var canceled *types.TransactionCanceledException
	return errors.As(err, &canceled) && len(canceled.CancellationReasons) > 0 &&
		aws.ToString(canceled.CancellationReasons[0].Code) == "ConditionalCheckFailed"
}

// transactionConflict reports whether err is a transaction canceled because another
// transaction was writing the same item at that moment: like a lost optimistic race, it is
// retried from a fresh read.
func transactionConflict(err error) bool {
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		return false
	}
	for _, r := range canceled.CancellationReasons {
		if aws.ToString(r.Code) == "TransactionConflict" {
			return true
		}
	}
	return false
}

// The stored shapes.

type moneyItem struct {
	Amount   int64  `dynamodbav:"amount"`
	Currency string `dynamodbav:"currency"`
}

type lineItem struct {
	ProductID string    `dynamodbav:"productId"`
	Name      string    `dynamodbav:"name"`
	Quantity  int       `dynamodbav:"quantity"`
	UnitPrice moneyItem `dynamodbav:"unitPrice"`
	LineTotal moneyItem `dynamodbav:"lineTotal"`
}

type addressItem struct {
	Name       string `dynamodbav:"name"`
	Line1      string `dynamodbav:"line1"`
	Line2      string `dynamodbav:"line2,omitempty"`
	City       string `dynamodbav:"city"`
	PostalCode string `dynamodbav:"postalCode"`
	Country    string `dynamodbav:"country"`
}

type orderItem struct {
	ID            string      `dynamodbav:"id"`
	OrderID       string      `dynamodbav:"orderId"`
	CustomerID    string      `dynamodbav:"customerId"`
	Status        string      `dynamodbav:"status"`
	ListKey       string      `dynamodbav:"listKey"`
	SortKey       string      `dynamodbav:"sortKey"`
	Lines         []lineItem  `dynamodbav:"lines"`
	Shipping      moneyItem   `dynamodbav:"shipping"`
	Total         moneyItem   `dynamodbav:"total"`
	Address       addressItem `dynamodbav:"shippingAddress"`
	PaymentToken  string      `dynamodbav:"paymentToken"`
	FromCart      bool        `dynamodbav:"fromCart"`
	CartVersion   int         `dynamodbav:"cartVersion,omitempty"`
	CorrelationID string      `dynamodbav:"correlationId,omitempty"`
	FailureReason string      `dynamodbav:"failureReason,omitempty"`
	Email         string      `dynamodbav:"email,omitempty"`
	CreatedAt     string      `dynamodbav:"createdAt"`
	UpdatedAt     string      `dynamodbav:"updatedAt"`
	Version       int         `dynamodbav:"version"`
}

func toMoney(p money.Price) moneyItem {
	return moneyItem{Amount: int64(p.Amount()), Currency: p.Currency().String()}
}

func fromMoney(m moneyItem) (money.Price, error) {
	c, err := money.ParseCurrency(m.Currency)
	if err != nil {
		return money.Price{}, err
	}
	return money.NewPrice(money.Cents(m.Amount), c)
}

func sortKey(createdAt time.Time, id order.ID) string {
	return createdAt.UTC().Format(timeLayout) + "#" + string(id)
}

func marshalOrder(o *order.Order) (map[string]types.AttributeValue, error) {
	st := o.Snapshot()
	it := orderItem{
		ID: orderKey(st.ID), OrderID: string(st.ID), CustomerID: st.CustomerID, Status: string(st.Status),
		ListKey: listKeyOrder, SortKey: sortKey(st.CreatedAt, st.ID),
		Shipping: toMoney(st.Shipping), Total: toMoney(st.Total),
		Address: addressItem{
			Name: st.Address.Name, Line1: st.Address.Line1, Line2: st.Address.Line2, City: st.Address.City,
			PostalCode: st.Address.PostalCode, Country: st.Address.Country,
		},
		PaymentToken: st.PaymentToken, FromCart: st.FromCart, CartVersion: st.CartVersion, CorrelationID: st.CorrelationID,
		FailureReason: st.FailureReason, Email: st.Email, CreatedAt: st.CreatedAt.UTC().Format(timeLayout),
		UpdatedAt: st.UpdatedAt.UTC().Format(timeLayout), Version: st.Version,
	}
	for _, l := range st.Lines {
		it.Lines = append(it.Lines, lineItem{
			ProductID: l.ProductID, Name: l.Name, Quantity: l.Quantity,
			UnitPrice: toMoney(l.UnitPrice), LineTotal: toMoney(l.LineTotal),
		})
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("marshal order %s: %w", st.ID, err)
	}
	return item, nil
}

func unmarshalOrder(item map[string]types.AttributeValue) (*order.Order, error) {
	var it orderItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return nil, fmt.Errorf("unmarshal order: %w", err)
	}
	fail := func(err error) (*order.Order, error) {
		return nil, fmt.Errorf("unmarshal order %s: %w", it.OrderID, err)
	}
	st := order.Stored{
		ID: order.ID(it.OrderID), CustomerID: it.CustomerID, Status: order.Status(it.Status),
		Address: order.Address{
			Name: it.Address.Name, Line1: it.Address.Line1, Line2: it.Address.Line2, City: it.Address.City,
			PostalCode: it.Address.PostalCode, Country: it.Address.Country,
		},
		PaymentToken: it.PaymentToken, FromCart: it.FromCart, CartVersion: it.CartVersion, CorrelationID: it.CorrelationID,
		FailureReason: it.FailureReason, Email: it.Email, Version: it.Version,
	}
	var err error
	if st.Shipping, err = fromMoney(it.Shipping); err != nil {
		return fail(err)
	}
	if st.Total, err = fromMoney(it.Total); err != nil {
		return fail(err)
	}
	if st.CreatedAt, err = time.Parse(time.RFC3339Nano, it.CreatedAt); err != nil {
		return fail(err)
	}
	if st.UpdatedAt, err = time.Parse(time.RFC3339Nano, it.UpdatedAt); err != nil {
		return fail(err)
	}
	for _, l := range it.Lines {
		line := order.Line{ProductID: l.ProductID, Name: l.Name, Quantity: l.Quantity}
		if line.UnitPrice, err = fromMoney(l.UnitPrice); err != nil {
			return fail(err)
		}
		if line.LineTotal, err = fromMoney(l.LineTotal); err != nil {
			return fail(err)
		}
		st.Lines = append(st.Lines, line)
	}
	return order.Restore(st), nil
}
