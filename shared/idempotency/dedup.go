package idempotency

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DefaultDedupTTL is how long a processed event id is remembered: SQS's longest message
// retention, so no redelivery outlives the record of the first delivery.
const DefaultDedupTTL = 14 * 24 * time.Hour

// Dedup records which events a consumer has handled, in the consumer's own table and in the
// same TransactWriteItems as the state change the event caused: either both are written or
// neither, so an event is applied exactly once however often it is delivered.
type Dedup struct {
	// Table is the consumer's table.
	Table string
	// Key makes the row's primary key from "processed#<event id>".
	Key KeyFunc
	// TTL is how long the id is remembered (DefaultDedupTTL when 0).
	TTL time.Duration
}

// Item returns the Put that records event eventID as processed at now. Add it to the
// consumer's TransactWriteItems and remember its index there: if the event was processed
// before, the transaction is canceled with ConditionalCheckFailed at that index (see
// Duplicate).
func (d Dedup) Item(eventID string, now time.Time) (types.TransactWriteItem, error) {
	ttl := d.TTL
	if ttl <= 0 {
		ttl = DefaultDedupTTL
	}
	item, err := attributevalue.MarshalMap(struct {
		ExpiresAt int64 `dynamodbav:"expiresAt"`
	}{now.Add(ttl).Unix()})
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("processed event %s: %w", eventID, err)
	}
	key := d.Key("processed#" + eventID)
	names := make([]string, 0, len(key))
	for k, v := range key {
		item[k] = v
		names = append(names, k)
	}
	slices.Sort(names)
	// Any key attribute exists exactly when the item does.
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(names[0]))).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("processed event %s: build condition: %w", eventID, err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(d.Table), Item: item,
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(),
	}}, nil
}

// Duplicate reports whether err is a canceled transaction whose item at index (the index of
// Dedup.Item's Put) failed its condition: the event was processed before, and the consumer
// should treat the delivery as done. A cancellation for any other reason, or at another index
// (a real conflict in the consumer's own writes), is not a duplicate.
func Duplicate(err error, index int) bool {
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) || index < 0 || index >= len(canceled.CancellationReasons) {
		return false
	}
	return aws.ToString(canceled.CancellationReasons[index].Code) == "ConditionalCheckFailed"
}
