package eventbus

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/microshop/microshop/local/eventbus/pattern"
)

// This file serves the API operations that change rules and targets: PutRule, DeleteRule,
// EnableRule, DisableRule, PutTargets and RemoveTargets, so a developer can tap a bus while
// the stack runs (a rule sending to their own queue).

// Limits EventBridge applies to rules and targets.
const (
	maxTargetsPerRule    = 5
	maxTargetsPerRequest = 10
	maxRemoveIDs         = 100
	minEventAge          = 60
	maxRetryAttempts     = 185
)

// EnabledWithCloudTrail is the third rule state; locally it behaves as Enabled.
const EnabledWithCloudTrail = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"

var (
	ruleNameRE = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
	targetIDRE = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
)

func limitExceeded() *apiError {
	return &apiError{http.StatusBadRequest, "LimitExceededException", "The requested resource exceeds the maximum number allowed."}
}

func invalidPattern(err error) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidEventPatternException", err.Error()}
}

func checkRuleName(name string) error {
	if name == "" {
		return required("name")
	}
	if !ruleNameRE.MatchString(name) {
		return validationError("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64", name)
	}
	return nil
}

func (s *Service) putRule(body []byte) (any, error) {
	var in struct {
		Name, EventPattern, ScheduleExpression, State, Description, RoleArn, EventBusName string
		Tags                                                                              []tag
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkRuleName(in.Name); err != nil {
		return nil, err
	}
	switch in.State {
	case "":
		in.State = Enabled
	case Enabled, Disabled, EnabledWithCloudTrail:
	default:
		return nil, validationError("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: "+
			"Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]", in.State)
	}
	if in.EventPattern == "" && in.ScheduleExpression == "" {
		return nil, validationError("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	var sched *Schedule
	if in.ScheduleExpression != "" {
		if busName(in.EventBusName) != DefaultBus {
			return nil, validationError("ScheduleExpression is supported only on the default event bus.")
		}
		var err error
		if sched, err = ParseSchedule(in.ScheduleExpression); err != nil {
			return nil, validationError("Parameter ScheduleExpression is not valid.")
		}
	}
	var p *pattern.Pattern
	if in.EventPattern != "" {
		var err error
		if p, err = pattern.Compile([]byte(in.EventPattern)); err != nil {
			return nil, invalidPattern(err)
		}
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lookupBus(in.EventBusName)
	if err != nil {
		return nil, err
	}
	r := &rule{
		Rule: Rule{Name: in.Name, Bus: b.name, Description: in.Description, State: in.State, ScheduleExpression: in.ScheduleExpression},
		arn:  s.RuleARN(b.name, in.Name), bus: b, pattern: p, schedule: sched,
	}
	if p != nil {
		r.Pattern = json.RawMessage(p.String())
	}
	if sched != nil {
		r.anchor = s.opts.Clock()
		r.next = r.nextAfter(r.anchor)
	}
	// PutRule on an existing rule replaces its definition and keeps its targets.
	if old, ok := b.rules[in.Name]; ok {
		r.Targets, r.targets = old.Targets, old.targets
	}
	b.rules[in.Name] = r
	if len(tags) > 0 {
		s.tags[r.arn] = tags
	}
	return map[string]string{"RuleArn": r.arn}, nil
}

// updateRule replaces the rule name on a bus with a copy changed by fn; callers hold no lock.
// Rules are copied, never changed in place, so deliveries in flight keep what they matched.
func (s *Service) updateRule(name, busNameOrARN string, fn func(r *rule) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.findRule(name, busNameOrARN)
	if err != nil {
		return err
	}
	r := *old
	if err := fn(&r); err != nil {
		return err
	}
	old.bus.rules[name] = &r
	return nil
}

func (s *Service) setRuleState(body []byte, state string) (any, error) {
	var in struct{ Name, EventBusName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkRuleName(in.Name); err != nil {
		return nil, err
	}
	err := s.updateRule(in.Name, in.EventBusName, func(r *rule) error { r.State = state; return nil })
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (s *Service) deleteRule(body []byte) (any, error) {
	var in struct {
		Name, EventBusName string
		Force              bool
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkRuleName(in.Name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lookupBus(in.EventBusName)
	if err != nil {
		return nil, err
	}
	r, ok := b.rules[in.Name]
	if !ok {
		return struct{}{}, nil // deleting a rule that does not exist succeeds, as on AWS
	}
	if len(r.targets) > 0 {
		return nil, validationError("Rule can't be deleted since it has targets.")
	}
	delete(b.rules, in.Name)
	delete(s.tags, r.arn)
	return struct{}{}, nil
}

// targetIn is a target as PutTargets takes it.
type targetIn struct {
	ID               string `json:"Id"`
	Arn              string
	RoleArn          string
	Input            string
	InputPath        string
	InputTransformer *InputTransformer
	RetryPolicy      *struct{ MaximumRetryAttempts, MaximumEventAgeInSeconds *int }
	DeadLetterConfig *struct{ Arn string }
	SqsParameters    *struct {
		MessageGroupID string `json:"MessageGroupId"`
	}
}

// target validates a PutTargets entry and turns it into a Target.
func (in targetIn) target() (Target, error) {
	if !targetIDRE.MatchString(in.ID) {
		return Target{}, validationError("1 validation error detected: Value '%s' at 'targets.member.id' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64", in.ID)
	}
	if in.Arn == "" {
		return Target{}, required("targets.member.arn")
	}
	t := Target{
		ID: in.ID, ARN: in.Arn, Input: in.Input, InputPath: in.InputPath, InputTransformer: in.InputTransformer,
		RetryPolicy: &RetryPolicy{MaximumRetryAttempts: DefaultMaximumRetryAttempts, MaximumEventAgeInSeconds: DefaultMaximumEventAgeInSeconds},
	}
	if p := in.RetryPolicy; p != nil {
		if n := p.MaximumRetryAttempts; n != nil {
			if *n < 0 || *n > maxRetryAttempts {
				return Target{}, validationError("1 validation error detected: Value '%d' at 'targets.member.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value between 0 and 185", *n)
			}
			t.RetryPolicy.MaximumRetryAttempts = *n
		}
		if n := p.MaximumEventAgeInSeconds; n != nil {
			if *n < minEventAge || *n > DefaultMaximumEventAgeInSeconds {
				return Target{}, validationError("1 validation error detected: Value '%d' at 'targets.member.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 86400", *n)
			}
			t.RetryPolicy.MaximumEventAgeInSeconds = *n
		}
	}
	if in.DeadLetterConfig != nil {
		t.DeadLetterARN = in.DeadLetterConfig.Arn
	}
	if in.SqsParameters != nil {
		t.MessageGroupID = in.SqsParameters.MessageGroupID
	}
	return t, nil
}

func (s *Service) putTargets(body []byte) (any, error) {
	var in struct {
		Rule, EventBusName string
		Targets            []targetIn
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Rule == "" {
		return nil, required("rule")
	}
	if n := len(in.Targets); n < 1 || n > maxTargetsPerRequest {
		return nil, validationError("1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and %d", maxTargetsPerRequest)
	}
	add := make([]*target, 0, len(in.Targets))
	for _, ti := range in.Targets {
		t, err := ti.target()
		if err != nil {
			return nil, err
		}
		tr, err := compileTransform(t)
		if err != nil {
			return nil, validationError("Target %s: %s", t.ID, strings.TrimSuffix(err.Error(), ": "+ErrInvalid.Error()))
		}
		if s.opts.Connect != nil {
			t.Deliver = s.opts.Connect(t)
		}
		add = append(add, &target{Target: t, transform: tr})
	}
	err := s.updateRule(in.Rule, in.EventBusName, func(r *rule) error {
		targets := slices.Clone(r.targets)
		for _, t := range add {
			if i := slices.IndexFunc(targets, func(o *target) bool { return o.ID == t.ID }); i >= 0 {
				targets[i] = t // PutTargets with an existing Id replaces that target
			} else {
				targets = append(targets, t)
			}
		}
		if len(targets) > maxTargetsPerRule {
			return limitExceeded()
		}
		r.setTargets(targets)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"FailedEntryCount": 0, "FailedEntries": []any{}}, nil
}

func (s *Service) removeTargets(body []byte) (any, error) {
	var in struct {
		Rule, EventBusName string
		Ids                []string
		Force              bool
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Rule == "" {
		return nil, required("rule")
	}
	if n := len(in.Ids); n < 1 || n > maxRemoveIDs {
		return nil, validationError("1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and %d", maxRemoveIDs)
	}
	err := s.updateRule(in.Rule, in.EventBusName, func(r *rule) error {
		r.setTargets(slices.DeleteFunc(slices.Clone(r.targets), func(t *target) bool { return slices.Contains(in.Ids, t.ID) }))
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Ids the rule does not have are not failures: removing them is already done.
	return map[string]any{"FailedEntryCount": 0, "FailedEntries": []any{}}, nil
}

// setTargets sets both views of a rule's targets.
func (r *rule) setTargets(targets []*target) {
	r.targets = targets
	r.Targets = make([]Target, len(targets))
	for i, t := range targets {
		r.Targets[i] = t.Target
	}
}
