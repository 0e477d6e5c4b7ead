// Package ddb is the inventory's DynamoDB adapter: stock levels, reservations and outbox rows in
// the service's one table (see inventoryspec for the key layout), written through the real AWS
// SDK with attributevalue and expression.
//
// The rule "available never below zero" is DynamoDB's to keep, not ours: every stock item holds
// onHand, reserved and available (= onHand - reserved; condition expressions cannot subtract),
// each write changes them together, and a reservation's update of a stock item carries the
// condition available >= quantity. All lines of an order are reserved in one
// TransactWriteItems, so an order holds all its stock or none, whatever runs concurrently.
package ddb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/functions/inventory/internal/app"
	"github.com/microshop/microshop/functions/inventory/internal/stock"
	inventoryspec "github.com/microshop/microshop/functions/inventory/spec"
	"github.com/microshop/microshop/shared/outbox"
)

// API is the part of the DynamoDB client the store calls.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Attempts bounds how often a transaction is tried when DynamoDB cancels it for a conflict
// with another transaction on the same items (TransactionConflict), or a reservation changed
// between its read and its write. A flash sale makes such conflicts common; each retry
// starts from fresh state, and after the last one the event fails and SQS redelivers it.
const Attempts = 8

// Store is the inventory's app.Store on DynamoDB.
type Store struct {
	db    API
	table string
	now   func() time.Time
}

var _ app.Store = (*Store)(nil)

// New returns the store on table through db.
func New(db API, table string) *Store {
	return &Store{db: db, table: table, now: time.Now}
}

// CreateTableInput describes the inventory table as inventoryspec.Table defines it (on demand,
// a stream of new images for the outbox publisher). Tests create tables with it.
func CreateTableInput(table string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(inventoryspec.KeyID), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(inventoryspec.KeyID), KeyType: types.KeyTypeHash}},
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage,
		},
	}
}

// Item keys.
func stockKey(id stock.ProductID) map[string]types.AttributeValue { return key("stock#" + string(id)) }
func reservationKey(orderID string) map[string]types.AttributeValue {
	return key("reservation#" + orderID)
}
func outboxKey(orderID string) map[string]types.AttributeValue { return key("outbox#" + orderID) }

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{inventoryspec.KeyID: &types.AttributeValueMemberS{Value: id}}
}

// stockItem is a product's stock level as stored; Available is always OnHand - Reserved.
type stockItem struct {
	ID        string `dynamodbav:"id"`
	ProductID string `dynamodbav:"productId"`
	OnHand    int64  `dynamodbav:"onHand"`
	Reserved  int64  `dynamodbav:"reserved"`
	Available int64  `dynamodbav:"available"`
	UpdatedAt string `dynamodbav:"updatedAt"`
}

// reservationItem is an order's reservation as stored.
type reservationItem struct {
	ID         string     `dynamodbav:"id"`
	OrderID    string     `dynamodbav:"orderId"`
	CustomerID string     `dynamodbav:"customerId"`
	Status     string     `dynamodbav:"status"`
	Lines      []lineItem `dynamodbav:"lines"`
	UpdatedAt  string     `dynamodbav:"updatedAt"`
}

type lineItem struct {
	ProductID string `dynamodbav:"productId"`
	Quantity  int64  `dynamodbav:"quantity"`
}

func (it reservationItem) reservation() stock.Reservation {
	r := stock.Reservation{OrderID: it.OrderID, CustomerID: it.CustomerID, Status: stock.Status(it.Status)}
	for _, l := range it.Lines {
		r.Lines = append(r.Lines, stock.Line{ProductID: stock.ProductID(l.ProductID), Quantity: l.Quantity})
	}
	return r
}

func (s *Store) stamp() string { return s.now().UTC().Format(time.RFC3339Nano) }

// SetOnHand sets onHand to n and available to n - reserved, on condition that reserved <= n.
func (s *Store) SetOnHand(ctx context.Context, id stock.ProductID, n int64) (stock.Level, error) {
	reserved := expression.Name("reserved").IfNotExists(expression.Value(0))
	update := expression.Set(expression.Name("productId"), expression.Value(string(id))).
		Set(expression.Name("onHand"), expression.Value(n)).
		Set(expression.Name("reserved"), reserved).
		Set(expression.Name("available"), expression.Value(n).Minus(reserved)).
		Set(expression.Name("updatedAt"), expression.Value(s.stamp()))
	cond := expression.AttributeNotExists(expression.Name(inventoryspec.KeyID)).
		Or(expression.Name("reserved").LessThanEqual(expression.Value(n)))
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return stock.Level{}, fmt.Errorf("set stock of %s: %w", id, err)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: stockKey(id),
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValues: types.ReturnValueAllNew,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return stock.Level{}, fmt.Errorf("set stock of %s to %d: %w", id, n, stock.ErrBelowReserved)
	}
	if err != nil {
		return stock.Level{}, fmt.Errorf("set stock of %s: %w", id, err)
	}
	return levelOf(out.Attributes)
}

