package eventbus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// transformer computes a target's input from an event: the event itself, a constant
// (Input), a part of it (InputPath) or a template (InputTransformer).
type transformer struct {
	input    []byte
	path     *jsonPath
	vars     map[string]*jsonPath
	template string
}

// Predefined InputTransformer variables.
const (
	varRuleARN       = "aws.events.rule-arn"
	varRuleName      = "aws.events.rule-name"
	varIngestionTime = "aws.events.event.ingestion-time"
	varEvent         = "aws.events.event"
	varEventJSON     = "aws.events.event.json"
)

func compileTransform(t Target) (*transformer, error) {
	set := 0
	for _, b := range []bool{t.Input != "", t.InputPath != "", t.InputTransformer != nil} {
		if b {
			set++
		}
	}
	if set > 1 {
		return nil, fmt.Errorf("only one of Input, InputPath, or InputTransformer must be provided: %w", ErrInvalid)
	}
	tr := &transformer{}
	switch {
	case t.Input != "":
		if !json.Valid([]byte(t.Input)) {
			return nil, fmt.Errorf("target input is not valid JSON: %w", ErrInvalid)
		}
		tr.input = []byte(t.Input)
	case t.InputPath != "":
		p, err := parseJSONPath(t.InputPath)
		if err != nil {
			return nil, err
		}
		tr.path = p
	case t.InputTransformer != nil:
		if t.InputTransformer.InputTemplate == "" {
			return nil, fmt.Errorf("input transformer without a template: %w", ErrInvalid)
		}
		tr.vars = map[string]*jsonPath{}
		for name, path := range t.InputTransformer.InputPathsMap {
			if strings.HasPrefix(name, "aws.") {
				return nil, fmt.Errorf("InputPathsMap variable %q uses the reserved prefix aws.: %w", name, ErrInvalid)
			}
			p, err := parseJSONPath(path)
			if err != nil {
				return nil, fmt.Errorf("InputPathsMap variable %s: %w", name, err)
			}
			tr.vars[name] = p
		}
		tr.template = t.InputTransformer.InputTemplate
	}
	return tr, nil
}

// apply returns the payload for the target.
func (tr *transformer) apply(ev *ingested, r *rule) ([]byte, error) {
	switch {
	case tr.input != nil:
		return tr.input, nil
	case tr.path != nil:
		if tr.path.root() {
			return ev.raw, nil
		}
		if tr.path.isDetail() {
			return ev.detail, nil
		}
		v, ok := tr.path.eval(ev.decoded)
		if !ok {
			return []byte("null"), nil
		}
		return marshal(v)
	case tr.template != "":
		return tr.render(ev, r)
	default:
		return ev.raw, nil
	}
}

var placeholder = regexp.MustCompile(`<([^<>"\s]+)>`)

// render fills the template's placeholders as EventBridge does: inside a JSON string a
// value is inserted as text (strings without their quotes, escaped); elsewhere as JSON
// (strings quoted). aws.events.event and aws.events.event.json are inserted unescaped. A
// path missing from the event gives an empty string inside quotes and null elsewhere.
func (tr *transformer) render(ev *ingested, r *rule) ([]byte, error) {
	var out bytes.Buffer
	tpl := tr.template
	inString := false
	last := 0
	for _, loc := range placeholder.FindAllStringSubmatchIndex(tpl, -1) {
		inString = quoteState(tpl[last:loc[0]], inString)
		out.WriteString(tpl[last:loc[0]])
		last = loc[1]
		name := tpl[loc[2]:loc[3]]
		if err := tr.insert(&out, name, ev, r, inString); err != nil {
			return nil, err
		}
		if !tr.known(name) {
			out.WriteString(tpl[loc[0]:loc[1]])
		}
	}
	out.WriteString(tpl[last:])
	return out.Bytes(), nil
}

func (tr *transformer) known(name string) bool {
	switch name {
	case varRuleARN, varRuleName, varIngestionTime, varEvent, varEventJSON:
		return true
	}
	_, ok := tr.vars[name]
	return ok
}

// quoteState returns whether the text after s is inside a JSON string, given the state
// before it.
func quoteState(s string, in bool) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if in {
				i++
			}
		case '"':
			in = !in
		}
	}
	return in
}

