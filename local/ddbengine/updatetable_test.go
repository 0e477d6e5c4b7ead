package ddbengine

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

func attrDef(name string, t types.ScalarAttributeType) types.AttributeDefinition {
	return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: t}
}

func hashKey(name string) []types.KeySchemaElement {
	return []types.KeySchemaElement{{AttributeName: aws.String(name), KeyType: types.KeyTypeHash}}
}

func createGSI(name, key string) types.GlobalSecondaryIndexUpdate {
	return types.GlobalSecondaryIndexUpdate{Create: &types.CreateGlobalSecondaryIndexAction{
		IndexName: aws.String(name), KeySchema: hashKey(key), Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
}

func deleteGSI(name string) types.GlobalSecondaryIndexUpdate {
	return types.GlobalSecondaryIndexUpdate{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String(name)}}
}

// apiErr is an SDK error's code and message, for got/want comparisons.
type apiErr struct{ Code, Message string }

func toAPIErr(t *testing.T, err error) apiErr {
	t.Helper()
	if err == nil {
		return apiErr{}
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error", err)
	}
	return apiErr{ae.ErrorCode(), ae.ErrorMessage()}
}

func putItems(t *testing.T, c *dynamodb.Client, table string, items ...map[string]types.AttributeValue) {
	t.Helper()
	for _, it := range items {
		if _, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// ids returns the sorted "id" attributes of items.
func ids(items []map[string]types.AttributeValue) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it["id"].(*types.AttributeValueMemberS).Value)
	}
	sort.Strings(out)
	return out
}

func createOrders(t *testing.T, c *dynamodb.Client) {
	t.Helper()
	if _, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{TableName: aws.String("orders"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{attrDef("id", types.ScalarAttributeTypeS)}, KeySchema: hashKey("id")}); err != nil {
		t.Fatal(err)
	}
}

func queryStatus(c *dynamodb.Client, index, status string) ([]string, error) {
	out, err := c.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String("orders"), IndexName: aws.String(index),
		KeyConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": s(status)}})
	if err != nil {
		return nil, err
	}
	return ids(out.Items), nil
}

func TestUpdateTableAddGSIBackfillsSparsely(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	createOrders(t, c)
	putItems(t, c, "orders",
		map[string]types.AttributeValue{"id": s("a"), "status": s("open")},
		map[string]types.AttributeValue{"id": s("b"), "status": s("open")},
		map[string]types.AttributeValue{"id": s("c"), "status": s("shipped")},
		map[string]types.AttributeValue{"id": s("d")},                   // no key: not indexed
		map[string]types.AttributeValue{"id": s("e"), "status": n("7")}, // wrong type: skipped by backfill
	)
	out, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"),
		AttributeDefinitions:        []types.AttributeDefinition{attrDef("status", types.ScalarAttributeTypeS)},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{createGSI("byStatus", "status")}})
	if err != nil {
		t.Fatal(err)
	}
	gsis := out.TableDescription.GlobalSecondaryIndexes
	if len(gsis) != 1 || aws.ToString(gsis[0].IndexName) != "byStatus" || gsis[0].IndexStatus != types.IndexStatusActive || aws.ToInt64(gsis[0].ItemCount) != 3 {
		t.Fatalf("GlobalSecondaryIndexes = %+v, want byStatus ACTIVE with 3 items", gsis)
	}

	got, err := queryStatus(c, "byStatus", "open")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("query open (-want +got):\n%s", diff)
	}
	scan, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("orders"), IndexName: aws.String("byStatus")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, ids(scan.Items)); diff != "" {
		t.Errorf("index scan (-want +got):\n%s", diff)
	}

	// The index is maintained from now on, and its key type is enforced on writes.
	putItems(t, c, "orders", map[string]types.AttributeValue{"id": s("f"), "status": s("open")})
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("orders"), Key: map[string]types.AttributeValue{"id": s("a")}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := queryStatus(c, "byStatus", "open"); !cmp.Equal(got, []string{"b", "f"}) {
		t.Errorf("query open after writes = %v, want [b f]", got)
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: map[string]types.AttributeValue{"id": s("g"), "status": n("1")}})
	want := apiErr{"ValidationException", "One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N IndexName: byStatus"}
	if diff := cmp.Diff(want, toAPIErr(t, err)); diff != "" {
		t.Errorf("mistyped put (-want +got):\n%s", diff)
	}
}

