package ddb

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/catalog/internal/product"
	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
)

// startKey is the ExclusiveStartKey of a GSI query: the index key plus the table key.
type startKey struct {
	ID       string `dynamodbav:"id"`
	Category string `dynamodbav:"category,omitempty"`
	ListKey  string `dynamodbav:"listKey,omitempty"`
	SortKey  string `dynamodbav:"sortKey"`
}

// List returns one page of q, newest first: from GSI byCategory when q has a category, else
// from byNewest. It asks for one item more than the page holds to learn whether another page
// follows, and builds the next cursor from the last item returned rather than from
// LastEvaluatedKey, which may point past the page or at nothing.
func (s *Store) List(ctx context.Context, q product.ListQuery) (product.Page, error) {
	var (
		keyCond expression.KeyConditionBuilder
		index   string
		start   startKey
	)
	if q.Category() != "" {
		index = IndexByCategory
		keyCond = expression.Key(catalogspec.AttrCategory).Equal(expression.Value(q.Category()))
		start.Category = q.Category()
	} else {
		index = IndexByNewest
		keyCond = expression.Key(catalogspec.AttrListKey).Equal(expression.Value(listKeyProduct))
		start.ListKey = listKeyProduct
	}
	expr, err := expression.NewBuilder().WithKeyCondition(keyCond).Build()
	if err != nil {
		return product.Page{}, fmt.Errorf("list products: build key condition: %w", err)
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(false),
	}
	if after, ok := q.After(); ok {
		start.ID, start.SortKey = after.ID.String(), sortKey(after)
		if in.ExclusiveStartKey, err = attributevalue.MarshalMap(start); err != nil {
			return product.Page{}, fmt.Errorf("list products: marshal start key: %w", err)
		}
	}

	// One request normally suffices; DynamoDB stops early only at 1 MB, which a page of at most
	// 101 products of bounded size does not reach, but loop so correctness does not depend on it.
	want := q.Limit() + 1
	var items []item
	for len(items) < want {
		in.Limit = aws.Int32(int32(want - len(items)))
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return product.Page{}, fmt.Errorf("list products in %s: %w", index, err)
		}
		var batch []item
		if err := attributevalue.UnmarshalListOfMaps(out.Items, &batch); err != nil {
			return product.Page{}, fmt.Errorf("list products: unmarshal items: %w", err)
		}
		items = append(items, batch...)
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}

	page := product.Page{Products: make([]*product.Product, 0, min(len(items), q.Limit()))}
	for _, it := range items[:min(len(items), q.Limit())] {
		p, err := it.product()
		if err != nil {
			return product.Page{}, fmt.Errorf("list products: %w", err)
		}
		page.Products = append(page.Products, p)
	}
	if len(items) > q.Limit() {
		page.NextCursor = q.NextCursor(page.Products[len(page.Products)-1])
	}
	return page, nil
}
