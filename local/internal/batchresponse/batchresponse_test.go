package batchresponse_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/microshop/microshop/local/internal/batchresponse"
)

func TestItemIdentifiers(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		ids     []string
		ok      bool
	}{
		{"no payload", " ", nil, true},
		{"null", "null", nil, true},
		{"empty object", "{}", nil, true},
		{"null list", `{"batchItemFailures":null}`, nil, true},
		{"empty list", `{"batchItemFailures":[]}`, nil, true},
		{"failures in order", `{"batchItemFailures":[{"itemIdentifier":"b"},{"itemIdentifier":"a"}]}`, []string{"b", "a"}, true},
		{"invalid json", `{"batchItemFailures":`, nil, false},
		{"not an object", `"done"`, nil, false},
		{"list not an array", `{"batchItemFailures":{}}`, nil, false},
		{"empty identifier", `{"batchItemFailures":[{"itemIdentifier":""}]}`, nil, false},
		{"null identifier", `{"batchItemFailures":[{"itemIdentifier":null}]}`, nil, false},
		{"missing identifier", `{"batchItemFailures":[{}]}`, nil, false},
		{"null item", `{"batchItemFailures":[null]}`, nil, false},
		{"identifier not a string", `{"batchItemFailures":[{"itemIdentifier":1}]}`, nil, false},
		{"keys are case-sensitive", `{"batchItemFailures":[{"ItemIdentifier":"a"}]}`, nil, false},
		{"list key is case-sensitive", `{"BatchItemFailures":[{"itemIdentifier":"a"}]}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, ok := batchresponse.ItemIdentifiers([]byte(tt.payload))
			if ok != tt.ok || !cmp.Equal(ids, tt.ids, cmpopts.EquateEmpty()) {
				t.Errorf("ItemIdentifiers(%q) = %q, %v; want %q, %v", tt.payload, ids, ok, tt.ids, tt.ok)
			}
		})
	}
}
