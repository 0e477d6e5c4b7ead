// Package esmfilter applies the FilterCriteria of a Lambda event source mapping: each filter
// is an EventBridge event pattern (compiled by local/eventbus/pattern), a record passes when
// it matches any of them (they are ORed), and every record passes when there is none.
//
// What a pattern is matched against depends on the source, as in Lambda: a DynamoDB stream
// record as the function receives it (eventName, dynamodb.NewImage ...), and for SQS only the
// message body, under the key "body", decoded when it is JSON and a plain string otherwise.
// A record that matches no filter counts as processed and never reaches the function; the
// callers (local/sqsqueue, local/streamsource) delete or checkpoint past it.
package esmfilter

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/microshop/microshop/local/eventbus/pattern"
)

// MaxFilters is Lambda's default quota of filters per event source mapping.
const MaxFilters = 5

// ErrInvalid is wrapped by Compile's errors (too many filters, an invalid pattern).
var ErrInvalid = errors.New("invalid filter criteria")

// Filters are compiled filter patterns. The zero value and nil pass every record.
type Filters struct {
	patterns []*pattern.Pattern
}

// Compile compiles up to MaxFilters patterns (JSON event patterns).
func Compile(patterns []json.RawMessage) (*Filters, error) {
	if len(patterns) > MaxFilters {
		return nil, fmt.Errorf("%w: %d filters, at most %d are allowed", ErrInvalid, len(patterns), MaxFilters)
	}
	f := &Filters{}
	for i, src := range patterns {
		p, err := pattern.Compile(src)
		if err != nil {
			return nil, fmt.Errorf("%w: filter %d: %v", ErrInvalid, i, err)
		}
		f.patterns = append(f.patterns, p)
	}
	return f, nil
}

// Empty reports whether there are no filters (every record passes).
func (f *Filters) Empty() bool { return f == nil || len(f.patterns) == 0 }

// Match reports whether a record (JSON) passes: it matches one of the filters, or there are
// none.
func (f *Filters) Match(record []byte) bool {
	if f.Empty() {
		return true
	}
	v, err := pattern.Decode(record)
	if err != nil {
		return false
	}
	return f.matchValue(v)
}

// MatchSQSBody reports whether an SQS message with this body passes. The filters see
// {"body": <the body>}, the body decoded when it is a JSON object or array and a string
// otherwise.
func (f *Filters) MatchSQSBody(body string) bool {
	if f.Empty() {
		return true
	}
	var decoded any = body
	if v, err := pattern.Decode([]byte(body)); err == nil {
		switch v.(type) {
		case map[string]any, []any:
			decoded = v
		}
	}
	return f.matchValue(map[string]any{"body": decoded})
}

func (f *Filters) matchValue(v any) bool {
	for _, p := range f.patterns {
		if p.MatchValue(v) {
			return true
		}
	}
	return false
}