func TestUpdateTableDeleteGSI(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	createCatalog(t, c, false)
	putItems(t, c, "products", map[string]types.AttributeValue{"id": s("p1"), "category": s("books"), "listKey": s("all"), "sortKey": s("1")})
	out, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("products"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{deleteGSI("byNewest")}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ix := range out.TableDescription.GlobalSecondaryIndexes {
		names = append(names, aws.ToString(ix.IndexName))
	}
	var defs []string
	for _, d := range out.TableDescription.AttributeDefinitions {
		defs = append(defs, aws.ToString(d.AttributeName))
	}
	if diff := cmp.Diff([]string{"byCategory"}, names); diff != "" {
		t.Errorf("indexes after delete (-want +got):\n%s", diff)
	}
	// listKey was only byNewest's key, so its definition goes too.
	if diff := cmp.Diff([]string{"id", "category", "sortKey"}, defs); diff != "" {
		t.Errorf("attribute definitions after delete (-want +got):\n%s", diff)
	}

	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("products"), IndexName: aws.String("byNewest"),
		KeyConditionExpression: aws.String("listKey = :k"), ExpressionAttributeValues: map[string]types.AttributeValue{":k": s("all")}})
	if diff := cmp.Diff(apiErr{"ValidationException", "The table does not have the specified index: byNewest"}, toAPIErr(t, err)); diff != "" {
		t.Errorf("query on deleted index (-want +got):\n%s", diff)
	}
	// listKey is an ordinary attribute again: any type may be written.
	putItems(t, c, "products", map[string]types.AttributeValue{"id": s("p2"), "listKey": n("3")})
	// The remaining index still answers.
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("products"), IndexName: aws.String("byCategory"),
		KeyConditionExpression: aws.String("category = :c"), ExpressionAttributeValues: map[string]types.AttributeValue{":c": s("books")}})
	if err != nil || len(q.Items) != 1 {
		t.Errorf("query byCategory = %+v, %v; want one item", q, err)
	}
}

