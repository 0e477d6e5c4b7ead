package ddbengine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microshop/microshop/local/sdk"
)

// tableState is what a restart must preserve, as the API reports it.
type tableState struct {
	Desc  *types.TableDescription
	TTL   *types.TimeToLiveDescription
	Tags  []types.Tag
	Items []map[string]types.AttributeValue
	ByTag []map[string]types.AttributeValue // a query on the GSI added by UpdateTable
}

func readState(t *testing.T, c *dynamodb.Client) tableState {
	t.Helper()
	ctx := context.Background()
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("products")})
	if err != nil {
		t.Fatal(err)
	}
	ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("products")})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: d.Table.TableArn})
	if err != nil {
		t.Fatal(err)
	}
	scan, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("products")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("products"), IndexName: aws.String("byTag"),
		KeyConditionExpression: aws.String("tag = :t"), ExpressionAttributeValues: map[string]types.AttributeValue{":t": s("sale")}})
	if err != nil {
		t.Fatal(err)
	}
	return tableState{d.Table, ttl.TimeToLiveDescription, tags.Tags, scan.Items, q.Items}
}

// stateOpts compares SDK structs by their exported fields.
var stateOpts = cmp.Options{
	cmpopts.IgnoreUnexported(types.TableDescription{}, types.AttributeDefinition{}, types.KeySchemaElement{}, types.GlobalSecondaryIndexDescription{},
		types.Projection{}, types.ProvisionedThroughputDescription{}, types.StreamSpecification{}, types.BillingModeSummary{},
		types.TimeToLiveDescription{}, types.Tag{}, types.AttributeValueMemberS{}, types.AttributeValueMemberN{},
		types.TableWarmThroughputDescription{}, types.GlobalSecondaryIndexWarmThroughputDescription{}),
}

func openServed(t *testing.T, opts Options) (*Engine, *dynamodb.Client) {
	t.Helper()
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		_ = e.Close()
	})
	return e, sdk.DynamoDB(srv.URL)
}

func TestPersistenceRestoresTablesIndexesTTLAndStreams(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, c := openServed(t, Options{DataDir: dir, TTLInterval: -1, SnapshotInterval: -1})
	createCatalog(t, c, true)
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("products"),
		AttributeDefinitions:        []types.AttributeDefinition{attrDef("tag", types.ScalarAttributeTypeS)},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{createGSI("byTag", "tag")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("products"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{Enabled: aws.Bool(true), AttributeName: aws.String("expiresAt")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(e.arn("products")),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("catalog")}}}); err != nil {
		t.Fatal(err)
	}
	putItems(t, c, "products",
		map[string]types.AttributeValue{"id": s("p1"), "category": s("books"), "sortKey": s("1"), "tag": s("sale"), "expiresAt": n("4000000000")},
		map[string]types.AttributeValue{"id": s("p2"), "category": s("books"), "sortKey": s("2")},
		map[string]types.AttributeValue{"id": s("p3"), "tag": s("sale")})
	before := readState(t, c)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e2, c2 := openServed(t, Options{DataDir: dir, TTLInterval: -1, SnapshotInterval: -1})
	after := readState(t, c2)
	if diff := cmp.Diff(before, after, stateOpts); diff != "" {
		t.Errorf("state after restart (-before +after):\n%s", diff)
	}
	// The restored stream keeps its ARN and records new writes.
	recs, cancel, err := e2.Subscribe("products")
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	putItems(t, c2, "products", map[string]types.AttributeValue{"id": s("p4")})
	select {
	case r := <-recs:
		if r.EventName != "INSERT" || r.EventSourceARN != aws.ToString(before.Desc.LatestStreamArn) {
			t.Errorf("record = %s from %s, want INSERT from %s", r.EventName, r.EventSourceARN, aws.ToString(before.Desc.LatestStreamArn))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no stream record after restart")
	}
}

// TestPersistenceSnapshotsWithoutClose simulates a crash: the snapshot is copied while the
// engine runs and was never closed.
func TestPersistenceSnapshotsWithoutClose(t *testing.T) {
	dir := t.TempDir()
	_, c := openServed(t, Options{DataDir: dir, TTLInterval: -1, SnapshotInterval: 10 * time.Millisecond})
	createOrders(t, c)
	putItems(t, c, "orders", map[string]types.AttributeValue{"id": s("a"), "status": s("open")})

	// The writer picks the change up within a few intervals.
	crashDir := t.TempDir()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(dir, "dynamodb.json"))
		if err == nil && bytes.Contains(b, []byte(`"open"`)) {
			if err := os.WriteFile(filepath.Join(crashDir, "dynamodb.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no snapshot with the item 5s after the write")
		}
		time.Sleep(5 * time.Millisecond)
	}

	_, c2 := openServed(t, Options{DataDir: crashDir, TTLInterval: -1, SnapshotInterval: -1})
	out, err := c2.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("orders"), Key: map[string]types.AttributeValue{"id": s("a")}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]types.AttributeValue{"id": s("a"), "status": s("open")}
	if diff := cmp.Diff(want, out.Item, stateOpts); diff != "" {
		t.Errorf("item after crash (-want +got):\n%s", diff)
	}
}

