package idempotency

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// AttrExpiresAt is the TTL attribute (N, epoch seconds) of idempotency rows, the same in
// every table.
const AttrExpiresAt = "expiresAt"

// Record states.
const (
	stateInProgress = "in_progress"
	stateDone       = "done"
)

// API is the part of the DynamoDB client the Store uses; *dynamodb.Client implements it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// KeyFunc turns a row id ("idempotency#<hash>" or "processed#<event id>") into the table's
// primary key.
type KeyFunc func(id string) map[string]types.AttributeValue

// PartitionKey is the KeyFunc of a table whose primary key is the one string attribute name
// (the catalog's: "id").
func PartitionKey(name string) KeyFunc {
	return func(id string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{name: &types.AttributeValueMemberS{Value: id}}
	}
}

// Store keeps idempotency records in a service's own DynamoDB table, one row per caller and
// key, removed by the table's TTL on AttrExpiresAt.
type Store struct {
	db    API
	table string
	key   KeyFunc
}

// NewStore returns a store writing rows to table under the primary key key makes.
func NewStore(db API, table string, key KeyFunc) *Store {
	return &Store{db: db, table: table, key: key}
}

// Response is a stored response: what a replay sends.
type Response struct {
	Status  int               `dynamodbav:"status"`
	Headers map[string]string `dynamodbav:"headers,omitempty"`
	Body    []byte            `dynamodbav:"body,omitempty"`
}

// record is an idempotency row without its key.
type record struct {
	State       string    `dynamodbav:"state"`
	Fingerprint string    `dynamodbav:"fingerprint"`
	ExpiresAt   int64     `dynamodbav:"expiresAt"`
	LockedUntil int64     `dynamodbav:"lockedUntil,omitempty"` // epoch milliseconds
	LockToken   string    `dynamodbav:"lockToken,omitempty"`
	Response    *Response `dynamodbav:"response,omitempty"`
}

// Outcome is what Begin found.
type Outcome int

// The outcomes of Begin.
const (
	// Started: no live record existed; the caller holds the lock and must Complete or Release.
	Started Outcome = iota
	// Replay: the request was done before; Begin returns its response.
	Replay
	// InProgress: the same request holds the lock now.
	InProgress
	// Mismatch: the key was used for a different request.
	Mismatch
)

// Lock identifies a lock taken by Begin.
type Lock struct {
	id, token string
}

// Begin looks up row id for a request with the given fingerprint and, when there is no live
// row (none, expired but not yet deleted by TTL, or an in-progress lock older than its
// lockedUntil), takes the lock: the row is written in progress until expires, locked until
// lockedUntil.
func (s *Store) Begin(ctx context.Context, id, fingerprint string, now, expires, lockedUntil time.Time) (Outcome, *Response, Lock, error) {
	token, err := newToken()
	if err != nil {
		return 0, nil, Lock{}, err
	}
	item, err := s.item(id, record{
		State: stateInProgress, Fingerprint: fingerprint, ExpiresAt: expires.Unix(),
		LockedUntil: lockedUntil.UnixMilli(), LockToken: token,
	})
	if err != nil {
		return 0, nil, Lock{}, err
	}
	free := expression.AttributeNotExists(expression.Name(AttrExpiresAt)).
		Or(expression.Name(AttrExpiresAt).LessThanEqual(expression.Value(now.Unix()))).
		Or(expression.Name("state").Equal(expression.Value(stateInProgress)).
			And(expression.Name("lockedUntil").LessThan(expression.Value(now.UnixMilli()))))
	expr, err := expression.NewBuilder().WithCondition(free).Build()
	if err != nil {
		return 0, nil, Lock{}, fmt.Errorf("idempotency record %s: build condition: %w", id, err)
	}
	// A failed Put is followed by a read; if the row vanished in between (its holder released
	// it), try again.
	for range 3 {
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.table), Item: item,
			ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		})
		if err == nil {
			return Started, nil, Lock{id: id, token: token}, nil
		}
		if !isConditionFailed(err) {
			return 0, nil, Lock{}, fmt.Errorf("idempotency record %s: put: %w", id, err)
		}
		rec, found, err := s.get(ctx, id)
		if err != nil {
			return 0, nil, Lock{}, err
		}
		if !found {
			continue
		}
		switch {
		case rec.Fingerprint != fingerprint:
			return Mismatch, nil, Lock{}, nil
		case rec.State == stateDone && rec.Response != nil:
			return Replay, rec.Response, Lock{}, nil
		default:
			return InProgress, nil, Lock{}, nil
		}
	}
	return InProgress, nil, Lock{}, nil
}

// Complete stores the response of the locked request; replays return it until the row
// expires. It fails if the lock was taken over (its holder ran past lockedUntil).
func (s *Store) Complete(ctx context.Context, l Lock, fingerprint string, expires time.Time, resp Response) error {
	item, err := s.item(l.id, record{State: stateDone, Fingerprint: fingerprint, ExpiresAt: expires.Unix(), Response: &resp})
	if err != nil {
		return err
	}
	expr, err := expression.NewBuilder().WithCondition(expression.Name("lockToken").Equal(expression.Value(l.token))).Build()
	if err != nil {
		return fmt.Errorf("idempotency record %s: build condition: %w", l.id, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return fmt.Errorf("idempotency record %s: complete: %w", l.id, err)
	}
	return nil
}

// Release deletes the locked row, so the request may be sent again. A lock taken over is left
// to its new holder.
func (s *Store) Release(ctx context.Context, l Lock) error {
	expr, err := expression.NewBuilder().WithCondition(expression.Name("lockToken").Equal(expression.Value(l.token))).Build()
	if err != nil {
		return fmt.Errorf("idempotency record %s: build condition: %w", l.id, err)
	}
	_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: s.key(l.id),
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("idempotency record %s: release: %w", l.id, err)
	}
	return nil
}

// get reads row id; found is false when there is none.
func (s *Store) get(ctx context.Context, id string) (record, bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: s.key(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return record{}, false, fmt.Errorf("idempotency record %s: get: %w", id, err)
	}
	if out.Item == nil {
		return record{}, false, nil
	}
	var rec record
	if err := attributevalue.UnmarshalMap(out.Item, &rec); err != nil {
		return record{}, false, fmt.Errorf("idempotency record %s: %w", id, err)
	}
	return rec, true, nil
}

func (s *Store) item(id string, rec record) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return nil, fmt.Errorf("idempotency record %s: %w", id, err)
	}
	for k, v := range s.key(id) {
		item[k] = v
	}
	return item, nil
}

func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("idempotency lock token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}
