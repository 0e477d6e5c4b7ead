// Package ddb is the cart's DynamoDB adapter: carts and the product replica in the service's
// one table (see cartspec for the key layout), through the real AWS SDK with attributevalue
// and expression. A cart is one item, written with optimistic locking on its version together
// with its outbox row ("outbox#<customerId>", shared/outbox) in one transaction; its
// expiresAt (TTL) is 30 days after its last change.
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
	"github.com/microshop/microshop/functions/cart/internal/app"
	"github.com/microshop/microshop/functions/cart/internal/cart"
	cartspec "github.com/microshop/microshop/functions/cart/spec"
	"github.com/microshop/microshop/shared/money"
	"github.com/microshop/microshop/shared/outbox"
)

// API is the part of the DynamoDB client the store calls.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// batchAttempts bounds the BatchGetItem requests for one chunk of keys that DynamoDB keeps
// leaving unprocessed (throttling); the request then fails and the caller may retry.
const batchAttempts = 6

// TombstoneTTL is how long a deleted product is remembered: longer than SQS keeps a message
// (14 days at most), so no late ProductChanged can bring it back.
const TombstoneTTL = 15 * 24 * time.Hour

// Store is the cart's app.Store on DynamoDB.
type Store struct {
	db    API
	table string
	now   func() time.Time
}

var _ app.Store = (*Store)(nil)

// New returns the store on table through db.
func New(db API, table string) *Store { return &Store{db: db, table: table, now: time.Now} }

// CreateTableInput describes the cart table as cartspec.Table defines it, stream included.
// Tests create tables with it.
func CreateTableInput(table string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(cartspec.KeyID), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(cartspec.KeyID), KeyType: types.KeyTypeHash}},
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage,
		},
	}
}

// OutboxKey is the key of customerID's outbox row: every CartChanged of one cart overwrites it.
func OutboxKey(customerID string) map[string]types.AttributeValue {
	return key("outbox#" + customerID)
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{cartspec.KeyID: &types.AttributeValueMemberS{Value: id}}
}

// cartItem is a cart as stored.
type cartItem struct {
	ID         string              `dynamodbav:"id"`
	CustomerID string              `dynamodbav:"customerId"`
	Lines      map[string]lineItem `dynamodbav:"lines"`
	UpdatedAt  time.Time           `dynamodbav:"updatedAt"`
	ExpiresAt  int64               `dynamodbav:"expiresAt"`
	Version    int                 `dynamodbav:"version"`
}

type lineItem struct {
	Quantity  int       `dynamodbav:"quantity"`
	AddedAt   time.Time `dynamodbav:"addedAt"`
	UpdatedAt time.Time `dynamodbav:"updatedAt"`
	Version   int       `dynamodbav:"version,omitempty"`
}

// productItem is the replica of a product; a deleted product keeps only Deleted and ExpiresAt.
type productItem struct {
	ID          string `dynamodbav:"id"`
	ProductID   string `dynamodbav:"productId"`
	Name        string `dynamodbav:"name,omitempty"`
	PriceAmount int64  `dynamodbav:"priceAmount,omitempty"`
	Currency    string `dynamodbav:"currency,omitempty"`
	Version     int    `dynamodbav:"version,omitempty"`
	Deleted     bool   `dynamodbav:"deleted,omitempty"`
	ExpiresAt   int64  `dynamodbav:"expiresAt,omitempty"`
}

// Cart reads customerID's cart (strongly consistent).
func (s *Store) Cart(ctx context.Context, customerID string) (*cart.Cart, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key("cart#" + customerID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("get cart of %s: %w", customerID, err)
	}
	if out.Item == nil {
		return cart.New(customerID), nil
	}
	var it cartItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fmt.Errorf("decode cart of %s: %w", customerID, err)
	}
	lines := make([]cart.Line, 0, len(it.Lines))
	for id, l := range it.Lines {
		lines = append(lines, cart.Line{ProductID: cart.ProductID(id), Quantity: l.Quantity, AddedAt: l.AddedAt, UpdatedAt: l.UpdatedAt, Version: l.Version})
	}
	return cart.Restore(customerID, lines, it.UpdatedAt, it.Version), nil
}

