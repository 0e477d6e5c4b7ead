// Package ddb stores shipments in DynamoDB, in the shipping table (functions/shipping/spec):
// partition key id, "shipment#<orderId>" for an order's shipment and "outbox#<orderId>" for
// the order's outbox row (shared/outbox).
//
// A write that has an event is one TransactWriteItems of the shipment's conditional Put and the
// outbox row holding the event (events/shippingevents), so the event exists exactly when the
// change does; the shipping publisher sends it from the table's stream. The functions need
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
	"github.com/microshop/microshop/events/shippingevents"
	"github.com/microshop/microshop/functions/shipping/internal/app"
	"github.com/microshop/microshop/functions/shipping/internal/shipment"
	shippingspec "github.com/microshop/microshop/functions/shipping/spec"
	"github.com/microshop/microshop/shared/outbox"
)

// API is the part of the DynamoDB client the store uses; *dynamodb.Client implements it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Store is the DynamoDB shipping store. Its errors wrap shipment's ErrNotFound,
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

// item is a shipment as stored.
type item struct {
	ID             string `dynamodbav:"id"`
	OrderID        string `dynamodbav:"orderId"`
	CustomerID     string `dynamodbav:"customerId"`
	TrackingNumber string `dynamodbav:"trackingNumber,omitempty"` // none for a tombstone
	Status         string `dynamodbav:"status"`
	CreatedAt      string `dynamodbav:"createdAt"`
	UpdatedAt      string `dynamodbav:"updatedAt"`
	Version        int    `dynamodbav:"version"`
}

const timeLayout = time.RFC3339Nano

func toItem(sh *shipment.Shipment) item {
	s := sh.Snapshot()
	return item{ID: shipmentKey(s.OrderID), OrderID: s.OrderID, CustomerID: s.CustomerID, TrackingNumber: s.TrackingNumber,
		Status: string(s.Status), CreatedAt: s.CreatedAt.Format(timeLayout), UpdatedAt: s.UpdatedAt.Format(timeLayout), Version: s.Version}
}

func (it item) shipment() (*shipment.Shipment, error) {
	s := shipment.Stored{OrderID: it.OrderID, CustomerID: it.CustomerID, TrackingNumber: it.TrackingNumber,
		Status: shipment.Status(it.Status), Version: it.Version}
	var err error
	if s.CreatedAt, err = time.Parse(timeLayout, it.CreatedAt); err != nil {
		return nil, fmt.Errorf("stored shipment of order %s: createdAt: %w", it.OrderID, err)
	}
	if s.UpdatedAt, err = time.Parse(timeLayout, it.UpdatedAt); err != nil {
		return nil, fmt.Errorf("stored shipment of order %s: updatedAt: %w", it.OrderID, err)
	}
	return shipment.Restore(s)
}

// shipmentKey and the outbox key ("outbox#<orderId>"): an order's two items.
func shipmentKey(orderID string) string { return "shipment#" + orderID }

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{shippingspec.KeyID: &types.AttributeValueMemberS{Value: id}}
}

// Get returns the shipment of order orderID, or an error wrapping shipment.ErrNotFound. The
// read is strongly consistent.
func (s *Store) Get(ctx context.Context, orderID string) (*shipment.Shipment, error) {
	if len(orderID) > shipment.MaxOrderIDLen {
		return nil, fmt.Errorf("get shipment of order %.32s...: %w", orderID, shipment.ErrNotFound)
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(shipmentKey(orderID)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get shipment of order %s: %w", orderID, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("get shipment of order %s: %w", orderID, shipment.ErrNotFound)
	}
	var it item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("get shipment of order %s: %w", orderID, err)
	}
	return it.shipment()
}

// Create puts sh on condition that the order has no shipment item, with ev in the order's
// outbox row when ev is not nil. A taken key is shipment.ErrAlreadyExists; a concurrent
// transaction on the item is shipment.ErrConflict.
func (s *Store) Create(ctx context.Context, sh *shipment.Shipment, ev app.Event) error {
	err := s.put(ctx, sh, expression.AttributeNotExists(expression.Name(shippingspec.KeyID)), ev)
	if cancellation(err) == "ConditionalCheckFailed" {
		return fmt.Errorf("create shipment of order %s: %w", sh.OrderID(), shipment.ErrAlreadyExists)
	}
	return err
}

// Update puts sh on condition that the stored shipment is at version sh.Version()-1, with ev in
// the outbox row when ev is not nil; or returns an error wrapping shipment.ErrConflict.
func (s *Store) Update(ctx context.Context, sh *shipment.Shipment, ev app.Event) error {
	err := s.put(ctx, sh, expression.Name("version").Equal(expression.Value(sh.Version()-1)), ev)
	if cancellation(err) == "ConditionalCheckFailed" {
		return fmt.Errorf("update shipment of order %s to version %d: %w", sh.OrderID(), sh.Version(), shipment.ErrConflict)
	}
	return err
}

// put writes sh's item on condition cond (item 0 of the transaction) and ev's outbox row.
func (s *Store) put(ctx context.Context, sh *shipment.Shipment, cond expression.ConditionBuilder, ev app.Event) error {
	av, err := attributevalue.MarshalMap(toItem(sh))
	if err != nil {
		return fmt.Errorf("marshal shipment of order %s: %w", sh.OrderID(), err)
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
		env, err := envelope.New(ctx, shippingevents.Source, ev, sh.UpdatedAt())
		if err != nil {
			return err
		}
		row, err := outbox.Row(s.table, key("outbox#"+sh.OrderID()), env)
		if err != nil {
			return err
		}
		items = append(items, row)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if cancellation(err) == "TransactionConflict" {
		return fmt.Errorf("write shipment of order %s: %w", sh.OrderID(), shipment.ErrConflict)
	}
	if err != nil && cancellation(err) == "" {
		return fmt.Errorf("write shipment of order %s: %w", sh.OrderID(), err)
	}
	return err
}

// cancellation returns the reason code of item 0 (the shipment) of a canceled transaction, ""
// for other errors.
func cancellation(err error) string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) == 0 {
		return ""
	}
	return aws.ToString(tce.CancellationReasons[0].Code)
}

// CreateTableInput describes the shipping table from its spec (functions/shipping/spec), the
// source infra builds the table from; tests create tables with it.
func CreateTableInput(table string) *dynamodb.CreateTableInput {
	return shippingspec.Service().Table.CreateTableInput(table)
}