// Get reads product id's level (strongly consistent).
func (s *Store) Get(ctx context.Context, id stock.ProductID) (stock.Level, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: stockKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return stock.Level{}, fmt.Errorf("get stock of %s: %w", id, err)
	}
	if out.Item == nil {
		return stock.Level{}, fmt.Errorf("get stock of %s: %w", id, stock.ErrNotFound)
	}
	return levelOf(out.Item)
}

func levelOf(av map[string]types.AttributeValue) (stock.Level, error) {
	var it stockItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return stock.Level{}, fmt.Errorf("decode stock item: %w", err)
	}
	return stock.Level{ProductID: stock.ProductID(it.ProductID), OnHand: it.OnHand, Reserved: it.Reserved}, nil
}

// Reserve writes, in one transaction: the reservation (if the order has none), each line's
// stock update (if that much is available) and the outbox row.
func (s *Store) Reserve(ctx context.Context, r stock.Reservation, event envelope.Envelope) (bool, error) {
	put, err := s.putReservation(r)
	if err != nil {
		return false, err
	}
	items := []types.TransactWriteItem{put}
	for _, l := range r.Lines {
		u, err := s.updateStock(l.ProductID,
			expression.Set(expression.Name("reserved"), expression.Name("reserved").Plus(expression.Value(l.Quantity))).
				Set(expression.Name("available"), expression.Name("available").Minus(expression.Value(l.Quantity))),
			expression.Name("available").GreaterThanEqual(expression.Value(l.Quantity)))
		if err != nil {
			return false, err
		}
		items = append(items, u)
	}
	row, err := outbox.Row(s.table, outboxKey(r.OrderID), event)
	if err != nil {
		return false, err
	}
	items = append(items, row)

	for attempt := 1; ; attempt++ {
		err = s.transact(ctx, items)
		failed, conflict := cancelled(err)
		switch {
		case err == nil:
			return true, nil
		case conflict && attempt < Attempts:
			if err := backoff(ctx, attempt); err != nil {
				return false, err
			}
			continue
		case failed[0]:
			return false, nil // the order already has a reservation record
		}
		for i, l := range r.Lines {
			if failed[1+i] {
				return false, s.rejection(ctx, l.ProductID)
			}
		}
		return false, fmt.Errorf("reserve stock for order %s: %w", r.OrderID, err)
	}
}

// rejection tells why product id's stock could not be reserved: it has no stock level, or
// too little is available.
func (s *Store) rejection(ctx context.Context, id stock.ProductID) error {
	_, err := s.Get(ctx, id)
	switch {
	case errors.Is(err, stock.ErrNotFound):
		return &stock.Rejection{Reason: stock.ReasonUnknownProduct, ProductID: id}
	case err != nil:
		return err
	}
	return &stock.Rejection{Reason: stock.ReasonOutOfStock, ProductID: id}
}

// Reject writes the rejected reservation (if the order has none) and its outbox row.
func (s *Store) Reject(ctx context.Context, r stock.Reservation, event envelope.Envelope) (bool, error) {
	r.Lines = nil // nothing is held
	put, err := s.putReservation(r)
	if err != nil {
		return false, err
	}
	row, err := outbox.Row(s.table, outboxKey(r.OrderID), event)
	if err != nil {
		return false, err
	}
	err = s.transact(ctx, []types.TransactWriteItem{put, row})
	if failed, _ := cancelled(err); failed[0] {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reject order %s: %w", r.OrderID, err)
	}
	return true, nil
}

// Release moves a Reserved reservation to Released and gives its lines back.
func (s *Store) Release(ctx context.Context, orderID, customerID string, makeEvent func(stock.Reservation) (envelope.Envelope, error)) (bool, error) {
	for attempt := 1; ; attempt++ {
		r, found, err := s.reservation(ctx, orderID)
		if err != nil {
			return false, err
		}
		if !found {
			// The cancellation overtook the order: remember it, so the order is never reserved.
			put, err := s.putReservation(stock.Reservation{OrderID: orderID, CustomerID: customerID, Status: stock.Released})
			if err != nil {
				return false, err
			}
			err = s.transact(ctx, []types.TransactWriteItem{put})
			if failed, _ := cancelled(err); failed[0] && attempt < Attempts {
				continue // the order was reserved meanwhile: release that
			}
			if err != nil {
				return false, fmt.Errorf("release order %s: %w", orderID, err)
			}
			return false, nil
		}
		if r.Status != stock.Reserved {
			return false, nil
		}
		event, err := makeEvent(r)
		if err != nil {
			return false, err
		}
		items, err := s.transition(r, stock.Released, func(l stock.Line) expression.UpdateBuilder {
			return expression.Set(expression.Name("reserved"), expression.Name("reserved").Minus(expression.Value(l.Quantity))).
				Set(expression.Name("available"), expression.Name("available").Plus(expression.Value(l.Quantity)))
		})
		if err != nil {
			return false, err
		}
		row, err := outbox.Row(s.table, outboxKey(orderID), event)
		if err != nil {
			return false, err
		}
		done, err := s.retryable(ctx, append(items, row), attempt)
		if done || err != nil {
			return done, err
		}
	}
}

