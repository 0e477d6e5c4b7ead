// Package ddb stores catalog products in DynamoDB, in the table described in docs/contracts.md:
// partition key id, and the GSIs byCategory (category, sortKey) and byNewest (listKey,
// sortKey) that serve newest-first lists.
//
// Conditions and updates are built with the SDK's expression package and items are converted
// with attributevalue; the product domain type knows nothing of either.
//
// Every write is one TransactWriteItems of the product's write and the product's outbox row
// (id "outbox#<productId>", see shared/outbox) holding its event (events/catalogevents): the
// event exists exactly when the change does, and the catalog's publisher sends it from the
// table's stream.
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

	"github.com/microshop/microshop/events/catalogevents"
	"github.com/microshop/microshop/events/envelope"
	"github.com/microshop/microshop/functions/catalog/internal/app"
	"github.com/microshop/microshop/functions/catalog/internal/product"
	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
	"github.com/microshop/microshop/shared/money"
	"github.com/microshop/microshop/shared/outbox"
)

// Index names (from the catalog's spec, the one source of the table's schema) and the
// constant partition of byNewest.
const (
	IndexByCategory = catalogspec.IndexByCategory
	IndexByNewest   = catalogspec.IndexByNewest
	listKeyProduct  = "PRODUCT"
)

// timeLayout is RFC 3339 in UTC with exactly nine fractional digits, so timestamps (and sortKey,
// which starts with one) sort as strings in time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// API is the part of the DynamoDB client the store uses; *dynamodb.Client implements it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Store is the DynamoDB catalog store. Errors it returns wrap the product package's sentinels
// (ErrNotFound, ErrAlreadyExists, ErrConflict) where they apply; anything else is an
// infrastructure failure.
type Store struct {
	db    API
	table string
}

var _ app.Products = (*Store)(nil)

// New returns a store for the named table.
func New(db API, table string) *Store {
	return &Store{db: db, table: table}
}

// Table returns the name of the store's table.
func (s *Store) Table() string { return s.table }

// CreateTableInput describes the catalog table from its spec (functions/catalog/spec), the
// schema infra builds the template's table from; on-demand, PITR and TTL left to the
// infrastructure. Tests use it to create tables.
func CreateTableInput(table string) *dynamodb.CreateTableInput {
	return catalogspec.Table().CreateTableInput(table)
}

// item is a product as stored. Optional attributes are omitted when empty rather than stored as
// empty values.
type item struct {
	ID          string   `dynamodbav:"id"`
	Name        string   `dynamodbav:"name"`
	Description string   `dynamodbav:"description,omitempty"`
	Category    string   `dynamodbav:"category"`
	PriceAmount int64    `dynamodbav:"priceAmount"`
	Currency    string   `dynamodbav:"currency"`
	ImageURL    string   `dynamodbav:"imageUrl,omitempty"`
	Tags        []string `dynamodbav:"tags,omitempty"` // a list, not a string set: order is kept
	CreatedAt   string   `dynamodbav:"createdAt"`
	UpdatedAt   string   `dynamodbav:"updatedAt"`
	Version     int      `dynamodbav:"version"`
	ListKey     string   `dynamodbav:"listKey"`
	SortKey     string   `dynamodbav:"sortKey"`
}

func toItem(p *product.Product) item {
	d := p.Details()
	return item{
		ID:          p.ID().String(),
		Name:        d.Name,
		Description: d.Description,
		Category:    d.Category,
		PriceAmount: int64(d.Price.Amount()),
		Currency:    d.Price.Currency().String(),
		ImageURL:    d.ImageURL,
		Tags:        d.Tags,
		CreatedAt:   p.CreatedAt().Format(timeLayout),
		UpdatedAt:   p.UpdatedAt().Format(timeLayout),
		Version:     p.Version(),
		ListKey:     listKeyProduct,
		SortKey:     sortKey(p.Position()),
	}
}

func (it item) product() (*product.Product, error) {
	currency, err := money.ParseCurrency(it.Currency)
	if err != nil {
		return nil, fmt.Errorf("item %s: %w", it.ID, err)
	}
	price, err := money.NewPrice(money.Cents(it.PriceAmount), currency)
	if err != nil {
		return nil, fmt.Errorf("item %s: %w", it.ID, err)
	}
	createdAt, err := time.Parse(timeLayout, it.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("item %s: createdAt: %w", it.ID, err)
	}
	updatedAt, err := time.Parse(timeLayout, it.UpdatedAt)
	if err != nil {
		return nil, fmt.Errorf("item %s: updatedAt: %w", it.ID, err)
	}
	d := product.Details{
		Name: it.Name, Description: it.Description, Category: it.Category,
		Price: price, ImageURL: it.ImageURL, Tags: it.Tags,
	}
	return product.Restore(product.ID(it.ID), d, createdAt, updatedAt, it.Version)
}

// sortKey is createdAt (fixed-width) + "#" + id, so a descending query lists newest first with
// the id as tie-breaker: the order product.Position defines.
func sortKey(pos product.Position) string {
	return pos.CreatedAt.UTC().Format(timeLayout) + "#" + pos.ID.String()
}

func key(id product.ID) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id.String()}}
}

// Get returns the product with id, or an error wrapping product.ErrNotFound. The read is
// strongly consistent, so it sees every write that completed before it.
func (s *Store) Get(ctx context.Context, id product.ID) (*product.Product, error) {
	p, err := s.get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get product %s: %w", id, err)
	}
	return p, nil
}

func (s *Store) get(ctx context.Context, id product.ID) (*product.Product, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	if out.Item == nil {
		return nil, product.ErrNotFound
	}
	var it item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("unmarshal item: %w", err)
	}
	return it.product()
}

