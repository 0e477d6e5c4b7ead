package ddbengine

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBatchAndUpdateTableValidation checks request validation of the batch operations and
// UpdateTable against DynamoDB's answers (recorded by dynalite's test suite, where dynalite
// itself departs from them in places): the number, order and wording of "N validation errors
// detected" lists, including the "Map keys must satisfy constraint" error DynamoDB reports for
// each RequestItems key that is not a table name, serialization errors naming the Java type in
// full, and UpdateTable's own checks.
func TestBatchAndUpdateTableValidation(t *testing.T) {
	e, _, _ := newTestEngine(t, Options{})
	if st, b := e.Do("DynamoDB_20120810.CreateTable", []byte(`{"TableName":"prov","AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":2,"WriteCapacityUnits":3},
		"GlobalSecondaryIndexes":[{"IndexName":"byg","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},"ProvisionedThroughput":{"ReadCapacityUnits":4,"WriteCapacityUnits":5}}]}`)); st != 200 {
		t.Fatalf("CreateTable = %d %s", st, b)
	}
	const (
		validation = "com.amazon.coral.validate#ValidationException"
		serial     = "com.amazon.coral.service#SerializationException"
		mapKeys    = "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]"
		mapValues  = "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
		rcc        = "Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
		ricm       = "Value 'hi' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]"
	)
	tests := []struct {
		name, op, body string
		wantType       string
		wantMsg        string
	}{
		{"BatchWriteItem short table name and empty list", "BatchWriteItem", `{"RequestItems":{"a":[]},"ReturnConsumedCapacity":"hi","ReturnItemCollectionMetrics":"hi"}`, validation,
			"4 validation errors detected: " + rcc + "; " + ricm + "; Value '{\"a\":[]}' at 'requestItems' failed to satisfy constraint: " + mapKeys + "; Value '{\"a\":[]}' at 'requestItems' failed to satisfy constraint: " + mapValues},
		{"BatchWriteItem bad table name and empty requests", "BatchWriteItem", `{"RequestItems":{"aa;":[{"PutRequest":{},"DeleteRequest":{}}]},"ReturnConsumedCapacity":"hi","ReturnItemCollectionMetrics":"hi"}`, validation,
			"5 validation errors detected: " + rcc + "; " + ricm + "; Value '{\"aa;\":[{\"DeleteRequest\":{},\"PutRequest\":{}}]}' at 'requestItems' failed to satisfy constraint: " + mapKeys +
				"; Value null at 'requestItems.aa;.member.1.member.deleteRequest.key' failed to satisfy constraint: Member must not be null" +
				"; Value null at 'requestItems.aa;.member.1.member.putRequest.item' failed to satisfy constraint: Member must not be null"},
		{"BatchWriteItem short table name alone", "BatchWriteItem", `{"RequestItems":{"a":[{"PutRequest":{"Item":{"a":{"S":"a"}}}}]}}`, validation,
			"1 validation error detected: Value '{\"a\":[{\"PutRequest\":{\"Item\":{\"a\":{\"S\":\"a\"}}}}]}' at 'requestItems' failed to satisfy constraint: " + mapKeys},
		{"BatchWriteItem Item not a map", "BatchWriteItem", `{"RequestItems":{"abc":[{"PutRequest":{"Item":[]}}]}}`, serial,
			"Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"},
		{"BatchWriteItem RequestItems not a map", "BatchWriteItem", `{"RequestItems":[]}`, serial,
			"Unrecognized collection type java.util.Map<java.lang.String, java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>>"},
		{"BatchGetItem bad table name and empty lists", "BatchGetItem", `{"RequestItems":{"aa;":{"Keys":[],"AttributesToGet":[]}},"ReturnConsumedCapacity":"hi"}`, validation,
			"4 validation errors detected: " + rcc + "; Value '{\"aa;\":{\"Keys\":[],\"AttributesToGet\":[]}}' at 'requestItems' failed to satisfy constraint: " + mapKeys +
				"; Value '[]' at 'requestItems.aa;.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1" +
				"; Value '[]' at 'requestItems.aa;.member.attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"BatchGetItem key not a map", "BatchGetItem", `{"RequestItems":{"abc":{"Keys":[[]]}}}`, serial,
			"Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"},
		{"BatchGetItem RequestItems entry not a struct", "BatchGetItem", `{"RequestItems":{"abc":[]}}`, serial,
			"Unrecognized collection type class com.amazonaws.dynamodb.v20120810.KeysAndAttributes"},
		{"UpdateTable bad index updates", "UpdateTable", `{"TableName":"abc","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"a","ProvisionedThroughput":{}}},{"Update":{"IndexName":"abc;","ProvisionedThroughput":{"ReadCapacityUnits":1000000000001,"WriteCapacityUnits":0}}}]}`, validation,
			"5 validation errors detected: Value 'a' at 'globalSecondaryIndexUpdates.1.member.update.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3" +
				"; Value null at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must not be null" +
				"; Value null at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must not be null" +
				"; Value 'abc;' at 'globalSecondaryIndexUpdates.2.member.update.indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+" +
				"; Value '0' at 'globalSecondaryIndexUpdates.2.member.update.provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"UpdateTable index throughput out of bounds", "UpdateTable", `{"TableName":"prov","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"nope","ProvisionedThroughput":{"ReadCapacityUnits":1000000000001,"WriteCapacityUnits":1}}}]}`, validation,
			"This operation cannot be performed with given input values. Please contact DynamoDB service team for more info: Action Blocked: IndexUpdate"},
		{"UpdateTable same table throughput", "UpdateTable", `{"TableName":"prov","ProvisionedThroughput":{"ReadCapacityUnits":2,"WriteCapacityUnits":3}}`, validation,
			"The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: 2. Requested ReadCapacityUnits: 2. Current WriteCapacityUnits provisioned for the table: 3. Requested WriteCapacityUnits: 3. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."},
		{"UpdateTable same index throughput", "UpdateTable", `{"TableName":"prov","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"byg","ProvisionedThroughput":{"ReadCapacityUnits":4,"WriteCapacityUnits":5}}}]}`, validation,
			"The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: 4. Requested ReadCapacityUnits: 4. Current WriteCapacityUnits provisioned for the table: 5. Requested WriteCapacityUnits: 5. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."},
		{"UpdateTable index update without throughput", "UpdateTable", `{"TableName":"prov","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"byg"}}]}`, "", ""},
		{"UpdateTable changed throughput", "UpdateTable", `{"TableName":"prov","ProvisionedThroughput":{"ReadCapacityUnits":3,"WriteCapacityUnits":3}}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := e.Do("DynamoDB_20120810."+tt.op, []byte(tt.body))
			if tt.wantType == "" {
				if st != 200 {
					t.Fatalf("%s = %d %s, want success", tt.op, st, body)
				}
				return
			}
			got := decodeErr(t, body)
			if diff := cmp.Diff(apiErr{tt.wantType, tt.wantMsg}, got); diff != "" || st != 400 {
				t.Errorf("%s = %d, error (-want +got):\n%s", tt.op, st, diff)
			}
		})
	}
}

// decodeErr reads a raw error body: its full __type (the SDK keeps only the name after '#')
// and its message, spelled "message" or, for serialization errors, "Message".
func decodeErr(t *testing.T, body []byte) apiErr {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	msg := m["message"]
	if msg == "" {
		msg = m["Message"]
	}
	return apiErr{m["__type"], msg}
}