func TestUpdateTableErrors(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	createCatalog(t, c, false)
	if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("lsitable"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{attrDef("pk", types.ScalarAttributeTypeS), attrDef("sk", types.ScalarAttributeTypeS), attrDef("ls", types.ScalarAttributeTypeS)},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("byLs"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("ls"), KeyType: types.KeyTypeRange}}}},
	}); err != nil {
		t.Fatal(err)
	}
	priceDef := []types.AttributeDefinition{attrDef("price", types.ScalarAttributeTypeN)}
	tests := []struct {
		name string
		in   *dynamodb.UpdateTableInput
		want apiErr
	}{
		{"nothing to update", &dynamodb.UpdateTableInput{TableName: aws.String("products")},
			apiErr{"ValidationException", "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"}},
		{"unknown table", &dynamodb.UpdateTableInput{TableName: aws.String("nope"), GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{deleteGSI("byCategory")}},
			apiErr{"ResourceNotFoundException", "Requested resource not found: Table: nope not found"}},
		{"delete unknown index", &dynamodb.UpdateTableInput{TableName: aws.String("products"), GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{deleteGSI("byPrice")}},
			apiErr{"ResourceNotFoundException", "Requested resource not found: Index: byPrice not found"}},
		{"delete a local index", &dynamodb.UpdateTableInput{TableName: aws.String("lsitable"), GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{deleteGSI("byLs")}},
			apiErr{"ValidationException", "One or more parameter values were invalid: Index byLs is a local secondary index; only global secondary indexes can be deleted"}},
		{"create existing index", &dynamodb.UpdateTableInput{TableName: aws.String("products"), AttributeDefinitions: priceDef,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{createGSI("byCategory", "price")}},
			apiErr{"ValidationException", "One or more parameter values were invalid: Attempting to create an index which already exists: byCategory"}},
		{"create index named like a local index", &dynamodb.UpdateTableInput{TableName: aws.String("lsitable"), AttributeDefinitions: priceDef,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{createGSI("byLs", "price")}},
			apiErr{"ValidationException", "One or more parameter values were invalid: Attempting to create an index which already exists: byLs"}},
		{"new key not in AttributeDefinitions", &dynamodb.UpdateTableInput{TableName: aws.String("products"),
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{createGSI("byPrice", "price")}},
			apiErr{"ValidationException", "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [price], AttributeDefinitions: []"}},
		{"known key still needs a definition", &dynamodb.UpdateTableInput{TableName: aws.String("products"), AttributeDefinitions: priceDef,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{createGSI("byCategory2", "category")}},
			apiErr{"ValidationException", "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [category], AttributeDefinitions: [price]"}},
		{"key type redefined", &dynamodb.UpdateTableInput{TableName: aws.String("products"), AttributeDefinitions: []types.AttributeDefinition{attrDef("category", types.ScalarAttributeTypeN)},
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{createGSI("byCategory2", "category")}},
			apiErr{"ValidationException", "One or more parameter values were invalid: Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. " +
				"Existing schema: Schema:[SchemaElement: key{category:S:HASH}, SchemaElement: key{sortKey:S:RANGE}] New schema: Schema:[SchemaElement: key{category:N:HASH}]"}},
		{"two updates of one index", &dynamodb.UpdateTableInput{TableName: aws.String("products"),
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{deleteGSI("byNewest"), deleteGSI("byNewest")}},
			apiErr{"ValidationException", "One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: byNewest"}},
		{"two index changes at once", &dynamodb.UpdateTableInput{TableName: aws.String("products"), AttributeDefinitions: priceDef,
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{createGSI("byPrice", "price"), deleteGSI("byNewest")}},
			apiErr{"LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"}},
		{"empty index update", &dynamodb.UpdateTableInput{TableName: aws.String("products"), GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{}}},
			apiErr{"ValidationException", "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"}},
		{"throughput on an on-demand table", &dynamodb.UpdateTableInput{TableName: aws.String("products"),
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}},
			apiErr{"ValidationException", "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"}},
		{"stream without view type", &dynamodb.UpdateTableInput{TableName: aws.String("products"), StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true)}},
			apiErr{"ValidationException", "One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true"}},
	}
	before, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("products")})
	if err != nil {
		t.Fatal(err)
	}
	// LimitExceededException is retryable; one attempt keeps the test fast.
	once := func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.UpdateTable(ctx, tt.in, once)
			if diff := cmp.Diff(tt.want, toAPIErr(t, err)); diff != "" {
				t.Errorf("UpdateTable error (-want +got):\n%s", diff)
			}
		})
	}
	// The typed errors the SDK maps these to.
	_, err = c.UpdateTable(ctx, tests[1].in)
	if rnf := (*types.ResourceNotFoundException)(nil); !errors.As(err, &rnf) {
		t.Errorf("unknown table: %T, want *types.ResourceNotFoundException", err)
	}
	_, err = c.UpdateTable(ctx, tests[10].in, once)
	if le := (*types.LimitExceededException)(nil); !errors.As(err, &le) {
		t.Errorf("two index changes: %T, want *types.LimitExceededException", err)
	}
	// Rejected requests change nothing.
	after, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("products")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before.Table.AttributeDefinitions, after.Table.AttributeDefinitions, cmp.AllowUnexported(types.AttributeDefinition{})); diff != "" {
		t.Errorf("attribute definitions changed by rejected updates (-before +after):\n%s", diff)
	}
	if got := len(after.Table.GlobalSecondaryIndexes); got != 2 {
		t.Errorf("%d indexes after rejected updates, want 2", got)
	}
}