func (tr *transformer) insert(out *bytes.Buffer, name string, ev *ingested, r *rule, inString bool) error {
	var v any
	present := true
	switch name {
	case varEvent:
		out.Write(eventWithoutDetail(ev))
		return nil
	case varEventJSON:
		out.Write(ev.raw)
		return nil
	case varRuleARN:
		v = r.arn
	case varRuleName:
		v = r.Name
	case varIngestionTime:
		v = ev.ingest.UTC().Format(time.RFC3339)
	default:
		p, ok := tr.vars[name]
		if !ok {
			return nil // not a variable: render leaves it as written
		}
		v, present = p.eval(ev.decoded)
	}
	if !present {
		if !inString {
			out.WriteString("null")
		}
		return nil
	}
	if s, ok := v.(string); ok && inString {
		b, _ := marshal(s)
		out.Write(b[1 : len(b)-1])
		return nil
	}
	b, err := marshal(v)
	if err != nil {
		return err
	}
	if inString {
		q, _ := marshal(string(b))
		b = q[1 : len(q)-1]
	}
	out.Write(b)
	return nil
}

func eventWithoutDetail(ev *ingested) []byte {
	m, ok := ev.decoded.(map[string]any)
	if !ok {
		return ev.raw
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		if k != "detail" {
			c[k] = v
		}
	}
	b, _ := marshal(c)
	return b
}

// marshal is json.Marshal without HTML escaping: targets get "<", not "\u003c".
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// jsonPath is the JSONPath subset EventBridge supports: $, .name, ['name'], [index] and
// the wildcards .* and [*]. Names may hold letters, digits, '-', '_' and '/'.
type jsonPath struct {
	src   string
	steps []step
}

type step struct {
	name  string
	index int // -1 when the step is a name
	all   bool
}

var pathName = regexp.MustCompile(`^[A-Za-z0-9_\-/$@:]+`)

func parseJSONPath(src string) (*jsonPath, error) {
	bad := func() (*jsonPath, error) {
		return nil, fmt.Errorf("JSONPath %q is not supported: %w", src, ErrInvalid)
	}
	if !strings.HasPrefix(src, "$") {
		return bad()
	}
	p := &jsonPath{src: src}
	rest := src[1:]
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, ".*"):
			p.steps = append(p.steps, step{index: -1, all: true})
			rest = rest[2:]
		case strings.HasPrefix(rest, "."):
			n := pathName.FindString(rest[1:])
			if n == "" {
				return bad()
			}
			p.steps = append(p.steps, step{name: n, index: -1})
			rest = rest[1+len(n):]
		case strings.HasPrefix(rest, "[*]"):
			p.steps = append(p.steps, step{index: -1, all: true})
			rest = rest[3:]
		case strings.HasPrefix(rest, "['"):
			end := strings.Index(rest, "']")
			if end < 0 {
				return bad()
			}
			p.steps = append(p.steps, step{name: rest[2:end], index: -1})
			rest = rest[end+2:]
		case strings.HasPrefix(rest, "["):
			end := strings.Index(rest, "]")
			i, err := strconv.Atoi(rest[1:max(end, 1)])
			if end < 0 || err != nil || i < 0 {
				return bad()
			}
			p.steps = append(p.steps, step{index: i})
			rest = rest[end+1:]
		default:
			return bad()
		}
	}
	return p, nil
}

func (p *jsonPath) root() bool { return len(p.steps) == 0 }

func (p *jsonPath) isDetail() bool {
	return len(p.steps) == 1 && p.steps[0].name == "detail" && !p.steps[0].all
}

// eval returns the value at the path; with a wildcard, the list of values found.
func (p *jsonPath) eval(v any) (any, bool) {
	cur := []any{v}
	wild := false
	for _, s := range p.steps {
		var next []any
		for _, c := range cur {
			switch {
			case s.all:
				wild = true
				switch c := c.(type) {
				case []any:
					next = append(next, c...)
				case map[string]any:
					for _, k := range slices.Sorted(maps.Keys(c)) {
						next = append(next, c[k])
					}
				}
			case s.index >= 0:
				if a, ok := c.([]any); ok && s.index < len(a) {
					next = append(next, a[s.index])
				}
			default:
				if m, ok := c.(map[string]any); ok {
					if e, ok := m[s.name]; ok {
						next = append(next, e)
					}
				}
			}
		}
		cur = next
	}
	if wild {
		return cur, len(cur) > 0
	}
	if len(cur) == 0 {
		return nil, false
	}
	return cur[0], true
}
