package ddbengine

import (
	"sort"
)

// mapPath resolves a document path in item; nil if any step is missing.
func mapPath(path docPath, item Item) *AV {
	if len(path) == 0 {
		return &AV{T: "M", M: item}
	}
	if len(path) == 1 {
		return item[path[0].name]
	}
	cur := &AV{T: "M", M: item}
	for _, e := range path {
		switch {
		case e.isIdx && cur.T == "L":
			if e.idx >= len(cur.L) {
				return nil
			}
			cur = cur.L[e.idx]
		case cur.T == "M" && !e.isIdx:
			cur = cur.M[e.name]
		default:
			return nil
		}
		if cur == nil {
			return nil
		}
	}
	return cur
}

// projNode builds a projected copy of part of an item.
type projNode struct {
	leaf *AV
	m    map[string]*projNode
	l    map[int]*projNode
}

// childNode returns the child under k, creating it (and the map) when missing.
func childNode[K comparable](children *map[K]*projNode, k K) *projNode {
	if *children == nil {
		*children = map[K]*projNode{}
	}
	n := (*children)[k]
	if n == nil {
		n = &projNode{}
		(*children)[k] = n
	}
	return n
}

// mapPaths returns the parts of item named by paths (ProjectionExpression, UPDATED_* return
// values); list elements keep their relative order and are compacted.
func mapPaths(paths []docPath, item Item) Item {
	root := &projNode{m: map[string]*projNode{}}
	for _, path := range paths {
		v := mapPath(path, item)
		if v == nil {
			continue
		}
		cur := root
		for j, e := range path {
			last := j == len(path)-1
			var next *projNode
			if e.isIdx {
				next = childNode(&cur.l, e.idx)
			} else {
				next = childNode(&cur.m, e.name)
			}
			if last {
				next.leaf = v.clone()
			}
			cur = next
		}
	}
	out := Item{}
	for k, n := range root.m {
		out[k] = n.build()
	}
	return out
}

