package ddb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/orders/internal/app"
	ordersspec "github.com/microshop/microshop/functions/orders/spec"
	"github.com/microshop/microshop/shared/money"
)

// productItem is the replica's copy of a catalog product, or a tombstone (Deleted).
type productItem struct {
	ID          string `dynamodbav:"id"`
	ProductID   string `dynamodbav:"productId"`
	Name        string `dynamodbav:"name,omitempty"`
	PriceAmount int64  `dynamodbav:"priceAmount"`
	Currency    string `dynamodbav:"currency,omitempty"`
	Version     int    `dynamodbav:"version"`
	Deleted     bool   `dynamodbav:"deleted"`
}

func productKey(id string) string { return "product#" + id }

// Product implements app.Products.
func (s *Store) Product(ctx context.Context, id string) (app.Product, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(productKey(id))})
	if err != nil {
		return app.Product{}, fmt.Errorf("get product %s: %w", id, err)
	}
	if out.Item == nil {
		return app.Product{}, fmt.Errorf("product %s: %w", id, app.ErrUnknownProduct)
	}
	var it productItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return app.Product{}, fmt.Errorf("unmarshal product %s: %w", id, err)
	}
	if it.Deleted {
		return app.Product{}, fmt.Errorf("product %s: %w", id, app.ErrUnknownProduct)
	}
	c, err := money.ParseCurrency(it.Currency)
	if err != nil {
		return app.Product{}, fmt.Errorf("product %s: %w", id, err)
	}
	price, err := money.NewPrice(money.Cents(it.PriceAmount), c)
	if err != nil {
		return app.Product{}, fmt.Errorf("product %s: %w", id, err)
	}
	return app.Product{ID: it.ProductID, Name: it.Name, Price: price, Version: it.Version}, nil
}

// PutProduct implements app.Products with one PutItem on condition that no copy exists, or the
// stored copy is older and no tombstone.
func (s *Store) PutProduct(ctx context.Context, p app.Product) (bool, error) {
	item, err := attributevalue.MarshalMap(productItem{
		ID: productKey(p.ID), ProductID: p.ID, Name: p.Name, PriceAmount: int64(p.Price.Amount()),
		Currency: p.Price.Currency().String(), Version: p.Version,
	})
	if err != nil {
		return false, fmt.Errorf("marshal product %s: %w", p.ID, err)
	}
	newer := expression.AttributeNotExists(expression.Name(ordersspec.KeyID)).Or(
		expression.Name("deleted").Equal(expression.Value(false)).
			And(expression.Name("version").LessThan(expression.Value(p.Version))))
	cond, err := expression.NewBuilder().WithCondition(newer).Build()
	if err != nil {
		return false, fmt.Errorf("put product %s: %w", p.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item, ConditionExpression: cond.Condition(),
		ExpressionAttributeNames: cond.Names(), ExpressionAttributeValues: cond.Values(),
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("put product %s v%d: %w", p.ID, p.Version, err)
	}
	return true, nil
}

// DeleteProduct implements app.Products: the copy becomes a tombstone.
func (s *Store) DeleteProduct(ctx context.Context, id string) error {
	item, err := attributevalue.MarshalMap(productItem{ID: productKey(id), ProductID: id, Deleted: true})
	if err != nil {
		return fmt.Errorf("marshal tombstone %s: %w", id, err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("delete product %s: %w", id, err)
	}
	return nil
}
