package ddbengine

// Regression tests for review findings where the engine (like dynalite) departed from
// DynamoDB: stream records for writes that change nothing, BatchWriteItem size limits, the
// number range of arithmetic results and empty secondary index key values. All of them go
// through the AWS SDK, as services do.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/sdk"
)

// streamEvents returns the event names of every record in the table's stream, oldest first,
// found through ListStreams as a consumer would.
func streamEvents(t *testing.T, url, table string) []string {
	t.Helper()
	sc := sdk.DynamoDBStreams(url)
	ls, err := sc.ListStreams(context.Background(), &dynamodbstreams.ListStreamsInput{TableName: aws.String(table)})
	if err != nil || len(ls.Streams) != 1 {
		t.Fatalf("ListStreams = %+v, %v", ls, err)
	}
	it, err := sc.GetShardIterator(context.Background(), &dynamodbstreams.GetShardIteratorInput{
		StreamArn: ls.Streams[0].StreamArn, ShardId: aws.String(shardID), ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, r := range readRecords(t, sc, aws.ToString(it.ShardIterator), 0) {
		got = append(got, string(r.EventName))
	}
	return got
}

func createStreamTable(t *testing.T, c *dynamodb.Client) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String("tbl"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnchangedWritesEmitNoStreamRecord follows the DynamoDB Streams developer guide: a
// PutItem or UpdateItem that does not change any data in an item writes no stream record,
// whichever API (single, batch or transactional) makes it.
func TestUnchangedWritesEmitNoStreamRecord(t *testing.T) {
	ctx := context.Background()
	item := map[string]types.AttributeValue{
		"id": s("a"), "n": n("1.50"), "tags": &types.AttributeValueMemberSS{Value: []string{"x", "y"}},
		"doc": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1"), s("v")}}}},
	}
	same := map[string]types.AttributeValue{ // equal to item: numbers by value, sets as sets
		"id": s("a"), "n": n("1.5"), "tags": &types.AttributeValueMemberSS{Value: []string{"y", "x"}},
		"doc": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1.0"), s("v")}}}},
	}
	update := func(expr string, vals map[string]types.AttributeValue) func(*dynamodb.Client) error {
		return func(c *dynamodb.Client) error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: key("a"),
				UpdateExpression: aws.String(expr), ExpressionAttributeValues: vals})
			return err
		}
	}
	put := func(it map[string]types.AttributeValue) func(*dynamodb.Client) error {
		return func(c *dynamodb.Client) error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: it})
			return err
		}
	}
	tests := []struct {
		name   string
		second func(*dynamodb.Client) error // runs after item is put
		want   []string
	}{
		{"PutItem same item", put(same), []string{"INSERT"}},
		{"PutItem changed item", put(map[string]types.AttributeValue{"id": s("a")}), []string{"INSERT", "MODIFY"}},
		{"UpdateItem SET same value", update("SET n = :v", map[string]types.AttributeValue{":v": n("1.5")}), []string{"INSERT"}},
		{"UpdateItem ADD zero", update("ADD n :z", map[string]types.AttributeValue{":z": n("0")}), []string{"INSERT"}},
		{"UpdateItem ADD present set element", update("ADD tags :t", map[string]types.AttributeValue{":t": &types.AttributeValueMemberSS{Value: []string{"x"}}}), []string{"INSERT"}},
		{"UpdateItem REMOVE missing attribute", update("REMOVE nope", nil), []string{"INSERT"}},
		{"UpdateItem SET changed value", update("SET n = :v", map[string]types.AttributeValue{":v": n("2")}), []string{"INSERT", "MODIFY"}},
		{"UpdateItem legacy PUT same value", func(c *dynamodb.Client) error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: key("a"),
				AttributeUpdates: map[string]types.AttributeValueUpdate{"n": {Action: types.AttributeActionPut, Value: n("1.50")}}})
			return err
		}, []string{"INSERT"}},
		{"BatchWriteItem same item", func(c *dynamodb.Client) error {
			_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				"tbl": {{PutRequest: &types.PutRequest{Item: same}}}}})
			return err
		}, []string{"INSERT"}},
		{"BatchWriteItem changed item", func(c *dynamodb.Client) error {
			_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				"tbl": {{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"id": s("a")}}}}}})
			return err
		}, []string{"INSERT", "MODIFY"}},
		{"TransactWriteItems same item", func(c *dynamodb.Client) error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("tbl"), Item: same}}}})
			return err
		}, []string{"INSERT"}},
		{"TransactWriteItems SET same value", func(c *dynamodb.Client) error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Update: &types.Update{TableName: aws.String("tbl"), Key: key("a"), UpdateExpression: aws.String("SET n = :v"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":v": n("1.5")}}}}})
			return err
		}, []string{"INSERT"}},
		{"DeleteItem", func(c *dynamodb.Client) error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: key("a")})
			return err
		}, []string{"INSERT", "REMOVE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, url := newTestEngine(t, Options{})
			createStreamTable(t, c)
			putItems(t, c, "tbl", item)
			if err := tt.second(c); err != nil {
				t.Fatal(err)
			}
			if got := streamEvents(t, url, "tbl"); !cmp.Equal(got, tt.want) {
				t.Errorf("stream events = %v, want %v", got, tt.want)
			}
		})
	}
}

