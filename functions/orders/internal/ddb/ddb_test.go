package ddb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/microshop/microshop/functions/orders/internal/ddb"
	"github.com/microshop/microshop/functions/orders/internal/storetest"
	"github.com/microshop/microshop/local/ddbtest"
)

// TestContract runs the store contract on the runtime's embedded DynamoDB engine through the
// real SDK; every subtest gets its own table.
func TestContract(t *testing.T) {
	client := ddbtest.Client(t)
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return ddb.New(client, newTable(t, client))
	})
}

var tableSeq atomic.Int64

func newTable(t *testing.T, client *dynamodb.Client) string {
	t.Helper()
	table := fmt.Sprintf("orders-%d", tableSeq.Add(1))
	ctx := context.Background()
	if _, err := client.CreateTable(ctx, ddb.CreateTableInput(table)); err != nil {
		t.Fatalf("create table %s: %v", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 200*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 30*time.Second); err != nil {
		t.Fatalf("wait for table %s: %v", table, err)
	}
	return table
}