func TestOpenCorruptSnapshot(t *testing.T) {
	tests := []struct {
		name     string
		snapshot string
	}{
		{"not JSON", `{"Format":2,"Tables":[{"Desc":`},
		{"unknown format", `{"Format":9,"Tables":[]}`},
		{"no description", `{"Format":2,"Tables":[{"Items":[]}]}`},
		{"key without definition", `{"Format":2,"Tables":[{"Desc":{"TableName":"t","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]},"Items":[]}]}`},
		{"item without key", `{"Format":2,"Tables":[{"Desc":{"TableName":"t","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]},"Items":[{"x":{"S":"1"}}]}]}`},
		{"invalid item", `{"Format":2,"Tables":[{"Desc":{"TableName":"t","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]},"Items":[{"id":{"Q":"1"}}]}]}`},
		{"old format, bad table", `[{"Create":{"TableName":"t"}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "dynamodb.json")
			if err := os.WriteFile(path, []byte(tt.snapshot), 0o644); err != nil {
				t.Fatal(err)
			}
			e, err := Open(Options{DataDir: dir, TTLInterval: -1})
			if !errors.Is(err, ErrCorruptSnapshot) {
				if e != nil {
					_ = e.Close()
				}
				t.Fatalf("Open = %v, want an error wrapping ErrCorruptSnapshot", err)
			}
			if b, _ := os.ReadFile(path); string(b) != tt.snapshot {
				t.Errorf("snapshot changed to %q", b)
			}
			if _, err := NewServer("127.0.0.1:0", Options{DataDir: dir}); !errors.Is(err, ErrCorruptSnapshot) {
				t.Errorf("NewServer = %v, want an error wrapping ErrCorruptSnapshot", err)
			}
		})
	}
}

func TestNewPanicsOnCorruptSnapshot(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dynamodb.json"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("New did not panic on a corrupt snapshot")
		}
	}()
	New(Options{DataDir: dir, TTLInterval: -1})
}

func TestOpenReadsFirstSnapshotFormat(t *testing.T) {
	dir := t.TempDir()
	v1 := `[{"Create":{"TableName":"old","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"},` +
		`"TTLAttr":"exp","TTLOn":true,"Items":[{"id":{"S":"x"},"n":{"N":"1"}}]}]`
	if err := os.WriteFile(filepath.Join(dir, "dynamodb.json"), []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, c := openServed(t, Options{DataDir: dir, TTLInterval: -1})
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("old"), Key: map[string]types.AttributeValue{"id": s("x")}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]types.AttributeValue{"id": s("x"), "n": n("1")}, out.Item, stateOpts); diff != "" {
		t.Errorf("item from the first format (-want +got):\n%s", diff)
	}
}

// TestSnapshotIsConsistentCut transfers between two tables in transactions while snapshots
// are taken every millisecond: every snapshot on disk must hold the same total.
func TestSnapshotIsConsistentCut(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, c := openServed(t, Options{DataDir: dir, TTLInterval: -1, SnapshotInterval: time.Millisecond})
	for _, tbl := range []string{"acct1", "acct2"} {
		if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(tbl), BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{attrDef("id", types.ScalarAttributeTypeS)}, KeySchema: hashKey("id")}); err != nil {
			t.Fatal(err)
		}
		putItems(t, c, tbl, map[string]types.AttributeValue{"id": s("bal"), "n": n("100")})
	}
	total := func(b []byte) (int, bool) {
		var f struct {
			Tables []struct {
				Items []map[string]map[string]string
			}
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Errorf("unreadable snapshot: %v", err)
			return 0, false
		}
		sum, found := 0, 0
		for _, tb := range f.Tables {
			for _, it := range tb.Items {
				v, _ := strconv.Atoi(it["n"]["N"])
				sum += v
				found++
			}
		}
		return sum, found == 2
	}
	stop := make(chan struct{})
	checked := make(chan int)
	go func() {
		n := 0
		defer func() { checked <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(filepath.Join(dir, "dynamodb.json"))
			if err != nil {
				continue
			}
			if sum, ok := total(b); ok {
				n++
				if sum != 200 {
					t.Errorf("snapshot total = %d, want 200 (a transaction was half-saved)", sum)
					return
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				from, to := "acct1", "acct2"
				if (w+i)%2 == 0 {
					from, to = to, from
				}
				one := map[string]types.AttributeValue{":one": n("1")}
				_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Update: &types.Update{TableName: aws.String(from), Key: map[string]types.AttributeValue{"id": s("bal")}, UpdateExpression: aws.String("SET n = n - :one"), ExpressionAttributeValues: one}},
					{Update: &types.Update{TableName: aws.String(to), Key: map[string]types.AttributeValue{"id": s("bal")}, UpdateExpression: aws.String("SET n = n + :one"), ExpressionAttributeValues: one}},
				}})
				var tce *types.TransactionCanceledException
				if err != nil && !errors.As(err, &tce) {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if n := <-checked; n == 0 {
		t.Error("no snapshot was checked while transactions ran")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "dynamodb.json"))
	if err != nil {
		t.Fatal(err)
	}
	if sum, ok := total(b); !ok || sum != 200 {
		t.Errorf("final snapshot total = %d (both tables: %v), want 200", sum, ok)
	}
}
