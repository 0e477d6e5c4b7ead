// Package cfnyaml decodes a CloudFormation template written in JSON or YAML into
// encoding/json's generic shapes (map[string]any, []any, string, json.Number, bool, nil),
// with YAML's short-form intrinsic tags (!Ref, !GetAtt, !Sub, ...) turned into their long
// JSON forms ({"Ref": ...}, {"Fn::GetAtt": [...]}, {"Fn::Sub": ...}), so one resolver reads
// both. Numbers keep their text, as json.Decoder.UseNumber does.
package cfnyaml

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrSyntax is wrapped by every error Decode returns for a document that is neither valid
// JSON nor valid YAML, or that uses a tag or shape CloudFormation rejects.
var ErrSyntax = errors.New("template syntax")

// shortForms maps each short-form tag to the long form's key. !GetAtt and !Condition have
// their own handling of the argument as well.
var shortForms = map[string]string{
	"!Ref":          "Ref",
	"!Condition":    "Condition",
	"!GetAtt":       "Fn::GetAtt",
	"!Sub":          "Fn::Sub",
	"!Join":         "Fn::Join",
	"!If":           "Fn::If",
	"!Select":       "Fn::Select",
	"!Split":        "Fn::Split",
	"!FindInMap":    "Fn::FindInMap",
	"!Equals":       "Fn::Equals",
	"!And":          "Fn::And",
	"!Or":           "Fn::Or",
	"!Not":          "Fn::Not",
	"!ImportValue":  "Fn::ImportValue",
	"!GetAZs":       "Fn::GetAZs",
	"!Base64":       "Fn::Base64",
	"!Cidr":         "Fn::Cidr",
	"!Transform":    "Fn::Transform",
	"!Length":       "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
}

// Tags lists the short-form tags Decode understands, for documentation and tests.
func Tags() []string {
	out := make([]string, 0, len(shortForms))
	for t := range shortForms {
		out = append(out, t)
	}
	return out
}

// Decode parses a template. A document whose first non-blank character is '{' is read as
// JSON (so JSON templates behave exactly as before); anything else as YAML.
func Decode(data []byte) (any, error) {
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: not a JSON template: %v", ErrSyntax, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%w: not a JSON template: data after the top-level object", ErrSyntax)
		}
		return v, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: not a YAML or JSON template: %v", ErrSyntax, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, fmt.Errorf("%w: the template is empty", ErrSyntax)
	}
	d := &decoder{}
	return d.convert(root.Content[0], 0)
}

// Limits on what a document may expand to: its nesting, and the number of values once its
// aliases are expanded (a "billion laughs" document is refused, not expanded).
const (
	maxDepth  = 200
	maxValues = 1 << 20
)

// decoder converts one document's nodes, counting the values it makes.
type decoder struct{ values int }

func (d *decoder) convert(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fail(n, "nested more than %d levels deep", maxDepth)
	}
	if d.values++; d.values > maxValues {
		return nil, fail(n, "more than %d values once aliases are expanded", maxValues)
	}
	if n.Kind == yaml.AliasNode {
		return d.convert(n.Alias, depth+1)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return d.shortForm(n, depth)
	}
	return d.plain(n, depth)
}

// plain converts a node without a short-form tag.
func (d *decoder) plain(n *yaml.Node, depth int) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return d.convert(n.Content[0], depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := d.convert(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		if err := d.mapping(n, out, depth); err != nil {
			return nil, err
		}
		return out, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fail(n, "unexpected YAML node")
}

// mapping adds n's pairs to out, expanding merge keys ("<<: *base") first so the mapping's
// own keys win, as YAML specifies.
func (d *decoder) mapping(n *yaml.Node, out map[string]any, depth int) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			srcs := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				srcs = v.Content
			}
			for _, s := range srcs {
				for s.Kind == yaml.AliasNode {
					s = s.Alias
				}
				if s.Kind != yaml.MappingNode {
					return fail(s, "a merge key (<<) takes a mapping")
				}
				merged := map[string]any{}
				if err := d.mapping(s, merged, depth+1); err != nil {
					return err
				}
				for mk, mv := range merged {
					if _, own := out[mk]; !own {
						out[mk] = mv
					}
				}
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return fail(k, "a key must be a scalar")
		}
		if seen[k.Value] {
			return fail(k, "duplicate key %q", k.Value)
		}
		seen[k.Value] = true
		val, err := d.convert(v, depth+1)
		if err != nil {
			return err
		}
		out[k.Value] = val
	}
	return nil
}

// scalar maps YAML's resolved scalar types onto JSON's: numbers keep their text as a
// json.Number, dates and other types stay strings as written.
func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fail(n, "%v", err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			// Too large for int64: keep the text when it is a JSON number.
			if json.Valid([]byte(n.Value)) {
				return json.Number(n.Value), nil
			}
			return nil, fail(n, "%v", err)
		}
		return json.Number(strconv.FormatInt(i, 10)), nil
	case "!!float":
		if json.Valid([]byte(n.Value)) {
			return json.Number(n.Value), nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fail(n, "%v", err)
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	default: // !!str, !!timestamp, !!binary: CloudFormation reads them as strings
		return n.Value, nil
	}
}

// shortForm turns "!Name arg" into {"Fn::Name": arg} (or {"Ref": arg}, {"Condition": arg}).
func (d *decoder) shortForm(n *yaml.Node, depth int) (any, error) {
	key, ok := shortForms[n.Tag]
	if !ok {
		return nil, fail(n, "unknown tag %s (CloudFormation's short forms are !Ref, !GetAtt, !Sub, !Join, !If, ...)", n.Tag)
	}
	// The argument is the node without its tag.
	bare := *n
	bare.Tag = ""
	if n.Kind == yaml.ScalarNode {
		// An untagged plain scalar resolves by its text (5 is a number); a quoted one is a
		// string. Re-resolve as YAML would have without the tag.
		bare.Tag = resolveTag(n)
		if n.Value == "" && n.Style == 0 {
			bare.Tag = "!!str" // "!GetAZs" with nothing after it is !GetAZs ""
		}
	}
	arg, err := d.plain(&bare, depth+1)
	if err != nil {
		return nil, err
	}
	switch n.Tag {
	case "!GetAtt":
		// "!GetAtt Resource.Attribute" splits at the first dot; the list form is kept.
		if s, ok := arg.(string); ok {
			id, attr, ok := strings.Cut(s, ".")
			if !ok {
				return nil, fail(n, "!GetAtt %q: want Resource.Attribute", s)
			}
			arg = []any{id, attr}
		}
	case "!Ref", "!Condition":
		if _, ok := arg.(string); !ok {
			return nil, fail(n, "%s takes a name", n.Tag)
		}
	}
	return map[string]any{key: arg}, nil
}

// resolveTag is the tag YAML would give a scalar written without an explicit tag.
func resolveTag(n *yaml.Node) string {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return "!!str"
	}
	var probe yaml.Node
	if err := yaml.Unmarshal([]byte(n.Value), &probe); err == nil && len(probe.Content) == 1 &&
		probe.Content[0].Kind == yaml.ScalarNode {
		return probe.Content[0].ShortTag()
	}
	return "!!str"
}

func fail(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%w: line %d column %d: %s", ErrSyntax, n.Line, n.Column, fmt.Sprintf(format, args...))
}
