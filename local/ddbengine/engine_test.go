package ddbengine

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/sdk"
)

func newTestEngine(t testing.TB, opts Options) (*Engine, *dynamodb.Client, string) {
	t.Helper()
	if opts.TTLInterval == 0 {
		opts.TTLInterval = -1
	}
	e := New(opts)
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		_ = e.Close()
	})
	return e, sdk.DynamoDB(srv.URL), srv.URL
}

// createCatalog creates a table shaped like the catalog service's (docs/contracts.md).
func createCatalog(t testing.TB, c *dynamodb.Client, stream bool) {
	t.Helper()
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String("products"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("category"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("listKey"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sortKey"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("byCategory"), KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("category"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sortKey"), KeyType: types.KeyTypeRange}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
			{IndexName: aws.String("byNewest"), KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("listKey"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sortKey"), KeyType: types.KeyTypeRange}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
		},
	}
	if stream {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}
	}
	if _, err := c.CreateTable(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

type product struct {
	ID       string `dynamodbav:"id"`
	Category string `dynamodbav:"category"`
	ListKey  string `dynamodbav:"listKey"`
	SortKey  string `dynamodbav:"sortKey"`
	Price    int    `dynamodbav:"price"`
	Version  int    `dynamodbav:"version"`
}

func TestCatalogFlow(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	createCatalog(t, c, false)

	for i := range 7 {
		p := product{ID: fmt.Sprintf("p%d", i), Category: []string{"books", "games"}[i%2], ListKey: "PRODUCT",
			SortKey: fmt.Sprintf("2024-01-0%dT00:00:00.000000000Z#p%d", i+1, i), Price: 100 + i, Version: 1}
		item, err := attributevalue.MarshalMap(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("products"), Item: item,
			ConditionExpression: aws.String("attribute_not_exists(id)")}); err != nil {
			t.Fatal(err)
		}
	}
	// A second create of the same id fails with the typed error.
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("products"),
		Item:                map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "p1"}},
		ConditionExpression: aws.String("attribute_not_exists(id)")})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("duplicate put: got %v, want ConditionalCheckFailedException", err)
	}

	// Optimistic update with a version check.
	upd := func(version int) error {
		_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("products"),
			Key:                       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "p2"}},
			UpdateExpression:          aws.String("SET price = :p, version = version + :one"),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberN{Value: "999"}, ":one": &types.AttributeValueMemberN{Value: "1"}, ":v": &types.AttributeValueMemberN{Value: strconv.Itoa(version)}},
		})
		return err
	}
	if err := upd(1); err != nil {
		t.Fatal(err)
	}
	if err := upd(1); !errors.As(err, &ccf) {
		t.Fatalf("stale update: got %v, want ConditionalCheckFailedException", err)
	}

	// Newest first, two per page.
	var got []string
	var start map[string]types.AttributeValue
	for {
		out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("products"), IndexName: aws.String("byNewest"),
			KeyConditionExpression:    aws.String("listKey = :l"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":l": &types.AttributeValueMemberS{Value: "PRODUCT"}},
			ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(2), ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			got = append(got, it["id"].(*types.AttributeValueMemberS).Value)
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		start = out.LastEvaluatedKey
	}
	if want := []string{"p6", "p5", "p4", "p3", "p2", "p1", "p0"}; !cmp.Equal(got, want) {
		t.Errorf("newest first = %v, want %v", got, want)
	}

	out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("products"), IndexName: aws.String("byCategory"),
		KeyConditionExpression:    aws.String("category = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: "games"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 3 {
		t.Errorf("games = %d items, want 3", len(out.Items))
	}

	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("products"),
		Key:                 map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "nope"}},
		ConditionExpression: aws.String("attribute_exists(id)")}); !errors.As(err, &ccf) {
		t.Fatalf("conditional delete of missing item: got %v", err)
	}
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("missing"), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "x"}}})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("missing table: got %v, want ResourceNotFoundException", err)
	}
}

func TestNumbersNormalized(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.50", "1.5"}, {"-0", "0"}, {"3e2", "300"}, {"0.0010", "0.001"}, {"-12.000", "-12"},
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
	}
	for _, tt := range tests {
		if got, _ := normalizeNumber(tt.in); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if _, msg := checkNumber("123456789012345678901234567890123456789"); msg != "Attempting to store more than 38 significant digits in a Number" {
		t.Errorf("39 digits: %q", msg)
	}
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}}
}

