package ddb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/functions/orders/internal/confirm"
	ordersspec "github.com/microshop/microshop/functions/orders/spec"
	"github.com/microshop/microshop/shared/idempotency"
)

var _ confirm.Claims = (*Store)(nil)

// dedup is the orders table's record of work done once ("processed#<key>").
func (s *Store) dedup() idempotency.Dedup {
	return idempotency.Dedup{Table: s.table, Key: idempotency.PartitionKey(ordersspec.KeyID)}
}

// Claim implements confirm.Claims with a shared/idempotency.Dedup record: a conditional put
// that only the first caller for key wins.
func (s *Store) Claim(ctx context.Context, key string) (bool, error) {
	item, err := s.dedup().Item(key, time.Now())
	if err != nil {
		return false, err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{item}})
	switch {
	case idempotency.Duplicate(err, 0):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("claim %s: %w", key, err)
	}
	return true, nil
}

// Release implements confirm.Claims: it deletes key's record.
func (s *Store) Release(ctx context.Context, key string) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{
		Delete: &types.Delete{TableName: aws.String(s.table), Key: s.dedup().Key("processed#" + key)},
	}}})
	if err != nil {
		return fmt.Errorf("release %s: %w", key, err)
	}
	return nil
}
