// Package sam expands an AWS SAM template (Transform: AWS::Serverless-2016-10-31) into the
// plain CloudFormation template AWS's own transform (aws-sam-translator) would produce, for the
// parts Go serverless apps use: Globals, AWS::Serverless::Function with its implicit role and
// its HttpApi, Api, SQS, DynamoDB, EventBridgeRule, Schedule and ScheduleV2 events,
// AWS::Serverless::SimpleTable, AWS::Serverless::HttpApi (with its JWT, Lambda and IAM
// authorizers, httpauth.go) and AWS::Serverless::Api (with its Cognito, Lambda and IAM
// authorizers, restauth.go). The
// generated logical IDs are the translator's (ServerlessRestApi, ServerlessHttpApi,
// <Function>Role, <Function><Event>Permission, ...), so templates can Ref and GetAtt them.
//
// It works on the generic tree package cfnyaml decodes (map[string]any, []any, string,
// json.Number, bool, nil). What it does not expand is reported as a warning, never dropped
// silently. Local differences from the translator are listed in docs/decisions.md ("YAML and
// SAM templates"): code is not uploaded (Code names the pseudo bucket LocalBucket and the
// CodeUri as key, and the function's Metadata.LocalRuntime says where the code is), IAM
// policies are accepted but not expanded, and the REST API deployment's hash is computed
// differently.
package sam

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// TransformName is the Transform value that marks a SAM template.
const TransformName = "AWS::Serverless-2016-10-31"

// LocalBucket is the S3 bucket name the generated functions' Code names: SAM's translator
// wants an uploaded s3:// CodeUri, devcloud runs the code from the folder instead (see
// Metadata.LocalRuntime.CodeUri).
const LocalBucket = "devcloud-local"

// ErrInvalid is wrapped by every error about a malformed SAM resource.
var ErrInvalid = errors.New("invalid SAM template")

// Options are what the transform needs to know about where the template lives.
type Options struct {
	// Dir is the template's folder. When set, a function whose CodeUri folder lies inside
	// the Go module around Dir (with no go.mod of its own) also gets
	// Metadata.LocalRuntime.GoPackage, the module-relative package path.
	Dir string
}

// Applies reports whether doc's Transform names the SAM transform (a string or a list).
func Applies(doc map[string]any) bool {
	switch t := doc["Transform"].(type) {
	case string:
		return t == TransformName
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && s == TransformName {
				return true
			}
		}
	}
	return false
}

