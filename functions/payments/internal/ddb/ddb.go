// Package ddb stores payments in DynamoDB, in the payments table (functions/payments/spec):
// partition key id, "payment#<orderId>" for an order's payment and "outbox#<orderId>" for the
// order's outbox row (shared/outbox).
//
// A write that has an event is one TransactWriteItems of the payment's conditional Put and the
// outbox row holding the event (events/paymentevents), so the event exists exactly when the
// change does; the payments publisher sends it from the table's stream. The functions need
// dynamodb:GetItem and dynamodb:PutItem on the table, nothing else.
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
	"github.com/microshop/microshop/events/paymentevents"
	"github.com/microshop/microshop/functions/payments/internal/app"
	"github.com/microshop/microshop/functions/payments/internal/payment"
	paymentsspec "github.com/microshop/microshop/functions/payments/spec"
	"github.com/microshop/microshop/shared/money"
	"github.com/microshop/microshop/shared/outbox"
)

// API is the part of the DynamoDB client the store uses; *dynamodb.Client implements it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Store is the DynamoDB payments store. Its errors wrap payment's ErrNotFound,
// ErrAlreadyExists and ErrConflict where they apply; anything else is an infrastructure failure.
type Store struct {
	db    API
	table string
}

var _ app.Store = (*Store)(nil)

// New returns a store for the named table.
func New(db API, table string) *Store { return &Store{db: db, table: table} }

// Table returns the name of the store's table.
func (s *Store) Table() string { return s.table }

// item is a payment as stored.
type item struct {
	ID         string `dynamodbav:"id"`
	OrderID    string `dynamodbav:"orderId"`
	CustomerID string `dynamodbav:"customerId"`
	Status     string `dynamodbav:"status"`
	Amount     int64  `dynamodbav:"amount"`
	Currency   string `dynamodbav:"currency,omitempty"` // none for a Voided payment
	Reason     string `dynamodbav:"reason,omitempty"`
	ChargeID   string `dynamodbav:"chargeId,omitempty"`
	CreatedAt  string `dynamodbav:"createdAt"`
	UpdatedAt  string `dynamodbav:"updatedAt"`
	Version    int    `dynamodbav:"version"`
}

const timeLayout = time.RFC3339Nano

func toItem(p *payment.Payment) item {
	s := p.Snapshot()
	it := item{ID: paymentKey(s.OrderID), OrderID: s.OrderID, CustomerID: s.CustomerID, Status: string(s.Status),
		Reason: s.Reason, ChargeID: s.ChargeID, CreatedAt: s.CreatedAt.Format(timeLayout),
		UpdatedAt: s.UpdatedAt.Format(timeLayout), Version: s.Version}
	if !s.Amount.IsZero() {
		it.Amount, it.Currency = int64(s.Amount.Amount()), s.Amount.Currency().String()
	}
	return it
}

func (it item) payment() (*payment.Payment, error) {
	s := payment.Stored{OrderID: it.OrderID, CustomerID: it.CustomerID, Status: payment.Status(it.Status),
		Reason: it.Reason, ChargeID: it.ChargeID, Version: it.Version}
	var err error
	if it.Currency != "" {
		c, cerr := money.ParseCurrency(it.Currency)
		if cerr != nil {
			return nil, fmt.Errorf("stored payment of order %s: %w", it.OrderID, cerr)
		}
		if s.Amount, err = money.NewPrice(money.Cents(it.Amount), c); err != nil {
			return nil, fmt.Errorf("stored payment of order %s: %w", it.OrderID, err)
		}
	}
	if s.CreatedAt, err = time.Parse(timeLayout, it.CreatedAt); err != nil {
		return nil, fmt.Errorf("stored payment of order %s: createdAt: %w", it.OrderID, err)
	}
	if s.UpdatedAt, err = time.Parse(timeLayout, it.UpdatedAt); err != nil {
		return nil, fmt.Errorf("stored payment of order %s: updatedAt: %w", it.OrderID, err)
	}
	return payment.Restore(s)
}

// paymentKey and outboxKey: an order's two items. Neither prefix can make the other's id.
func paymentKey(orderID string) string { return "payment#" + orderID }

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{paymentsspec.KeyID: &types.AttributeValueMemberS{Value: id}}
}

// Get returns the payment of order orderID, or an error wrapping payment.ErrNotFound. The read
// is strongly consistent, so a payment just written is seen.
func (s *Store) Get(ctx context.Context, orderID string) (*payment.Payment, error) {
	if len(orderID) > payment.MaxOrderIDLen {
		return nil, fmt.Errorf("get payment of order %.32s...: %w", orderID, payment.ErrNotFound)
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(paymentKey(orderID)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get payment of order %s: %w", orderID, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("get payment of order %s: %w", orderID, payment.ErrNotFound)
	}
	var it item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("get payment of order %s: %w", orderID, err)
	}
	return it.payment()
}

// Create puts p on condition that the order has no payment item, with ev in the order's
// outbox row when ev is not nil. A taken key is payment.ErrAlreadyExists; a concurrent
// transaction on the item is payment.ErrConflict.
func (s *Store) Create(ctx context.Context, p *payment.Payment, ev app.Event) error {
	cond := expression.AttributeNotExists(expression.Name(paymentsspec.KeyID))
	err := s.put(ctx, p, cond, ev)
	if cancellation(err) == "ConditionalCheckFailed" {
		return fmt.Errorf("create payment of order %s: %w", p.OrderID(), payment.ErrAlreadyExists)
	}
	return err
}

// Update puts p on condition that the stored payment is at version p.Version()-1, with ev in
// the outbox row when ev is not nil; or returns an error wrapping payment.ErrConflict.
func (s *Store) Update(ctx context.Context, p *payment.Payment, ev app.Event) error {
	cond := expression.Name("version").Equal(expression.Value(p.Version() - 1))
	err := s.put(ctx, p, cond, ev)
	if cancellation(err) == "ConditionalCheckFailed" {
		return fmt.Errorf("update payment of order %s to version %d: %w", p.OrderID(), p.Version(), payment.ErrConflict)
	}
	return err
}

// put writes p's item on condition cond (item 0 of the transaction) and ev's outbox row.
func (s *Store) put(ctx context.Context, p *payment.Payment, cond expression.ConditionBuilder, ev app.Event) error {
	av, err := attributevalue.MarshalMap(toItem(p))
	if err != nil {
		return fmt.Errorf("marshal payment of order %s: %w", p.OrderID(), err)
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build condition: %w", err)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(s.table), Item: av,
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}}
	if ev != nil {
		env, err := envelope.New(ctx, paymentevents.Source, ev, p.UpdatedAt())
		if err != nil {
			return err
		}
		row, err := outbox.Row(s.table, key("outbox#"+p.OrderID()), env)
		if err != nil {
			return err
		}
		items = append(items, row)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if cancellation(err) == "TransactionConflict" {
		return fmt.Errorf("write payment of order %s: %w", p.OrderID(), payment.ErrConflict)
	}
	if err != nil && cancellation(err) == "" {
		return fmt.Errorf("write payment of order %s: %w", p.OrderID(), err)
	}
	return err
}

// cancellation returns the reason code of item 0 (the payment) of a canceled transaction, ""
// for other errors.
func cancellation(err error) string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) == 0 {
		return ""
	}
	return aws.ToString(tce.CancellationReasons[0].Code)
}

// CreateTableInput describes the payments table from its spec (functions/payments/spec), the
// source infra builds the table from; tests create tables with it.
func CreateTableInput(table string) *dynamodb.CreateTableInput {
	return paymentsspec.Service().Table.CreateTableInput(table)
}
