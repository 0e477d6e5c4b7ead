package template

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// This file evaluates CloudFormation intrinsic functions and conditions to local values.
//
// Resolved values use encoding/json's generic shapes, with numbers kept as json.Number so
// that "256" and 256 print the same: string, json.Number, bool, nil, []any, map[string]any.
// AWS::NoValue resolves to noValue, which lists and objects drop; a property that resolves to
// it is absent.

// noValueType is the type of noValue, the result of Ref AWS::NoValue.
type noValueType struct{}

var noValue any = noValueType{}

// loc is where a value sits in the template, for error messages.
type loc struct {
	resource string // logical ID; empty outside Resources
	path     string
}

func (l loc) key(k string) loc {
	if l.path == "" {
		return loc{l.resource, k}
	}
	return loc{l.resource, l.path + "." + k}
}

func (l loc) index(i int) loc { return l.key(strconv.Itoa(i)) }

// fail builds an *Error at l whose cause wraps kind.
func (l loc) fail(kind error, format string, args ...any) error {
	return &Error{Resource: l.resource, Path: l.path, Err: fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))}
}

// intrinsicCall reports whether m is an intrinsic function call: an object with exactly one
// key, "Ref" or "Fn::<name>".
func intrinsicCall(m map[string]any) (name string, arg any, ok bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, v, true
		}
	}
	return "", nil, false
}

// value resolves every intrinsic in v.
func (r *resolver) value(v any, at loc) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if name, arg, ok := intrinsicCall(v); ok {
			return r.call(name, arg, at.key(name))
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			rv, err := r.value(e, at.key(k))
			if err != nil {
				return nil, err
			}
			if rv != noValue {
				out[k] = rv
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for i, e := range v {
			rv, err := r.value(e, at.index(i))
			if err != nil {
				return nil, err
			}
			if rv != noValue {
				out = append(out, rv)
			}
		}
		return out, nil
	default:
		return v, nil
	}
}

// call evaluates one intrinsic function; at already ends in the function's name.
func (r *resolver) call(name string, arg any, at loc) (any, error) {
	switch name {
	case "Ref":
		s, ok := arg.(string)
		if !ok {
			return nil, at.fail(ErrInvalid, "Ref takes a name, got %s", describe(arg))
		}
		return r.ref(s, at)
	case "Fn::GetAtt":
		return r.getAttCall(arg, at)
	case "Fn::Join":
		return r.join(arg, at)
	case "Fn::Sub":
		return r.sub(arg, at)
	case "Fn::Select":
		return r.selectCall(arg, at)
	case "Fn::Split":
		return r.split(arg, at)
	case "Fn::If":
		return r.ifCall(arg, at)
	case "Fn::GetAZs":
		return r.getAZs(arg, at)
	case "Fn::FindInMap":
		return r.findInMap(arg, at)
	case "Fn::Base64":
		s, err := r.str(arg, at)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		return r.condCall(name, arg, at)
	case "Fn::Cidr":
		return r.cidr(arg, at)
	case "Fn::ImportValue":
		export := "(computed)"
		if s, err := r.str(arg, at); err == nil {
			export = strconv.Quote(s)
		}
		return nil, at.fail(ErrUnsupported, "Fn::ImportValue %s: other stacks' exports do not exist locally; "+
			"pass the value as a parameter instead", export)
	default:
		return nil, at.fail(ErrUnsupported, "intrinsic function %s", name)
	}
}

// str resolves v and requires a scalar, returned as a string.
func (r *resolver) str(v any, at loc) (string, error) {
	rv, err := r.value(v, at)
	if err != nil {
		return "", err
	}
	s, ok := scalar(rv)
	if !ok {
		return "", at.fail(ErrInvalid, "want a string, got %s", describe(rv))
	}
	return s, nil
}

// list resolves v and requires a list.
func (r *resolver) list(v any, at loc) ([]any, error) {
	rv, err := r.value(v, at)
	if err != nil {
		return nil, err
	}
	l, ok := rv.([]any)
	if !ok {
		return nil, at.fail(ErrInvalid, "want a list, got %s", describe(rv))
	}
	return l, nil
}

// args requires arg to be a literal list of n elements (the shape of most intrinsics).
func args(arg any, at loc, fn string, n int) ([]any, error) {
	l, ok := arg.([]any)
	if !ok || len(l) != n {
		return nil, at.fail(ErrInvalid, "%s takes a list of %d arguments, got %s", fn, n, describe(arg))
	}
	return l, nil
}

