package streamsource_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microshop/microshop/local/ddbengine"
	"github.com/microshop/microshop/local/streamsource"
)

// everyType is an item with every attribute type.
const everyType = `{"id":{"S":"x"},"n":{"N":"1.50"},"neg":{"N":"-0.000001"},"big":{"N":"12345678901234567890123456789012345678"},
	"b":{"B":"AAEC/w=="},"t":{"BOOL":true},"f":{"BOOL":false},"z":{"NULL":true},"e":{"S":""},
	"ss":{"SS":["a","b"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AAE=","Ag=="]},
	"l":{"L":[{"S":"a"},{"N":"1"},{"L":[]},{"M":{}}]},"m":{"M":{"k":{"S":"v"},"u":{"S":"é\u2028<>&"}}}}`

// TestEngineRecordsDecodeLosslessly checks that every engine record, including a TTL delete,
// survives decoding into events.DynamoDBEventRecord: re-encoded, it is the engine's JSON plus
// eventSourceARN, with userIdentity spelled Lambda's way; and that the mapping, which skips
// events' types, writes that same record.
func TestEngineRecordsDecodeLosslessly(t *testing.T) {
	e := newEngine(t, "NEW_AND_OLD_IMAGES", ddbengine.Options{TTLInterval: 5 * time.Millisecond})
	do(t, e, "UpdateTimeToLive", `{"TableName":"orders","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"exp"}}`)
	recs, cancel, err := e.Subscribe(table)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	do(t, e, "PutItem", `{"TableName":"orders","Item":`+everyType+`}`)
	do(t, e, "UpdateItem", `{"TableName":"orders","Key":{"id":{"S":"x"}},"UpdateExpression":"SET n = :n REMOVE l","ExpressionAttributeValues":{":n":{"N":"2"}}}`)
	do(t, e, "DeleteItem", `{"TableName":"orders","Key":{"id":{"S":"x"}}}`)
	do(t, e, "PutItem", fmt.Sprintf(`{"TableName":"orders","Item":{"id":{"S":"ttl"},"exp":{"N":"%d"}}}`, time.Now().Add(-time.Hour).Unix()))

	for i, name := range []string{"INSERT", "MODIFY", "REMOVE", "INSERT", "REMOVE"} {
		var r ddbengine.Record
		select {
		case r = <-recs:
		case <-time.After(5 * time.Second):
			t.Fatalf("record %d did not arrive", i)
		}
		if r.EventName != name {
			t.Fatalf("record %d is %s, want %s", i, r.EventName, name)
		}
		engineJSON, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.DynamoDBEventRecord
		if err := json.Unmarshal(engineJSON, &ev); err != nil {
			t.Fatal(err)
		}
		ev.EventSourceArn = r.EventSourceARN
		lambdaJSON, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}

		want := decode(t, engineJSON)
		want["eventSourceARN"] = e.StreamARN(table)
		if r.UserIdentity != nil {
			want["userIdentity"] = map[string]any{"type": "Service", "principalId": "dynamodb.amazonaws.com"}
		}
		if diff := cmp.Diff(want, decode(t, lambdaJSON)); diff != "" {
			t.Errorf("%s record changed through events.DynamoDBEventRecord (-engine +lambda):\n%s", name, diff)
		}
		// The mapping writes the same record without going through events' types.
		mapped, err := streamsource.LambdaJSON(r, "arn:unused")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(decode(t, lambdaJSON), decode(t, mapped), cmpopts.EquateApprox(0, 1e-6)); diff != "" {
			t.Errorf("%s record as the mapping writes it (-through events +mapping):\n%s", name, diff)
		}
		if (r.UserIdentity != nil) != (i == 4) {
			t.Errorf("record %d userIdentity %+v; want it only on the TTL delete", i, r.UserIdentity)
		}
	}
}

// TestBacklogAndLiveRecordsAreIdentical delivers the same records to a LATEST mapping (live,
// from the subscription) and a later TRIM_HORIZON one (from the Streams API): the records
// must be byte for byte the same.
func TestBacklogAndLiveRecordsAreIdentical(t *testing.T) {
	e := newEngine(t, "NEW_AND_OLD_IMAGES", ddbengine.Options{})
	live := &function{}
	start(t, config(e, live, streamsource.Latest))
	do(t, e, "PutItem", `{"TableName":"orders","Item":`+everyType+`}`)
	do(t, e, "UpdateItem", `{"TableName":"orders","Key":{"id":{"S":"x"}},"UpdateExpression":"SET n = :n","ExpressionAttributeValues":{":n":{"N":"2"}}}`)
	do(t, e, "DeleteItem", `{"TableName":"orders","Key":{"id":{"S":"x"}}}`)
	waitFor(t, "live records", func() bool { return len(live.allRecords()) == 3 })

	backlog := &function{}
	start(t, config(e, backlog, streamsource.TrimHorizon))
	waitFor(t, "backlog records", func() bool { return len(backlog.allRecords()) == 3 })
	live.check(t)
	backlog.check(t)

	live.mu.Lock()
	backlog.mu.Lock()
	defer live.mu.Unlock()
	defer backlog.mu.Unlock()
	for i := range live.raw {
		if got, want := string(backlog.raw[i]), string(live.raw[i]); got != want {
			t.Errorf("record %d:\nbacklog %s\nlive    %s", i, got, want)
		}
	}
	if !strings.Contains(string(live.raw[0]), `"NewImage":{`) || !strings.Contains(string(live.raw[0]), `"eventSourceARN":"arn:aws:dynamodb:`) {
		t.Errorf("unexpected record shape: %s", live.raw[0])
	}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
