package ddb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/functions/orders/internal/order"
	ordersspec "github.com/microshop/microshop/functions/orders/spec"
)

// List implements app.Orders: one descending Query of the scope's index (byCustomer, byStatus
// or byNewest), asking for one item more than the page holds so that Next is nil exactly on
// the last page.
func (s *Store) List(ctx context.Context, q order.ListQuery) (order.Page, error) {
	index, attr, value := ordersspec.IndexByNewest, ordersspec.AttrListKey, listKeyOrder
	switch {
	case q.Scope.CustomerID != "":
		index, attr, value = ordersspec.IndexByCustomer, ordersspec.AttrCustomerID, q.Scope.CustomerID
	case q.Scope.Status != "":
		index, attr, value = ordersspec.IndexByStatus, ordersspec.AttrStatus, string(q.Scope.Status)
	}
	kc, err := expression.NewBuilder().WithKeyCondition(expression.Key(attr).Equal(expression.Value(value))).Build()
	if err != nil {
		return order.Page{}, fmt.Errorf("list orders: %w", err)
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(index),
		KeyConditionExpression: kc.KeyCondition(), ExpressionAttributeNames: kc.Names(),
		ExpressionAttributeValues: kc.Values(), ScanIndexForward: aws.Bool(false),
		Limit: aws.Int32(int32(q.Limit + 1)),
	}
	if q.After != nil {
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			ordersspec.KeyID:       &types.AttributeValueMemberS{Value: orderKey(q.After.ID)},
			attr:                   &types.AttributeValueMemberS{Value: value},
			ordersspec.AttrSortKey: &types.AttributeValueMemberS{Value: sortKey(q.After.CreatedAt, q.After.ID)},
		}
	}
	var orders []*order.Order
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return order.Page{}, fmt.Errorf("list orders on %s: %w", index, err)
		}
		for _, item := range out.Items {
			o, err := unmarshalOrder(item)
			if err != nil {
				return order.Page{}, err
			}
			orders = append(orders, o)
		}
		if len(orders) > q.Limit || out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
		in.Limit = aws.Int32(int32(q.Limit + 1 - len(orders)))
	}
	var page order.Page
	if len(orders) > q.Limit {
		orders = orders[:q.Limit]
		last := order.PositionOf(orders[len(orders)-1])
		page.Next = &last
	}
	page.Orders = orders
	return page, nil
}
