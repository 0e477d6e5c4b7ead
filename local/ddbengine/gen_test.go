package ddbengine

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// gen produces random but mostly valid DynamoDB requests over a small key space, so
// operations collide, conditions both pass and fail, and pages split.
type gen struct {
	r      *rand.Rand
	suffix string
	// peek returns the item under key as the engine under test holds it now (nil if none).
	// UpdateItem reads it to choose paths and operands that fit the item's attribute types, so
	// most updates are valid. Up to the op being generated the engine has matched dynalite
	// (that is what the test checks), so this is the shared state, read without a dynalite
	// round trip; a seed stays a pure function of the seed as long as the engines agree.
	peek func(table string, key map[string]any) map[string]any
	// labels name what the last generated op exercises (coverage counts, see diff_test.go);
	// paged asks the runner to follow LastEvaluatedKey until the last page.
	labels []string
	paged  bool
}

func (g *gen) label(l ...string) { g.labels = append(g.labels, l...) }

func (g *gen) t1() string { return "t1_" + g.suffix } // pk S, sk N, GSI g/n, LSI ls, GSI g INCLUDE
func (g *gen) t2() string { return "t2_" + g.suffix } // id N
func (g *gen) t3() string { return "t3_" + g.suffix } // bk B, rs S

func (g *gen) setup() []op {
	return []op{
		{"CreateTable", map[string]any{
			"TableName": g.t1(),
			"AttributeDefinitions": []any{
				ad("pk", "S"), ad("sk", "N"), ad("g", "S"), ad("n", "N"), ad("ls", "S"),
			},
			"KeySchema":   []any{ks("pk", "HASH"), ks("sk", "RANGE")},
			"BillingMode": "PAY_PER_REQUEST",
			"GlobalSecondaryIndexes": []any{
				map[string]any{"IndexName": "gsi1", "KeySchema": []any{ks("g", "HASH"), ks("n", "RANGE")}, "Projection": map[string]any{"ProjectionType": "ALL"}},
				map[string]any{"IndexName": "gsi2", "KeySchema": []any{ks("g", "HASH")}, "Projection": map[string]any{"ProjectionType": "INCLUDE", "NonKeyAttributes": []any{"a"}}},
			},
			"LocalSecondaryIndexes": []any{
				map[string]any{"IndexName": "lsi1", "KeySchema": []any{ks("pk", "HASH"), ks("ls", "RANGE")}, "Projection": map[string]any{"ProjectionType": "KEYS_ONLY"}},
			},
		}},
		{"CreateTable", map[string]any{
			"TableName":             g.t2(),
			"AttributeDefinitions":  []any{ad("id", "N")},
			"KeySchema":             []any{ks("id", "HASH")},
			"ProvisionedThroughput": map[string]any{"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
		}},
		{"CreateTable", map[string]any{
			"TableName":            g.t3(),
			"AttributeDefinitions": []any{ad("bk", "B"), ad("rs", "S")},
			"KeySchema":            []any{ks("bk", "HASH"), ks("rs", "RANGE")},
			"BillingMode":          "PAY_PER_REQUEST",
		}},
		{"DescribeTable", map[string]any{"TableName": g.t1()}},
	}
}

func (g *gen) teardown() []op {
	return []op{
		{"DeleteTable", map[string]any{"TableName": g.t1()}},
		{"DeleteTable", map[string]any{"TableName": g.t2()}},
		{"DeleteTable", map[string]any{"TableName": g.t3()}},
	}
}

func ad(n, t string) map[string]any { return map[string]any{"AttributeName": n, "AttributeType": t} }
func ks(n, t string) map[string]any { return map[string]any{"AttributeName": n, "KeyType": t} }

func (g *gen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g *gen) num() string {
	return g.pick("0", "1", "2", "3", "-1", "-2.5", "10", "1.50", "100", "3e2", "0.001", "-0.5", "7", "12345678901234567890")
}

// str avoids "": dynalite gives size("") no value.
func (g *gen) str() string { return g.pick("a", "b", "ab", "abc", "b1", "z", "hello", "x y") }

func (g *gen) bin() string {
	return base64.StdEncoding.EncodeToString([]byte(g.pick("a", "b", "ab", "\x00\x01", "zz")))
}

func (g *gen) value(depth int) map[string]any {
	k := g.r.IntN(12)
	if depth > 1 && k >= 8 {
		k = g.r.IntN(8)
	}
	switch k {
	case 0, 1:
		return map[string]any{"S": g.str()}
	case 2, 3:
		return map[string]any{"N": g.num()}
	case 4:
		return map[string]any{"B": g.bin()}
	case 5:
		// Always true: dynalite treats a stored false as a missing value in IN and
		// attribute_type (JavaScript falsiness), which DynamoDB does not.
		return map[string]any{"BOOL": true}
	case 6:
		return map[string]any{"NULL": true}
	case 7:
		switch g.r.IntN(3) {
		case 0:
			return map[string]any{"SS": uniq(g.r, g.str, 1+g.r.IntN(3))}
		case 1:
			return map[string]any{"NS": uniqNum(g, 1+g.r.IntN(3))}
		}
		return map[string]any{"BS": uniq(g.r, g.bin, 1+g.r.IntN(2))}
	case 8, 9:
		l := []any{}
		for i := g.r.IntN(4); i > 0; i-- {
			l = append(l, g.value(depth+1))
		}
		return map[string]any{"L": l}
	default:
		m := map[string]any{}
		for i := g.r.IntN(3); i > 0; i-- {
			m[g.pick("x", "y", "z")] = g.value(depth + 1)
		}
		return map[string]any{"M": m}
	}
}

func uniq(r *rand.Rand, f func() string, n int) []any {
	seen := map[string]bool{}
	var out []any
	for i := 0; i < n*3 && len(out) < n; i++ {
		v := f()
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func uniqNum(g *gen, n int) []any {
	seen := map[string]bool{}
	var out []any
	for i := 0; i < n*3 && len(out) < n; i++ {
		v := g.num()
		norm, _ := normalizeNumber(v)
		if !seen[norm] {
			seen[norm] = true
			out = append(out, v)
		}
	}
	return out
}

// keyAttrs are never update targets: table keys, and index keys whose type is fixed.
var keyAttrs = map[string]bool{"pk": true, "sk": true, "id": true, "bk": true, "rs": true, "g": true, "n": true, "ls": true}

// key returns a random key for the table, drawn from a small space.
func (g *gen) key(table string) map[string]any {
	switch table {
	case g.t1():
		return map[string]any{"pk": map[string]any{"S": g.pick("p1", "p2", "p3")}, "sk": map[string]any{"N": g.pick("1", "2", "3", "-1", "10", "2.5")}}
	case g.t2():
		return map[string]any{"id": map[string]any{"N": g.pick("1", "2", "3", "4", "-7", "0.5", "100")}}
	}
	return map[string]any{"bk": map[string]any{"B": base64.StdEncoding.EncodeToString([]byte(g.pick("k1", "k2")))}, "rs": map[string]any{"S": g.pick("a", "b", "c", "ab")}}
}

func (g *gen) table() string { return g.pick(g.t1(), g.t1(), g.t2(), g.t3()) }

var attrNames = []string{"a", "b", "c", "d", "m", "l"}

func (g *gen) item(table string) map[string]any {
	it := g.key(table)
	for _, n := range attrNames {
		if g.r.IntN(2) == 0 {
			it[n] = g.value(0)
		}
	}
	if table == g.t1() {
		if g.r.IntN(3) > 0 {
			it["g"] = map[string]any{"S": g.pick("g1", "g2")}
		}
		if g.r.IntN(3) > 0 {
			it["n"] = map[string]any{"N": g.num()}
		}
		if g.r.IntN(2) == 0 {
			it["ls"] = map[string]any{"S": g.pick("l1", "l2", "l3")}
		}
	}
	if g.r.IntN(3) == 0 {
		it["m"] = map[string]any{"M": map[string]any{"x": g.value(1), "y": map[string]any{"L": []any{g.value(2), g.value(2)}}}}
	}
	if g.r.IntN(3) == 0 {
		it["l"] = map[string]any{"L": []any{g.value(2), g.value(2), g.value(2)}}
	}
	return it
}

// exprState accumulates placeholders for one request. Names are registered only when a path
// is rendered into the request, so no placeholder is left unused by accident.
type exprState struct {
	g     *gen
	names map[string]any
	vals  map[string]any
}

// genPath is a document path: a top-level attribute, then map keys (string) and list
// indexes (int).
type genPath struct {
	head string
	rest []any
}

func (p genPath) child(k any) genPath {
	return genPath{p.head, append(append([]any(nil), p.rest...), k)}
}

func (s *exprState) name(n string) string {
	if s.g.r.IntN(3) == 0 {
		k := "#" + n
		s.names[k] = n
		return k
	}
	return n
}

func (s *exprState) val(v map[string]any) string {
	k := fmt.Sprintf(":v%d", len(s.vals))
	s.vals[k] = v
	return k
}

// render writes p into the expression, registering its name placeholders.
func (s *exprState) render(p genPath) string {
	out := s.name(p.head)
	for _, e := range p.rest {
		switch e := e.(type) {
		case int:
			out += fmt.Sprintf("[%d]", e)
		case string:
			out += "." + s.name(e)
		}
	}
	return out
}

// randPath is a path over the generator's usual attributes, whatever the item holds.
func (s *exprState) randPath() genPath {
	switch s.g.r.IntN(6) {
	case 0:
		return genPath{"m", []any{"x"}}
	case 1:
		return genPath{"l", []any{s.g.r.IntN(4)}}
	case 2:
		return genPath{"m", []any{"y", s.g.r.IntN(3)}}
	}
	return genPath{head: s.g.pick(attrNames...)}
}

func (s *exprState) path() string { return s.render(s.randPath()) }

func (s *exprState) scalar() map[string]any {
	switch s.g.r.IntN(3) {
	case 0:
		return map[string]any{"S": s.g.str()}
	case 1:
		return map[string]any{"N": s.g.num()}
	}
	// Lists and maps are left out: dynalite compares them by reference (never equal), while
	// DynamoDB compares them by value.
	for {
		v := s.g.value(1)
		if _, ok := v["L"]; ok {
			continue
		}
		if _, ok := v["M"]; ok {
			continue
		}
		return v
	}
}

func (s *exprState) cond(depth int) string {
	if depth < 2 && s.g.r.IntN(3) == 0 {
		switch s.g.r.IntN(3) {
		case 0:
			return "(" + s.cond(depth+1) + ") AND " + s.cond(depth+1)
		case 1:
			return s.cond(depth+1) + " OR " + s.cond(depth+1)
		default:
			return "NOT " + s.cond(depth+1)
		}
	}
	p := s.path()
	switch s.g.r.IntN(10) {
	case 0:
		return "attribute_exists(" + p + ")"
	case 1:
		return "attribute_not_exists(" + p + ")"
	case 2:
		return "attribute_type(" + p + ", " + s.val(map[string]any{"S": s.g.pick("S", "N", "L", "M", "BOOL", "SS", "NULL")}) + ")"
	case 3:
		return "begins_with(" + p + ", " + s.val(map[string]any{"S": s.g.pick("a", "h", "ab", "")}) + ")"
	case 4:
		// S, N or B only: dynalite's contains() ignores other list element types.
		return "contains(" + p + ", " + s.val(s.g.pick2(map[string]any{"S": s.g.str()}, map[string]any{"N": s.g.num()})) + ")"
	case 5:
		return "size(" + p + ") " + s.g.pick("=", ">", "<=") + " " + s.val(map[string]any{"N": s.g.pick("0", "1", "2", "3")})
	case 6:
		lo, hi := s.g.r.IntN(5), s.g.r.IntN(5)
		if lo > hi {
			lo, hi = hi, lo
		}
		return p + " BETWEEN " + s.val(map[string]any{"N": fmt.Sprint(lo)}) + " AND " + s.val(map[string]any{"N": fmt.Sprint(hi)})
	case 7:
		return p + " IN (" + s.val(s.scalar()) + ", " + s.val(s.scalar()) + ")"
	default:
		v := s.scalar()
		if _, ok := v["L"]; ok {
			v = map[string]any{"S": "a"}
		}
		if _, ok := v["M"]; ok {
			v = map[string]any{"N": "1"}
		}
		return p + " " + s.g.pick("=", "<>", "<", "<=", ">", ">=") + " " + s.val(v)
	}
}

func (s *exprState) apply(req map[string]any) {
	if len(s.names) > 0 {
		req["ExpressionAttributeNames"] = s.names
	}
	if len(s.vals) > 0 {
		req["ExpressionAttributeValues"] = s.vals
	}
}

func (g *gen) newState() *exprState {
	return &exprState{g: g, names: map[string]any{}, vals: map[string]any{}}
}

func (g *gen) projection(s *exprState) string {
	seen := map[string]bool{}
	var parts []string
	for i := 1 + g.r.IntN(3); i > 0; i-- {
		p := s.randPath()
		if seen[p.head] {
			continue
		}
		seen[p.head] = true
		parts = append(parts, s.render(p))
	}
	return strings.Join(parts, ", ")
}

func (g *gen) pick2(a, b map[string]any) map[string]any {
	if g.r.IntN(2) == 0 {
		return a
	}
	return b
}

func (g *gen) next(lastKeys map[string]any) op {
	t := g.table()
	switch k := g.r.IntN(20); {
	case k < 5:
		req := map[string]any{"TableName": t, "Item": g.item(t)}
		if g.r.IntN(2) == 0 {
			s := g.newState()
			req["ConditionExpression"] = s.cond(0)
			s.apply(req)
		}
		if g.r.IntN(2) == 0 {
			req["ReturnValues"] = g.pick("ALL_OLD", "NONE")
		}
		return op{"PutItem", req}
	case k < 8:
		s := g.newState()
		// Prefer a key that holds an item (up to three draws), so updates meet attributes.
		key := g.key(t)
		item := g.peek(t, key)
		for try := 0; try < 3 && item == nil; try++ {
			key = g.key(t)
			item = g.peek(t, key)
		}
		req := map[string]any{"TableName": t, "Key": key, "UpdateExpression": g.update(s, t, item)}
		if g.r.IntN(4) == 0 {
			req["ConditionExpression"] = s.cond(0)
			g.label("conditional")
		}
		req["ReturnValues"] = g.pick("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW")
		s.apply(req)
		return op{"UpdateItem", req}
	case k < 10:
		req := map[string]any{"TableName": t, "Key": g.key(t)}
		if g.r.IntN(2) == 0 {
			s := g.newState()
			req["ProjectionExpression"] = g.projection(s)
			s.apply(req)
		}
		if g.r.IntN(3) == 0 {
			req["ConsistentRead"] = true
		}
		return op{"GetItem", req}
	case k < 11:
		req := map[string]any{"TableName": t, "Key": g.key(t)}
		if g.r.IntN(2) == 0 {
			s := g.newState()
			req["ConditionExpression"] = s.cond(0)
			s.apply(req)
		}
		req["ReturnValues"] = g.pick("ALL_OLD", "NONE")
		return op{"DeleteItem", req}
	case k < 15:
		return g.query(lastKeys)
	case k < 17:
		req := map[string]any{"TableName": t}
		s := g.newState()
		if g.r.IntN(2) == 0 {
			req["FilterExpression"] = s.cond(0)
		}
		if g.r.IntN(3) == 0 {
			req["ProjectionExpression"] = g.projection(s)
		}
		if g.r.IntN(2) == 0 {
			req["Limit"] = 1 + g.r.IntN(4)
			if g.r.IntN(3) == 0 {
				g.paged = true
			} else if lk, ok := lastKeys[pageKey(req)]; ok && g.r.IntN(2) == 0 {
				req["ExclusiveStartKey"] = lk
			}
		} else if g.r.IntN(3) == 0 {
			req["TotalSegments"] = 3
			req["Segment"] = g.r.IntN(3)
		}
		if g.r.IntN(5) == 0 {
			req["Select"] = "COUNT"
		}
		s.apply(req)
		return op{"Scan", req}
	case k < 18:
		if g.r.IntN(4) == 0 {
			return g.badBatch()
		}
		return op{"BatchWriteItem", map[string]any{"RequestItems": g.batchWrites(t)}}
	default:
		if g.r.IntN(4) == 0 {
			return g.badBatch()
		}
		return op{"BatchGetItem", map[string]any{"RequestItems": g.batchGets(t)}}
	}
}

// batchWrites returns valid write requests for t and, one time in four, for a second table.
func (g *gen) batchWrites(t string) map[string]any {
	out := map[string]any{t: g.writeRequests(t, 1+g.r.IntN(4))}
	if u := g.table(); u != t && g.r.IntN(4) == 0 {
		out[u] = g.writeRequests(u, 1+g.r.IntN(3))
	}
	return out
}

func (g *gen) writeRequests(t string, n int) []any {
	var reqs []any
	seen := map[string]bool{}
	for ; n > 0; n-- {
		if g.r.IntN(3) == 0 {
			key := g.key(t)
			if ks := fmt.Sprint(key); !seen[ks] {
				seen[ks] = true
				reqs = append(reqs, map[string]any{"DeleteRequest": map[string]any{"Key": key}})
			}
			continue
		}
		it := g.item(t)
		key := map[string]any{}
		for _, kn := range []string{"pk", "sk", "id", "bk", "rs"} {
			if v, ok := it[kn]; ok {
				key[kn] = v
			}
		}
		if ks := fmt.Sprint(key); !seen[ks] {
			seen[ks] = true
			reqs = append(reqs, map[string]any{"PutRequest": map[string]any{"Item": it}})
		}
	}
	return reqs
}

func (g *gen) batchGets(t string) map[string]any {
	out := map[string]any{t: map[string]any{"Keys": g.distinctKeys(t, 1+g.r.IntN(4))}}
	if u := g.table(); u != t && g.r.IntN(4) == 0 {
		out[u] = map[string]any{"Keys": g.distinctKeys(u, 1+g.r.IntN(3))}
	}
	return out
}

func (g *gen) distinctKeys(t string, n int) []any {
	var keys []any
	seen := map[string]bool{}
	for ; n > 0; n-- {
		key := g.key(t)
		if ks := fmt.Sprint(key); !seen[ks] {
			seen[ks] = true
			keys = append(keys, key)
		}
	}
	return keys
}

// manyKeys returns n distinct t2 keys outside the usual key space.
func manyKeys(n int) []any {
	var keys []any
	for i := range n {
		keys = append(keys, map[string]any{"id": map[string]any{"N": fmt.Sprint(1000 + i)}})
	}
	return keys
}

// badBatch returns a batch request DynamoDB rejects as a whole.
func (g *gen) badBatch() op {
	t := g.table()
	missing := "missing_" + g.suffix
	switch g.r.IntN(10) {
	case 0:
		g.label("invalid: duplicate keys")
		reqs := g.writeRequests(t, 1+g.r.IntN(2))
		key := g.key(t)
		reqs = append(reqs, map[string]any{"DeleteRequest": map[string]any{"Key": key}}, map[string]any{"DeleteRequest": map[string]any{"Key": key}})
		return op{"BatchWriteItem", map[string]any{"RequestItems": map[string]any{t: reqs}}}
	case 1:
		g.label("invalid: more than 25 writes")
		var reqs []any
		for _, k := range manyKeys(26 + g.r.IntN(3)) {
			reqs = append(reqs, map[string]any{"DeleteRequest": map[string]any{"Key": k}})
		}
		return op{"BatchWriteItem", map[string]any{"RequestItems": map[string]any{g.t2(): reqs}}}
	case 2:
		g.label("invalid: empty request list")
		return op{"BatchWriteItem", map[string]any{"RequestItems": map[string]any{t: []any{}}}}
	case 3:
		g.label("invalid: no tables")
		return op{g.pick("BatchWriteItem", "BatchGetItem"), map[string]any{"RequestItems": map[string]any{}}}
	case 4:
		g.label("invalid: unknown table")
		if g.r.IntN(2) == 0 {
			return op{"BatchWriteItem", map[string]any{"RequestItems": map[string]any{missing: []any{map[string]any{"DeleteRequest": map[string]any{"Key": g.key(t)}}}}}}
		}
		return op{"BatchGetItem", map[string]any{"RequestItems": map[string]any{missing: map[string]any{"Keys": []any{g.key(t)}}}}}
	case 5:
		g.label("invalid: valid and unknown table")
		if g.r.IntN(2) == 0 {
			ri := g.batchWrites(t)
			ri[missing] = []any{map[string]any{"DeleteRequest": map[string]any{"Key": g.key(t)}}}
			return op{"BatchWriteItem", map[string]any{"RequestItems": ri}}
		}
		ri := g.batchGets(t)
		ri[missing] = map[string]any{"Keys": []any{g.key(t)}}
		return op{"BatchGetItem", map[string]any{"RequestItems": ri}}
	case 6:
		g.label("invalid: duplicate keys")
		keys := append(g.distinctKeys(t, 1+g.r.IntN(2)), g.key(t))
		keys = append(keys, keys[len(keys)-1])
		return op{"BatchGetItem", map[string]any{"RequestItems": map[string]any{t: map[string]any{"Keys": keys}}}}
	case 7:
		g.label("invalid: more than 100 keys")
		return op{"BatchGetItem", map[string]any{"RequestItems": map[string]any{g.t2(): map[string]any{"Keys": manyKeys(101 + g.r.IntN(3))}}}}
	case 8:
		g.label("invalid: empty key list")
		return op{"BatchGetItem", map[string]any{"RequestItems": map[string]any{t: map[string]any{"Keys": []any{}}}}}
	default:
		g.label("invalid: wrong key")
		key := g.key(t)
		key["zz"] = map[string]any{"S": "x"}
		if g.r.IntN(2) == 0 {
			return op{"BatchWriteItem", map[string]any{"RequestItems": map[string]any{t: []any{map[string]any{"DeleteRequest": map[string]any{"Key": key}}}}}}
		}
		return op{"BatchGetItem", map[string]any{"RequestItems": map[string]any{t: map[string]any{"Keys": []any{key}}}}}
	}
}

// pageKey names the (table, index) a Query or Scan pages over: LastEvaluatedKeys are reused
// only there.
func pageKey(req map[string]any) string {
	ix, _ := req["IndexName"].(string)
	return fmt.Sprint(req["TableName"], "/", ix)
}

func (g *gen) query(lastKeys map[string]any) op {
	s := g.newState()
	req := map[string]any{}
	t := g.pick(g.t1(), g.t1(), g.t3())
	req["TableName"] = t
	var kc string
	// One query in three reads every page (the runner follows LastEvaluatedKey), over the
	// table or one of its indexes in either direction.
	paged := g.r.IntN(3) == 0
	switch {
	case t == g.t3():
		kc = s.name("bk") + " = " + s.val(g.key(t)["bk"].(map[string]any))
		switch g.r.IntN(4) {
		case 0:
			kc += " AND begins_with(" + s.name("rs") + ", " + s.val(map[string]any{"S": g.pick("a", "b")}) + ")"
		case 1:
			kc += " AND " + s.name("rs") + " " + g.pick("<", "<=", ">", ">=", "=") + " " + s.val(map[string]any{"S": g.pick("a", "b", "ab")})
		}
	default:
		switch g.r.IntN(4) {
		case 0:
			req["IndexName"] = "gsi1"
			kc = s.name("g") + " = " + s.val(map[string]any{"S": g.pick("g1", "g2")})
			if g.r.IntN(2) == 0 {
				kc += " AND " + s.name("n") + " " + g.pick("<", "<=", ">", ">=") + " " + s.val(map[string]any{"N": g.num()})
			}
		case 1:
			req["IndexName"] = "gsi2"
			kc = s.name("g") + " = " + s.val(map[string]any{"S": g.pick("g1", "g2")})
		case 2:
			req["IndexName"] = "lsi1"
			kc = s.name("pk") + " = " + s.val(map[string]any{"S": g.pick("p1", "p2")})
			if g.r.IntN(2) == 0 {
				kc += " AND " + s.name("ls") + " BETWEEN " + s.val(map[string]any{"S": "l1"}) + " AND " + s.val(map[string]any{"S": g.pick("l2", "l3")})
			}
		default:
			kc = s.name("pk") + " = " + s.val(map[string]any{"S": g.pick("p1", "p2", "p3")})
			if g.r.IntN(2) == 0 {
				kc += " AND " + s.name("sk") + " " + g.pick("<", "<=", ">", ">=", "=") + " " + s.val(map[string]any{"N": g.pick("1", "2", "2.5", "-1")})
			}
		}
	}
	req["KeyConditionExpression"] = kc
	if g.r.IntN(3) == 0 {
		req["FilterExpression"] = s.cond(1)
	}
	if g.r.IntN(4) == 0 {
		req["ProjectionExpression"] = g.projection(s)
	}
	if g.r.IntN(2) == 0 {
		req["ScanIndexForward"] = false
	}
	switch {
	case paged:
		req["Limit"] = 1 + g.r.IntN(3)
		g.paged = true
	case g.r.IntN(2) == 0:
		req["Limit"] = 1 + g.r.IntN(3)
		if lk, ok := lastKeys[pageKey(req)]; ok && g.r.IntN(2) == 0 {
			req["ExclusiveStartKey"] = lk
		}
	}
	if g.r.IntN(6) == 0 {
		req["Select"] = "COUNT"
	}
	s.apply(req)
	return op{"Query", req}
}

// Legacy parameters (Expected, AttributeUpdates, KeyConditions, QueryFilter, ScanFilter,
// AttributesToGet, ConditionalOperator). A legacy op replaces an expression op in about one
// slot in five; it draws only from its own random source, so the expression ops of a seed
// stay the same ones as before legacy ops were added.

func (g *gen) legacyScalar() map[string]any {
	switch g.r.IntN(5) {
	case 0, 1:
		return map[string]any{"S": g.str()}
	case 2, 3:
		return map[string]any{"N": g.num()}
	}
	return map[string]any{"B": g.bin()}
}

// legacyCond is one Expected/QueryFilter/ScanFilter entry with ComparisonOperator.
func (g *gen) legacyCond() map[string]any {
	op := g.pick("EQ", "NE", "LT", "LE", "GT", "GE", "NULL", "NOT_NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN")
	c := map[string]any{"ComparisonOperator": op}
	switch op {
	case "NULL", "NOT_NULL":
		if g.r.IntN(8) == 0 {
			c["AttributeValueList"] = []any{g.legacyScalar()} // wrong arity
		}
	case "IN":
		l := []any{}
		for i := 1 + g.r.IntN(3); i > 0; i-- {
			l = append(l, g.legacyScalar())
		}
		c["AttributeValueList"] = l
	case "BETWEEN":
		lo, hi := g.r.IntN(5), g.r.IntN(5)
		if lo > hi && g.r.IntN(4) > 0 {
			lo, hi = hi, lo
		}
		c["AttributeValueList"] = []any{map[string]any{"N": fmt.Sprint(lo)}, map[string]any{"N": fmt.Sprint(hi)}}
	case "BEGINS_WITH":
		c["AttributeValueList"] = []any{map[string]any{"S": g.pick("a", "h", "ab", "x")}}
	default:
		c["AttributeValueList"] = []any{g.legacyScalar()}
	}
	return c
}

// expected builds an Expected map in its three forms, with ConditionalOperator when useful.
func (g *gen) expected(req map[string]any) {
	exp := map[string]any{}
	for i := 1 + g.r.IntN(2); i > 0; i-- {
		var e map[string]any
		switch g.r.IntN(4) {
		case 0:
			e = map[string]any{"Exists": false}
		case 1:
			// Never Exists:true with Value: dynalite then ignores Value (README.md).
			e = map[string]any{"Value": g.legacyScalar()}
		default:
			e = g.legacyCond()
		}
		exp[g.pick("a", "b", "c", "d")] = e
	}
	req["Expected"] = exp
	g.conditionalOperator(req, len(exp))
}

func (g *gen) filter(req map[string]any, param string) {
	f := map[string]any{}
	for i := 1 + g.r.IntN(2); i > 0; i-- {
		f[g.pick("a", "b", "c", "d")] = g.legacyCond()
	}
	req[param] = f
	g.conditionalOperator(req, len(f))
}

// conditionalOperator sets AND, or OR over a single condition: dynalite decides OR by the
// first condition alone (README.md), so OR over several is tested in TestLegacyConditionalOperatorOR.
func (g *gen) conditionalOperator(req map[string]any, conds int) {
	switch {
	case g.r.IntN(2) == 0:
	case conds == 1:
		req["ConditionalOperator"] = g.pick("AND", "OR")
	default:
		req["ConditionalOperator"] = "AND"
	}
}

func (g *gen) attributesToGet() []any {
	seen := map[string]bool{}
	var out []any
	for i := 1 + g.r.IntN(3); i > 0; i-- {
		a := g.pick("a", "b", "m", "pk", "sk", "id", "g")
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

func (g *gen) attributeUpdates(table string) map[string]any {
	au := map[string]any{}
	for i := 1 + g.r.IntN(3); i > 0; i-- {
		var u map[string]any
		switch g.r.IntN(6) {
		case 0:
			u = map[string]any{"Action": "DELETE"}
		case 1:
			u = map[string]any{"Action": "ADD", "Value": map[string]any{"N": g.num()}}
		case 2:
			u = map[string]any{"Action": "ADD", "Value": map[string]any{"SS": uniq(g.r, g.str, 2)}}
		case 3:
			u = map[string]any{"Action": "DELETE", "Value": map[string]any{"SS": uniq(g.r, g.str, 1)}}
		default:
			u = map[string]any{"Action": "PUT", "Value": g.value(0)}
			if g.r.IntN(4) == 0 {
				delete(u, "Action") // PUT is the default
			}
		}
		au[g.pick("a", "b", "c", "d")] = u
	}
	if table == g.t1() && g.r.IntN(4) == 0 {
		au["g"] = map[string]any{"Action": "PUT", "Value": map[string]any{"S": g.pick("g1", "g2")}}
	}
	return au
}

// legacy returns a request using legacy parameters; about one in eight also carries the
// expression parameter it may not be mixed with.
func (g *gen) legacy(lastKeys map[string]any) op {
	t := g.table()
	mix := g.r.IntN(8) == 0
	switch k := g.r.IntN(12); {
	case k < 2:
		req := map[string]any{"TableName": t, "Item": g.item(t)}
		g.expected(req)
		if g.r.IntN(2) == 0 {
			req["ReturnValues"] = g.pick("ALL_OLD", "NONE")
		}
		if mix {
			req["ConditionExpression"] = "attribute_exists(a)"
		}
		return op{"PutItem", req}
	case k < 5:
		req := map[string]any{"TableName": t, "Key": g.key(t), "AttributeUpdates": g.attributeUpdates(t)}
		if g.r.IntN(2) == 0 {
			g.expected(req)
		}
		req["ReturnValues"] = g.pick("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW")
		if mix {
			req["UpdateExpression"] = "SET a = :v"
			req["ExpressionAttributeValues"] = map[string]any{":v": map[string]any{"S": "x"}}
		}
		return op{"UpdateItem", req}
	case k < 6:
		req := map[string]any{"TableName": t, "Key": g.key(t)}
		g.expected(req)
		req["ReturnValues"] = g.pick("ALL_OLD", "NONE")
		if mix {
			req["ConditionExpression"] = "attribute_exists(a)"
		}
		return op{"DeleteItem", req}
	case k < 7:
		if g.r.IntN(3) == 0 {
			var keys []any
			seen := map[string]bool{}
			for i := 1 + g.r.IntN(3); i > 0; i-- {
				key := g.key(t)
				if ks := fmt.Sprint(key); !seen[ks] {
					seen[ks] = true
					keys = append(keys, key)
				}
			}
			tr := map[string]any{"Keys": keys, "AttributesToGet": g.attributesToGet()}
			if mix {
				tr["ProjectionExpression"] = "a"
			}
			return op{"BatchGetItem", map[string]any{"RequestItems": map[string]any{t: tr}}}
		}
		req := map[string]any{"TableName": t, "Key": g.key(t), "AttributesToGet": g.attributesToGet()}
		if mix {
			req["ProjectionExpression"] = "a"
		}
		return op{"GetItem", req}
	case k < 10:
		return g.legacyQuery(lastKeys, mix)
	default:
		req := map[string]any{"TableName": t}
		if g.r.IntN(3) > 0 {
			g.filter(req, "ScanFilter")
		}
		if g.r.IntN(3) == 0 {
			req["AttributesToGet"] = g.attributesToGet()
			if g.r.IntN(3) == 0 {
				req["Select"] = g.pick("SPECIFIC_ATTRIBUTES", "ALL_ATTRIBUTES", "COUNT")
			}
		}
		if g.r.IntN(2) == 0 {
			req["Limit"] = 1 + g.r.IntN(4)
			if lk, ok := lastKeys[pageKey(req)]; ok && g.r.IntN(2) == 0 {
				req["ExclusiveStartKey"] = lk
			}
		}
		if mix {
			req["FilterExpression"] = "attribute_exists(a)"
		}
		return op{"Scan", req}
	}
}

func (g *gen) legacyQuery(lastKeys map[string]any, mix bool) op {
	t := g.pick(g.t1(), g.t1(), g.t3())
	req := map[string]any{"TableName": t}
	eq := func(v map[string]any) map[string]any {
		return map[string]any{"ComparisonOperator": "EQ", "AttributeValueList": []any{v}}
	}
	rangeCond := func(vals ...map[string]any) map[string]any {
		op := g.pick("EQ", "LT", "LE", "GT", "GE", "BETWEEN", "BEGINS_WITH")
		switch op {
		case "BETWEEN":
			return map[string]any{"ComparisonOperator": op, "AttributeValueList": []any{vals[0], vals[1]}}
		case "BEGINS_WITH":
			return map[string]any{"ComparisonOperator": op, "AttributeValueList": []any{map[string]any{"S": "a"}}}
		}
		return map[string]any{"ComparisonOperator": op, "AttributeValueList": []any{vals[g.r.IntN(len(vals))]}}
	}
	kc := map[string]any{}
	switch {
	case t == g.t3():
		kc["bk"] = eq(g.key(t)["bk"].(map[string]any))
		if g.r.IntN(2) == 0 {
			kc["rs"] = rangeCond(map[string]any{"S": "a"}, map[string]any{"S": "b"})
		}
	default:
		switch g.r.IntN(3) {
		case 0:
			req["IndexName"] = "gsi1"
			kc["g"] = eq(map[string]any{"S": g.pick("g1", "g2")})
			if g.r.IntN(2) == 0 {
				kc["n"] = rangeCond(map[string]any{"N": "0"}, map[string]any{"N": "10"})
			}
		case 1:
			req["IndexName"] = "lsi1"
			kc["pk"] = eq(map[string]any{"S": g.pick("p1", "p2")})
			if g.r.IntN(2) == 0 {
				kc["ls"] = rangeCond(map[string]any{"S": "l1"}, map[string]any{"S": "l3"})
			}
		default:
			kc["pk"] = eq(map[string]any{"S": g.pick("p1", "p2", "p3")})
			if g.r.IntN(2) == 0 {
				kc["sk"] = rangeCond(map[string]any{"N": "1"}, map[string]any{"N": "3"})
			}
		}
	}
	req["KeyConditions"] = kc
	if g.r.IntN(3) == 0 {
		g.filter(req, "QueryFilter")
	}
	if g.r.IntN(4) == 0 {
		req["AttributesToGet"] = g.attributesToGet()
		if g.r.IntN(3) == 0 {
			req["Select"] = g.pick("SPECIFIC_ATTRIBUTES", "ALL_ATTRIBUTES", "COUNT", "ALL_PROJECTED_ATTRIBUTES")
		}
	}
	if g.r.IntN(2) == 0 {
		req["ScanIndexForward"] = false
	}
	if g.r.IntN(2) == 0 {
		req["Limit"] = 1 + g.r.IntN(3)
		if lk, ok := lastKeys[pageKey(req)]; ok && g.r.IntN(2) == 0 {
			req["ExclusiveStartKey"] = lk
		}
	}
	if mix {
		if g.r.IntN(2) == 0 {
			req["KeyConditionExpression"] = "pk = :p"
			req["ExpressionAttributeValues"] = map[string]any{":p": map[string]any{"S": "p1"}}
		} else {
			req["FilterExpression"] = "attribute_exists(a)"
		}
	}
	return op{"Query", req}
}

// slot is a path present in the current item with its value.
type slot struct {
	p genPath
	v map[string]any
}

func avType(v map[string]any) string {
	for k := range v {
		return k
	}
	return ""
}

// slots lists every path of the item (maps and lists walked to depth 3) in a fixed order.
func slots(item map[string]any) []slot {
	var out []slot
	var walk func(p genPath, v map[string]any, depth int)
	walk = func(p genPath, v map[string]any, depth int) {
		out = append(out, slot{p, v})
		if depth >= 3 {
			return
		}
		switch avType(v) {
		case "M":
			m, _ := v["M"].(map[string]any)
			for _, k := range sortedNames(m) {
				if c, ok := m[k].(map[string]any); ok {
					walk(p.child(k), c, depth+1)
				}
			}
		case "L":
			l, _ := v["L"].([]any)
			for i, e := range l {
				if c, ok := e.(map[string]any); ok {
					walk(p.child(i), c, depth+1)
				}
			}
		}
	}
	for _, k := range sortedNames(item) {
		if c, ok := item[k].(map[string]any); ok && !keyAttrs[k] {
			walk(genPath{head: k}, c, 1)
		}
	}
	return out
}

func sortedNames(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// updater builds one UpdateExpression. Every action owns the top-level attributes it writes or
// reads: two actions on one attribute would overlap (an error the invalid branch makes on
// purpose), and dynalite aliases SET source values, so a later action inside a source would
// change the copy too (DynamoDB copies; README.md).
type updater struct {
	g                            *gen
	s                            *exprState
	table                        string
	all                          []slot
	used                         map[string]bool
	sets, removes, adds, deletes []string
}

// find returns a random slot with a free head for which ok holds.
func (u *updater) find(ok func(slot) bool) (slot, bool) {
	var c []slot
	for _, sl := range u.all {
		if !u.used[sl.p.head] && ok(sl) {
			c = append(c, sl)
		}
	}
	if len(c) == 0 {
		return slot{}, false
	}
	return c[u.g.r.IntN(len(c))], true
}

func (u *updater) ofType(ts ...string) func(slot) bool {
	return func(sl slot) bool {
		for _, t := range ts {
			if avType(sl.v) == t {
				return true
			}
		}
		return false
	}
}

func topLevel(sl slot) bool { return len(sl.p.rest) == 0 }

// absent returns a free top-level attribute the item lacks.
func (u *updater) absent() (genPath, bool) {
	var c []string
	for _, n := range updateNames {
		if u.used[n] {
			continue
		}
		present := false
		for _, sl := range u.all {
			if sl.p.head == n {
				present = true
				break
			}
		}
		if !present {
			c = append(c, n)
		}
	}
	if len(c) == 0 {
		return genPath{}, false
	}
	return genPath{head: c[u.g.r.IntN(len(c))]}, true
}

var updateNames = []string{"a", "b", "c", "d", "m", "l", "e", "f"}

// target picks where a computed value goes: the source itself, another top-level attribute
// (present or not) or a free present path.
func (u *updater) target(src genPath) genPath {
	switch u.g.r.IntN(3) {
	case 0:
		return src
	case 1:
		if p, ok := u.absent(); ok {
			return p
		}
	}
	if sl, ok := u.find(func(sl slot) bool { return sl.p.head != src.head }); ok {
		return sl.p
	}
	return src
}

func (u *updater) claim(ps ...genPath) {
	for _, p := range ps {
		u.used[p.head] = true
	}
}

func (u *updater) setOf(t string, from []any) map[string]any {
	g := u.g
	var vals []any
	switch t {
	case "NS":
		vals = uniqNum(g, 1+g.r.IntN(2))
	case "BS":
		vals = uniq(g.r, g.bin, 1+g.r.IntN(2))
	default:
		t = "SS"
		vals = uniq(g.r, g.str, 1+g.r.IntN(2))
	}
	if len(from) > 0 && g.r.IntN(3) > 0 {
		// Reuse an existing element so DELETE removes something and ADD overlaps.
		e := from[g.r.IntN(len(from))]
		vals = append([]any{e}, vals[1:]...)
		if t == "NS" {
			vals = uniqNum2(vals)
		} else {
			vals = uniqAny(vals)
		}
	}
	return map[string]any{t: vals}
}

func uniqAny(vals []any) []any {
	seen := map[any]bool{}
	var out []any
	for _, v := range vals {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func uniqNum2(vals []any) []any {
	seen := map[string]bool{}
	var out []any
	for _, v := range vals {
		n, _ := normalizeNumber(v.(string))
		if !seen[n] {
			seen[n] = true
			out = append(out, v)
		}
	}
	return out
}

func (u *updater) num() string {
	return u.s.val(map[string]any{"N": u.g.pick("1", "2", "-1", "0.5", "10", "-2.5", "3e2")})
}

// action adds one valid action of a random kind; it reports false when the item offers
// nothing for it (the caller then tries another kind).
func (u *updater) action() bool {
	g, s := u.g, u.s
	switch g.r.IntN(12) {
	case 0, 1: // SET p = :v on a present path (nested too), a new attribute or a new map key
		var p genPath
		switch g.r.IntN(3) {
		case 0:
			sl, ok := u.find(func(slot) bool { return true })
			if !ok {
				return false
			}
			p = sl.p
		case 1:
			sl, ok := u.find(u.ofType("M"))
			if !ok {
				return false
			}
			p = sl.p.child(g.pick("x", "y", "z", "w"))
		default:
			var ok bool
			if p, ok = u.absent(); !ok {
				return false
			}
		}
		u.claim(p)
		if len(p.rest) > 0 {
			g.label("SET nested =")
		} else {
			g.label("SET =")
		}
		u.sets = append(u.sets, s.render(p)+" = "+s.val(g.value(1)))
	case 2, 3: // SET t = src + :n | :n + src | src - :n | :n - src
		sl, ok := u.find(u.ofType("N"))
		if !ok {
			// No number yet: the counter idiom t = if_not_exists(t, :0) + :n.
			p, ok := u.absent()
			if !ok {
				return false
			}
			u.claim(p)
			g.label("SET if_not_exists", "SET path+")
			u.sets = append(u.sets, s.render(p)+" = if_not_exists("+s.render(p)+", "+s.val(map[string]any{"N": "0"})+") + "+u.num())
			return true
		}
		t := u.target(sl.p)
		u.claim(sl.p, t)
		op := g.pick("+", "-")
		g.label("SET path" + op)
		if len(sl.p.rest) > 0 {
			g.label("SET nested operand")
		}
		tr, sr := s.render(t), s.render(sl.p)
		if g.r.IntN(2) == 0 {
			u.sets = append(u.sets, tr+" = "+sr+" "+op+" "+u.num())
		} else {
			u.sets = append(u.sets, tr+" = "+u.num()+" "+op+" "+sr)
		}
	case 4: // SET t = if_not_exists(src, :v), src present or not
		var src genPath
		if sl, ok := u.find(func(slot) bool { return true }); ok && g.r.IntN(2) == 0 {
			src = sl.p
		} else if p, ok := u.absent(); ok {
			src = p
		} else {
			return false
		}
		t := u.target(src)
		u.claim(src, t)
		g.label("SET if_not_exists")
		u.sets = append(u.sets, s.render(t)+" = if_not_exists("+s.render(src)+", "+s.val(g.value(1))+")")
	case 5, 6: // list_append both orders
		l := map[string]any{"L": []any{g.value(2)}}
		sl, ok := u.find(u.ofType("L"))
		if !ok {
			p, ok := u.absent()
			if !ok {
				return false
			}
			u.claim(p)
			g.label("SET list_append(if_not_exists)")
			u.sets = append(u.sets, s.render(p)+" = list_append(if_not_exists("+s.render(p)+", "+s.val(map[string]any{"L": []any{}})+"), "+s.val(l)+")")
			return true
		}
		t := u.target(sl.p)
		u.claim(sl.p, t)
		tr, sr := s.render(t), s.render(sl.p)
		if g.r.IntN(2) == 0 {
			g.label("SET list_append(path, v)")
			u.sets = append(u.sets, tr+" = list_append("+sr+", "+s.val(l)+")")
		} else {
			g.label("SET list_append(v, path)")
			u.sets = append(u.sets, tr+" = list_append("+s.val(l)+", "+sr+")")
		}
	case 7, 11: // REMOVE a top-level attribute (present or not), a map key or a list element
		var p genPath
		switch g.r.IntN(4) {
		case 0, 3:
			// Map keys first: lists are the commoner nested values.
			sl, ok := u.find(func(sl slot) bool {
				if len(sl.p.rest) == 0 {
					return false
				}
				_, key := sl.p.rest[len(sl.p.rest)-1].(string)
				return key
			})
			if !ok {
				if sl, ok = u.find(func(sl slot) bool { return len(sl.p.rest) > 0 }); !ok {
					return false
				}
			}
			p = sl.p
			if _, ok := p.rest[len(p.rest)-1].(int); ok {
				g.label("REMOVE list[i]")
			} else {
				g.label("REMOVE map.key")
			}
		case 1:
			sl, ok := u.find(topLevel)
			if !ok {
				return false
			}
			p = sl.p
			g.label("REMOVE")
		default:
			var ok bool
			if p, ok = u.absent(); !ok {
				return false
			}
			g.label("REMOVE absent")
		}
		u.claim(p)
		u.removes = append(u.removes, s.render(p))
	case 8: // ADD number to a number or to nothing
		var p genPath
		if sl, ok := u.find(func(sl slot) bool { return topLevel(sl) && avType(sl.v) == "N" }); ok {
			p = sl.p
		} else if p, ok = u.absent(); !ok {
			return false
		}
		u.claim(p)
		g.label("ADD number")
		u.adds = append(u.adds, s.render(p)+" "+u.num())
	case 9: // ADD set elements to a set of that type or to nothing
		var p genPath
		var v map[string]any
		if sl, ok := u.find(func(sl slot) bool { return topLevel(sl) && u.ofType("SS", "NS", "BS")(sl) }); ok {
			p = sl.p
			t := avType(sl.v)
			from, _ := sl.v[t].([]any)
			v = u.setOf(t, from)
		} else if p, ok = u.absent(); ok {
			v = u.setOf(g.pick("SS", "NS", "BS"), nil)
		} else {
			return false
		}
		u.claim(p)
		g.label("ADD set")
		u.adds = append(u.adds, s.render(p)+" "+s.val(v))
	default: // DELETE set elements
		sl, ok := u.find(func(sl slot) bool { return topLevel(sl) && u.ofType("SS", "NS", "BS")(sl) })
		if !ok {
			return false
		}
		t := avType(sl.v)
		from, _ := sl.v[t].([]any)
		u.claim(sl.p)
		g.label("DELETE set")
		u.deletes = append(u.deletes, s.render(sl.p)+" "+s.val(u.setOf(t, from)))
	}
	return true
}

// invalid adds one action DynamoDB rejects, so error messages are compared too.
func (u *updater) invalid() {
	g, s := u.g, u.s
	notType := func(ts ...string) func(slot) bool {
		is := u.ofType(ts...)
		return func(sl slot) bool { return !is(sl) }
	}
	fallback := func() {
		// A path below an attribute the item lacks.
		p, ok := u.absent()
		if !ok {
			p = genPath{head: "zz"}
		}
		g.label("invalid: path below absent")
		u.sets = append(u.sets, s.render(p.child("x"))+" = "+s.val(g.value(1)))
	}
	switch g.r.IntN(9) {
	case 0:
		sl, ok := u.find(notType("N"))
		if !ok {
			fallback()
			return
		}
		g.label("invalid: arithmetic on non-number")
		u.sets = append(u.sets, s.render(sl.p)+" = "+s.render(sl.p)+" + "+u.num())
	case 1:
		sl, ok := u.find(notType("L"))
		if !ok {
			fallback()
			return
		}
		g.label("invalid: list_append on non-list")
		u.sets = append(u.sets, s.render(sl.p)+" = list_append("+s.render(sl.p)+", "+s.val(map[string]any{"L": []any{}})+")")
	case 2:
		sl, ok := u.find(func(sl slot) bool { return topLevel(sl) && notType("N", "SS", "NS", "BS")(sl) })
		if !ok {
			fallback()
			return
		}
		g.label("invalid: ADD to wrong type")
		u.adds = append(u.adds, s.render(sl.p)+" "+u.num())
	case 3:
		sl, ok := u.find(func(sl slot) bool { return topLevel(sl) && u.ofType("SS", "NS", "BS")(sl) })
		if !ok {
			fallback()
			return
		}
		other := map[string]string{"SS": "NS", "NS": "BS", "BS": "SS"}[avType(sl.v)]
		g.label("invalid: DELETE set of other type")
		u.deletes = append(u.deletes, s.render(sl.p)+" "+s.val(u.setOf(other, nil)))
	case 4:
		p, ok := u.absent()
		if !ok {
			fallback()
			return
		}
		g.label("invalid: operand absent")
		u.sets = append(u.sets, s.render(p)+" = "+s.render(p)+" + "+u.num())
	case 5:
		g.label("invalid: overlapping paths")
		sl, ok := u.find(func(slot) bool { return true })
		if !ok {
			fallback()
			return
		}
		u.sets = append(u.sets, s.render(sl.p)+" = "+s.val(g.value(1)))
		u.removes = append(u.removes, s.render(genPath{head: sl.p.head}))
	case 6:
		g.label("invalid: unused placeholder")
		if g.r.IntN(2) == 0 {
			s.names["#unused"] = "q"
		} else {
			s.vals[":unused"] = map[string]any{"S": "q"}
		}
	case 7:
		g.label("invalid: key attribute")
		k := map[string]string{"t1": "pk", "t2": "id", "t3": "rs"}[u.table[:2]]
		u.sets = append(u.sets, s.render(genPath{head: k})+" = "+s.val(map[string]any{"S": "k"}))
	default:
		g.label("invalid: syntax")
		u.sets = append(u.sets, s.render(genPath{head: g.pick("a", "b")})+g.pick(" = ", " = :", " == ", " = ("))
	}
}

// update builds an UpdateExpression that fits item (nil if absent); about one in eight carries
// a deliberate error.
func (g *gen) update(s *exprState, table string, item map[string]any) string {
	u := &updater{g: g, s: s, table: table, all: slots(item), used: map[string]bool{}}
	if item == nil {
		g.label("item absent")
	}
	if g.r.IntN(8) == 0 {
		u.invalid()
	}
	for i := 1 + g.r.IntN(3); i > 0; i-- {
		for try := 0; try < 4 && !u.action(); try++ {
		}
	}
	if table == g.t1() && g.r.IntN(4) == 0 && !u.used["g"] {
		u.sets = append(u.sets, "g = "+s.val(map[string]any{"S": g.pick("g1", "g2")}))
	}
	var out []string
	for _, c := range []struct {
		kw   string
		acts []string
	}{{"SET", u.sets}, {"REMOVE", u.removes}, {"ADD", u.adds}, {"DELETE", u.deletes}} {
		if len(c.acts) > 0 {
			out = append(out, c.kw+" "+strings.Join(c.acts, ", "))
		}
	}
	if len(out) == 0 {
		return "REMOVE zz"
	}
	return strings.Join(out, " ")
}