func TestUpdateTableStreamSpecification(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	clock := time.Unix(1_700_000_000, 0)
	e, c, _ := newTestEngine(t, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); clock = clock.Add(time.Second); return clock }})
	createOrders(t, c)
	enable := func(view types.StreamViewType) (*dynamodb.UpdateTableOutput, error) {
		return c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"),
			StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view}})
	}
	out, err := enable(types.StreamViewTypeNewImage)
	if err != nil {
		t.Fatal(err)
	}
	first := aws.ToString(out.TableDescription.LatestStreamArn)
	if spec := out.TableDescription.StreamSpecification; spec == nil || !aws.ToBool(spec.StreamEnabled) || spec.StreamViewType != types.StreamViewTypeNewImage ||
		!strings.HasPrefix(first, "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/") || first != e.StreamARN("orders") {
		t.Fatalf("after enabling: spec %+v, arn %q (engine says %q)", spec, first, e.StreamARN("orders"))
	}
	recs, cancel, err := e.Subscribe("orders")
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	putItems(t, c, "orders", map[string]types.AttributeValue{"id": s("a")})
	select {
	case r := <-recs:
		if r.EventName != "INSERT" || r.Dynamodb.NewImage["id"].S != "a" || r.Dynamodb.StreamViewType != "NEW_IMAGE" {
			t.Errorf("record = %+v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no stream record after enabling the stream")
	}

	_, err = enable(types.StreamViewTypeKeysOnly)
	if diff := cmp.Diff(apiErr{"ValidationException", "Table already has an enabled stream: " + first}, toAPIErr(t, err)); diff != "" {
		t.Errorf("enabling twice (-want +got):\n%s", diff)
	}

	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
	if err != nil || d.Table.StreamSpecification != nil {
		t.Fatalf("after disabling: %+v, %v; want no StreamSpecification", d.Table.StreamSpecification, err)
	}
	putItems(t, c, "orders", map[string]types.AttributeValue{"id": s("b")})

	out, err = enable(types.StreamViewTypeKeysOnly)
	if err != nil {
		t.Fatal(err)
	}
	if second := aws.ToString(out.TableDescription.LatestStreamArn); second == first {
		t.Errorf("re-enabled stream kept ARN %s; DynamoDB starts a new stream", second)
	}
	putItems(t, c, "orders", map[string]types.AttributeValue{"id": s("c")})
	select {
	case r := <-recs:
		// b was written while the stream was off, so the next record is c's.
		if r.Dynamodb.Keys["id"].S != "c" || r.Dynamodb.NewImage != nil {
			t.Errorf("record after re-enabling = %+v, want keys-only INSERT of c", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no stream record after re-enabling the stream")
	}
}

// TestUpdateTableConcurrentWithReadsAndWrites adds and removes an index while other clients
// query it and write items (run with -race).
func TestUpdateTableConcurrentWithReadsAndWrites(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	createOrders(t, c)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := string(rune('a' + (w*7+i)%20))
				if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"),
					Item: map[string]types.AttributeValue{"id": s(id), "status": s("open")}}); err != nil {
					t.Error(err)
					return
				}
				if _, err := queryStatus(c, "byStatus", "open"); err != nil {
					if got := toAPIErr(t, err); got != (apiErr{"ValidationException", "The table does not have the specified index: byStatus"}) {
						t.Errorf("query during index changes: %v", err)
						return
					}
				}
			}
		}()
	}
	for range 10 {
		if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"),
			AttributeDefinitions:        []types.AttributeDefinition{attrDef("status", types.ScalarAttributeTypeS)},
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{createGSI("byStatus", "status")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"),
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{deleteGSI("byStatus")}}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}
