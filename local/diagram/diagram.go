// Package diagram draws a synthesized CloudFormation template as a Mermaid flowchart: HTTP
// API routes to the functions they invoke, functions to the tables, queues and buses their
// environment names, event buses to rules to targets, queues and table streams to the
// functions their event source mappings feed, and dead-letter queues as dashed edges.
//
// The picture is derived from the same template the local runtime serves, so `make diagram`
// keeps the README's drawing true to the stack; see cmd/diagram.
package diagram

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/microshop/microshop/local/template"
)

// Node kinds, in the order their sections appear in the output.
const (
	kindFunction = iota
	kindTable
	kindBus
	kindRule
	kindQueue
	kindExternal
)

var kindNames = []string{"functions", "tables", "event buses", "rules", "queues", "outside the stack"}

type node struct {
	id, label string
	kind      int
}

type edge struct {
	from, to, label string
	dashed          bool
}

// drawing collects nodes and edges; it renders them sorted, so the output depends only on
// the template.
type drawing struct {
	m      *template.Model
	nodes  map[string]*node
	edges  map[edge]bool
	byARN  map[string]string // resolved ARN, URL or name -> node IDs
	byName map[string][]string
	apis   []*template.HTTPAPI
}

// Mermaid returns the template's stack as a Mermaid `flowchart LR`. Node IDs are the
// resources' logical IDs, so the output is stable across synths while the stack keeps its
// shape. References the local resolver cannot follow (an attribute it does not model, a
// resource left out by its condition) are dropped from the picture rather than failing it.
func Mermaid(m *template.Model) (string, error) {
	if m == nil {
		return "", errors.New("diagram: nil model")
	}
	d := &drawing{m: m, nodes: map[string]*node{}, edges: map[edge]bool{}, byARN: map[string]string{}, byName: map[string][]string{}}
	for _, add := range []func() error{d.addFunctions, d.addTables, d.addQueues, d.addBuses, d.addRoutes, d.addEnvironment, d.addRules, d.addMappings} {
		if err := add(); err != nil {
			return "", fmt.Errorf("diagram: %w", err)
		}
	}
	return d.render(), nil
}

// skippable reports whether err means "this reference cannot be drawn" rather than "the
// template is broken".
func skippable(err error) bool {
	return errors.Is(err, template.ErrUnknownReference) || errors.Is(err, template.ErrUnknownAttribute) || errors.Is(err, template.ErrUnsupported)
}

// str resolves a scalar property; "" when it is absent, not a scalar, or unresolvable.
func (d *drawing) str(id string, path ...string) (string, error) {
	v, err := d.m.Property(id, path...)
	if err != nil {
		if skippable(err) {
			return "", nil
		}
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case fmt.Stringer: // json.Number
		return v.String(), nil
	}
	return "", nil
}

func (d *drawing) addNode(id, label string, kind int, keys ...string) {
	d.nodes[id] = &node{id: id, label: label, kind: kind}
	for _, k := range keys {
		if k != "" {
			d.byARN[k] = id
		}
	}
}

func (d *drawing) addEdge(from, to, label string, dashed bool) {
	if from == "" || to == "" {
		return
	}
	d.edges[edge{from: from, to: to, label: label, dashed: dashed}] = true
}

func (d *drawing) addFunctions() error {
	for id, fn := range d.m.Functions {
		d.addNode(id, display(fn.Name, id), kindFunction, fn.ARN)
	}
	return nil
}

func (d *drawing) addTables() error {
	for _, t := range d.m.Tables {
		d.addNode(t.LogicalID, display(t.Name, t.LogicalID), kindTable, t.ARN, t.StreamARN)
		d.byName[t.Name] = append(d.byName[t.Name], t.LogicalID)
	}
	return nil
}

