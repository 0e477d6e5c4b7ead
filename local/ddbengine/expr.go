package ddbengine

import (
	"strconv"
	"strings"
)

// This file parses condition, key condition, filter, update and projection expressions with
// DynamoDB's grammar. The parsers are hand-written PEG parsers: alternatives are tried in
// order with backtracking, and semantic checks record the first error of each category, then
// report categories in DynamoDB's priority order, which is how DynamoDB (and dynalite, the
// reference implementation we test against) choose which message to return.

// pathElem is one step of a document path: an attribute/map key or a list index.
type pathElem struct {
	name  string
	idx   int
	isIdx bool
	raw   bool // condition grammar: not yet checked/resolved (#name or plain name)
}

type docPath []pathElem

func (p docPath) String() string {
	parts := make([]string, len(p))
	for i, e := range p {
		if e.isIdx {
			parts[i] = "[" + strconv.Itoa(e.idx) + "]"
		} else {
			parts[i] = e.name
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (p docPath) equal(q docPath) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// node is an expression tree node.
type node struct {
	op       string // or and not = <> < <= > >= between in function path value add subtract
	name     string // function name
	args     []*node
	path     docPath
	val      *AV
	attrType string
}

// exprCtx holds the placeholders shared by all expressions of one request.
type exprCtx struct {
	names       map[string]string
	vals        map[string]*AV
	unusedNames []string
	unusedVals  []string
	usedNames   map[string]bool
	usedVals    map[string]bool
}

func (c *exprCtx) resolveName(n string) (string, bool) {
	v, ok := c.names[n]
	if !ok || v == "" {
		return "", false
	}
	c.usedNames[n] = true
	return v, true
}

func (c *exprCtx) resolveVal(n string) (*AV, bool) {
	v, ok := c.vals[n]
	if !ok || v == nil {
		return nil, false
	}
	c.usedVals[n] = true
	return v, true
}

type grammar int

const (
	gCond grammar = iota
	gUpdate
	gProj
)

// parser is shared by the three grammars.
type parser struct {
	s       string
	pos     int
	g       grammar
	ctx     *exprCtx
	errs    map[string]string
	maxFail int

	nestedPaths map[string]bool
	pathHeads   map[string]bool

	// update/projection state
	paths    []docPath
	sections map[string]bool
}

func newParser(s string, g grammar, ctx *exprCtx) *parser {
	return &parser{s: s, g: g, ctx: ctx, errs: map[string]string{}, nestedPaths: map[string]bool{}, pathHeads: map[string]bool{}, sections: map[string]bool{}}
}

func (p *parser) setErr(cat, msg string) {
	if _, ok := p.errs[cat]; !ok {
		p.errs[cat] = msg
	}
}

func (p *parser) fail() {
	if p.pos > p.maxFail {
		p.maxFail = p.pos
	}
}

func (p *parser) ws() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) lit(l string) bool {
	if strings.HasPrefix(p.s[p.pos:], l) {
		p.pos += len(l)
		return true
	}
	p.fail()
	return false
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isAttrPart(c byte) bool { return isIdentPart(c) || c == '#' || c == ':' }

// keyword matches a case-insensitive keyword not followed by an attribute character.
func (p *parser) keyword(k string) bool {
	if len(p.s)-p.pos >= len(k) && strings.EqualFold(p.s[p.pos:p.pos+len(k)], k) {
		if p.pos+len(k) < len(p.s) && isAttrPart(p.s[p.pos+len(k)]) {
			p.fail()
			return false
		}
		p.pos += len(k)
		return true
	}
	p.fail()
	return false
}

func (p *parser) reservedAhead() bool {
	var words []string
	switch p.g {
	case gCond:
		words = []string{"BETWEEN", "IN", "AND", "OR", "NOT"}
	case gUpdate:
		words = []string{"SET", "REMOVE", "ADD", "DELETE"}
	}
	save, mf := p.pos, p.maxFail
	for _, w := range words {
		if p.keyword(w) {
			p.pos, p.maxFail = save, mf
			return true
		}
	}
	p.pos, p.maxFail = save, mf
	return false
}

// identifier parses a plain name (checked against the reserved words) or a #name.
func (p *parser) identifier() (pathElem, bool) {
	if !p.reservedAhead() && p.pos < len(p.s) && isIdentStart(p.s[p.pos]) {
		st := p.pos
		for p.pos < len(p.s) && isIdentPart(p.s[p.pos]) {
			p.pos++
		}
		name := p.s[st:p.pos]
		if p.g == gCond {
			return pathElem{name: name, raw: true}, true
		}
		if isReserved(name) {
			p.setErr("reserved", "Attribute name is a reserved keyword; reserved keyword: "+name)
		}
		return pathElem{name: name}, true
	}
	p.fail()
	if p.pos < len(p.s) && p.s[p.pos] == '#' {
		st := p.pos
		p.pos++
		for p.pos < len(p.s) && isIdentPart(p.s[p.pos]) {
			p.pos++
		}
		name := p.s[st:p.pos]
		if p.g == gCond {
			return pathElem{name: name, raw: true}, true
		}
		return pathElem{name: p.resolveNameRef(name)}, true
	}
	p.fail()
	return pathElem{}, false
}

func (p *parser) resolveNameRef(name string) string {
	cat := "attrNameVal"
	if p.g == gUpdate {
		cat = "attrName"
	}
	if _, set := p.errs[cat]; set {
		return ""
	}
	v, ok := p.ctx.resolveName(name)
	if !ok {
		p.setErr(cat, "An expression attribute name used in the document path is not defined; attribute name: "+name)
	}
	return v
}

// resolvePath runs the condition grammar's path action: reserved words and #names are
// checked only once a path has been parsed as an operand.
func (p *parser) resolvePath(path docPath) docPath {
	out := make(docPath, len(path))
	for i, e := range path {
		if e.raw {
			if strings.HasPrefix(e.name, "#") {
				e.name = p.resolveNameRef(e.name)
			} else if isReserved(e.name) {
				p.setErr("reserved", "Attribute name is a reserved keyword; reserved keyword: "+e.name)
			}
			e.raw = false
		}
		out[i] = e
	}
	if len(out) > 1 {
		p.nestedPaths[out[0].name] = true
	}
	p.pathHeads[out[0].name] = true
	return out
}

func (p *parser) attrValue() (*node, bool) {
	if p.reservedAhead() || p.pos >= len(p.s) || p.s[p.pos] != ':' {
		p.fail()
		return nil, false
	}
	st := p.pos
	p.pos++
	for p.pos < len(p.s) && isIdentPart(p.s[p.pos]) {
		p.pos++
	}
	name := p.s[st:p.pos]
	cat := "attrNameVal"
	if p.g == gUpdate {
		cat = "attrVal"
	}
	if _, set := p.errs[cat]; set {
		return &node{op: "value"}, true
	}
	v, ok := p.ctx.resolveVal(name)
	if !ok {
		p.setErr(cat, "An expression attribute value used in expression is not defined; attribute value: "+name)
	}
	return &node{op: "value", val: v}, true
}

// pathExpr parses a document path.
func (p *parser) pathExpr() (docPath, bool) {
	var head docPath
	start := p.pos
	if e, ok := p.identifier(); ok {
		head = docPath{e}
	} else if p.g == gCond {
		p.pos = start
		if inner, ok := redundantParens(p, p.pathExpr); ok {
			head = inner
		} else if inner, ok := parens(p, p.pathExpr); ok {
			head = inner
		} else {
			return nil, false
		}
	} else {
		return nil, false
	}
	for {
		save := p.pos
		p.ws()
		if p.pos < len(p.s) && p.s[p.pos] == '[' {
			p.pos++
			p.ws()
			ds := p.pos
			for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
				p.pos++
			}
			if ds == p.pos {
				p.fail()
				p.pos = save
				break
			}
			n, _ := strconv.Atoi(p.s[ds:p.pos])
			p.ws()
			if !p.lit("]") {
				p.pos = save
				break
			}
			head = append(head, pathElem{idx: n, isIdx: true})
			continue
		}
		p.fail()
		if p.pos < len(p.s) && p.s[p.pos] == '.' {
			p.pos++
			p.ws()
			e, ok := p.identifier()
			if !ok {
				p.pos = save
				break
			}
			head = append(head, e)
			continue
		}
		p.fail()
		p.pos = save
		break
	}
	if p.g != gCond {
		if len(head) > 1 {
			p.nestedPaths[head[0].name] = true
		}
		p.pathHeads[head[0].name] = true
	}
	return head, true
}

// ---- condition grammar ----

func (p *parser) orExpr() (*node, bool) { return p.logical("OR", p.andExpr) }

func (p *parser) andExpr() (*node, bool) { return p.logical("AND", p.notExpr) }

// logical parses the right-associative chain operand [kw operand]... of AND or OR.
func (p *parser) logical(kw string, operand func() (*node, bool)) (*node, bool) {
	start := p.pos
	x, ok := operand()
	if !ok {
		p.pos = start
		return nil, false
	}
	save := p.pos
	p.ws()
	if p.keyword(kw) {
		p.ws()
		if y, ok := p.logical(kw, operand); ok {
			p.checkMisusedSize(x)
			p.checkMisusedSize(y)
			return &node{op: strings.ToLower(kw), args: []*node{x, y}}, true
		}
	}
	p.pos = save
	return x, true
}

func (p *parser) notExpr() (*node, bool) {
	start := p.pos
	if p.keyword("NOT") {
		p.ws()
		if x, ok := p.parensExpr(); ok {
			p.checkMisusedSize(x)
			return &node{op: "not", args: []*node{x}}, true
		}
	}
	p.pos = start
	return p.parensExpr()
}

func (p *parser) parensExpr() (*node, bool) {
	start := p.pos
	if x, ok := redundantParens(p, p.orExpr); ok {
		return x, true
	}
	if x, ok := redundantParens(p, p.condition); ok {
		p.checkConditionErrors()
		return x, true
	}
	if x, ok := p.condition(); ok {
		p.checkConditionErrors()
		return x, true
	}
	p.pos = start
	return parens(p, p.orExpr)
}

// parens parses "(" inner ")"; on failure it leaves the position where it was.
func parens[T any](p *parser, inner func() (T, bool)) (T, bool) {
	start := p.pos
	if p.lit("(") {
		p.ws()
		if x, ok := inner(); ok {
			p.ws()
			if p.lit(")") {
				return x, true
			}
		}
	}
	p.pos = start
	var zero T
	return zero, false
}

// redundantParens parses "((" inner "))", which the condition grammar accepts but reports.
func redundantParens[T any](p *parser, inner func() (T, bool)) (T, bool) {
	x, ok := parens(p, func() (T, bool) { return parens(p, inner) })
	if ok {
		p.setErr("parens", "The expression has redundant parentheses;")
	}
	return x, ok
}

func (p *parser) comparator() (string, bool) {
	for _, c := range []string{">=", "<=", "<>", "=", "<", ">"} {
		if strings.HasPrefix(p.s[p.pos:], c) {
			p.pos += len(c)
			return c, true
		}
	}
	p.fail()
	return "", false
}

func (p *parser) condition() (*node, bool) {
	start := p.pos
	if x, ok := p.operandParens(); ok {
		p.ws()
		if comp, ok := p.comparator(); ok {
			p.ws()
			if y, ok := p.operandParens(); ok {
				p.checkMisusedFunction([]*node{x, y})
				p.checkDistinct(comp, []*node{x, y})
				return &node{op: comp, args: []*node{x, y}}, true
			}
		}
	}
	p.pos = start
	if x, ok := p.operandParens(); ok {
		p.ws()
		if p.keyword("BETWEEN") {
			p.ws()
			if y, ok := p.operandParens(); ok {
				p.ws()
				if p.keyword("AND") {
					p.ws()
					if z, ok := p.operandParens(); ok {
						p.checkMisusedFunction([]*node{x, y, z})
						p.checkBetweenArgs(y, z)
						return &node{op: "between", args: []*node{x, y, z}}, true
					}
				}
			}
		}
	}
	p.pos = start
	if x, ok := p.operandParens(); ok {
		p.ws()
		if p.keyword("IN") {
			p.ws()
			if p.lit("(") {
				p.ws()
				if args, ok := p.argList(); ok {
					p.ws()
					if p.lit(")") {
						all := append([]*node{x}, args...)
						p.checkMisusedFunction(all)
						return &node{op: "in", args: all}, true
					}
				}
			}
		}
	}
	p.pos = start
	return p.function()
}

// operandParens parses an operand, optionally in parentheses; only the condition grammar
// accepts (and reports) redundant ones.
func (p *parser) operandParens() (*node, bool) {
	if p.g == gCond {
		if x, ok := redundantParens(p, p.operand); ok {
			return x, true
		}
	}
	if x, ok := parens(p, p.operand); ok {
		return x, true
	}
	return p.operand()
}

// operand parses a function call, a :value or a document path; the condition grammar
// resolves a path only here, once it is known to be an operand.
func (p *parser) operand() (*node, bool) {
	start := p.pos
	if f, ok := p.function(); ok {
		return f, true
	}
	p.pos = start
	if v, ok := p.attrValue(); ok {
		return v, true
	}
	p.pos = start
	if path, ok := p.pathExpr(); ok {
		if p.g == gCond {
			path = p.resolvePath(path)
		}
		return &node{op: "path", path: path}, true
	}
	p.pos = start
	return nil, false
}

func (p *parser) argList() ([]*node, bool) {
	args := commaList(p, p.operandParens)
	return args, len(args) > 0
}

// commaList parses item {"," item}, stopping before the first item that does not parse.
func commaList[T any](p *parser, item func() (T, bool)) []T {
	var list []T
	for {
		save := p.pos
		if len(list) > 0 {
			p.ws()
			if !p.lit(",") {
				p.pos = save
				return list
			}
			p.ws()
		}
		x, ok := item()
		if !ok {
			p.pos = save
			return list
		}
		list = append(list, x)
	}
}

func (p *parser) function() (*node, bool) {
	start := p.pos
	if p.reservedAhead() || p.pos >= len(p.s) || !isIdentStart(p.s[p.pos]) {
		p.fail()
		return nil, false
	}
	for p.pos < len(p.s) && isIdentPart(p.s[p.pos]) {
		p.pos++
	}
	name := p.s[start:p.pos]
	p.ws()
	if !p.lit("(") {
		p.pos = start
		return nil, false
	}
	p.ws()
	args, ok := p.argList()
	if !ok {
		p.pos = start
		return nil, false
	}
	p.ws()
	if !p.lit(")") {
		p.pos = start
		return nil, false
	}
	if p.g == gCond {
		p.checkMisusedFunction(args)
		return &node{op: "function", name: name, args: args, attrType: p.checkCondFunction(name, args)}, true
	}
	return &node{op: "function", name: name, args: args, attrType: p.checkUpdateFunction(name, args)}, true
}

func immediateType(n *node) string {
	if n == nil || n.op != "value" || n.val == nil {
		return ""
	}
	return n.val.T
}

func nodeType(n *node) string {
	if n == nil || n.op == "path" {
		return ""
	}
	if n.attrType != "" {
		return n.attrType
	}
	return immediateType(n)
}

func (p *parser) checkCondFunction(name string, args []*node) string {
	if _, set := p.errs["unknownFunction"]; set {
		return ""
	}
	numOperands, ok := map[string]int{"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2, "size": 1}[name]
	if !ok {
		p.setErr("unknownFunction", "Invalid function name; function: "+name)
		return ""
	}
	if _, set := p.errs["operand"]; set {
		return ""
	}
	if numOperands != len(args) {
		p.setErr("operand", "Incorrect number of operands for operator or function; operator or function: "+name+", number of operands: "+strconv.Itoa(len(args)))
		return ""
	}
	p.checkDistinct(name, args)
	if _, set := p.errs["function"]; set {
		return ""
	}
	switch name {
	case "attribute_exists", "attribute_not_exists":
		if args[0].op != "path" {
			p.setErr("function", "Operator or function requires a document path; operator or function: "+name)
		}
		return ""
	case "begins_with":
		for _, a := range args {
			if t := nodeType(a); t != "" && t != "S" && t != "B" {
				p.setErr("function", "Incorrect operand type for operator or function; operator or function: "+name+", operand type: "+t)
				return ""
			}
		}
		return "BOOL"
	case "attribute_type":
		t := nodeType(args[1])
		if t != "S" {
			if t == "" {
				t = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
			}
			p.setErr("function", "Incorrect operand type for operator or function; operator or function: "+name+", operand type: "+t)
			return ""
		}
		switch args[1].val.S {
		case "S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M":
		default:
			p.setErr("function", "Invalid attribute type name found; type: "+args[1].val.S+", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}")
			return ""
		}
		return "BOOL"
	case "size":
		switch t := nodeType(args[0]); t {
		case "N", "BOOL", "NULL":
			p.setErr("function", "Incorrect operand type for operator or function; operator or function: "+name+", operand type: "+t)
			return ""
		}
		return "N"
	case "contains":
		return "BOOL"
	}
	return ""
}

func (p *parser) checkMisusedFunction(args []*node) {
	if _, set := p.errs["misusedFunction"]; set {
		return
	}
	for _, a := range args {
		if a != nil && a.op == "function" && a.name != "size" {
			p.setErr("misusedFunction", "The function is not allowed to be used this way in an expression; function: "+a.name)
			return
		}
	}
}

func (p *parser) checkMisusedSize(n *node) {
	if n.op == "function" && n.name == "size" {
		p.setErr("misusedFunction", "The function is not allowed to be used this way in an expression; function: size")
	}
}

func (p *parser) checkDistinct(name string, args []*node) {
	if _, set := p.errs["distinct"]; set {
		return
	}
	if len(args) != 2 || args[0].op != "path" || args[1].op != "path" || !args[0].path.equal(args[1].path) {
		return
	}
	p.setErr("distinct", "The first operand must be distinct from the remaining operands for this operator or function; operator: "+name+", first operand: "+args[0].path.String())
}

func (p *parser) checkBetweenArgs(x, y *node) {
	if _, set := p.errs["function"]; set {
		return
	}
	t1, t2 := immediateType(x), immediateType(y)
	if t1 == "" || t2 == "" {
		return
	}
	desc := "lower bound operand: AttributeValue: {" + t1 + ":" + avText(x.val) + "}, upper bound operand: AttributeValue: {" + t2 + ":" + avText(y.val) + "}"
	if t1 != t2 {
		p.setErr("function", "The BETWEEN operator requires same data type for lower and upper bounds; "+desc)
	} else if compare("GT", x.val, []*AV{y.val}) {
		p.setErr("function", "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "+desc)
	}
}

// avText renders a value the way JavaScript's String() would, for error messages.
func avText(a *AV) string {
	switch a.T {
	case "S", "N", "B":
		return a.S
	case "BOOL":
		return strconv.FormatBool(a.BOOL)
	case "NULL":
		return "true"
	case "SS", "NS", "BS":
		return strings.Join(a.Set, ",")
	}
	return "[object Object]"
}

func (p *parser) checkConditionErrors() {
	if _, set := p.errs["condition"]; set {
		return
	}
	for _, c := range []string{"attrNameVal", "operand", "distinct", "function"} {
		if m, ok := p.errs[c]; ok {
			p.errs["condition"] = m
			return
		}
	}
}

func (p *parser) firstErr(order ...string) string {
	for _, c := range order {
		if m, ok := p.errs[c]; ok {
			return m
		}
	}
	return ""
}

// syntaxError describes the furthest point the parser reached, in DynamoDB's words.
func (p *parser) syntaxError() string {
	pos := p.maxFail
	if pos >= len(p.s) {
		return "Syntax error; token: <EOF>, near: \"" + lastToken(p.s[:pos]) + "\""
	}
	tok := tokenAt(p.s, pos)
	near := lastToken(p.s[:pos])
	if near != "" {
		near += " "
	}
	return "Syntax error; token: \"" + tok + "\", near: \"" + near + tok + "\""
}

func tokenAt(s string, pos int) string {
	if isIdentPart(s[pos]) || s[pos] == '#' || s[pos] == ':' {
		e := pos + 1
		for e < len(s) && isIdentPart(s[e]) {
			e++
		}
		return s[pos:e]
	}
	return s[pos : pos+1]
}

func lastToken(s string) string {
	s = strings.TrimRight(s, " \t\r\n")
	if s == "" {
		return ""
	}
	e := len(s)
	st := e - 1
	if isIdentPart(s[st]) {
		for st > 0 && (isIdentPart(s[st-1]) || s[st-1] == '#' || s[st-1] == ':') {
			st--
		}
	}
	return s[st:e]
}

// condExpr is a parsed condition, filter or key condition expression.
type condExpr struct {
	root        *node
	nestedPaths map[string]bool
	pathHeads   map[string]bool
}

func parseCondition(s string, ctx *exprCtx) (*condExpr, string) {
	if s == "" {
		return nil, "The expression can not be empty;"
	}
	p := newParser(s, gCond, ctx)
	p.ws()
	root, ok := p.orExpr()
	if ok {
		p.ws()
		if p.pos != len(p.s) {
			p.fail()
			ok = false
		}
	}
	if !ok {
		return nil, p.syntaxError()
	}
	p.checkMisusedSize(root)
	if m := p.firstErr("parens", "unknownFunction", "misusedFunction", "reserved", "condition"); m != "" {
		return nil, m
	}
	return &condExpr{root: root, nestedPaths: p.nestedPaths, pathHeads: p.pathHeads}, ""
}

// ---- update grammar ----

type updateSection struct {
	typ      string // set remove add delete
	path     docPath
	val      *node // set
	av       *AV   // add, delete
	attrType string
}

type updateExpr struct {
	sections    []*updateSection
	paths       []docPath
	nestedPaths map[string]bool
}

func parseUpdate(s string, ctx *exprCtx) (*updateExpr, string) {
	if s == "" {
		return nil, "The expression can not be empty;"
	}
	p := newParser(s, gUpdate, ctx)
	p.ws()
	var sections []*updateSection
	first := true
	for {
		save := p.pos
		if !first {
			p.ws()
		}
		secs, ok := p.section()
		if !ok {
			p.pos = save
			if first {
				return nil, p.syntaxError()
			}
			break
		}
		first = false
		sections = append(sections, secs...)
	}
	p.ws()
	if p.pos != len(p.s) {
		p.fail()
		return nil, p.syntaxError()
	}
	if m := p.firstErr("reserved", "unknownFunction", "section", "attrName", "attrVal", "pathOverlap", "pathConflict", "operand", "function"); m != "" {
		return nil, m
	}
	return &updateExpr{sections: sections, paths: p.paths, nestedPaths: p.nestedPaths}, ""
}

func (p *parser) section() ([]*updateSection, bool) {
	start := p.pos
	for _, kw := range []string{"SET", "REMOVE", "ADD", "DELETE"} {
		p.pos = start
		if !p.keyword(kw) {
			continue
		}
		p.ws()
		list := commaList(p, func() (*updateSection, bool) { return p.updateAction(kw) })
		if len(list) == 0 {
			continue
		}
		if p.sections[kw] {
			p.setErr("section", "The \""+kw+"\" section can only be used once in an update expression;")
		}
		p.sections[kw] = true
		return list, true
	}
	p.pos = start
	return nil, false
}

func (p *parser) updateAction(kw string) (*updateSection, bool) {
	start := p.pos
	path, ok := p.pathExpr()
	if !ok {
		return nil, false
	}
	switch kw {
	case "SET":
		p.ws()
		if !p.lit("=") {
			p.pos = start
			return nil, false
		}
		p.ws()
		val, ok := p.setValueParens()
		if !ok {
			p.pos = start
			return nil, false
		}
		p.checkPath(path)
		return &updateSection{typ: "set", path: path, val: val, attrType: nodeType(val)}, true
	case "REMOVE":
		p.checkPath(path)
		return &updateSection{typ: "remove", path: path}, true
	default:
		p.ws()
		v, ok := p.attrValue()
		if !ok {
			p.pos = start
			return nil, false
		}
		p.checkPath(path)
		t := p.checkOperator(kw, v.val)
		return &updateSection{typ: strings.ToLower(kw), path: path, av: v.val, attrType: t}, true
	}
}

func (p *parser) setValueParens() (*node, bool) {
	if v, ok := parens(p, p.setValue); ok {
		return v, true
	}
	return p.setValue()
}

func (p *parser) setValue() (*node, bool) {
	start := p.pos
	for _, op := range []string{"+", "-"} {
		p.pos = start
		x, ok := p.operandParens()
		if !ok {
			break
		}
		p.ws()
		if !p.lit(op) {
			continue
		}
		p.ws()
		y, ok := p.operandParens()
		if !ok {
			continue
		}
		name := "add"
		if op == "-" {
			name = "subtract"
		}
		return &node{op: name, args: []*node{x, y}, attrType: p.checkUpdateFunction(op, []*node{x, y})}, true
	}
	p.pos = start
	return p.operandParens()
}

func (p *parser) checkUpdateFunction(name string, args []*node) string {
	if _, set := p.errs["unknownFunction"]; set {
		return ""
	}
	numOperands, ok := map[string]int{"if_not_exists": 2, "list_append": 2, "+": 2, "-": 2}[name]
	if !ok {
		p.setErr("unknownFunction", "Invalid function name; function: "+name)
		return ""
	}
	if _, set := p.errs["function"]; set {
		return ""
	}
	if numOperands != len(args) {
		p.setErr("function", "Incorrect number of operands for operator or function; operator or function: "+name+", number of operands: "+strconv.Itoa(len(args)))
		return ""
	}
	switch name {
	case "if_not_exists":
		if args[0].op != "path" {
			p.setErr("function", "Operator or function requires a document path; operator or function: "+name)
			return ""
		}
		return nodeType(args[1])
	case "list_append":
		for _, a := range args {
			if t := immediateType(a); t != "" && t != "L" {
				p.setErr("function", "Incorrect operand type for operator or function; operator or function: "+name+", operand type: "+t)
				return ""
			}
		}
		return "L"
	default:
		for _, a := range args {
			if t := immediateType(a); t != "" && t != "N" {
				p.setErr("function", "Incorrect operand type for operator or function; operator or function: "+name+", operand type: "+t)
				return ""
			}
		}
		return "N"
	}
}

func (p *parser) checkOperator(op string, v *AV) string {
	if v == nil {
		return ""
	}
	if _, set := p.errs["operand"]; set {
		return v.T
	}
	names := map[string]string{"S": "STRING", "N": "NUMBER", "B": "BINARY", "NULL": "NULL", "BOOL": "BOOLEAN", "L": "LIST", "M": "MAP"}
	if n, ok := names[v.T]; ok && !(op == "ADD" && v.T == "N") {
		p.setErr("operand", "Incorrect operand type for operator or function; operator: "+op+", operand type: "+n)
	}
	return v.T
}

// checkPath records path and reports overlapping or conflicting document paths.
func (p *parser) checkPath(path docPath) {
	if _, set := p.errs["pathOverlap"]; set {
		return
	}
	for _, q := range p.paths {
		conflict := false
		i := 0
		for ; i < len(q) && i < len(path); i++ {
			if q[i].isIdx != path[i].isIdx {
				p.setErr("pathConflict", "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: "+q.String()+", path two: "+path.String())
				conflict = true
				break
			}
			if q[i] != path[i] {
				break
			}
		}
		if conflict || (i < len(q) && i < len(path)) {
			continue
		}
		p.setErr("pathOverlap", "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: "+q.String()+", path two: "+path.String())
		return
	}
	p.paths = append(p.paths, path)
}

// ---- projection grammar ----

type projExpr struct {
	paths       []docPath
	nestedPaths map[string]bool
}

func parseProjection(s string, ctx *exprCtx) (*projExpr, string) {
	if s == "" {
		return nil, "The expression can not be empty;"
	}
	p := newParser(s, gProj, ctx)
	p.ws()
	paths := commaList(p, p.pathExpr)
	if len(paths) == 0 {
		return nil, p.syntaxError()
	}
	p.ws()
	if p.pos != len(p.s) {
		p.fail()
		return nil, p.syntaxError()
	}
	for _, path := range paths {
		p.checkPath(path)
	}
	if m := p.firstErr("reserved", "attrNameVal", "pathOverlap", "pathConflict"); m != "" {
		return nil, m
	}
	return &projExpr{paths: paths, nestedPaths: p.nestedPaths}, ""
}