// Create stores a new product and, in the same transaction, a ProductCreated event in its
// outbox row. If its id is taken it returns an error wrapping product.ErrAlreadyExists and
// writes nothing.
func (s *Store) Create(ctx context.Context, p *product.Product) error {
	cond := expression.AttributeNotExists(expression.Name("id"))
	if err := s.put(ctx, p, cond, created(p)); err != nil {
		if productConditionFailed(err) {
			err = product.ErrAlreadyExists
		}
		return fmt.Errorf("create product %s: %w", p.ID(), err)
	}
	return nil
}

// Update reads product id, applies fn and writes the result back on condition that the stored
// version is still the one read (optimistic locking), so a concurrent change or delete is
// never overwritten. When the condition fails it starts over with a fresh read, up to
// app.UpdateAttempts times. The whole item is written, as a replace must leave no old optional
// attribute behind.
//
// With the product, its outbox row gets a ProductChanged event. It returns the stored product,
// or an error wrapping product.ErrNotFound or product.ErrConflict, or fn's error as is; in
// every error case nothing is written.
func (s *Store) Update(ctx context.Context, id product.ID, fn func(*product.Product) error) (*product.Product, error) {
	for attempt := 1; ; attempt++ {
		p, err := s.get(ctx, id) // a product deleted after a failed attempt ends here
		if err != nil {
			return nil, fmt.Errorf("update product %s: %w", id, err)
		}
		read := p.Version()
		if err := fn(p); err != nil {
			return nil, err
		}
		if p.ID() != id {
			return nil, fmt.Errorf("update product %s: update function changed the id to %s", id, p.ID())
		}
		cond := expression.Name("version").Equal(expression.Value(read)) // false if the item is gone, too
		err = s.put(ctx, p, cond, changed(p))
		switch {
		case err == nil:
			return p, nil
		case !productConditionFailed(err) && !productTransactionConflict(err):
			return nil, fmt.Errorf("update product %s: %w", id, err)
		case attempt == app.UpdateAttempts:
			// Tell a product that kept changing from one that is gone now. ReturnValuesOn-
			// ConditionCheckFailure would save the read, and AWS and our embedded engine support
			// it, but dynalite (still a selectable local engine) ignores it.
			if _, err := s.get(ctx, id); err != nil {
				return nil, fmt.Errorf("update product %s after %d conflicting writes: %w", id, attempt, err)
			}
			return nil, fmt.Errorf("update product %s: %d attempts lost to concurrent writes: %w", id, attempt, product.ErrConflict)
		}
	}
}

// Delete removes product id and, in the same transaction, puts a ProductDeleted event in its
// outbox row; or returns an error wrapping product.ErrNotFound and writes nothing. The event's
// time is the wall clock's: the delete reads nothing that carries a time.
func (s *Store) Delete(ctx context.Context, id product.ID) error {
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeExists(expression.Name("id"))).Build()
	if err != nil {
		return fmt.Errorf("delete product %s: build condition: %w", id, err)
	}
	del := types.TransactWriteItem{Delete: &types.Delete{
		TableName:                 aws.String(s.table),
		Key:                       key(id),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}
	err = s.write(ctx, del, catalogevents.ProductDeletedV1{ID: id.String()}, id, time.Now())
	if productConditionFailed(err) {
		err = product.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete product %s: %w", id, err)
	}
	return nil
}

// put writes p's whole item on condition cond, and ev to its outbox row.
func (s *Store) put(ctx context.Context, p *product.Product, cond expression.ConditionBuilder, ev envelope.Event) error {
	av, err := attributevalue.MarshalMap(toItem(p))
	if err != nil {
		return fmt.Errorf("marshal item: %w", err)
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build condition: %w", err)
	}
	put := types.TransactWriteItem{Put: &types.Put{
		TableName:                 aws.String(s.table),
		Item:                      av,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}
	return s.write(ctx, put, ev, p.ID(), p.UpdatedAt())
}

// write runs the product's write (always item 0 of the transaction) and the Put of its outbox
// row holding ev, which happened at when.
func (s *Store) write(ctx context.Context, change types.TransactWriteItem, ev envelope.Event, id product.ID, when time.Time) error {
	env, err := envelope.New(ctx, catalogevents.Source, ev, when)
	if err != nil {
		return err
	}
	row, err := outbox.Row(s.table, outboxKey(id), env)
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{change, row},
	})
	return err
}

// outboxKey is the key of product id's outbox row. It can never be a product's: product ids
// are hex digits only.
func outboxKey(id product.ID) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "outbox#" + id.String()}}
}

// created, changed: the events of a product's writes.
func created(p *product.Product) envelope.Event {
	d := p.Details()
	return catalogevents.ProductCreatedV1{ID: p.ID().String(), Name: d.Name, Price: price(d.Price), Category: d.Category, Version: p.Version()}
}

func changed(p *product.Product) envelope.Event {
	d := p.Details()
	return catalogevents.ProductChangedV1{ID: p.ID().String(), Name: d.Name, Price: price(d.Price), Category: d.Category, Version: p.Version()}
}

func price(m money.Price) catalogevents.Price {
	return catalogevents.Price{Amount: int64(m.Amount()), Currency: m.Currency().String()}
}

// productConditionFailed reports whether err is a transaction canceled because the product's
// write (item 0) failed its condition.
func productConditionFailed(err error) bool { return cancellation(err) == "ConditionalCheckFailed" }

// productTransactionConflict reports whether err is a transaction canceled because another
// transaction was writing the product at the same time: a lost race, like a failed condition.
func productTransactionConflict(err error) bool { return cancellation(err) == "TransactionConflict" }

// cancellation returns the reason code of item 0 of a canceled transaction, "" for other errors.
func cancellation(err error) string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) == 0 {
		return ""
	}
	return aws.ToString(tce.CancellationReasons[0].Code)
}
