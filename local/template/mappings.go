package template

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"
)

// This file models what connects event sources and failures to Lambda functions: event
// source mappings and asynchronous invocation configs.

// Event source mapping starting positions.
const (
	StartingPositionLatest      = "LATEST"
	StartingPositionTrimHorizon = "TRIM_HORIZON"
)

// EventSourceMapping is an AWS::Lambda::EventSourceMapping: a queue or a stream feeding a
// function. Optional numbers are nil (or 0 where noted) when the template omits them, so
// Lambda's defaults for the source apply.
type EventSourceMapping struct {
	LogicalID string
	// EventSourceARN is the queue's or the table stream's ARN.
	EventSourceARN string
	// FunctionName is the property as written: a name, an ARN or a qualified ARN.
	FunctionName string
	// Function is the logical ID of the template's function FunctionName names; empty when
	// it names a function outside the template.
	Function string
	// Enabled is true unless the template says false.
	Enabled bool
	// BatchSize is 0 when omitted (Lambda's default: 10 for SQS, 100 for streams).
	BatchSize int
	// MaximumBatchingWindow is MaximumBatchingWindowInSeconds.
	MaximumBatchingWindow time.Duration
	// StartingPosition is LATEST or TRIM_HORIZON for a stream; empty for a queue.
	StartingPosition           string
	BisectBatchOnFunctionError bool
	// MaximumRetryAttempts (streams): nil is Lambda's default, -1 (retry until the record
	// expires).
	MaximumRetryAttempts *int
	// MaximumRecordAgeInSeconds (streams): nil is Lambda's default, -1 (infinite).
	MaximumRecordAgeInSeconds *int
	// ParallelizationFactor (streams): batches per shard in flight; 0 when omitted (1).
	ParallelizationFactor int
	// FunctionResponseTypes is ["ReportBatchItemFailures"] for partial batch responses.
	FunctionResponseTypes []string
	// OnFailureDestination is DestinationConfig.OnFailure.Destination (a queue or topic ARN
	// that receives discarded stream batches); empty when none.
	OnFailureDestination string
	// Filters are FilterCriteria.Filters[].Pattern, each an event pattern as compact JSON.
	// A record reaches the function only if it matches one of them; no filters pass all.
	Filters []json.RawMessage
	// MaximumConcurrency is ScalingConfig.MaximumConcurrency (SQS): at most this many
	// concurrent invocations; 0 when omitted (no limit of its own).
	MaximumConcurrency int
}

// ReportsBatchItemFailures reports whether the function returns partial batch failures.
func (m *EventSourceMapping) ReportsBatchItemFailures() bool {
	return slices.Contains(m.FunctionResponseTypes, "ReportBatchItemFailures")
}

// EventInvokeConfig is an AWS::Lambda::EventInvokeConfig: how Lambda retries a function's
// asynchronous invocations and where it sends their outcome.
type EventInvokeConfig struct {
	LogicalID    string
	FunctionName string
	// Function is the logical ID of the template's function FunctionName names; empty when
	// it names a function outside the template.
	Function  string
	Qualifier string
	// MaximumRetryAttempts is 0 to 2; nil means Lambda's default (2).
	MaximumRetryAttempts *int
	// MaximumEventAgeInSeconds is 60 to 21600; nil means Lambda's default (21600).
	MaximumEventAgeInSeconds *int
	// OnSuccessDestination and OnFailureDestination are DestinationConfig's destination
	// ARNs; empty when none.
	OnSuccessDestination string
	OnFailureDestination string
}

// destination mirrors OnSuccess/OnFailure.
type destination struct{ Destination string }

type mappingProps struct {
	EventSourceArn                 string
	FunctionName                   string
	Enabled                        *flexBool
	BatchSize                      flexInt
	MaximumBatchingWindowInSeconds flexInt
	StartingPosition               string
	BisectBatchOnFunctionError     flexBool
	MaximumRetryAttempts           *flexInt
	MaximumRecordAgeInSeconds      *flexInt
	ParallelizationFactor          flexInt
	FunctionResponseTypes          []string
	DestinationConfig              *struct{ OnFailure *destination }
	FilterCriteria                 *struct {
		Filters []struct{ Pattern json.RawMessage }
	}
	ScalingConfig *struct{ MaximumConcurrency flexInt }
}

