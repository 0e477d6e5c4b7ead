package infra

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// PolicyPrefix starts every error PolicyChecks reports, so tests and readers can tell the
// project's rules from cdk-nag's.
const PolicyPrefix = "[Microshop-Policy] "

// WildcardResourceActions are the only actions an identity policy may allow on Resource "*",
// each because IAM defines the action on no resource type (the Service Authorization
// Reference lists no resource for it), with why the project needs it.
var WildcardResourceActions = map[string]string{
	"xray:PutTraceSegments":    "X-Ray active tracing (every function): writes trace segments",
	"xray:PutTelemetryRecords": "X-Ray active tracing (every function): writes the daemon's telemetry",
	"dynamodb:ListStreams":     "a table stream's event source mapping (the outbox publishers); records are read on the stream ARN only",
}

// PolicyChecks is the project's own policy, as a CDK Aspect on a stack (Check adds it to the
// app): each violation is an error annotation on the offending construct, so `cdk synth`
// fails. Rules:
//   - every Lambda function runs provided.al2023 on arm64 with X-Ray active tracing and logs to
//     a log group of the stack that has a retention; every log group has a retention;
//   - every SQS queue has a DLQ (a redrive policy), unless it is itself a dead-letter target;
//   - every asynchronous target has a DLQ: each EventBridge rule target, each event source
//     mapping (its queue's redrive policy for SQS, an on-failure destination otherwise), and
//     each function invoked asynchronously (a rule's target or with an EventInvokeConfig);
//   - no identity-policy statement allows an Action "*" (or "service:*"), and Resource "*"
//     only for WildcardResourceActions.
//
// A resource the project does not write (a CDK-provided handler) may be excused from one rule
// with ExemptFromPolicy, which records the reason in the template.
type PolicyChecks struct{}

// Policy rules a resource can be excused from with ExemptFromPolicy; a wildcard resource is
// excused per action with PolicyRuleWildcard + ":" + the action.
const (
	PolicyRuleRuntime  = "runtime"  // provided.al2023 on arm64
	PolicyRuleTracing  = "tracing"  // X-Ray active tracing
	PolicyRuleWildcard = "wildcard" // Resource "*" for an action outside WildcardResourceActions
)

// policyExemptionsKey is the CloudFormation metadata key ExemptFromPolicy writes.
const policyExemptionsKey = "MicroshopPolicyExemptions"

// ExemptFromPolicy excuses resource r from one PolicyChecks rule, with the reason written into
// its template metadata. It is for resources the project does not write (CDK's own handlers):
// the reason must say why the rule cannot hold for r.
func ExemptFromPolicy(r awscdk.CfnResource, rule, reason string) {
	if reason == "" {
		panic(fmt.Errorf("infra: exempting %s from policy rule %q needs a reason", *r.Node().Path(), rule))
	}
	m, _ := r.GetMetadata(jsii.String(policyExemptionsKey)).(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	m[rule] = reason
	r.AddMetadata(jsii.String(policyExemptionsKey), m)
}

// exempt reports whether resource c is excused from rule.
func exempt(c constructs.IConstruct, rule string) bool {
	r, ok := c.(awscdk.CfnResource)
	if !ok {
		return false
	}
	m, _ := r.GetMetadata(jsii.String(policyExemptionsKey)).(map[string]any)
	reason, _ := m[rule].(string)
	return reason != ""
}

var _ awscdk.IAspect = (*PolicyChecks)(nil)

// Visit checks a whole stack when node is one, and ignores every other node.
func (*PolicyChecks) Visit(node constructs.IConstruct) {
	if !*awscdk.Stack_IsStack(node) {
		return
	}
	newPolicyRun(awscdk.Stack_Of(node)).check()
}

// policyRun is one stack's check: its resources by logical ID, resolved as CloudFormation
// will see them.
type policyRun struct {
	stack awscdk.Stack
	// resources by logical ID.
	functions   map[string]awslambda.CfnFunction
	logGroups   map[string]awslogs.CfnLogGroup
	queues      map[string]awssqs.CfnQueue
	rules       map[string]awsevents.CfnRule
	mappings    map[string]awslambda.CfnEventSourceMapping
	invokes     map[string]awslambda.CfnEventInvokeConfig
	policies    map[string]awsiam.CfnPolicy
	managed     map[string]awsiam.CfnManagedPolicy
	roles       map[string]awsiam.CfnRole
	deadLetters map[string]bool // logical IDs of resources that receive dead letters
}

func newPolicyRun(stack awscdk.Stack) *policyRun {
	r := &policyRun{
		stack:     stack,
		functions: map[string]awslambda.CfnFunction{}, logGroups: map[string]awslogs.CfnLogGroup{},
		queues: map[string]awssqs.CfnQueue{}, rules: map[string]awsevents.CfnRule{},
		mappings: map[string]awslambda.CfnEventSourceMapping{}, invokes: map[string]awslambda.CfnEventInvokeConfig{},
		policies: map[string]awsiam.CfnPolicy{}, managed: map[string]awsiam.CfnManagedPolicy{},
		roles: map[string]awsiam.CfnRole{}, deadLetters: map[string]bool{},
	}
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if !*awscdk.CfnResource_IsCfnResource(c) || awscdk.Stack_Of(c) != stack {
			continue
		}
		id := r.logicalID(c.(awscdk.CfnElement))
		switch v := c.(type) {
		case awslambda.CfnFunction:
			r.functions[id] = v
		case awslogs.CfnLogGroup:
			r.logGroups[id] = v
		case awssqs.CfnQueue:
			r.queues[id] = v
		case awsevents.CfnRule:
			r.rules[id] = v
		case awslambda.CfnEventSourceMapping:
			r.mappings[id] = v
		case awslambda.CfnEventInvokeConfig:
			r.invokes[id] = v
		case awsiam.CfnPolicy:
			r.policies[id] = v
		case awsiam.CfnManagedPolicy:
			r.managed[id] = v
		case awsiam.CfnRole:
			r.roles[id] = v
		}
	}
	return r
}