func (r *resolver) ref(name string, at loc) (any, error) {
	switch name {
	case "AWS::Region":
		return r.region, nil
	case "AWS::AccountId":
		return r.account, nil
	case "AWS::Partition":
		return r.partition, nil
	case "AWS::URLSuffix":
		return r.urlSuffix, nil
	case "AWS::StackName":
		return r.stackName, nil
	case "AWS::StackId":
		return r.stackID, nil
	case "AWS::NotificationARNs":
		return []any{}, nil
	case "AWS::NoValue":
		return noValue, nil
	}
	if _, ok := r.resources[name]; ok {
		return r.physicalRef(name, at)
	}
	if p, ok := r.params[name]; ok {
		return r.param(name, p, at)
	}
	return nil, at.fail(ErrUnknownReference, "Ref %s: no such resource, parameter or pseudo parameter", name)
}

// param is a parameter's local value: the override, else the Default. List types resolve
// to lists. SSM-backed types resolve to their Default as written (the SSM parameter's name),
// since there is no parameter store locally; give an override when that matters.
func (r *resolver) param(name string, p *parameter, at loc) (any, error) {
	v, ok := r.overrides[name]
	if !ok {
		if p.Default == nil {
			return nil, at.fail(ErrMissingParameter, "parameter %s has no Default; give it in Options.Parameters", name)
		}
		s, isScalar := scalar(p.Default)
		if !isScalar {
			return nil, at.fail(ErrInvalid, "parameter %s: Default must be a string, got %s", name, describe(p.Default))
		}
		v = s
	}
	if strings.Contains(p.Type, "List<") || strings.Contains(p.Type, "CommaDelimitedList") {
		out := []any{}
		for e := range strings.SplitSeq(v, ",") {
			out = append(out, strings.TrimSpace(e))
		}
		return out, nil
	}
	return v, nil
}

func (r *resolver) getAttCall(arg any, at loc) (any, error) {
	var id, attr string
	switch a := arg.(type) {
	case string:
		var ok bool
		if id, attr, ok = strings.Cut(a, "."); !ok {
			return nil, at.fail(ErrInvalid, "Fn::GetAtt %q: want \"LogicalId.Attribute\"", a)
		}
	case []any:
		if len(a) != 2 {
			return nil, at.fail(ErrInvalid, "Fn::GetAtt takes [LogicalId, Attribute], got %s", describe(arg))
		}
		s, ok := a[0].(string)
		if !ok {
			return nil, at.fail(ErrInvalid, "Fn::GetAtt: logical ID must be a string, got %s", describe(a[0]))
		}
		id = s
		// The attribute name may itself be a Ref to a parameter.
		var err error
		if attr, err = r.str(a[1], at.index(1)); err != nil {
			return nil, err
		}
	default:
		return nil, at.fail(ErrInvalid, "Fn::GetAtt takes [LogicalId, Attribute], got %s", describe(arg))
	}
	return r.getAtt(id, attr, at)
}

func (r *resolver) join(arg any, at loc) (any, error) {
	a, err := args(arg, at, "Fn::Join", 2)
	if err != nil {
		return nil, err
	}
	sep, err := r.str(a[0], at.index(0))
	if err != nil {
		return nil, err
	}
	items, err := r.list(a[1], at.index(1))
	if err != nil {
		return nil, err
	}
	parts := make([]string, 0, len(items))
	for i, item := range items {
		s, ok := scalar(item)
		if !ok {
			return nil, at.index(1).index(i).fail(ErrInvalid, "Fn::Join: want a string, got %s", describe(item))
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, sep), nil
}

func (r *resolver) sub(arg any, at loc) (any, error) {
	var format string
	var vars map[string]any
	switch a := arg.(type) {
	case string:
		format = a
	case []any:
		if len(a) != 2 {
			return nil, at.fail(ErrInvalid, "Fn::Sub takes a string or [string, {vars}], got %s", describe(arg))
		}
		s, ok := a[0].(string)
		m, okm := a[1].(map[string]any)
		if !ok || !okm {
			return nil, at.fail(ErrInvalid, "Fn::Sub takes a string or [string, {vars}], got %s", describe(arg))
		}
		format, vars = s, m
	default:
		return nil, at.fail(ErrInvalid, "Fn::Sub takes a string or [string, {vars}], got %s", describe(arg))
	}

	var b strings.Builder
	rest := format
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:i])
		rest = rest[i+2:]
		j := strings.IndexByte(rest, '}')
		if j < 0 {
			return nil, at.fail(ErrInvalid, "Fn::Sub %q: unterminated ${", format)
		}
		name := rest[:j]
		rest = rest[j+1:]
		if lit, ok := strings.CutPrefix(name, "!"); ok {
			b.WriteString("${" + lit + "}")
			continue
		}
		s, err := r.subVar(name, vars, at)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
}

