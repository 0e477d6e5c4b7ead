package sqsqueue

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBatchItemFailures(t *testing.T) {
	batch := map[string]bool{"m1": true, "m2": true}
	tests := []struct {
		name    string
		payload string
		failed  map[string]bool
		ok      bool
	}{
		{"no payload", "", map[string]bool{}, true},
		{"null", "null", map[string]bool{}, true},
		{"empty object", "{}", map[string]bool{}, true},
		{"null list", `{"batchItemFailures":null}`, map[string]bool{}, true},
		{"empty list", `{"batchItemFailures":[]}`, map[string]bool{}, true},
		{"one failure", `{"batchItemFailures":[{"itemIdentifier":"m2"}]}`, map[string]bool{"m2": true}, true},
		{"invalid json", `{"batchItemFailures":`, nil, false},
		{"not an object", `"ok"`, nil, false},
		{"empty identifier", `{"batchItemFailures":[{"itemIdentifier":""}]}`, nil, false},
		{"null identifier", `{"batchItemFailures":[{"itemIdentifier":null}]}`, nil, false},
		{"bad key name", `{"batchItemFailures":[{"ItemIdentifier":"m1"}]}`, nil, false},
		{"unknown message", `{"batchItemFailures":[{"itemIdentifier":"m9"}]}`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed, ok := batchItemFailures([]byte(tt.payload), batch)
			if ok != tt.ok || !cmp.Equal(failed, tt.failed) {
				t.Errorf("batchItemFailures = %v, %v; want %v, %v", failed, ok, tt.failed, tt.ok)
			}
		})
	}
}