// Transform expands the SAM resources of doc in place, removes Globals and the SAM
// Transform, and returns a warning for each feature it leaves out.
func Transform(doc map[string]any, opts Options) (warnings []string, err error) {
	resources, ok := doc["Resources"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: the template has no Resources section", ErrInvalid)
	}
	x := &expander{
		opts: opts, in: resources, out: map[string]any{},
		httpEvents: map[string][]httpEvent{}, restEvents: map[string][]httpEvent{},
		refs: map[string]string{},
	}
	globals, err := x.globals(doc["Globals"])
	if err != nil {
		return nil, err
	}
	x.global = globals

	// Non-SAM resources pass through; SAM ones are expanded in a fixed order so that the
	// first error and the warnings are the same on every run.
	ids := slices.Sorted(maps.Keys(resources))
	for _, id := range ids {
		res, ok := resources[id].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: resource %s is not an object", ErrInvalid, id)
		}
		typ, _ := res["Type"].(string)
		if !strings.HasPrefix(typ, "AWS::Serverless::") {
			x.out[id] = res
		}
	}
	for _, id := range ids {
		res := resources[id].(map[string]any)
		typ, _ := res["Type"].(string)
		var err error
		switch typ {
		case "AWS::Serverless::Function":
			err = x.function(id, res)
		case "AWS::Serverless::SimpleTable":
			err = x.simpleTable(id, res)
		case "AWS::Serverless::HttpApi", "AWS::Serverless::Api":
			// Expanded after the functions, which add their events' routes.
		default:
			if strings.HasPrefix(typ, "AWS::Serverless::") {
				x.warnf("resource %s: %s is not expanded by the local SAM transform; it does not exist locally", id, typ)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		res := resources[id].(map[string]any)
		switch res["Type"] {
		case "AWS::Serverless::HttpApi":
			if err := x.httpAPI(id, res); err != nil {
				return nil, err
			}
		case "AWS::Serverless::Api":
			if err := x.restAPI(id, res, false); err != nil {
				return nil, err
			}
		}
	}
	if len(x.httpEvents[implicitHTTPAPI]) > 0 {
		if err := x.httpAPI(implicitHTTPAPI, map[string]any{"Type": "AWS::Serverless::HttpApi"}); err != nil {
			return nil, err
		}
	}
	if len(x.restEvents[implicitRestAPI]) > 0 {
		if err := x.restAPI(implicitRestAPI, map[string]any{"Type": "AWS::Serverless::Api"}, true); err != nil {
			return nil, err
		}
	}
	for _, api := range slices.Sorted(maps.Keys(x.httpEvents)) {
		if api != implicitHTTPAPI && typeOf(resources[api]) != "AWS::Serverless::HttpApi" {
			return nil, fmt.Errorf("%w: HttpApi events name ApiId %s, which is not an AWS::Serverless::HttpApi of this template", ErrInvalid, api)
		}
	}
	for _, api := range slices.Sorted(maps.Keys(x.restEvents)) {
		if api != implicitRestAPI && typeOf(resources[api]) != "AWS::Serverless::Api" {
			return nil, fmt.Errorf("%w: Api events name RestApiId %s, which is not an AWS::Serverless::Api of this template", ErrInvalid, api)
		}
	}

	doc["Resources"] = x.out
	// SAM's own reference forms: !Ref MyApi.Stage and !Ref MyApi.Deployment name the API's
	// generated stage and deployment.
	for k, v := range doc {
		if k != "Resources" {
			doc[k] = x.rewriteRefs(v)
		}
	}
	for id, r := range x.out {
		x.out[id] = x.rewriteRefs(r)
	}
	delete(doc, "Globals")
	removeTransform(doc)
	return x.warnings, nil
}

// removeTransform drops the SAM transform from doc's Transform, and the key when it is
// left empty.
func removeTransform(doc map[string]any) {
	switch t := doc["Transform"].(type) {
	case string:
		delete(doc, "Transform")
	case []any:
		var rest []any
		for _, e := range t {
			if s, ok := e.(string); !ok || s != TransformName {
				rest = append(rest, e)
			}
		}
		if len(rest) == 0 {
			delete(doc, "Transform")
		} else {
			doc["Transform"] = rest
		}
	}
}

// expander holds one transform's state.
type expander struct {
	opts     Options
	in, out  map[string]any
	global   map[string]map[string]any // Globals by section: Function, Api, HttpApi, SimpleTable
	warnings []string
	// httpEvents and restEvents are the HttpApi and Api events by the API's logical ID.
	httpEvents, restEvents map[string][]httpEvent
	// refs maps SAM's "<Api>.Stage" and "<Api>.Deployment" to the generated logical IDs.
	refs map[string]string
	// shared is the SHARED usage plan being built (restkeys.go).
	shared *sharedPlan
}

// rewriteRefs replaces {"Ref": "<Api>.Stage"} (and .Deployment) with a Ref of the generated
// resource, everywhere in v.
func (x *expander) rewriteRefs(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if r, ok := t["Ref"].(string); ok && len(t) == 1 {
			if id, ok := x.refs[r]; ok {
				return map[string]any{"Ref": id}
			}
			return t
		}
		for k, e := range t {
			t[k] = x.rewriteRefs(e)
		}
	case []any:
		for i, e := range t {
			t[i] = x.rewriteRefs(e)
		}
	}
	return v
}

func (x *expander) warnf(format string, args ...any) {
	x.warnings = append(x.warnings, fmt.Sprintf(format, args...))
}

// globalSections are the Globals sections the local transform applies.
var globalSections = []string{"Function", "Api", "HttpApi", "SimpleTable"}

func (x *expander) globals(v any) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	if v == nil {
		return out, nil
	}
	g, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: Globals must be an object", ErrInvalid)
	}
	for _, section := range slices.Sorted(maps.Keys(g)) {
		props, ok := g[section].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: Globals.%s must be an object", ErrInvalid, section)
		}
		if !slices.Contains(globalSections, section) {
			x.warnf("Globals.%s is not applied by the local SAM transform", section)
			continue
		}
		out[section] = props
	}
	return out, nil
}

