package ddbengine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// pageLimit is DynamoDB's 1 MB page: a Query or Scan without Limit stops after the item that
// brings the data read to 1 MiB and returns a LastEvaluatedKey.
const pageLimit = 1 << 20

// TestOneMegabytePages reads ~1.15 MB of small items with Query (forward, backward, on an
// index) and Scan, without Limit. Each page must end exactly at the 1 MB rule (sizes as the
// engine estimates them, dynalite's model) with a LastEvaluatedKey at its last item, and the
// pages together must hold every item exactly once.
func TestOneMegabytePages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String("pages"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("byGroup"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}

	// Items of 900 to 1,099 bytes of data, so page boundaries do not fall on a round count.
	const n = 1150
	sizes := map[string]int{} // sk -> the engine's size estimate of the item
	var all []string
	var batch []types.WriteRequest
	total := 0
	for i := range n {
		sk, data := fmt.Sprintf("%05d", i), strings.Repeat("x", 900+(i*37)%200)
		item := Item{"pk": {T: "S", S: "p"}, "sk": {T: "S", S: sk}, "g": {T: "S", S: "all"}, "data": {T: "S", S: data}}
		sizes[sk] = itemSize(item, true, true, "sk")
		total += sizes[sk]
		all = append(all, sk)
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "p"}, "sk": &types.AttributeValueMemberS{Value: sk},
			"g": &types.AttributeValueMemberS{Value: "all"}, "data": &types.AttributeValueMemberS{Value: data},
		}}})
		if len(batch) == 25 || i == n-1 {
			out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"pages": batch}})
			if err != nil || len(out.UnprocessedItems) > 0 {
				t.Fatalf("BatchWriteItem: %v, unprocessed %v", err, out.UnprocessedItems)
			}
			batch = nil
		}
	}
	if total < pageLimit+pageLimit/10 {
		t.Fatalf("the items total %d bytes, want about 1.1 MB", total)
	}

	p := &types.AttributeValueMemberS{Value: "p"}
	tests := []struct {
		name string
		read func(start map[string]types.AttributeValue) ([]map[string]types.AttributeValue, map[string]types.AttributeValue, error)
		keys []string // the attributes of LastEvaluatedKey
		want []string // every sk, in read order
		opts cmp.Options
	}{
		{"Query", func(start map[string]types.AttributeValue) ([]map[string]types.AttributeValue, map[string]types.AttributeValue, error) {
			out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("pages"),
				KeyConditionExpression:    aws.String("pk = :p"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": p}, ExclusiveStartKey: start})
			if err != nil {
				return nil, nil, err
			}
			return out.Items, out.LastEvaluatedKey, nil
		}, []string{"pk", "sk"}, all, nil},
		{"Query backward", func(start map[string]types.AttributeValue) ([]map[string]types.AttributeValue, map[string]types.AttributeValue, error) {
			out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("pages"),
				KeyConditionExpression:    aws.String("pk = :p"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": p},
				ScanIndexForward:          aws.Bool(false), ExclusiveStartKey: start})
			if err != nil {
				return nil, nil, err
			}
			return out.Items, out.LastEvaluatedKey, nil
		}, []string{"pk", "sk"}, reversed(all), nil},
		{"Query index", func(start map[string]types.AttributeValue) ([]map[string]types.AttributeValue, map[string]types.AttributeValue, error) {
			out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("pages"), IndexName: aws.String("byGroup"),
				KeyConditionExpression:    aws.String("g = :g"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":g": &types.AttributeValueMemberS{Value: "all"}},
				ExclusiveStartKey:         start})
			if err != nil {
				return nil, nil, err
			}
			return out.Items, out.LastEvaluatedKey, nil
		}, []string{"g", "pk", "sk"}, all, nil},
		{"Scan", func(start map[string]types.AttributeValue) ([]map[string]types.AttributeValue, map[string]types.AttributeValue, error) {
			out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("pages"), ExclusiveStartKey: start})
			if err != nil {
				return nil, nil, err
			}
			return out.Items, out.LastEvaluatedKey, nil
		}, []string{"pk", "sk"}, all, cmp.Options{cmpopts.SortSlices(func(a, b string) bool { return a < b })}}, // Scan promises no order
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			var start map[string]types.AttributeValue
			for page := 0; ; page++ {
				if page == 10 {
					t.Fatal("no end after 10 pages")
				}
				items, lek, err := tt.read(start)
				if err != nil {
					t.Fatal(err)
				}
				size := 0
				for i, it := range items {
					if i == len(items)-1 && lek != nil && size >= pageLimit {
						t.Errorf("page %d: %d bytes before its last item; the page should have ended there", page, size)
					}
					sk := it["sk"].(*types.AttributeValueMemberS).Value
					size += sizes[sk]
					got = append(got, sk)
				}
				if page == 0 && lek == nil {
					t.Fatalf("first page: %d items, %d bytes and no LastEvaluatedKey; the rest of the %d items are lost", len(items), size, n)
				}
				if lek == nil {
					if size >= pageLimit {
						t.Errorf("last page: %d bytes without a LastEvaluatedKey", size)
					}
					break
				}
				if size < pageLimit {
					t.Errorf("page %d: LastEvaluatedKey after %d bytes, want at least %d", page, size, pageLimit)
				}
				last := items[len(items)-1]
				want := map[string]types.AttributeValue{}
				for _, k := range tt.keys {
					want[k] = last[k]
				}
				if diff := cmp.Diff(want, lek, cmp.Comparer(func(a, b *types.AttributeValueMemberS) bool { return a.Value == b.Value })); diff != "" {
					t.Errorf("page %d: LastEvaluatedKey is not its last item's key (-want +got):\n%s", page, diff)
				}
				start = lek
			}
			if diff := cmp.Diff(tt.want, got, tt.opts); diff != "" {
				t.Errorf("items over all pages (-want +got):\n%s", diff)
			}
		})
	}
}

func reversed(s []string) []string {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}