// subVar is the value of ${name} in Fn::Sub: a variable given with the format, else a
// Ref (parameter, resource, pseudo parameter), else a GetAtt for "Resource.Attribute".
// Variables are resolved only when used.
func (r *resolver) subVar(name string, vars map[string]any, at loc) (string, error) {
	if v, ok := vars[name]; ok {
		return r.str(v, at.index(1).key(name))
	}
	var v any
	var err error
	if id, attr, ok := strings.Cut(name, "."); ok {
		v, err = r.getAtt(id, attr, at)
	} else {
		v, err = r.ref(name, at)
	}
	if err != nil {
		return "", err
	}
	s, ok := scalar(v)
	if !ok {
		return "", at.fail(ErrInvalid, "Fn::Sub ${%s}: want a string, got %s", name, describe(v))
	}
	return s, nil
}

func (r *resolver) selectCall(arg any, at loc) (any, error) {
	a, err := args(arg, at, "Fn::Select", 2)
	if err != nil {
		return nil, err
	}
	is, err := r.str(a[0], at.index(0))
	if err != nil {
		return nil, err
	}
	i, err := strconv.Atoi(is)
	if err != nil {
		return nil, at.index(0).fail(ErrInvalid, "Fn::Select: index %q is not an integer", is)
	}
	items, err := r.list(a[1], at.index(1))
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= len(items) {
		return nil, at.fail(ErrInvalid, "Fn::Select: index %d out of range for %d items", i, len(items))
	}
	return items[i], nil
}

