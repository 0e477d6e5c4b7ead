package apifuzz

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// TableState returns an API.State that scans a whole DynamoDB table and returns its items as
// sorted JSON lines, leaving out the items whose partition key attribute pk starts with one
// of skip (e.g. "idempotency#": an Idempotency-Key record is the API remembering its answer,
// not a write of the service's data).
func TableState(client *dynamodb.Client, table, pk string, skip ...string) func(t *testing.T) any {
	return func(t *testing.T) any {
		t.Helper()
		var lines []string
		p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
		for p.HasMorePages() {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatalf("scan %s: %v", table, err)
			}
			for _, item := range page.Items {
				var m map[string]any
				if err := attributevalue.UnmarshalMap(item, &m); err != nil {
					t.Fatalf("scan %s: %v", table, err)
				}
				if key, _ := m[pk].(string); slices.ContainsFunc(skip, func(p string) bool { return strings.HasPrefix(key, p) }) {
					continue
				}
				b, err := json.Marshal(m)
				if err != nil {
					t.Fatalf("scan %s: %v", table, err)
				}
				lines = append(lines, string(b))
			}
		}
		slices.Sort(lines)
		return lines
	}
}

var tableSeq atomic.Int64

// NewTable creates a fresh table from in (its TableName is replaced by a unique name) and
// returns the name once the table is active.
func NewTable(tb testing.TB, client *dynamodb.Client, in *dynamodb.CreateTableInput) string {
	tb.Helper()
	name := fmt.Sprintf("fuzz-%d-%d", time.Now().UnixNano(), tableSeq.Add(1))
	in.TableName = aws.String(name)
	ctx := context.Background()
	if _, err := client.CreateTable(ctx, in); err != nil {
		tb.Fatal(err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 200*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		tb.Fatal(err)
	}
	return name
}
