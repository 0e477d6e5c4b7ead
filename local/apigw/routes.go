package apigw

import (
	"fmt"
	"strings"
	"time"

	"github.com/microshop/microshop/local/template"
)

// defaultIntegrationTimeout is API Gateway's maximum and the template's default.
const defaultIntegrationTimeout = 30 * time.Second

// route is one template route, ready to serve.
type route struct {
	key      string // "GET /products/{id}", "$default"
	function string // function name for the Invoker
	timeout  time.Duration
	// auth is true when the route's AuthorizationType asks for an authorizer.
	auth bool
	src  *template.Route
	// rest is the REST API method the route serves (RestServer only).
	rest *template.RestMethod
	// params are the route's {name} segments; greedy the {name+} one, if any.
	params []pathParam
	greedy *pathParam
	// broken, when set, is why the route cannot be served: requests that select it get a 500
	// and the reason in the log, rather than silently falling through to another route.
	broken error

	// lambdaAuth is the Lambda authorizer of a CUSTOM route, if the API has it.
	lambdaAuth *httpLambdaAuthorizer
}

type pathParam struct {
	index int // segment index in the route's path
	name  string
}

// node is one segment position of the route trie. Children are tried literal first, then
// {param}, then greedy, which is API Gateway's "most specific route wins" order.
type node struct {
	literal map[string]*node
	param   *node
	greedy  methods // routes ending in {proxy+} right below this node
	end     methods // routes ending exactly at this node
}

// methods holds the routes of one path pattern by method.
type methods struct {
	exact map[string]*route
	any   *route
}

func (m *methods) lookup(method string) *route {
	if r, ok := m.exact[method]; ok {
		return r
	}
	return m.any
}

func (m *methods) add(method string, r *route) error {
	if method == "ANY" {
		if m.any != nil {
			return fmt.Errorf("route %q conflicts with %q", r.key, m.any.key)
		}
		m.any = r
		return nil
	}
	if prev, ok := m.exact[method]; ok {
		return fmt.Errorf("route %q conflicts with %q", r.key, prev.key)
	}
	if m.exact == nil {
		m.exact = map[string]*route{}
	}
	m.exact[method] = r
	return nil
}

// table is the compiled route table of one API.
type table struct {
	root node
	def  *route // the $default route, if any
}

// add compiles one route into the table.
func (t *table) add(r *route) error {
	src := r.src
	if r.key == "$default" {
		if t.def != nil {
			return fmt.Errorf("route %q: duplicate $default route", src.LogicalID)
		}
		t.def = r
		return nil
	}
	method, path := src.Method, src.Path
	if method == "" && path == "" {
		var ok bool
		method, path, ok = strings.Cut(r.key, " ")
		if !ok {
			return fmt.Errorf("route %q: invalid route key %q", src.LogicalID, r.key)
		}
	}
	method = strings.ToUpper(method)
	if method == "" || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("route %q: invalid route key %q", src.LogicalID, r.key)
	}
	n := &t.root
	segs := splitPath(path)
	for i, seg := range segs {
		name, greedy, isParam := parseVariable(seg)
		switch {
		case seg == "":
			return fmt.Errorf("route %q: empty path segment in %q", src.LogicalID, path)
		case isParam && name == "":
			return fmt.Errorf("route %q: invalid path variable %q", src.LogicalID, seg)
		case greedy:
			if i != len(segs)-1 {
				return fmt.Errorf("route %q: greedy path variable %q must be the last segment", src.LogicalID, seg)
			}
			r.greedy = &pathParam{index: i, name: name}
			return n.greedy.add(method, r)
		case isParam:
			r.params = append(r.params, pathParam{index: i, name: name})
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
		case strings.ContainsAny(seg, "{}"):
			return fmt.Errorf("route %q: invalid path segment %q", src.LogicalID, seg)
		default:
			child := n.literal[seg]
			if child == nil {
				if n.literal == nil {
					n.literal = map[string]*node{}
				}
				child = &node{}
				n.literal[seg] = child
			}
			n = child
		}
	}
	return n.end.add(method, r)
}

// parseVariable reports whether seg is "{name}" or "{name+}".
func parseVariable(seg string) (name string, greedy, ok bool) {
	if len(seg) < 2 || seg[0] != '{' || seg[len(seg)-1] != '}' {
		return "", false, false
	}
	name = seg[1 : len(seg)-1]
	if strings.HasSuffix(name, "+") {
		return name[:len(name)-1], true, true
	}
	return name, false, true
}

// splitPath splits an absolute path into segments: "/" gives none, "/a/b" gives [a b].
func splitPath(path string) []string {
	path = strings.TrimPrefix(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

// match selects the route for a method and a decoded path (stage prefix removed) and returns
// its path parameters (nil when it has none).
func (t *table) match(method, path string) (*route, map[string]string) {
	// API Gateway ignores one trailing slash when selecting a route.
	trimmed := path
	if len(trimmed) > 1 && trimmed[len(trimmed)-1] == '/' {
		trimmed = trimmed[:len(trimmed)-1]
	}
	segs := splitPath(trimmed)
	if r := t.root.match(segs, method); r != nil {
		return r, r.pathParameters(segs, path)
	}
	return t.def, nil
}

func (n *node) match(segs []string, method string) *route {
	if len(segs) == 0 {
		return n.end.lookup(method)
	}
	if child := n.literal[segs[0]]; child != nil {
		if r := child.match(segs[1:], method); r != nil {
			return r
		}
	}
	if n.param != nil && segs[0] != "" {
		if r := n.param.match(segs[1:], method); r != nil {
			return r
		}
	}
	if len(segs) == 1 && segs[0] == "" {
		return nil // a greedy variable needs at least one non-empty segment
	}
	return n.greedy.lookup(method)
}

// pathParameters extracts the route's variables from the request's segments. path is the
// untrimmed path, so a greedy variable keeps a trailing slash the client sent.
func (r *route) pathParameters(segs []string, path string) map[string]string {
	if len(r.params) == 0 && r.greedy == nil {
		return nil
	}
	p := make(map[string]string, len(r.params)+1)
	for _, v := range r.params {
		p[v.name] = segs[v.index]
	}
	if g := r.greedy; g != nil {
		off := 1 // leading slash
		for _, s := range segs[:g.index] {
			off += len(s) + 1
		}
		p[g.name] = path[off:]
	}
	return p
}