func (d *drawing) addQueues() error {
	for _, q := range d.m.Queues {
		d.addNode(q.LogicalID, display(q.Name, q.LogicalID), kindQueue, q.ARN, q.URL)
		d.byName[q.Name] = append(d.byName[q.Name], q.LogicalID)
	}
	// Dead-letter queues, once every queue is known.
	for _, q := range d.m.Queues {
		if q.RedrivePolicy != nil {
			d.addEdge(q.LogicalID, d.byARN[q.RedrivePolicy.DeadLetterTargetARN], "dead letters", true)
		}
	}
	return nil
}

const defaultBus = "default_bus" // not a logical ID: those are alphanumeric

func (d *drawing) addBuses() error {
	for _, b := range d.m.EventBuses {
		d.addNode(b.LogicalID, display(b.Name, b.LogicalID), kindBus, b.ARN)
		d.byName[b.Name] = append(d.byName[b.Name], b.LogicalID)
	}
	return nil
}

// bus finds the node of the bus an EventBusName names (name or ARN), adding the default bus
// or an outside bus when the template does not define it.
func (d *drawing) bus(nameOrARN string) string {
	if id, ok := d.byARN[nameOrARN]; ok {
		return id
	}
	if ids := d.byName[nameOrARN]; len(ids) == 1 && d.nodes[ids[0]].kind == kindBus {
		return ids[0]
	}
	name := nameOrARN
	if i := strings.LastIndex(name, "event-bus/"); i >= 0 {
		name = name[i+len("event-bus/"):]
	}
	if name == "" || name == "default" {
		d.addNode(defaultBus, "default", kindBus)
		return defaultBus
	}
	return d.external("bus " + name)
}

// external is a node for something outside the stack.
func (d *drawing) external(label string) string {
	id := "ext_" + nonID.ReplaceAllString(label, "_")
	d.addNode(id, label, kindExternal)
	return id
}

var nonID = regexp.MustCompile(`[^A-Za-z0-9]+`)

// addRoutes draws each HTTP API as a subgraph of its routes.
func (d *drawing) addRoutes() error {
	d.apis = d.m.APIs
	for _, api := range d.apis {
		for _, r := range api.Routes {
			if r.Function != "" {
				d.addEdge(r.LogicalID, r.Function, "", false)
				continue
			}
			// A service integration that sends to a queue (SQS-SendMessage).
			if r.Integration != "" {
				url, err := d.str(r.Integration, "RequestParameters", "QueueUrl")
				if err != nil {
					return err
				}
				d.addEdge(r.LogicalID, d.byARN[url], "", false)
			}
		}
	}
	return nil
}

// addEnvironment links a function to every table, queue and bus its environment names by
// resolved value: CDK passes a function its resources as names, ARNs or URLs.
func (d *drawing) addEnvironment() error {
	for id, fn := range d.m.Functions {
		for _, v := range fn.Environment {
			if to, ok := d.byARN[v]; ok && d.nodes[to].kind != kindFunction {
				d.addEdge(id, to, "", false)
				continue
			}
			for _, to := range d.byName[v] {
				d.addEdge(id, to, "", false)
			}
		}
	}
	return nil
}

func (d *drawing) addRules() error {
	for _, r := range d.m.Rules {
		label := display(r.Name, r.LogicalID)
		var p struct {
			DetailType []any `json:"detail-type"`
		}
		if json.Unmarshal(r.EventPattern, &p) == nil && len(p.DetailType) > 0 {
			var s []string
			for _, t := range p.DetailType {
				s = append(s, fmt.Sprint(t))
			}
			label += "<br/>" + strings.Join(s, ", ")
		}
		d.addNode(r.LogicalID, label, kindRule)
		d.addEdge(d.bus(r.EventBusName), r.LogicalID, "", false)
		for _, t := range r.Targets {
			to, ok := d.byARN[t.ARN]
			if !ok {
				to = d.external(arnLabel(t.ARN))
			}
			d.addEdge(r.LogicalID, to, "", false)
			d.addEdge(r.LogicalID, d.byARN[t.DeadLetterARN], "dead letters", true)
		}
	}
	return nil
}