func (r *policyRun) logicalID(e awscdk.CfnElement) string {
	return r.resolve(e.LogicalId()).(string)
}

// resolve is v as the template will hold it; nil (also a typed nil) stays nil.
func (r *policyRun) resolve(v any) any {
	if v == nil {
		return nil
	}
	if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map) && rv.IsNil() {
		return nil
	}
	return r.stack.Resolve(v)
}

// fail reports a violation on c.
func fail(c constructs.IConstruct, format string, args ...any) {
	awscdk.Annotations_Of(c).AddError(jsii.String(PolicyPrefix + fmt.Sprintf(format, args...)))
}

func (r *policyRun) check() {
	r.findDeadLetterTargets()
	for _, id := range sortedKeys(r.functions) {
		r.checkFunction(id, r.functions[id])
	}
	for _, id := range sortedKeys(r.logGroups) {
		if lg := r.logGroups[id]; lg.RetentionInDays() == nil {
			fail(lg, "log group %s has no retention", id)
		}
	}
	for _, id := range sortedKeys(r.queues) {
		q := r.queues[id]
		if !r.deadLetters[id] && path(r.resolve(q.RedrivePolicy()), "deadLetterTargetArn") == nil {
			fail(q, "queue %s has no dead-letter queue (redrive policy)", id)
		}
	}
	r.checkAsyncTargets()
	r.checkIAM()
}

// findDeadLetterTargets records every resource something sends its failures to.
func (r *policyRun) findDeadLetterTargets() {
	mark := func(arn any) {
		if id := refID(arn); id != "" {
			r.deadLetters[id] = true
		}
	}
	for _, q := range r.queues {
		mark(path(r.resolve(q.RedrivePolicy()), "deadLetterTargetArn"))
	}
	for _, m := range r.mappings {
		mark(path(r.resolve(m.DestinationConfig()), "onFailure", "destination"))
	}
	for _, rule := range r.rules {
		for _, t := range list(r.resolve(rule.Targets())) {
			mark(path(t, "deadLetterConfig", "arn"))
		}
	}
	for _, f := range r.functions {
		mark(path(r.resolve(f.DeadLetterConfig()), "targetArn"))
	}
	for _, ic := range r.invokes {
		mark(path(r.resolve(ic.DestinationConfig()), "onFailure", "destination"))
	}
}

func (r *policyRun) checkFunction(id string, f awslambda.CfnFunction) {
	if rt := f.Runtime(); (rt == nil || *rt != "provided.al2023") && !exempt(f, PolicyRuleRuntime) {
		fail(f, "function %s: runtime %v, want provided.al2023", id, r.resolve(f.Runtime()))
	}
	if arch := r.resolve(f.Architectures()); !slices.Equal(stringList(arch), []string{"arm64"}) && !exempt(f, PolicyRuleRuntime) {
		fail(f, "function %s: architectures %v, want [arm64]", id, arch)
	}
	if mode := path(r.resolve(f.TracingConfig()), "mode"); mode != "Active" && !exempt(f, PolicyRuleTracing) {
		fail(f, "function %s: tracing mode %v, want Active", id, mode)
	}
	logGroup := refID(path(r.resolve(f.LoggingConfig()), "logGroup"))
	if lg, ok := r.logGroups[logGroup]; !ok {
		fail(f, "function %s logs to no log group of the stack (LoggingConfig.LogGroup), so its retention is unknown", id)
	} else if lg.RetentionInDays() == nil {
		fail(f, "function %s logs to %s, which has no retention", id, logGroup)
	}
}

