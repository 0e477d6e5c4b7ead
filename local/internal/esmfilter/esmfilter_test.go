package esmfilter_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/microshop/microshop/local/internal/esmfilter"
)

func compile(t *testing.T, patterns ...string) *esmfilter.Filters {
	t.Helper()
	var raw []json.RawMessage
	for _, p := range patterns {
		raw = append(raw, json.RawMessage(p))
	}
	f, err := esmfilter.Compile(raw)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return f
}

func TestMatchSQSBody(t *testing.T) {
	changed := `{"body":{"detail-type":["ProductChanged"]}}`
	deleted := `{"body":{"detail-type":["ProductDeleted"]}}`
	tests := []struct {
		name    string
		filters []string
		body    string
		want    bool
	}{
		{"no filters pass everything", nil, "anything", true},
		{"JSON body matching the first filter", []string{changed, deleted}, `{"detail-type":"ProductChanged"}`, true},
		{"JSON body matching the second filter", []string{changed, deleted}, `{"detail-type":"ProductDeleted"}`, true},
		{"JSON body matching neither", []string{changed, deleted}, `{"detail-type":"ProductCreated"}`, false},
		{"plain body against an object pattern", []string{changed}, `ProductChanged`, false},
		{"plain body against a string pattern", []string{`{"body":["hello"]}`}, `hello`, true},
		{"plain body with a prefix pattern", []string{`{"body":[{"prefix":"hel"}]}`}, `hello`, true},
		{"JSON body, pattern on another key", []string{`{"messageId":[{"exists":true}]}`}, `{"a":1}`, false},
		{"numeric comparison in the body", []string{`{"body":{"price":[{"numeric":[">",100]}]}}`}, `{"price":150}`, true},
		{"numeric comparison failing", []string{`{"body":{"price":[{"numeric":[">",100]}]}}`}, `{"price":50}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := compile(t, tt.filters...).MatchSQSBody(tt.body); got != tt.want {
				t.Errorf("MatchSQSBody(%s) = %v, want %v", tt.body, got, tt.want)
			}
		})
	}
}

func TestMatchStreamRecord(t *testing.T) {
	outbox := `{"dynamodb":{"NewImage":{"outboxEvent":{"S":[{"exists":true}]}}}}`
	inserts := `{"eventName":["INSERT"]}`
	tests := []struct {
		name   string
		record string
		want   bool
	}{
		{"outbox row", `{"eventName":"MODIFY","dynamodb":{"NewImage":{"id":{"S":"outbox#1"},"outboxEvent":{"S":"{}"}}}}`, true},
		{"insert of another row", `{"eventName":"INSERT","dynamodb":{"NewImage":{"id":{"S":"p1"}}}}`, true},
		{"modify of another row", `{"eventName":"MODIFY","dynamodb":{"NewImage":{"id":{"S":"p1"}}}}`, false},
		{"remove", `{"eventName":"REMOVE","dynamodb":{"OldImage":{"id":{"S":"p1"}}}}`, false},
		{"not JSON", `{`, false},
	}
	f := compile(t, outbox, inserts)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.Match([]byte(tt.record)); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	six := make([]json.RawMessage, esmfilter.MaxFilters+1)
	for i := range six {
		six[i] = json.RawMessage(`{"body":["x"]}`)
	}
	for name, patterns := range map[string][]json.RawMessage{
		"too many filters": six,
		"invalid pattern":  {json.RawMessage(`{"body":"not a list"}`)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := esmfilter.Compile(patterns); !errors.Is(err, esmfilter.ErrInvalid) {
				t.Errorf("Compile = %v, want ErrInvalid", err)
			}
		})
	}
}