func (n *projNode) build() *AV {
	if n.leaf != nil {
		return n.leaf
	}
	if n.l != nil {
		idx := make([]int, 0, len(n.l))
		for i := range n.l {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		a := &AV{T: "L", L: make([]*AV, 0, len(idx))}
		for _, i := range idx {
			a.L = append(a.L, n.l[i].build())
		}
		return a
	}
	a := &AV{T: "M", M: make(map[string]*AV, len(n.m))}
	for k, c := range n.m {
		a.M[k] = c.build()
	}
	return a
}

// evalCond evaluates a parsed condition against item (nil or empty when absent).
func evalCond(n *node, item Item) bool {
	switch n.op {
	case "and":
		return evalCond(n.args[0], item) && evalCond(n.args[1], item)
	case "or":
		return evalCond(n.args[0], item) || evalCond(n.args[1], item)
	case "not":
		return !evalCond(n.args[0], item)
	}
	args := make([]*AV, len(n.args))
	for i, a := range n.args {
		args[i] = resolveOperand(a, item)
	}
	op := n.op
	if op == "function" {
		op = n.name
	}
	var val *AV
	if len(args) > 0 {
		val = args[0]
	}
	return compare(op, val, args[1:])
}

func resolveOperand(n *node, item Item) *AV {
	switch n.op {
	case "path":
		return mapPath(n.path, item)
	case "value":
		return n.val
	case "function":
		if n.name == "size" {
			return sizeOf(resolveOperand(n.args[0], item))
		}
	}
	return nil
}

// legacyCondition is one entry of Expected, QueryFilter, ScanFilter or KeyConditions.
type legacyCondition struct {
	attr   string
	op     string
	values []*AV
}

// matchesLegacy evaluates legacy conditions: all must hold, or with ConditionalOperator OR any
// one. (dynalite decides OR by the first condition alone; see README.md.)
func matchesLegacy(item Item, conds []legacyCondition, conditionalOperator string) bool {
	if conditionalOperator == "OR" && len(conds) > 0 {
		for _, c := range conds {
			if compare(c.op, item[c.attr], c.values) {
				return true
			}
		}
		return false
	}
	for _, c := range conds {
		if !compare(c.op, item[c.attr], c.values) {
			return false
		}
	}
	return true
}

// applyUpdate applies an update expression to item in place.
func applyUpdate(u *updateExpr, t *table, item Item) string {
	vals := make([]*AV, len(u.sections))
	for i, s := range u.sections {
		if s.typ == "set" {
			v, msg := resolveSetValue(s.val, item)
			if msg != "" {
				return msg
			}
			vals[i] = v.clone()
		}
	}
	// List elements keep their original indexes for the whole expression: a removed element
	// is left as a nil hole until the end, and elements set past the end are appended at the
	// end in index order, as DynamoDB does (REMOVE a[0], a[1] removes the first two).
	var lists listEdits
	for i, s := range u.sections {
		// parent is nil for a top-level attribute (the item itself): not an AV, so that no
		// per-update root value has to be allocated.
		var parent *AV
		last := s.path[len(s.path)-1]
		if len(s.path) > 1 {
			parent = mapPath(s.path[:len(s.path)-1], item)
			if parent == nil || (last.isIdx && parent.T != "L") || (!last.isIdx && parent.T != "M") {
				return "The document path provided in the update expression is invalid for update"
			}
		}
		var existing *AV
		switch {
		case parent == nil:
			existing = item[last.name]
		case last.isIdx:
			if last.idx < len(parent.L) {
				existing = parent.L[last.idx]
			}
		default:
			existing = parent.M[last.name]
		}
		switch s.typ {
		case "remove":
			lists.remove(item, parent, last)
		case "delete":
			if existing != nil && existing.T != s.attrType {
				return "An operand in the update expression has an incorrect data type"
			}
			if existing != nil {
				existing.Set = setRemove(existing.Set, s.av.Set)
				if len(existing.Set) == 0 {
					lists.remove(item, parent, last)
				}
			}
		case "add":
			if existing != nil && existing.T != s.attrType {
				return "An operand in the update expression has an incorrect data type"
			}
			had := existing != nil
			if s.attrType == "N" {
				if existing == nil {
					existing = &AV{T: "N", S: "0"}
				}
				sum, msg := addNumbers(existing.S, s.av.S, false)
				if msg != "" {
					return msg
				}
				existing.S = sum
			} else {
				if existing == nil {
					existing = &AV{T: s.attrType}
				}
				existing.Set = setAdd(existing.Set, s.av.Set)
			}
			if !had {
				lists.add(item, parent, last, existing)
			}
		case "set":
			if len(s.path) == 1 {
				for _, ik := range t.indexKeyAttrs() {
					if s.path[0].name == ik.name && vals[i].T != ik.typ {
						return "The update expression attempted to update the secondary index key to unsupported type"
					}
				}
			}
			lists.add(item, parent, last, vals[i])
		}
	}
	lists.apply()
	return ""
}

func containsStr(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// listEdits defers the list changes of one update expression so that every path in it names
// the elements by their original indexes.
type listEdits struct {
	holes   []*AV // lists with removed elements (nil) to close up
	appends []pendingAppend
}

type pendingAppend struct {
	list *AV
	idx  int
	v    *AV
}

// remove deletes e from parent (nil: the item): a map key at once, a list element as a hole
// closed by apply.
func (l *listEdits) remove(item Item, parent *AV, e pathElem) {
	if parent == nil {
		delete(item, e.name)
		return
	}
	if parent.T == "M" {
		delete(parent.M, e.name)
		return
	}
	if e.idx < len(parent.L) && parent.L[e.idx] != nil {
		parent.L[e.idx] = nil
		l.holes = append(l.holes, parent)
	}
}

// add stores v at e in parent (nil: the item); an element past the end of a list is appended
// by apply.
func (l *listEdits) add(item Item, parent *AV, e pathElem, v *AV) {
	if parent == nil {
		item[e.name] = v
		return
	}
	if parent.T == "M" {
		parent.M[e.name] = v
		return
	}
	if e.idx < len(parent.L) {
		parent.L[e.idx] = v
		return
	}
	l.appends = append(l.appends, pendingAppend{parent, e.idx, v})
}

// apply appends the elements set past the end of their lists, in index order, and closes
// the holes of removed elements.
func (l *listEdits) apply() {
	if len(l.appends) > 1 {
		// A local copy for the closure: capturing l would move every update's listEdits to the heap.
		pa := l.appends
		sort.SliceStable(pa, func(i, j int) bool { return pa[i].idx < pa[j].idx })
	}
	for _, a := range l.appends {
		a.list.L = append(a.list.L, a.v)
	}
	for _, list := range l.holes {
		kept := list.L[:0]
		for _, v := range list.L {
			if v != nil {
				kept = append(kept, v)
			}
		}
		clear(list.L[len(kept):])
		list.L = kept
	}
}

// addNumbers adds (or subtracts) two N values, which validation has already parsed once. The
// result must be storable: msg is the message PutItem gives for such a number (overflow,
// underflow, more than 38 significant digits), or "".
func addNumbers(a, b string, subtract bool) (sum, msg string) {
	x, _ := parseDecimal(a)
	y, _ := parseDecimal(b)
	sum = addDecimal(x, y, subtract).String()
	if _, msg = checkNumber(sum); msg != "" {
		return "", msg
	}
	return sum, ""
}

// setAdd appends to set the elements it lacks, in order (ADD on SS, NS or BS).
func setAdd(set, elems []string) []string {
	for _, v := range elems {
		if !containsStr(set, v) {
			set = append(set, v)
		}
	}
	return set
}

// setRemove returns a new slice of set without elems (DELETE on SS, NS or BS).
func setRemove(set, elems []string) []string {
	kept := set[:0:0]
	for _, v := range set {
		if !containsStr(elems, v) {
			kept = append(kept, v)
		}
	}
	return kept
}

const wrongOperandType = "An operand in the update expression has an incorrect data type"

// resolveOperands resolves the operands of + - or list_append in order; each must be of type typ.
func resolveOperands(args []*node, item Item, typ string) ([]*AV, string) {
	ops := make([]*AV, len(args))
	for i, arg := range args {
		v, msg := resolveSetValue(arg, item)
		if msg != "" {
			return nil, msg
		}
		if v.T != typ {
			return nil, wrongOperandType
		}
		ops[i] = v
	}
	return ops, ""
}

func resolveSetValue(n *node, item Item) (*AV, string) {
	var v *AV
	switch n.op {
	case "path":
		v = mapPath(n.path, item)
	case "value":
		v = n.val
	case "add", "subtract":
		ops, msg := resolveOperands(n.args, item, "N")
		if msg != "" {
			return nil, msg
		}
		sum, msg := addNumbers(ops[0].S, ops[1].S, n.op == "subtract")
		if msg != "" {
			return nil, msg
		}
		v = &AV{T: "N", S: sum}
	case "function":
		switch n.name {
		case "if_not_exists":
			v = mapPath(n.args[0].path, item)
			if v == nil {
				return resolveSetValue(n.args[1], item)
			}
		case "list_append":
			ops, msg := resolveOperands(n.args, item, "L")
			if msg != "" {
				return nil, msg
			}
			l := make([]*AV, 0, len(ops[0].L)+len(ops[1].L))
			l = append(l, ops[0].L...)
			l = append(l, ops[1].L...)
			return &AV{T: "L", L: l}, ""
		}
	}
	if v == nil {
		return nil, "The provided expression refers to an attribute that does not exist in the item"
	}
	return v, ""
}

// attributeUpdate is one entry of the legacy AttributeUpdates parameter.
type attributeUpdate struct {
	attr   string
	action string
	value  *AV
}

func applyAttributeUpdates(updates []attributeUpdate, item Item) string {
	for _, u := range updates {
		switch u.action {
		case "", "PUT":
			item[u.attr] = u.value.clone()
		case "ADD":
			cur := item[u.attr]
			if u.value.T == "N" {
				if cur != nil && cur.T != "N" {
					return "Type mismatch for attribute to update"
				}
				if cur == nil {
					cur = &AV{T: "N", S: "0"}
					item[u.attr] = cur
				}
				sum, msg := addNumbers(cur.S, u.value.S, false)
				if msg != "" {
					return msg
				}
				cur.S = sum
				continue
			}
			if cur != nil && cur.T != u.value.T {
				return "Type mismatch for attribute to update"
			}
			if cur == nil {
				cur = &AV{T: u.value.T}
				item[u.attr] = cur
			}
			if u.value.T == "L" {
				cur.L = append(cur.L, u.value.clone().L...)
				continue
			}
			cur.Set = setAdd(cur.Set, u.value.Set)
		case "DELETE":
			if u.value == nil {
				delete(item, u.attr)
				continue
			}
			cur := item[u.attr]
			if cur != nil && cur.T != u.value.T {
				return "Type mismatch for attribute to update"
			}
			if cur != nil {
				cur.Set = setRemove(cur.Set, u.value.Set)
				if len(cur.Set) == 0 {
					delete(item, u.attr)
				}
			}
		}
	}
	return ""
}
