package template

import (
	"encoding/json"
	"fmt"
	"strings"
)

// This file models EventBridge: custom event buses and rules with their targets.

// EventBridge defaults for properties a template may omit.
const (
	// DefaultEventBus is the bus a rule without EventBusName is on.
	DefaultEventBus = "default"
	// RuleEnabled is a rule's State when the template omits it.
	RuleEnabled = "ENABLED"
	// DefaultMaximumRetryAttempts and DefaultMaximumEventAgeInSeconds are EventBridge's
	// retry policy for a target without RetryPolicy (185 retries within 24 hours).
	DefaultMaximumRetryAttempts     = 185
	DefaultMaximumEventAgeInSeconds = 86400
)

// EventBus is a custom EventBridge event bus (AWS::Events::EventBus). The default bus is not
// a resource and is not listed.
type EventBus struct {
	LogicalID string
	// Name is the bus name (Name is required by CloudFormation; else the logical ID).
	Name string
	// ARN is arn:aws:events:<region>:<account>:event-bus/<Name>.
	ARN string
}

// Rule is an EventBridge rule (AWS::Events::Rule).
type Rule struct {
	LogicalID string
	// Name is the Name property, else the logical ID.
	Name string
	// ARN is the rule's Fn::GetAtt Arn: rule/<Name> on the default bus, rule/<bus>/<Name>
	// on a custom one.
	ARN string
	// EventBusName is the bus's name (an ARN in the template is reduced to the name);
	// DefaultEventBus when the template omits it.
	EventBusName string
	// EventPattern is the pattern as compact JSON; nil for a rule with only a schedule.
	EventPattern json.RawMessage
	// ScheduleExpression is "rate(...)" or "cron(...)"; empty for a pattern rule.
	ScheduleExpression string
	// State is ENABLED (the default), DISABLED or
	// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
	State       string
	Description string
	Targets     []*RuleTarget
}

// RuleTarget is one of a rule's Targets.
type RuleTarget struct {
	// ID is the target's Id, unique within the rule.
	ID string
	// ARN is the target's Arn: a function, a queue, another bus ...
	ARN string
	// At most one of Input, InputPath and InputTransformer is set; with none the target
	// receives the whole event.
	Input            string
	InputPath        string
	InputTransformer *InputTransformer
	// RetryPolicy has EventBridge's defaults filled in for what the template omits.
	RetryPolicy RetryPolicy
	// DeadLetterARN is DeadLetterConfig.Arn: the SQS queue that receives events whose
	// delivery is given up; empty when none.
	DeadLetterARN string
	// MessageGroupID is SqsParameters.MessageGroupId, for a FIFO queue target.
	MessageGroupID string
}

// InputTransformer builds a target's input from parts of the event. The field names are
// the template's.
type InputTransformer struct {
	// InputPathsMap names JSONPaths into the event, used as <name> in InputTemplate.
	InputPathsMap map[string]string
	InputTemplate string
}

// RetryPolicy bounds how long EventBridge retries a failing delivery to a target.
type RetryPolicy struct {
	MaximumRetryAttempts     int // default DefaultMaximumRetryAttempts
	MaximumEventAgeInSeconds int // default DefaultMaximumEventAgeInSeconds
}

func (r *resolver) eventBus(id string) (*EventBus, error) {
	name, err := r.name(id)
	if err != nil {
		return nil, err
	}
	return &EventBus{LogicalID: id, Name: name, ARN: r.arn("events", "event-bus/"+name)}, nil
}

// ruleTarget mirrors a target's JSON shape.
type ruleTarget struct {
	ID               string `json:"Id"`
	Arn              string
	Input            string
	InputPath        string
	InputTransformer *InputTransformer
	RetryPolicy      *struct {
		MaximumRetryAttempts     *flexInt
		MaximumEventAgeInSeconds *flexInt
	}
	DeadLetterConfig *struct{ Arn string }
	SqsParameters    *struct {
		MessageGroupID string `json:"MessageGroupId"`
	}
}