// Commit moves a Reserved reservation to Committed and takes its lines out of stock.
func (s *Store) Commit(ctx context.Context, orderID string) (bool, error) {
	for attempt := 1; ; attempt++ {
		r, found, err := s.reservation(ctx, orderID)
		if err != nil {
			return false, err
		}
		if !found {
			return false, fmt.Errorf("commit order %s: no reservation: %w", orderID, stock.ErrNotFound)
		}
		if r.Status != stock.Reserved {
			return false, nil
		}
		items, err := s.transition(r, stock.Committed, func(l stock.Line) expression.UpdateBuilder {
			return expression.Set(expression.Name("reserved"), expression.Name("reserved").Minus(expression.Value(l.Quantity))).
				Set(expression.Name("onHand"), expression.Name("onHand").Minus(expression.Value(l.Quantity)))
		})
		if err != nil {
			return false, err
		}
		done, err := s.retryable(ctx, items, attempt)
		if done || err != nil {
			return done, err
		}
	}
}

// retryable runs a transition's transaction: (true, nil) when it was written, (false, nil)
// when it should be tried again from a fresh read, or an error.
func (s *Store) retryable(ctx context.Context, items []types.TransactWriteItem, attempt int) (bool, error) {
	err := s.transact(ctx, items)
	if err == nil {
		return true, nil
	}
	if failed, conflict := cancelled(err); (conflict || failed[0]) && attempt < Attempts {
		return false, backoff(ctx, attempt)
	}
	return false, err
}

// transition returns the writes moving r from Reserved to status: the reservation's update
// (on condition it is still Reserved) and each line's stock update (on condition reserved
// covers the line, which it does while the reservation holds).
func (s *Store) transition(r stock.Reservation, status stock.Status, line func(stock.Line) expression.UpdateBuilder) ([]types.TransactWriteItem, error) {
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("status"), expression.Value(string(status))).
			Set(expression.Name("updatedAt"), expression.Value(s.stamp()))).
		WithCondition(expression.Name("status").Equal(expression.Value(string(stock.Reserved)))).
		Build()
	if err != nil {
		return nil, fmt.Errorf("%s order %s: %w", status, r.OrderID, err)
	}
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String(s.table), Key: reservationKey(r.OrderID),
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}}
	for _, l := range r.Lines {
		u, err := s.updateStock(l.ProductID, line(l), expression.Name("reserved").GreaterThanEqual(expression.Value(l.Quantity)))
		if err != nil {
			return nil, err
		}
		items = append(items, u)
	}
	return items, nil
}

// updateStock returns the conditional update of product id's stock item.
func (s *Store) updateStock(id stock.ProductID, update expression.UpdateBuilder, cond expression.ConditionBuilder) (types.TransactWriteItem, error) {
	expr, err := expression.NewBuilder().
		WithUpdate(update.Set(expression.Name("updatedAt"), expression.Value(s.stamp()))).
		WithCondition(cond).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("update stock of %s: %w", id, err)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: stockKey(id),
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}, nil
}

// putReservation returns the Put of r's record on condition the order has none.
func (s *Store) putReservation(r stock.Reservation) (types.TransactWriteItem, error) {
	it := reservationItem{
		ID: "reservation#" + r.OrderID, OrderID: r.OrderID, CustomerID: r.CustomerID,
		Status: string(r.Status), Lines: []lineItem{}, UpdatedAt: s.stamp(),
	}
	for _, l := range r.Lines {
		it.Lines = append(it.Lines, lineItem{ProductID: string(l.ProductID), Quantity: l.Quantity})
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("reservation of order %s: %w", r.OrderID, err)
	}
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(inventoryspec.KeyID))).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("reservation of order %s: %w", r.OrderID, err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table), Item: av,
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(),
	}}, nil
}

// reservation reads orderID's reservation (strongly consistent).
func (s *Store) reservation(ctx context.Context, orderID string) (stock.Reservation, bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: reservationKey(orderID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return stock.Reservation{}, false, fmt.Errorf("get reservation of order %s: %w", orderID, err)
	}
	if out.Item == nil {
		return stock.Reservation{}, false, nil
	}
	var it reservationItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return stock.Reservation{}, false, fmt.Errorf("decode reservation of order %s: %w", orderID, err)
	}
	return it.reservation(), true, nil
}

func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return err
}

// cancelled reads a canceled transaction: which of its items failed their condition (by
// index; reading past the end is false), and whether any was in conflict with another
// transaction. For any other error both are empty.
func cancelled(err error) (failed conditionFailures, conflict bool) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil, false
	}
	failed = conditionFailures{}
	for i, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed":
			failed[i] = true
		case "TransactionConflict":
			conflict = true
		}
	}
	return failed, conflict
}

// conditionFailures holds the indexes of a transaction's items that failed their condition.
type conditionFailures map[int]bool

// backoff waits before attempt+1: a random time up to 10 ms * 2^attempt (full jitter), or
// until ctx is done.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(10*time.Millisecond) << min(attempt, 6)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