func (r *resolver) split(arg any, at loc) (any, error) {
	a, err := args(arg, at, "Fn::Split", 2)
	if err != nil {
		return nil, err
	}
	sep, err := r.str(a[0], at.index(0))
	if err != nil {
		return nil, err
	}
	if sep == "" {
		return nil, at.index(0).fail(ErrInvalid, "Fn::Split: empty delimiter")
	}
	s, err := r.str(a[1], at.index(1))
	if err != nil {
		return nil, err
	}
	parts := strings.Split(s, sep)
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func (r *resolver) ifCall(arg any, at loc) (any, error) {
	a, err := args(arg, at, "Fn::If", 3)
	if err != nil {
		return nil, err
	}
	name, ok := a[0].(string)
	if !ok {
		return nil, at.index(0).fail(ErrInvalid, "Fn::If: condition name must be a string, got %s", describe(a[0]))
	}
	cond, err := r.condition(name, at.index(0))
	if err != nil {
		return nil, err
	}
	if cond {
		return r.value(a[1], at.index(1))
	}
	return r.value(a[2], at.index(2))
}

// getAZs returns three fixed zones, a to c, of the given region (empty: the model's region).
func (r *resolver) getAZs(arg any, at loc) (any, error) {
	region, err := r.str(arg, at)
	if err != nil {
		return nil, err
	}
	if region == "" {
		region = r.region
	}
	return []any{region + "a", region + "b", region + "c"}, nil
}

func (r *resolver) findInMap(arg any, at loc) (any, error) {
	a, err := args(arg, at, "Fn::FindInMap", 3)
	if err != nil {
		return nil, err
	}
	var keys [3]string
	for i := range keys {
		if keys[i], err = r.str(a[i], at.index(i)); err != nil {
			return nil, err
		}
	}
	top, ok := r.mappings[keys[0]].(map[string]any)
	if !ok {
		return nil, at.fail(ErrUnknownReference, "Fn::FindInMap: no mapping %s", keys[0])
	}
	second, ok := top[keys[1]].(map[string]any)
	if !ok {
		return nil, at.fail(ErrUnknownReference, "Fn::FindInMap: mapping %s has no key %s", keys[0], keys[1])
	}
	v, ok := second[keys[2]]
	if !ok {
		return nil, at.fail(ErrUnknownReference, "Fn::FindInMap: mapping %s.%s has no key %s", keys[0], keys[1], keys[2])
	}
	return r.value(v, loc{"", "Mappings." + strings.Join(keys[:], ".")})
}

// condition evaluates the named entry of the Conditions section, once.
func (r *resolver) condition(name string, at loc) (bool, error) {
	if v, ok := r.condValues[name]; ok {
		return v, nil
	}
	body, ok := r.conditions[name]
	if !ok {
		return false, at.fail(ErrUnknownReference, "condition %s is not defined", name)
	}
	if r.condBusy[name] {
		return false, at.fail(ErrInvalid, "condition %s depends on itself", name)
	}
	r.condBusy[name] = true
	defer delete(r.condBusy, name)
	v, err := r.cond(body, loc{"", "Conditions." + name})
	if err != nil {
		return false, err
	}
	r.condValues[name] = v
	return v, nil
}

// cond evaluates a condition expression: a condition function, {"Condition": name}, or
// anything that resolves to a boolean.
func (r *resolver) cond(v any, at loc) (bool, error) {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for k, arg := range m {
			switch k {
			case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
				return r.condCall(k, arg, at.key(k))
			case "Condition":
				name, ok := arg.(string)
				if !ok {
					return false, at.key(k).fail(ErrInvalid, "Condition takes a name, got %s", describe(arg))
				}
				return r.condition(name, at.key(k))
			}
		}
	}
	rv, err := r.value(v, at)
	if err != nil {
		return false, err
	}
	switch b := rv.(type) {
	case bool:
		return b, nil
	case string:
		switch b {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, at.fail(ErrInvalid, "want a condition, got %s", describe(rv))
}

// condCall evaluates a condition function; at ends in its name.
func (r *resolver) condCall(name string, arg any, at loc) (bool, error) {
	l, ok := arg.([]any)
	if !ok {
		return false, at.fail(ErrInvalid, "%s takes a list, got %s", name, describe(arg))
	}
	switch name {
	case "Fn::Equals":
		if len(l) != 2 {
			return false, at.fail(ErrInvalid, "Fn::Equals takes 2 values, got %d", len(l))
		}
		a, err := r.value(l[0], at.index(0))
		if err != nil {
			return false, err
		}
		b, err := r.value(l[1], at.index(1))
		if err != nil {
			return false, err
		}
		return reflect.DeepEqual(canonical(a), canonical(b)), nil
	case "Fn::Not":
		if len(l) != 1 {
			return false, at.fail(ErrInvalid, "Fn::Not takes 1 condition, got %d", len(l))
		}
		v, err := r.cond(l[0], at.index(0))
		return !v, err
	default: // Fn::And, Fn::Or
		if len(l) < 2 || len(l) > 10 {
			return false, at.fail(ErrInvalid, "%s takes 2 to 10 conditions, got %d", name, len(l))
		}
		// Evaluate every operand, like CloudFormation, so a bad one is reported even when
		// an earlier one decides the result.
		and := name == "Fn::And"
		result := and
		for i, c := range l {
			v, err := r.cond(c, at.index(i))
			if err != nil {
				return false, err
			}
			if and {
				result = result && v
			} else {
				result = result || v
			}
		}
		return result, nil
	}
}

// canonical turns scalars into strings, recursively, so Fn::Equals compares "1" and 1 equal.
func canonical(v any) any {
	if s, ok := scalar(v); ok {
		return s
	}
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = canonical(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = canonical(e)
		}
		return out
	}
	return v
}

// scalar formats a string, number or boolean as CloudFormation does when a string is needed.
func scalar(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int:
		return strconv.Itoa(v), true
	}
	return "", false
}

// describe names v's shape for error messages, showing short scalars.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case noValueType:
		return "AWS::NoValue"
	case string:
		if len(v) > 60 {
			return "a string"
		}
		return strconv.Quote(v)
	case []any:
		return fmt.Sprintf("a list of %d", len(v))
	case map[string]any:
		if len(v) == 1 {
			for k := range v {
				return fmt.Sprintf("an object {%q: ...}", k)
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if len(keys) > 4 {
			keys = append(keys[:4], "...")
		}
		return "an object {" + strings.Join(keys, ", ") + "}"
	}
	if s, ok := scalar(v); ok {
		return s
	}
	return fmt.Sprintf("%T", v)
}