// withGlobals merges the Globals section into a resource's properties as SAM does: the
// resource's scalars win, objects merge key by key, lists are concatenated (Globals first).
// Intrinsic function calls count as scalars.
func (x *expander) withGlobals(section string, props map[string]any) map[string]any {
	g := x.global[section]
	if len(g) == 0 {
		return props
	}
	merged, _ := mergeGlobal(g, props).(map[string]any)
	return merged
}

func mergeGlobal(global, local any) any {
	gm, gok := global.(map[string]any)
	lm, lok := local.(map[string]any)
	if gok && lok && !isIntrinsic(gm) && !isIntrinsic(lm) {
		out := make(map[string]any, len(gm)+len(lm))
		maps.Copy(out, gm)
		for k, v := range lm {
			if gv, ok := gm[k]; ok {
				out[k] = mergeGlobal(gv, v)
			} else {
				out[k] = v
			}
		}
		return out
	}
	gl, gok := global.([]any)
	ll, lok := local.([]any)
	if gok && lok {
		return append(slices.Clone(gl), ll...)
	}
	if local == nil {
		return global
	}
	return local
}

// isIntrinsic reports whether m is an intrinsic function call ({"Ref": ...}, {"Fn::...": ...}).
func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

// add puts a generated resource into the output, carrying over the SAM resource's
// Condition and DependsOn as the translator does.
func (x *expander) add(id string, typ string, props map[string]any, from map[string]any) error {
	if _, taken := x.out[id]; taken {
		return fmt.Errorf("%w: the generated resource %s collides with a resource of the template", ErrInvalid, id)
	}
	res := map[string]any{"Type": typ, "Properties": props}
	if from != nil {
		for _, k := range []string{"Condition", "DeletionPolicy", "UpdateReplacePolicy"} {
			if v, ok := from[k]; ok {
				res[k] = v
			}
		}
	}
	x.out[id] = res
	return nil
}

// copyProps copies the named properties that are present from src to dst.
func copyProps(dst, src map[string]any, names ...string) {
	for _, n := range names {
		if v, ok := src[n]; ok {
			dst[n] = v
		}
	}
}

// unknownProps warns about properties of a SAM resource or event the local transform does
// not expand.
func (x *expander) unknownProps(what string, props map[string]any, known ...string) {
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if !slices.Contains(known, k) {
			x.warnf("%s: property %s is not expanded by the local SAM transform", what, k)
		}
	}
}

// dropNoValue removes the properties set to {"Ref": "AWS::NoValue"}, as the translator
// does before it reads them (a Globals value can be cleared that way).
func dropNoValue(props map[string]any) {
	for k, v := range props {
		if m, ok := v.(map[string]any); ok && len(m) == 1 && m["Ref"] == "AWS::NoValue" {
			delete(props, k)
		}
	}
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

// properties returns resource id's Properties (empty when it has none) merged over the
// template's Globals of kind, without AWS::NoValue, warning once about each name not in known.
func (x *expander) properties(id string, res map[string]any, kind string, known ...string) (map[string]any, error) {
	what := "resource " + id
	props, err := object(what, res, "Properties")
	if err != nil {
		return nil, err
	}
	if props == nil {
		props = map[string]any{}
	}
	props = x.withGlobals(kind, props)
	dropNoValue(props)
	x.unknownProps(what, props, known...)
	return props, nil
}

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// samTags is the tag list the translator gives generated functions and roles: the
// resource's Tags (an object) followed by lambda:createdBy=SAM.
func samTags(tags any) []any {
	out := []any{}
	if m, ok := tags.(map[string]any); ok {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			out = append(out, map[string]any{"Key": k, "Value": m[k]})
		}
	}
	return append([]any{map[string]any{"Key": "lambda:createdBy", "Value": "SAM"}}, out...)
}

// typeOf is a resource's Type; "" when res is not a resource.
func typeOf(res any) string {
	m, _ := res.(map[string]any)
	t, _ := m["Type"].(string)
	return t
}

// str returns v as a string when it is one.
func str(v any) string {
	s, _ := v.(string)
	return s
}

// object returns props[key] as an object, nil when absent; an error when it has another shape.
func object(what string, props map[string]any, key string) (map[string]any, error) {
	v, ok := props[key]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s: %s must be an object", ErrInvalid, what, key)
	}
	return m, nil
}