// batchRequestJSON renders one table's put requests the way the SDK sends them, which is
// how DynamoDB quotes the RequestItems value in a constraint message.
func batchRequestJSON(t *testing.T, table string, reqs []types.WriteRequest) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"` + table + `":[`)
	for i, r := range reqs {
		if i > 0 {
			b.WriteByte(',')
		}
		id := r.PutRequest.Item["id"].(*types.AttributeValueMemberS).Value
		v, err := json.Marshal(id)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(`{"PutRequest":{"Item":{"id":{"S":` + string(v) + `}}}}`)
	}
	b.WriteString("]}")
	return b.String()
}

func putRequests(prefix string, count int) []types.WriteRequest {
	reqs := make([]types.WriteRequest, count)
	for i := range reqs {
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"id": s(fmt.Sprintf("%s%d", prefix, i))}}}
	}
	return reqs
}

// TestBatchWriteItemLimits: at most 25 requests per table list and per call, and no empty
// list. The per-list messages are DynamoDB's (and dynalite's) constraint messages; they and
// the per-call limit are checked before any table is looked up.
func TestBatchWriteItemLimits(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	createStreamTable(t, c)
	const mapValue = "' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
	tooMany := apiErr{"ValidationException", "Too many items requested for the BatchWriteItem call"}
	tests := []struct {
		name  string
		items map[string][]types.WriteRequest
		want  apiErr
	}{
		{"26 in one table", map[string][]types.WriteRequest{"tbl": putRequests("k", 26)},
			apiErr{"ValidationException", "1 validation error detected: Value '" + batchRequestJSON(t, "tbl", putRequests("k", 26)) + mapValue}},
		{"26 in a missing table", map[string][]types.WriteRequest{"nope": putRequests("k", 26)},
			apiErr{"ValidationException", "1 validation error detected: Value '" + batchRequestJSON(t, "nope", putRequests("k", 26)) + mapValue}},
		{"empty list", map[string][]types.WriteRequest{"tbl": {}},
			apiErr{"ValidationException", "1 validation error detected: Value '{\"tbl\":[]}" + mapValue}},
		{"26 across two tables", map[string][]types.WriteRequest{"tbl": putRequests("a", 13), "tb2": putRequests("b", 13)}, tooMany},
		{"26 across two tables, one missing", map[string][]types.WriteRequest{"nope": putRequests("a", 13), "tbl": putRequests("b", 13)}, tooMany},
		{"25 in one table", map[string][]types.WriteRequest{"tbl": putRequests("k", 25)}, apiErr{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: tt.items})
			if got := toAPIErr(t, err); got != tt.want {
				t.Errorf("BatchWriteItem error = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestArithmeticNumberLimits: results of + and - in SET and of ADD (expression and legacy
// AttributeUpdates) must be storable numbers; otherwise the update fails with the message
// PutItem gives for the same number.
func TestArithmeticNumberLimits(t *testing.T) {
	ctx := context.Background()
	const (
		overflow  = "Number overflow. Attempting to store a number with magnitude larger than supported range"
		underflow = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
		precision = "Attempting to store more than 38 significant digits in a Number"
	)
	tests := []struct {
		name    string
		stored  string
		update  *dynamodb.UpdateItemInput
		want    apiErr
		wantNew string // the attribute "n" after the update
	}{
		{"SET plus overflows", "9.9e125", &dynamodb.UpdateItemInput{UpdateExpression: aws.String("SET n = n + :x"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":x": n("9.9e125")}}, apiErr{"ValidationException", overflow}, "9.9e125"},
		{"SET minus overflows negative", "1", &dynamodb.UpdateItemInput{UpdateExpression: aws.String("SET n = :a - :b"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":a": n("-9.9e125"), ":b": n("9.9e125")}}, apiErr{"ValidationException", overflow}, "1"},
		{"SET minus underflows", "1", &dynamodb.UpdateItemInput{UpdateExpression: aws.String("SET n = :a - :b"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":a": n("1.1e-130"), ":b": n("1e-130")}}, apiErr{"ValidationException", underflow}, "1"},
		{"SET plus loses precision", "1e37", &dynamodb.UpdateItemInput{UpdateExpression: aws.String("SET n = n + :x"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":x": n("0.01")}}, apiErr{"ValidationException", precision}, "1e37"},
		{"ADD overflows", "9.9e125", &dynamodb.UpdateItemInput{UpdateExpression: aws.String("ADD n :x"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":x": n("1e125")}}, apiErr{"ValidationException", overflow}, "9.9e125"},
		{"ADD loses precision", "9.9e125", &dynamodb.UpdateItemInput{UpdateExpression: aws.String("ADD n :x"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":x": n("-1")}}, apiErr{"ValidationException", precision}, "9.9e125"},
		{"legacy ADD overflows", "9.9e125", &dynamodb.UpdateItemInput{
			AttributeUpdates: map[string]types.AttributeValueUpdate{"n": {Action: types.AttributeActionAdd, Value: n("9.9e125")}}},
			apiErr{"ValidationException", overflow}, "9.9e125"},
		{"in range", "9.9e125", &dynamodb.UpdateItemInput{UpdateExpression: aws.String("SET n = n - :x"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":x": n("9.8e125")}}, apiErr{}, "1e124"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := newTestEngine(t, Options{})
			createStreamTable(t, c)
			putItems(t, c, "tbl", map[string]types.AttributeValue{"id": s("a"), "n": n(tt.stored)})
			in := *tt.update
			in.TableName, in.Key = aws.String("tbl"), key("a")
			_, err := c.UpdateItem(ctx, &in)
			if got := toAPIErr(t, err); got != tt.want {
				t.Errorf("UpdateItem error = %+v, want %+v", got, tt.want)
			}
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: key("a")})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := normalizeNumber(tt.wantNew)
			if got := out.Item["n"].(*types.AttributeValueMemberN).Value; got != want {
				t.Errorf("n = %s, want %s", got, want)
			}
		})
	}
}

// TestEmptySecondaryIndexKeyRejected: an empty string or binary may be stored in a non-key
// attribute but not in a GSI or LSI key attribute, whichever write API stores it.
func TestEmptySecondaryIndexKeyRejected(t *testing.T) {
	ctx := context.Background()
	const prefix = "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty "
	emptyCat := apiErr{"ValidationException", prefix + "string value. IndexName: byCat, IndexKey: cat"}
	emptyBin := apiErr{"ValidationException", prefix + "binary value. IndexName: byBin, IndexKey: bin"}
	item := func(attr string, v types.AttributeValue) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": s("p"), "sk": s("s"), attr: v}
	}
	tableKey := map[string]types.AttributeValue{"pk": s("p"), "sk": s("s")}
	empty := s("")
	emptyB := &types.AttributeValueMemberB{Value: []byte{}}
	tests := []struct {
		name string
		call func(*dynamodb.Client) error
		want apiErr
	}{
		{"PutItem GSI key", func(c *dynamodb.Client) error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("idx"), Item: item("cat", empty)})
			return err
		}, emptyCat},
		{"PutItem LSI key binary", func(c *dynamodb.Client) error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("idx"), Item: item("bin", emptyB)})
			return err
		}, emptyBin},
		{"PutItem non-key attribute", func(c *dynamodb.Client) error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("idx"), Item: item("other", empty)})
			return err
		}, apiErr{}},
		{"UpdateItem SET GSI key", func(c *dynamodb.Client) error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("idx"), Key: tableKey,
				UpdateExpression: aws.String("SET cat = :e"), ExpressionAttributeValues: map[string]types.AttributeValue{":e": empty}})
			return err
		}, emptyCat},
		{"UpdateItem legacy PUT LSI key", func(c *dynamodb.Client) error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("idx"), Key: tableKey,
				AttributeUpdates: map[string]types.AttributeValueUpdate{"bin": {Action: types.AttributeActionPut, Value: emptyB}}})
			return err
		}, emptyBin},
		{"BatchWriteItem GSI key", func(c *dynamodb.Client) error {
			_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				"idx": {{PutRequest: &types.PutRequest{Item: item("cat", empty)}}}}})
			return err
		}, emptyCat},
		{"TransactWriteItems Put GSI key", func(c *dynamodb.Client) error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("idx"), Item: item("cat", empty)}}}})
			return err
		}, emptyCat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, _ := newTestEngine(t, Options{})
			_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
				TableName:   aws.String("idx"),
				BillingMode: types.BillingModePayPerRequest,
				AttributeDefinitions: []types.AttributeDefinition{
					{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
					{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
					{AttributeName: aws.String("cat"), AttributeType: types.ScalarAttributeTypeS},
					{AttributeName: aws.String("bin"), AttributeType: types.ScalarAttributeTypeB},
				},
				KeySchema: []types.KeySchemaElement{
					{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
					{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
				},
				GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byCat"),
					KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("cat"), KeyType: types.KeyTypeHash}},
					Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
				LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("byBin"),
					KeySchema: []types.KeySchemaElement{
						{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
						{AttributeName: aws.String("bin"), KeyType: types.KeyTypeRange},
					},
					Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := toAPIErr(t, tt.call(c)); got != tt.want {
				t.Errorf("error = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