func TestTransactions(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	createCatalog(t, c, false)
	put := func(id string, price int) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String("products"), Item: map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: id}, "price": &types.AttributeValueMemberN{Value: strconv.Itoa(price)}}}}
	}
	if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{put("a", 1), put("b", 2)}}); err != nil {
		t.Fatal(err)
	}
	// A failing condition cancels every action and reports a reason per item.
	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		put("c", 3),
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("products"), Key: key("a"),
			ConditionExpression: aws.String("price > :p"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberN{Value: "5"}},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{Delete: &types.Delete{TableName: aws.String("products"), Key: key("b")}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("got %v, want TransactionCanceledException", err)
	}
	var codes []string
	for _, r := range tce.CancellationReasons {
		codes = append(codes, aws.ToString(r.Code))
	}
	if want := []string{"None", "ConditionalCheckFailed", "None"}; !cmp.Equal(codes, want) {
		t.Errorf("reasons = %v, want %v", codes, want)
	}
	if it := tce.CancellationReasons[1].Item; it["price"].(*types.AttributeValueMemberN).Value != "1" {
		t.Errorf("reason item = %v", it)
	}
	for _, id := range []string{"b"} {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("products"), Key: key(id)})
		if err != nil || out.Item == nil {
			t.Errorf("%s after cancelled transaction: %v %v", id, out.Item, err)
		}
	}
	if out, _ := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("products"), Key: key("c")}); out.Item != nil {
		t.Errorf("c was written by a cancelled transaction")
	}

	// Idempotency: the same token replays; a different request with it is rejected.
	in := &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String("tok-1"), TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String("products"), Key: key("a"), UpdateExpression: aws.String("ADD price :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}}}}
	for range 3 {
		if _, err := c.TransactWriteItems(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	out, _ := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("products"), Key: key("a")})
	if got := out.Item["price"].(*types.AttributeValueMemberN).Value; got != "2" {
		t.Errorf("price after 3 idempotent calls = %s, want 2", got)
	}
	in.TransactItems = append(in.TransactItems, put("z", 1))
	var ipm *types.IdempotentParameterMismatchException
	if _, err := c.TransactWriteItems(ctx, in); !errors.As(err, &ipm) {
		t.Errorf("reused token: got %v, want IdempotentParameterMismatchException", err)
	}

	g, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("products"), Key: key("a")}},
		{Get: &types.Get{TableName: aws.String("products"), Key: key("none")}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Responses) != 2 || g.Responses[0].Item == nil || g.Responses[1].Item != nil {
		t.Errorf("TransactGetItems = %+v", g.Responses)
	}
}

// TestConcurrency runs conflicting conditional updates and transfers between two items:
// no update may be lost and every transaction must be all-or-nothing.
func TestConcurrency(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	createCatalog(t, c, false)
	for _, id := range []string{"counter", "x", "y"} {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("products"), Item: map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: id}, "n": &types.AttributeValueMemberN{Value: "100"}, "version": &types.AttributeValueMemberN{Value: "0"}}}); err != nil {
			t.Fatal(err)
		}
	}
	const workers, per = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	succeeded := 0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				// Optimistic increment: read version, write version+1 if unchanged.
				for {
					out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("products"), Key: key("counter"), ConsistentRead: aws.Bool(true)})
					if err != nil {
						t.Error(err)
						return
					}
					v := out.Item["version"].(*types.AttributeValueMemberN).Value
					_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("products"), Key: key("counter"),
						UpdateExpression: aws.String("SET version = version + :one"), ConditionExpression: aws.String("version = :v"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}, ":v": &types.AttributeValueMemberN{Value: v}}})
					var ccf *types.ConditionalCheckFailedException
					if errors.As(err, &ccf) {
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					break
				}
				// Transfer 1 from x to y (or back), never below zero.
				from, to := "x", "y"
				if (w+i)%2 == 0 {
					from, to = to, from
				}
				_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Update: &types.Update{TableName: aws.String("products"), Key: key(from), UpdateExpression: aws.String("SET n = n - :one"),
						ConditionExpression: aws.String("n >= :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}},
					{Update: &types.Update{TableName: aws.String("products"), Key: key(to), UpdateExpression: aws.String("SET n = n + :one"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}}},
				}})
				var tce *types.TransactionCanceledException
				if err != nil && !errors.As(err, &tce) {
					t.Error(err)
					return
				}
				if err == nil {
					mu.Lock()
					succeeded++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	out, _ := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("products"), Key: key("counter")})
	if got := out.Item["version"].(*types.AttributeValueMemberN).Value; got != strconv.Itoa(workers*per) {
		t.Errorf("version = %s, want %d (lost updates)", got, workers*per)
	}
	sum := 0
	for _, id := range []string{"x", "y"} {
		out, _ := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("products"), Key: key(id)})
		n, _ := strconv.Atoi(out.Item["n"].(*types.AttributeValueMemberN).Value)
		sum += n
	}
	if sum != 200 {
		t.Errorf("x+y = %d, want 200 (transactions not atomic); %d succeeded", sum, succeeded)
	}
}

