package dynamodb

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
)

// gen produces random but mostly valid DynamoDB requests over a small key space, so
// operations collide, conditions both pass and fail, and pages split.
type gen struct {
	r      *rand.Rand
	suffix string
}

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

// exprState accumulates placeholders for one request.
type exprState struct {
	g     *gen
	names map[string]any
	vals  map[string]any
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

func (s *exprState) path() string {
	switch s.g.r.IntN(6) {
	case 0:
		return s.name("m") + ".x"
	case 1:
		return s.name("l") + fmt.Sprintf("[%d]", s.g.r.IntN(4))
	case 2:
		return s.name("m") + ".y[" + fmt.Sprint(s.g.r.IntN(3)) + "]"
	}
	return s.name(s.g.pick(attrNames...))
}

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
		p := s.path()
		head := strings.TrimPrefix(strings.SplitN(strings.SplitN(p, ".", 2)[0], "[", 2)[0], "#")
		if seen[head] {
			continue
		}
		seen[head] = true
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func (g *gen) update(s *exprState, table string) string {
	var sets, removes, adds, deletes []string
	used := map[string]bool{}
	fresh := func() (string, bool) {
		p := s.path()
		head := strings.TrimPrefix(strings.SplitN(strings.SplitN(p, ".", 2)[0], "[", 2)[0], "#")
		if used[head] {
			return "", false
		}
		used[head] = true
		return p, true
	}
	// src picks a source path whose attribute no other action touches: dynalite aliases the
	// source object, so a later REMOVE/ADD inside it would change the copy too (DynamoDB does not).
	src := func() string {
		p, ok := fresh()
		if !ok {
			return s.name("zz")
		}
		return p
	}
	for i := 1 + g.r.IntN(3); i > 0; i-- {
		p, ok := fresh()
		if !ok {
			continue
		}
		switch g.r.IntN(9) {
		case 0:
			removes = append(removes, p)
		case 1:
			adds = append(adds, p+" "+s.val(g.pick2(map[string]any{"N": g.num()}, map[string]any{"SS": uniq(g.r, g.str, 2)})))
		case 2:
			deletes = append(deletes, p+" "+s.val(map[string]any{"SS": uniq(g.r, g.str, 2)}))
		case 3:
			sets = append(sets, p+" = "+src()+" + "+s.val(map[string]any{"N": g.num()}))
		case 4:
			sets = append(sets, p+" = if_not_exists("+src()+", "+s.val(s.scalar())+")")
		case 5:
			sets = append(sets, p+" = list_append("+src()+", "+s.val(map[string]any{"L": []any{g.value(2)}})+")")
		case 6:
			sets = append(sets, p+" = "+s.val(map[string]any{"N": g.num()})+" - "+s.val(map[string]any{"N": g.num()}))
		default:
			sets = append(sets, p+" = "+s.val(g.value(0)))
		}
	}
	if table == g.t1() && g.r.IntN(4) == 0 && !used["g"] {
		sets = append(sets, "g = "+s.val(map[string]any{"S": g.pick("g1", "g2")}))
	}
	var out []string
	if len(sets) > 0 {
		out = append(out, "SET "+strings.Join(sets, ", "))
	}
	if len(removes) > 0 {
		out = append(out, "REMOVE "+strings.Join(removes, ", "))
	}
	if len(adds) > 0 {
		out = append(out, "ADD "+strings.Join(adds, ", "))
	}
	if len(deletes) > 0 {
		out = append(out, "DELETE "+strings.Join(deletes, ", "))
	}
	if len(out) == 0 {
		return "REMOVE zz"
	}
	return strings.Join(out, " ")
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
		req := map[string]any{"TableName": t, "Key": g.key(t), "UpdateExpression": g.update(s, t)}
		if g.r.IntN(2) == 0 {
			req["ConditionExpression"] = s.cond(0)
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
			if lk, ok := lastKeys[t]; ok && g.r.IntN(2) == 0 {
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
		var reqs []any
		seen := map[string]bool{}
		for i := 1 + g.r.IntN(4); i > 0; i-- {
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
		return op{"BatchWriteItem", map[string]any{"RequestItems": map[string]any{t: reqs}}}
	default:
		var keys []any
		seen := map[string]bool{}
		for i := 1 + g.r.IntN(4); i > 0; i-- {
			key := g.key(t)
			if ks := fmt.Sprint(key); !seen[ks] {
				seen[ks] = true
				keys = append(keys, key)
			}
		}
		return op{"BatchGetItem", map[string]any{"RequestItems": map[string]any{t: map[string]any{"Keys": keys}}}}
	}
}

func (g *gen) query(lastKeys map[string]any) op {
	s := g.newState()
	req := map[string]any{}
	t := g.pick(g.t1(), g.t1(), g.t3())
	req["TableName"] = t
	var kc string
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
	if g.r.IntN(2) == 0 {
		req["Limit"] = 1 + g.r.IntN(3)
		if lk, ok := lastKeys[t]; ok && g.r.IntN(2) == 0 {
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
			if lk, ok := lastKeys[t]; ok && g.r.IntN(2) == 0 {
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
		if lk, ok := lastKeys[t]; ok && g.r.IntN(2) == 0 {
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