func (r *resolver) rule(id string) (*Rule, error) {
	rule := &Rule{LogicalID: id}
	var err error
	if rule.Name, err = r.name(id); err != nil {
		return nil, err
	}
	if rule.ARN, err = r.getAtt(id, "Arn", loc{id, "Arn"}); err != nil {
		return nil, err
	}
	bus, err := r.propString(id, "EventBusName")
	if err != nil {
		return nil, err
	}
	rule.EventBusName = eventBusName(bus)
	if rule.EventPattern, err = r.propJSON(id, "EventPattern"); err != nil {
		return nil, err
	}
	if rule.ScheduleExpression, err = r.propString(id, "ScheduleExpression"); err != nil {
		return nil, err
	}
	if rule.State, err = r.propString(id, "State"); err != nil {
		return nil, err
	}
	if rule.State == "" {
		rule.State = RuleEnabled
	}
	if rule.Description, err = r.propString(id, "Description"); err != nil {
		return nil, err
	}
	var targets []ruleTarget
	if err := r.propDecode(&targets, id, "Targets"); err != nil {
		return nil, err
	}
	for i, t := range targets {
		if t.ID == "" || t.Arn == "" {
			return nil, loc{id, "Properties.Targets"}.index(i).fail(ErrInvalid, "a target needs an Id and an Arn")
		}
		rt := &RuleTarget{
			ID: t.ID, ARN: t.Arn, Input: t.Input, InputPath: t.InputPath, InputTransformer: t.InputTransformer,
			RetryPolicy: RetryPolicy{MaximumRetryAttempts: DefaultMaximumRetryAttempts, MaximumEventAgeInSeconds: DefaultMaximumEventAgeInSeconds},
		}
		if p := t.RetryPolicy; p != nil {
			if p.MaximumRetryAttempts != nil {
				rt.RetryPolicy.MaximumRetryAttempts = int(*p.MaximumRetryAttempts)
			}
			if p.MaximumEventAgeInSeconds != nil {
				rt.RetryPolicy.MaximumEventAgeInSeconds = int(*p.MaximumEventAgeInSeconds)
			}
		}
		if t.DeadLetterConfig != nil {
			rt.DeadLetterARN = t.DeadLetterConfig.Arn
		}
		if t.SqsParameters != nil {
			rt.MessageGroupID = t.SqsParameters.MessageGroupID
		}
		rule.Targets = append(rule.Targets, rt)
	}
	return rule, nil
}

// eventBusName turns an EventBusName (a name or an ARN) into a bus name.
func eventBusName(nameOrARN string) string {
	if i := strings.LastIndex(nameOrARN, "event-bus/"); i >= 0 {
		nameOrARN = nameOrARN[i+len("event-bus/"):]
	}
	if nameOrARN == "" {
		return DefaultEventBus
	}
	return nameOrARN
}

// propJSON is a property of type Json as compact JSON: CloudFormation takes it as an object
// or as a string holding JSON. It is nil when the property is absent.
func (r *resolver) propJSON(id string, path ...string) (json.RawMessage, error) {
	v, at, err := r.property(id, path...)
	if err != nil || v == nil {
		return nil, err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, at.fail(ErrInvalid, "%v", err)
	}
	out, err := jsonValue(raw)
	if err != nil {
		return nil, at.fail(ErrInvalid, "not JSON: %v", err)
	}
	return out, nil
}

// flexInt is an integer property written as a JSON number or a numeric string, both of
// which CloudFormation accepts.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	var v json.Number
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	i, err := v.Int64()
	if err != nil {
		return err
	}
	*n = flexInt(i)
	return nil
}

// flexBool is a boolean property written as true/false or "true"/"false".
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.ToLower(strings.Trim(string(b), `"`)) {
	case "true":
		*f = true
	case "false":
		*f = false
	default:
		return fmt.Errorf("want a boolean, got %s", b)
	}
	return nil
}