func TestStreamsAndTTL(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	var clockMu sync.Mutex
	e, c, url := newTestEngine(t, Options{Now: func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }})
	createCatalog(t, c, true)
	recs, cancel, err := e.Subscribe("products")
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("products"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expiresAt")}}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("products")})
	if err != nil || d.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Fatalf("DescribeTimeToLive = %+v, %v", d, err)
	}
	item := func(id, exp string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}, "expiresAt": &types.AttributeValueMemberN{Value: exp}}
	}
	mustPut := func(it map[string]types.AttributeValue) {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("products"), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	mustPut(item("a", "1699999999")) // INSERT, already expired
	mustPut(item("b", "1800000000")) // INSERT
	mustPut(item("b", "1800000001")) // MODIFY
	if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"products": {{DeleteRequest: &types.DeleteRequest{Key: key("b")}}}}}); err != nil { // REMOVE
		t.Fatal(err)
	}
	if n := e.ExpireNow(); n != 1 { // TTL REMOVE of a
		t.Fatalf("expired %d items, want 1", n)
	}
	type ev struct {
		name, id string
		service  bool
	}
	var got []ev
	for range 5 {
		select {
		case r := <-recs:
			got = append(got, ev{r.EventName, r.Dynamodb.Keys["id"].S, r.UserIdentity != nil})
		case <-time.After(5 * time.Second):
			t.Fatalf("timed out; got %v", got)
		}
	}
	want := []ev{{"INSERT", "a", false}, {"INSERT", "b", false}, {"MODIFY", "b", false}, {"REMOVE", "b", false}, {"REMOVE", "a", true}}
	if !cmp.Equal(got, want, cmp.AllowUnexported(ev{})) {
		t.Errorf("records = %v, want %v", got, want)
	}

	// The same records through the DynamoDB Streams API.
	sc := dynamodbstreams.New(dynamodbstreams.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: sdk.Credentials})
	ls, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("products")})
	if err != nil || len(ls.Streams) != 1 {
		t.Fatalf("ListStreams = %+v, %v", ls, err)
	}
	ds, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: ls.Streams[0].StreamArn})
	if err != nil {
		t.Fatal(err)
	}
	it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: ls.Streams[0].StreamArn,
		ShardId: ds.StreamDescription.Shards[0].ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	gr, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	if len(gr.Records) != 3 || gr.Records[2].EventName != streamtypes.OperationTypeModify || gr.NextShardIterator == nil {
		t.Fatalf("GetRecords = %+v", gr)
	}
	if img := gr.Records[2].Dynamodb.OldImage["expiresAt"].(*streamtypes.AttributeValueMemberN).Value; img != "1800000000" {
		t.Errorf("old image expiresAt = %s", img)
	}
	gr, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: gr.NextShardIterator})
	if err != nil || len(gr.Records) != 2 || gr.Records[1].UserIdentity == nil || aws.ToString(gr.Records[1].UserIdentity.Type) != "Service" {
		t.Fatalf("second GetRecords = %+v, %v", gr, err)
	}
}

func TestPersistence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, c, _ := newTestEngine(t, Options{DataDir: dir})
	createCatalog(t, c, false)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("products"), Item: map[string]types.AttributeValue{
		"id": &types.AttributeValueMemberS{Value: "p"}, "category": &types.AttributeValueMemberS{Value: "books"}, "sortKey": &types.AttributeValueMemberS{Value: "1"}}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	_, c2, _ := newTestEngine(t, Options{DataDir: dir})
	out, err := c2.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("products"), IndexName: aws.String("byCategory"),
		KeyConditionExpression: aws.String("category = :c"), ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: "books"}}})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("after restart: %+v, %v", out, err)
	}
}