func (r *resolver) eventSourceMapping(id string, fns functionIndex) (*EventSourceMapping, error) {
	var p mappingProps
	if err := r.propDecode(&p, id); err != nil {
		return nil, err
	}
	m := &EventSourceMapping{
		LogicalID: id, EventSourceARN: p.EventSourceArn, FunctionName: p.FunctionName,
		Enabled: p.Enabled == nil || bool(*p.Enabled), BatchSize: int(p.BatchSize),
		MaximumBatchingWindow:      time.Duration(p.MaximumBatchingWindowInSeconds) * time.Second,
		StartingPosition:           p.StartingPosition,
		BisectBatchOnFunctionError: bool(p.BisectBatchOnFunctionError),
		MaximumRetryAttempts:       intPtr(p.MaximumRetryAttempts),
		MaximumRecordAgeInSeconds:  intPtr(p.MaximumRecordAgeInSeconds),
		ParallelizationFactor:      int(p.ParallelizationFactor),
		FunctionResponseTypes:      p.FunctionResponseTypes,
	}
	m.Function, _ = fns.lookup(p.FunctionName)
	if d := p.DestinationConfig; d != nil && d.OnFailure != nil {
		m.OnFailureDestination = d.OnFailure.Destination
	}
	if p.ScalingConfig != nil {
		m.MaximumConcurrency = int(p.ScalingConfig.MaximumConcurrency)
	}
	if fc := p.FilterCriteria; fc != nil {
		at := loc{id, "Properties.FilterCriteria.Filters"}
		for i, f := range fc.Filters {
			pat, err := jsonValue(f.Pattern)
			if err != nil {
				return nil, at.index(i).key("Pattern").fail(ErrInvalid, "%v", err)
			}
			m.Filters = append(m.Filters, pat)
		}
	}
	return m, nil
}

type invokeConfigProps struct {
	FunctionName             string
	Qualifier                string
	MaximumRetryAttempts     *flexInt
	MaximumEventAgeInSeconds *flexInt
	DestinationConfig        *struct{ OnSuccess, OnFailure *destination }
}

func (r *resolver) eventInvokeConfig(id string, fns functionIndex) (*EventInvokeConfig, error) {
	var p invokeConfigProps
	if err := r.propDecode(&p, id); err != nil {
		return nil, err
	}
	c := &EventInvokeConfig{
		LogicalID: id, FunctionName: p.FunctionName, Qualifier: p.Qualifier,
		MaximumRetryAttempts:     intPtr(p.MaximumRetryAttempts),
		MaximumEventAgeInSeconds: intPtr(p.MaximumEventAgeInSeconds),
	}
	c.Function, _ = fns.lookup(p.FunctionName)
	if d := p.DestinationConfig; d != nil {
		if d.OnSuccess != nil {
			c.OnSuccessDestination = d.OnSuccess.Destination
		}
		if d.OnFailure != nil {
			c.OnFailureDestination = d.OnFailure.Destination
		}
	}
	return c, nil
}

// functionIndex finds a template function's logical ID by name or ARN.
type functionIndex struct{ byARN, byName map[string]string }

func newFunctionIndex(fns map[string]*Function) functionIndex {
	idx := functionIndex{byARN: map[string]string{}, byName: map[string]string{}}
	for id, fn := range fns {
		idx.byARN[fn.ARN] = id
		idx.byName[fn.Name] = id
	}
	return idx
}

// lookup accepts a function name, ARN or qualified ARN.
func (idx functionIndex) lookup(ref string) (string, bool) {
	return functionForURI(ref, idx.byARN, idx.byName)
}

// jsonValue is a Json property that may be written as an object or as a string holding
// JSON, as compact JSON.
func jsonValue(raw json.RawMessage) (json.RawMessage, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		raw = []byte(s)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