// addMappings draws event source mappings as edges from the queue or table stream to the
// function, and their on-failure destinations as dashed edges.
func (d *drawing) addMappings() error {
	for _, m := range d.m.EventSourceMappings {
		fn := m.Function
		from := d.byARN[m.EventSourceARN]
		label := ""
		if from != "" && d.nodes[from].kind == kindTable {
			label = "stream"
		}
		d.addEdge(from, fn, label, false)
		d.addEdge(fn, d.byARN[m.OnFailureDestination], "on failure", true)
	}
	return nil
}

// hashSuffix is the 8-hex-digit suffix CDK appends to logical IDs.
var hashSuffix = regexp.MustCompile(`^(.+?)[0-9A-F]{8}$`)

// display labels a resource by its physical name, shortening a name that is only its CDK
// logical ID by dropping the hash. An empty name means the logical ID.
func display(name, logicalID string) string {
	if name == "" || name == logicalID {
		name = logicalID
		if m := hashSuffix.FindStringSubmatch(name); m != nil {
			return m[1]
		}
	}
	return name
}

// arnLabel is a short label for an ARN outside the stack: its service and resource.
func arnLabel(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	return parts[2] + " " + parts[5]
}

// escape makes s safe inside a quoted Mermaid label. <br/> is kept: labels use it for line
// breaks.
func escape(s string) string {
	s = strings.ReplaceAll(s, "<br/>", "\x00")
	s = strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
	return strings.ReplaceAll(s, "\x00", "<br/>")
}

// quote is a quoted Mermaid label.
func quote(s string) string { return `"` + escape(s) + `"` }

// shape wraps a quoted label in the node shape of its kind.
func shape(kind int, label string) string {
	q := quote(label)
	switch kind {
	case kindFunction:
		return "([" + q + "])"
	case kindTable:
		return "[(" + q + ")]"
	case kindBus:
		return "{{" + q + "}}"
	case kindRule:
		return ">" + q + "]"
	case kindQueue:
		return "[[" + q + "]]"
	}
	return "[/" + q + "/]"
}

func (d *drawing) render() string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, api := range d.apis {
		fmt.Fprintf(&b, "  subgraph %s[%s]\n", api.LogicalID, quote("HTTP API "+api.Name))
		for _, r := range api.Routes {
			fmt.Fprintf(&b, "    %s[%s]\n", r.LogicalID, quote(r.Key))
		}
		b.WriteString("  end\n")
	}
	nodes := slices.SortedFunc(func(yield func(*node) bool) {
		for _, n := range d.nodes {
			if !yield(n) {
				return
			}
		}
	}, func(a, b *node) int { return cmp.Or(cmp.Compare(a.kind, b.kind), strings.Compare(a.id, b.id)) })
	kind := -1
	for _, n := range nodes {
		if n.kind != kind {
			kind = n.kind
			fmt.Fprintf(&b, "  %%%% %s\n", kindNames[kind])
		}
		fmt.Fprintf(&b, "  %s%s\n", n.id, shape(n.kind, n.label))
	}
	edges := make([]edge, 0, len(d.edges))
	for e := range d.edges {
		edges = append(edges, e)
	}
	slices.SortFunc(edges, func(a, b edge) int {
		return cmp.Or(strings.Compare(a.from, b.from), strings.Compare(a.to, b.to), strings.Compare(a.label, b.label), boolCmp(a.dashed, b.dashed))
	})
	if len(edges) > 0 {
		b.WriteString("  %% edges\n")
	}
	for _, e := range edges {
		arrow := "-->"
		if e.dashed {
			arrow = "-.->"
		}
		if e.label != "" {
			fmt.Fprintf(&b, "  %s %s|%s| %s\n", e.from, arrow, quote(e.label), e.to)
		} else {
			fmt.Fprintf(&b, "  %s %s %s\n", e.from, arrow, e.to)
		}
	}
	return b.String()
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
