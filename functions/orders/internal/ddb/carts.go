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
)

// cartItem is the replica's copy of a customer's cart.
type cartItem struct {
	ID         string         `dynamodbav:"id"`
	CustomerID string         `dynamodbav:"cartOf"`
	Items      []cartLineItem `dynamodbav:"items"`
	Version    int            `dynamodbav:"version"`
}

type cartLineItem struct {
	ProductID string `dynamodbav:"productId"`
	Quantity  int    `dynamodbav:"quantity"`
}

// cartKey is the key of a customer's cart copy. The copy has none of the indexes' attributes,
// so no index lists it.
func cartKey(customerID string) string { return "cart#" + customerID }

var _ app.Carts = (*Store)(nil)

// Cart implements app.Carts with a strongly consistent GetItem.
func (s *Store) Cart(ctx context.Context, customerID string) (app.Cart, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(cartKey(customerID)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return app.Cart{}, fmt.Errorf("get cart of %s: %w", customerID, err)
	}
	if out.Item == nil {
		return app.Cart{CustomerID: customerID}, nil
	}
	var it cartItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return app.Cart{}, fmt.Errorf("unmarshal cart of %s: %w", customerID, err)
	}
	c := app.Cart{CustomerID: customerID, Version: it.Version}
	for _, l := range it.Items {
		c.Items = append(c.Items, app.LineRequest{ProductID: l.ProductID, Quantity: l.Quantity})
	}
	return c, nil
}

// PutCart implements app.Carts with one PutItem on condition that no copy exists or the
// stored copy is older.
func (s *Store) PutCart(ctx context.Context, c app.Cart) (bool, error) {
	it := cartItem{ID: cartKey(c.CustomerID), CustomerID: c.CustomerID, Items: []cartLineItem{}, Version: c.Version}
	for _, l := range c.Items {
		it.Items = append(it.Items, cartLineItem{ProductID: l.ProductID, Quantity: l.Quantity})
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return false, fmt.Errorf("marshal cart of %s: %w", c.CustomerID, err)
	}
	newer := expression.AttributeNotExists(expression.Name(ordersspec.KeyID)).
		Or(expression.Name("version").LessThan(expression.Value(c.Version)))
	cond, err := expression.NewBuilder().WithCondition(newer).Build()
	if err != nil {
		return false, fmt.Errorf("put cart of %s: %w", c.CustomerID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item, ConditionExpression: cond.Condition(),
		ExpressionAttributeNames: cond.Names(), ExpressionAttributeValues: cond.Values(),
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("put cart of %s v%d: %w", c.CustomerID, c.Version, err)
	}
	return true, nil
}