func (r *policyRun) checkAsyncTargets() {
	asyncFunctions := map[string]bool{}
	for _, id := range sortedKeys(r.rules) {
		rule := r.rules[id]
		for _, t := range list(r.resolve(rule.Targets())) {
			target := refID(path(t, "arn"))
			if path(t, "deadLetterConfig", "arn") == nil {
				fail(rule, "rule %s: target %v has no dead-letter queue", id, path(t, "id"))
			}
			if _, ok := r.functions[target]; ok {
				asyncFunctions[target] = true
			}
		}
	}
	invoked := map[string]bool{}
	for _, id := range sortedKeys(r.invokes) {
		ic := r.invokes[id]
		fn := refID(r.resolve(ic.FunctionName()))
		asyncFunctions[fn] = true
		if path(r.resolve(ic.DestinationConfig()), "onFailure", "destination") != nil {
			invoked[fn] = true
		}
	}
	for _, id := range sortedKeys(asyncFunctions) {
		f, ok := r.functions[id]
		if ok && !invoked[id] && path(r.resolve(f.DeadLetterConfig()), "targetArn") == nil {
			fail(f, "function %s is invoked asynchronously but has no DLQ or on-failure destination", id)
		}
	}
	for _, id := range sortedKeys(r.mappings) {
		m := r.mappings[id]
		source := refID(r.resolve(m.EventSourceArn()))
		if q, ok := r.queues[source]; ok {
			if path(r.resolve(q.RedrivePolicy()), "deadLetterTargetArn") == nil {
				fail(m, "event source mapping %s reads queue %s, which has no DLQ", id, source)
			}
			continue
		}
		if path(r.resolve(m.DestinationConfig()), "onFailure", "destination") == nil {
			fail(m, "event source mapping %s has no on-failure destination", id)
		}
	}
}

func (r *policyRun) checkIAM() {
	for _, id := range sortedKeys(r.policies) {
		r.checkDocument(r.policies[id], id, r.resolve(r.policies[id].PolicyDocument()))
	}
	for _, id := range sortedKeys(r.managed) {
		r.checkDocument(r.managed[id], id, r.resolve(r.managed[id].PolicyDocument()))
	}
	for _, id := range sortedKeys(r.roles) {
		for _, p := range list(r.resolve(r.roles[id].Policies())) {
			r.checkDocument(r.roles[id], id, path(p, "policyDocument"))
		}
	}
}

// checkDocument checks the Allow statements of an identity policy document.
func (r *policyRun) checkDocument(c constructs.IConstruct, id string, doc any) {
	for _, st := range list(path(doc, "Statement")) {
		if path(st, "Effect") != "Allow" {
			continue
		}
		actions := stringList(path(st, "Action"))
		for _, a := range actions {
			if a == "*" || strings.HasSuffix(a, ":*") {
				fail(c, "%s allows Action %q: name the actions", id, a)
			}
		}
		if !slices.Contains(stringList(path(st, "Resource")), "*") {
			continue
		}
		for _, a := range actions {
			if _, ok := WildcardResourceActions[a]; !ok && !exempt(c, PolicyRuleWildcard+":"+a) {
				fail(c, "%s allows %s on Resource \"*\": name the resources (only WildcardResourceActions may use *)", id, a)
			}
		}
	}
}

// path walks maps by keys; nil when a step is missing.
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// list is v as a list: nil, one element, or the elements.
func list(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

// stringList is v's string elements (a string or a list of them).
func stringList(v any) []string {
	var out []string
	for _, e := range list(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		} else {
			out = append(out, fmt.Sprint(e))
		}
	}
	return out
}

// refID is the logical ID a {"Ref": id} or {"Fn::GetAtt": [id, attr]} points at, else "".
func refID(v any) string {
	if id, ok := path(v, "Ref").(string); ok {
		return id
	}
	if ga, ok := path(v, "Fn::GetAtt").([]any); ok && len(ga) == 2 {
		id, _ := ga[0].(string)
		return id
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
