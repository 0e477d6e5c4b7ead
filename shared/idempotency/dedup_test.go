package idempotency_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/shared/idempotency"
)

// consume applies event eventID to counter "c" the way a consumer does: one transaction that
// adds delta when the counter is at expected, and records the event. The dedup item is at
// index 1.
func consume(t *testing.T, db *dynamodb.Client, d idempotency.Dedup, eventID string, expected, delta int) error {
	t.Helper()
	cond := expression.AttributeNotExists(expression.Name("n"))
	if expected > 0 {
		cond = expression.Name("n").Equal(expression.Value(expected))
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		t.Fatal(err)
	}
	state := types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(table),
		Item: map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: "c"},
			"n":  &types.AttributeValueMemberN{Value: strconv.Itoa(expected + delta)},
		},
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}
	processed, err := d.Item(eventID, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{state, processed}})
	return err
}

func counter(t *testing.T, db *dynamodb.Client) string {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: idempotency.PartitionKey("id")("c"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := out.Item["n"].(*types.AttributeValueMemberN)
	if n == nil {
		return ""
	}
	return n.Value
}

func TestDedup(t *testing.T) {
	_, db := newStore(t)
	d := idempotency.Dedup{Table: table, Key: idempotency.PartitionKey("id")}

	if err := consume(t, db, d, "e1", 0, 5); err != nil {
		t.Fatalf("first delivery of e1: %v", err)
	}
	// A redelivery of e1 changes nothing and is recognised as a duplicate.
	err := consume(t, db, d, "e1", 5, 5)
	if !idempotency.Duplicate(err, 1) {
		t.Errorf("redelivery of e1: Duplicate(%v, 1) = false, want true", err)
	}
	if got := counter(t, db); got != "5" {
		t.Errorf("counter after the redelivery = %s, want 5", got)
	}
	// A new event that loses a race on the state is a real conflict, not a duplicate.
	err = consume(t, db, d, "e2", 4, 1)
	if err == nil || idempotency.Duplicate(err, 1) {
		t.Errorf("conflicting e2: Duplicate(%v, 1) = true or no error, want a non-duplicate failure", err)
	}
	if !idempotency.Duplicate(err, 0) { // the failed condition is the state's, at index 0
		t.Errorf("conflicting e2: Duplicate(%v, 0) = false; the reasons are not per index", err)
	}
	if err := consume(t, db, d, "e2", 5, 1); err != nil {
		t.Fatalf("e2 retried against the current state: %v", err)
	}
	if got := counter(t, db); got != "6" {
		t.Errorf("counter = %s, want 6", got)
	}

	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: idempotency.PartitionKey("id")("processed#e1"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	want := strconv.FormatInt(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(idempotency.DefaultDedupTTL).Unix(), 10)
	if got, ok := out.Item["expiresAt"].(*types.AttributeValueMemberN); !ok || got.Value != want {
		t.Errorf("processed#e1 expiresAt = %#v, want N %s", out.Item["expiresAt"], want)
	}
}

func TestDuplicateOfOtherErrors(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		index int
	}{
		{name: "nil", err: nil, index: 0},
		{name: "not a transaction error", err: errors.New("boom"), index: 0},
		{name: "conditional check outside a transaction", err: &types.ConditionalCheckFailedException{}, index: 0},
		{name: "index out of range", err: &types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{{Code: aws.String("ConditionalCheckFailed")}}}, index: 1},
		{name: "other reason", err: &types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{{Code: aws.String("TransactionConflict")}}}, index: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if idempotency.Duplicate(tt.err, tt.index) {
				t.Errorf("Duplicate(%v, %d) = true, want false", tt.err, tt.index)
			}
		})
	}
}