// SaveCart puts c with the next version, on condition the stored version is c's, and the
// outbox row of changed, in one transaction.
func (s *Store) SaveCart(ctx context.Context, c *cart.Cart, changed envelope.Envelope) error {
	it := cartItem{
		ID: "cart#" + c.CustomerID(), CustomerID: c.CustomerID(), Lines: map[string]lineItem{},
		UpdatedAt: c.UpdatedAt().UTC(), ExpiresAt: c.ExpiresAt().Unix(), Version: c.Version() + 1,
	}
	for _, l := range c.Lines() {
		it.Lines[string(l.ProductID)] = lineItem{Quantity: l.Quantity, AddedAt: l.AddedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC(), Version: l.Version}
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("save cart of %s: %w", c.CustomerID(), err)
	}
	cond := expression.AttributeNotExists(expression.Name(cartspec.KeyID))
	if c.Version() > 0 {
		cond = expression.Name("version").Equal(expression.Value(c.Version()))
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("save cart of %s: %w", c.CustomerID(), err)
	}
	row, err := outbox.Row(s.table, OutboxKey(c.CustomerID()), changed)
	if err != nil {
		return fmt.Errorf("save cart of %s: %w", c.CustomerID(), err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: aws.String(s.table), Item: av, ConditionExpression: expr.Condition(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		}},
		row,
	}})
	if conditionFailed(err) {
		return fmt.Errorf("save cart of %s at version %d: %w", c.CustomerID(), c.Version(), app.ErrStale)
	}
	if err != nil {
		return fmt.Errorf("save cart of %s: %w", c.CustomerID(), err)
	}
	return nil
}

// conditionFailed reports whether err is a transaction cancelled by its first item's
// condition (the cart's version).
func conditionFailed(err error) bool {
	var canceled *types.TransactionCanceledException
	return errors.As(err, &canceled) && len(canceled.CancellationReasons) > 0 &&
		aws.ToString(canceled.CancellationReasons[0].Code) == "ConditionalCheckFailed"
}

// Products reads the replicas of ids with BatchGetItem (strongly consistent), 100 keys per
// request, asking again for keys DynamoDB leaves unprocessed.
func (s *Store) Products(ctx context.Context, ids []cart.ProductID) (map[cart.ProductID]cart.Product, error) {
	found := map[cart.ProductID]cart.Product{}
	seen := map[cart.ProductID]bool{}
	var keys []map[string]types.AttributeValue
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			keys = append(keys, key("product#"+string(id)))
		}
	}
	for len(keys) > 0 {
		n := min(len(keys), 100)
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys[:n], ConsistentRead: aws.Bool(true)}}
		keys = keys[n:]
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt == batchAttempts {
				return nil, fmt.Errorf("get products: keys still unprocessed after %d requests", attempt)
			}
			if attempt > 0 {
				if err := wait(ctx, attempt); err != nil {
					return nil, err
				}
			}
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("get products: %w", err)
			}
			for _, av := range out.Responses[s.table] {
				var it productItem
				if err := attributevalue.UnmarshalMap(av, &it); err != nil {
					return nil, fmt.Errorf("decode product: %w", err)
				}
				if it.Deleted {
					continue
				}
				p, err := it.product()
				if err != nil {
					return nil, err
				}
				found[p.ID] = p
			}
			req = out.UnprocessedKeys
		}
	}
	return found, nil
}

func (it productItem) product() (cart.Product, error) {
	cur, err := money.ParseCurrency(it.Currency)
	if err != nil {
		return cart.Product{}, fmt.Errorf("product %s: %w", it.ProductID, err)
	}
	price, err := money.NewPrice(money.Cents(it.PriceAmount), cur)
	if err != nil {
		return cart.Product{}, fmt.Errorf("product %s: %w", it.ProductID, err)
	}
	return cart.Product{ID: cart.ProductID(it.ProductID), Name: it.Name, Price: price, Version: it.Version}, nil
}

// PutProduct puts p on condition the replica has no product p.ID, or an older version of it
// (a deleted product's tombstone has no version, so it wins).
func (s *Store) PutProduct(ctx context.Context, p cart.Product) (bool, error) {
	av, err := attributevalue.MarshalMap(productItem{
		ID: "product#" + string(p.ID), ProductID: string(p.ID), Name: p.Name,
		PriceAmount: int64(p.Price.Amount()), Currency: p.Price.Currency().String(), Version: p.Version,
	})
	if err != nil {
		return false, fmt.Errorf("put product %s: %w", p.ID, err)
	}
	cond := expression.AttributeNotExists(expression.Name(cartspec.KeyID)).
		Or(expression.Name("version").LessThan(expression.Value(p.Version)))
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return false, fmt.Errorf("put product %s: %w", p.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: av, ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return false, nil // a newer version, or the deletion, is already stored
	}
	if err != nil {
		return false, fmt.Errorf("put product %s: %w", p.ID, err)
	}
	return true, nil
}

// DeleteProduct overwrites the replica of id with a tombstone that expires after TombstoneTTL.
func (s *Store) DeleteProduct(ctx context.Context, id cart.ProductID) error {
	av, err := attributevalue.MarshalMap(productItem{
		ID: "product#" + string(id), ProductID: string(id), Deleted: true,
		ExpiresAt: s.now().Add(TombstoneTTL).Unix(),
	})
	if err != nil {
		return fmt.Errorf("delete product %s: %w", id, err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av}); err != nil {
		return fmt.Errorf("delete product %s: %w", id, err)
	}
	return nil
}

// wait backs off before asking again for unprocessed keys: 20 ms × 2^attempt, or until ctx
// is done.
func wait(ctx context.Context, attempt int) error {
	t := time.NewTimer(20 * time.Millisecond << min(attempt, 5))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
