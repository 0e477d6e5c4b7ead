// Package batchresponse reads a Lambda function's partial batch response,
// {"batchItemFailures":[{"itemIdentifier":"..."}]}, the way Lambda does: one reading for the
// SQS and DynamoDB stream event source mappings.
package batchresponse

import (
	"bytes"
	"encoding/json"
)

// ItemIdentifiers returns the identifiers the response reports as failed, in order. An empty
// or null response, or a missing, null or empty list, means every record succeeded (no
// identifiers, ok). Invalid JSON, or an item whose itemIdentifier is missing, null or empty,
// makes the response invalid (ok false) and Lambda fails the whole batch. Keys are
// case-sensitive, which is why aws-lambda-go's events.SQSEventResponse is not used.
func ItemIdentifiers(payload []byte) (ids []string, ok bool) {
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || bytes.Equal(payload, []byte("null")) {
		return nil, true
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(payload, &resp); err != nil {
		return nil, false
	}
	raw, present := resp["batchItemFailures"]
	if !present || bytes.Equal(raw, []byte("null")) {
		return nil, true
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	ids = make([]string, 0, len(items))
	for _, item := range items {
		var id *string
		if err := json.Unmarshal(item["itemIdentifier"], &id); err != nil || id == nil || *id == "" {
			return nil, false
		}
		ids = append(ids, *id)
	}
	return ids, true
}
