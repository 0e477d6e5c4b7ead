package ddbengine

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
)

// putWithToken is a TransactWriteItems putting order id with the client request token id.
func putWithToken(id string) *dynamodb.TransactWriteItemsInput {
	return &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String(id),
		TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String("orders"),
			Item: map[string]types.AttributeValue{"id": s(id), "status": s("NEW")}}}}}
}

// tokens returns the engine's remembered tokens, sorted, and the length of its expiry queue.
func tokens(e *Engine) ([]string, int) {
	e.txMu.Lock()
	defer e.txMu.Unlock()
	var got []string
	for k := range e.txTokens {
		got = append(got, k)
	}
	slices.Sort(got)
	return got, len(e.txExpiry)
}

// TestTransactWriteItemsTokensAreSwept: the engine forgets a token once its 10 minutes are
// over, at the next transaction with a token, and keeps the others; what it keeps does not
// grow with the transactions of the past.
func TestTransactWriteItemsTokensAreSwept(t *testing.T) {
	clock := newFakeClock()
	e, c, _ := txFixture(t, Options{Now: clock.Now})
	ctx := context.Background()
	for i := range 5 {
		if _, err := c.TransactWriteItems(ctx, putWithToken(fmt.Sprintf("t%d", i))); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	got, _ := tokens(e)
	if diff := cmp.Diff([]string{"t0", "t1", "t2", "t3", "t4"}, got); diff != "" {
		t.Fatalf("tokens after five transactions (-want +got):\n%s", diff)
	}
	// t4 was set 1 s ago: 10 min from now it is exactly 10 minutes old, still remembered;
	// t0..t3 are older.
	clock.Advance(10*time.Minute - time.Second)
	if _, err := c.TransactWriteItems(ctx, putWithToken("late")); err != nil {
		t.Fatal(err)
	}
	got, queued := tokens(e)
	if diff := cmp.Diff([]string{"late", "t4"}, got); diff != "" {
		t.Errorf("tokens after ten minutes (-want +got):\n%s", diff)
	}
	// Each of the two remembered tokens was set twice (pending, then done).
	if queued != 4 {
		t.Errorf("expiry queue holds %d entries, want 4", queued)
	}
}

// BenchmarkTransactWriteItemsToken measures a TransactWriteItems with a client request
// token while many earlier tokens are remembered (as after minutes of checkouts).
func BenchmarkTransactWriteItemsToken(b *testing.B) {
	e := New(Options{TTLInterval: -1})
	b.Cleanup(func() { _ = e.Close() })
	do := func(target, body string) {
		if status, out := e.Do("DynamoDB_20120810."+target, []byte(body)); status != 200 {
			b.Fatalf("%s: %d %s", target, status, out)
		}
	}
	do("CreateTable", `{"TableName":"orders","BillingMode":"PAY_PER_REQUEST",
		"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]}`)
	put := func(i int) {
		body := fmt.Sprintf(`{"ClientRequestToken":"tok-%d","TransactItems":[{"Put":{"TableName":"orders","Item":{"id":{"S":"o%d"},"status":{"S":"NEW"}}}}]}`, i, i)
		do("TransactWriteItems", body)
	}
	for i := range 5000 {
		put(i)
	}
	i := 5000
	b.ReportAllocs()
	for b.Loop() {
		put(i)
		i++
	}
}
