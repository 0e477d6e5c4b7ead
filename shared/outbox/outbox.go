// Package outbox makes a service's events leave it exactly when its state changes: the service
// writes its state change and an outbox row in one DynamoDB TransactWriteItems (Row), and a
// publisher Lambda on the table's stream sends each outbox row's event to EventBridge
// (shared/outbox/publish). A crash after the write loses nothing: the row is in the stream until the
// publisher has sent it.
//
// There is one outbox row per aggregate (e.g. per product), overwritten by each write of that
// aggregate. All of an aggregate's stream records then share one item key, so DynamoDB Streams
// keeps them in order, and each record's NewImage holds its own event even after the row was
// overwritten. The row's attributes are the table's key (chosen by the service), AttrEvent (the
// envelope JSON), AttrExpiresAt (TTL), so old rows disappear on their own, and AttrTraceHeader
// (the trace the event continues, when there is one).
//
// Delivery is at least once: a retried batch sends some events again, so consumers de-duplicate
// on the envelope id (shared/idempotency).
package outbox

import (
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/microshop/microshop/events/envelope"
)

// Attribute names of an outbox row besides the table's key.
const (
	// AttrEvent holds the envelope JSON (S). The publisher's event source mapping filters on it:
	// {"dynamodb":{"NewImage":{"outboxEvent":{"S":[{"exists":true}]}}}}.
	AttrEvent = "outboxEvent"
	// AttrExpiresAt is the row's TTL attribute (N, epoch seconds), shared by every table.
	AttrExpiresAt = "expiresAt"
	// AttrTraceHeader holds the X-Ray trace header of the work that made the event (S), when
	// there was one; the publisher sends it as the entry's TraceHeader.
	AttrTraceHeader = "outboxTraceHeader"
)

// Retention is how long an outbox row is kept after its event's time. The stream keeps records
// for 24 hours whatever the row's fate; the row is kept longer so an operator can still see
// an aggregate's last event after a long publisher outage.
const Retention = 7 * 24 * time.Hour

// row is an outbox row without its key.
type row struct {
	Event       string `dynamodbav:"outboxEvent"`
	ExpiresAt   int64  `dynamodbav:"expiresAt"`
	TraceHeader string `dynamodbav:"outboxTraceHeader,omitempty"`
}

// Row returns the Put of an aggregate's outbox row holding env, for the service to add to the
// TransactWriteItems that writes the aggregate itself. key is the row's full primary key in
// table (catalog: {"id": "outbox#<productId>"}); it must be the same for every event of one
// aggregate and differ from the aggregate's own item. The Put has no condition: the row is
// overwritten on each write.
func Row(table string, key map[string]types.AttributeValue, env envelope.Envelope) (types.TransactWriteItem, error) {
	detail, err := env.Encode()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("outbox row: %w", err)
	}
	item, err := attributevalue.MarshalMap(row{Event: string(detail), ExpiresAt: env.Time.Add(Retention).Unix(), TraceHeader: env.TraceHeader})
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("outbox row for %s event %s: %w", env.Type, env.ID, err)
	}
	for name := range key {
		if _, clash := item[name]; clash {
			return types.TransactWriteItem{}, fmt.Errorf("outbox row: key attribute %q clashes with an outbox attribute", name)
		}
	}
	maps.Copy(item, key)
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: item}}, nil
}
