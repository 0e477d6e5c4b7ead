package ddbengine

import (
	"regexp"
	"slices"
	"strings"
)

// ---- shared request validation ----

func validateExpressionParams(req *jval, exprs, nonExprs []string) string {
	var used []string
	for _, x := range exprs {
		if req.get(x) != nil {
			used = append(used, x)
		}
	}
	if len(used) > 0 {
		if req.get("KeyConditions") != nil && req.get("KeyConditionExpression") == nil {
			kept := nonExprs[:0:0]
			for _, n := range nonExprs {
				if n != "KeyConditions" {
					kept = append(kept, n)
				}
			}
			nonExprs = kept
		}
		var bad []string
		for _, n := range nonExprs {
			if req.get(n) != nil {
				bad = append(bad, n)
			}
		}
		if len(bad) > 0 {
			return "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {" + strings.Join(bad, ", ") + "} Expression parameters: {" + strings.Join(used, ", ") + "}"
		}
	}
	if req.get("ExpressionAttributeNames") != nil && len(used) == 0 {
		return "ExpressionAttributeNames can only be specified when using expressions"
	}
	var valExprs []string
	for _, x := range exprs {
		if x != "ProjectionExpression" {
			valExprs = append(valExprs, x)
		}
	}
	if len(valExprs) > 0 && req.get("ExpressionAttributeValues") != nil {
		none := true
		for _, x := range valExprs {
			if req.get(x) != nil {
				none = false
			}
		}
		if none {
			verb := "is"
			if len(valExprs) > 1 {
				verb = "are"
			}
			return "ExpressionAttributeValues can only be specified when using expressions: " + strings.Join(valExprs, " and ") + " " + verb + " null"
		}
	}
	return ""
}

// parsedExprs holds the expressions of one request.
type parsedExprs struct {
	update     *updateExpr
	condition  *condExpr
	keyCond    *condExpr
	filter     *condExpr
	projection *projExpr
}

var (
	nameKeyRe = regexp.MustCompile(`^#[0-9a-zA-Z_]+$`)
	valKeyRe  = regexp.MustCompile(`^:[0-9a-zA-Z_]+$`)
)

// exprMembers are the request members validateExpressions reads.
var exprMembers = []string{"ExpressionAttributeNames", "ExpressionAttributeValues", "UpdateExpression", "ConditionExpression", "KeyConditionExpression", "FilterExpression", "ProjectionExpression"}

func validateExpressions(req *jval) (*parsedExprs, string) {
	// Most requests use no expressions: skip building the parse context for them.
	if !slices.ContainsFunc(exprMembers, func(m string) bool { return req.get(m) != nil }) {
		return &parsedExprs{}, ""
	}
	ctx := &exprCtx{names: map[string]string{}, vals: map[string]*AV{}, usedNames: map[string]bool{}, usedVals: map[string]bool{}}
	if n := req.get("ExpressionAttributeNames"); n != nil {
		if len(n.obj) == 0 {
			return nil, "ExpressionAttributeNames must not be empty"
		}
		for _, fl := range n.obj {
			if !nameKeyRe.MatchString(fl.key) {
				return nil, "ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + fl.key + "\""
			}
			ctx.names[fl.key] = jstr(fl.val)
			ctx.unusedNames = append(ctx.unusedNames, fl.key)
		}
	}
	if v := req.get("ExpressionAttributeValues"); v != nil {
		if len(v.obj) == 0 {
			return nil, "ExpressionAttributeValues must not be empty"
		}
		for _, fl := range v.obj {
			if !valKeyRe.MatchString(fl.key) {
				return nil, "ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + fl.key + "\""
			}
			ctx.unusedVals = append(ctx.unusedVals, fl.key)
		}
		for _, fl := range v.obj {
			a, msg := validateAV(fl.val)
			if msg != "" {
				return nil, "ExpressionAttributeValues contains invalid value: " + msg + " for key " + fl.key
			}
			ctx.vals[fl.key] = a
		}
	}
	out := &parsedExprs{}
	var msg string
	if s := req.get("UpdateExpression"); s != nil {
		if out.update, msg = parseUpdate(s.s, ctx); msg != "" {
			return nil, "Invalid UpdateExpression: " + msg
		}
	}
	if s := req.get("ConditionExpression"); s != nil {
		if out.condition, msg = parseCondition(s.s, ctx); msg != "" {
			return nil, "Invalid ConditionExpression: " + msg
		}
	}
	if s := req.get("KeyConditionExpression"); s != nil {
		if out.keyCond, msg = parseCondition(s.s, ctx); msg != "" {
			return nil, "Invalid KeyConditionExpression: " + msg
		}
	}
	if s := req.get("FilterExpression"); s != nil {
		if out.filter, msg = parseCondition(s.s, ctx); msg != "" {
			return nil, "Invalid FilterExpression: " + msg
		}
	}
	if s := req.get("ProjectionExpression"); s != nil {
		if out.projection, msg = parseProjection(s.s, ctx); msg != "" {
			return nil, "Invalid ProjectionExpression: " + msg
		}
	}
	var unused []string
	for _, n := range ctx.unusedNames {
		if !ctx.usedNames[n] {
			unused = append(unused, n)
		}
	}
	if len(unused) > 0 {
		return nil, "Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(unused, ", ") + "}"
	}
	for _, n := range ctx.unusedVals {
		if !ctx.usedVals[n] {
			unused = append(unused, n)
		}
	}
	if len(unused) > 0 {
		return nil, "Value provided in ExpressionAttributeValues unused in expressions: keys: {" + strings.Join(unused, ", ") + "}"
	}
	return out, ""
}

// legacy conditions (Expected, QueryFilter, ScanFilter, KeyConditions)

func validateAttributeConditions(req *jval) ([]legacyCondition, string) {
	exp := req.get("Expected")
	if exp == nil {
		return nil, ""
	}
	var out []legacyCondition
	for _, fl := range exp.obj {
		c, key := fl.val, fl.key
		avl, val := c.get("AttributeValueList"), c.get("Value")
		if avl != nil && val != nil {
			return nil, "One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: " + key
		}
		lc := legacyCondition{attr: key}
		if op := c.get("ComparisonOperator"); op != nil {
			if c.get("Exists") != nil {
				return nil, "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: " + key
			}
			if op.s != "NULL" && op.s != "NOT_NULL" && avl == nil && val == nil {
				return nil, "One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: " + op.s + " for Attribute: " + key
			}
			n := 0
			if avl != nil {
				n = len(avl.arr)
			} else if val != nil {
				n = 1
			}
			if !argCountOK(op.s, n) {
				return nil, "One or more parameter values were invalid: Invalid number of argument(s) for the " + op.s + " ComparisonOperator"
			}
			var vals []*jval
			if avl != nil {
				vals = avl.arr
			} else if val != nil {
				vals = []*jval{val}
			}
			for _, v := range vals {
				a, msg := validateAV(v)
				if msg != "" {
					return nil, msg
				}
				lc.values = append(lc.values, a)
			}
			if avl != nil && len(lc.values) > 0 {
				for _, a := range lc.values {
					if a.T != lc.values[0].T {
						return nil, "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"
					}
				}
				if op.s == "BETWEEN" && compare("GT", lc.values[0], lc.values[1:]) {
					return nil, "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
				}
			}
			lc.op = op.s
		} else if avl != nil {
			return nil, "One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: " + key
		} else {
			ex := c.get("Exists")
			exists := ex == nil || ex.b
			if exists && val == nil {
				s := "null"
				if ex != nil {
					s = "true"
				}
				return nil, "One or more parameter values were invalid: Value must be provided when Exists is " + s + " for Attribute: " + key
			}
			if !exists && val != nil {
				return nil, "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: " + key
			}
			if val != nil {
				a, msg := validateAV(val)
				if msg != "" {
					return nil, msg
				}
				lc.values = []*AV{a}
				lc.op = "EQ"
			} else {
				lc.op = "NULL"
			}
		}
		out = append(out, lc)
	}
	return out, ""
}

func argCountOK(op string, n int) bool {
	switch op {
	case "EQ", "NE", "LE", "LT", "GE", "GT", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH":
		return n == 1
	case "NULL", "NOT_NULL":
		return n == 0
	case "IN":
		return n > 0
	case "BETWEEN":
		return n == 2
	}
	return false
}

var condTypes = map[string][]string{
	"EQ": {"S", "N", "B", "SS", "NS", "BS"}, "NE": {"S", "N", "B", "SS", "NS", "BS"},
	"LE": {"S", "N", "B"}, "LT": {"S", "N", "B"}, "GE": {"S", "N", "B"}, "GT": {"S", "N", "B"},
	"CONTAINS": {"S", "N", "B"}, "NOT_CONTAINS": {"S", "N", "B"}, "BEGINS_WITH": {"S", "B"},
	"IN": {"S", "N", "B"}, "BETWEEN": {"S", "N", "B"},
}

// validateConditions checks a QueryFilter/ScanFilter/KeyConditions map.
func validateConditions(conds []legacyCondition) string {
	for _, c := range conds {
		n := len(c.values)
		okCount := false
		switch c.op {
		case "NULL", "NOT_NULL":
			okCount = n == 0
		case "IN":
			okCount = n >= 1
		case "BETWEEN":
			okCount = n == 2
		default:
			okCount = n == 1
		}
		if !okCount {
			return "One or more parameter values were invalid: Invalid number of argument(s) for the " + c.op + " ComparisonOperator"
		}
		for _, v := range c.values {
			if v.T != c.values[0].T {
				return "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"
			}
		}
		if ts, ok := condTypes[c.op]; ok {
			for _, v := range c.values {
				if !containsStr(ts, v.T) {
					return "One or more parameter values were invalid: ComparisonOperator " + c.op + " is not valid for " + v.T + " AttributeValue type"
				}
			}
		}
		if c.op == "BETWEEN" && compare("GT", c.values[0], c.values[1:]) {
			return "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
		}
	}
	return ""
}

func parseConditionMap(v *jval) ([]legacyCondition, string) {
	if v == nil {
		return nil, ""
	}
	var out []legacyCondition
	for _, fl := range v.obj {
		lc := legacyCondition{attr: fl.key, op: jstr(fl.val.get("ComparisonOperator"))}
		for _, a := range fl.val.get("AttributeValueList").arrOrNil() {
			av, msg := validateAV(a)
			if msg != "" {
				return nil, msg
			}
			lc.values = append(lc.values, av)
		}
		out = append(out, lc)
	}
	return out, ""
}

// ---- key validation against a table ----

func validateKey(key Item, keyLen int, t *table, keys []keyAttr) *apiError {
	if len(keys) != keyLen {
		return validationErr("The provided key element does not match the schema")
	}
	for i, k := range keys {
		if msg := validateKeyPiece(key, k, i == 0); msg != "" {
			return validationErr(msg)
		}
	}
	return nil
}

func validateKeyPiece(key Item, k keyAttr, isHash bool) string {
	v := key[k.name]
	if v == nil || v.T != k.typ {
		return "The provided key element does not match the schema"
	}
	if v.S == "" && (k.typ == "S" || k.typ == "B") {
		t := "string"
		if k.typ == "B" {
			t = "binary"
		}
		return "One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty " + t + " value. Key: " + k.name
	}
	return checkKeySize(v, isHash)
}

func checkKeySize(v *AV, isHash bool) string {
	if v.T == "N" {
		return ""
	}
	n := len(v.S)
	if v.T == "B" {
		n = len(b64(v.S))
	}
	if isHash && n > 2048 {
		return "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
	}
	if !isHash && n > 1024 {
		return "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
	}
	return ""
}

func validateItem(item Item, t *table) *apiError {
	for i, k := range t.keys {
		v := item[k.name]
		if v == nil {
			return validationErr("One or more parameter values were invalid: Missing the key " + k.name + " in the item")
		}
		if v.T != k.typ {
			return validationErr("One or more parameter values were invalid: Type mismatch for key " + k.name + " expected: " + k.typ + " actual: " + v.T)
		}
		if v.S == "" && (k.typ == "S" || k.typ == "B") {
			ty := "string"
			if k.typ == "B" {
				ty = "binary"
			}
			return validationErr("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty " + ty + " value. Key: " + k.name)
		}
		if msg := checkKeySize(v, i == 0); msg != "" {
			return validationErr(msg)
		}
	}
	for _, ik := range t.indexKeyAttrs() {
		if v := item[ik.name]; v != nil && v.T != ik.typ {
			return validationErr("One or more parameter values were invalid: Type mismatch for Index Key " + ik.name + " Expected: " + ik.typ + " Actual: " + v.T + " IndexName: " + ik.ix.name)
		}
	}
	return checkIndexKeyValues(item, t)
}

// checkIndexKeyValues rejects an item whose GSI or LSI key attribute holds an empty string
// or binary: DynamoDB allows those in non-key attributes only. PutItem, BatchWriteItem and a
// transaction's Put reach it through validateItem; UpdateItem and a transaction's Update
// through updatedItem, on the item as updated.
func checkIndexKeyValues(item Item, t *table) *apiError {
	for _, ik := range t.indexKeyAttrs() {
		v := item[ik.name]
		if v == nil || v.S != "" || (v.T != "S" && v.T != "B") {
			continue
		}
		ty := "string"
		if v.T == "B" {
			ty = "binary"
		}
		return validationErr("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty " + ty + " value. IndexName: " + ik.ix.name + ", IndexKey: " + ik.name)
	}
	return nil
}

func validateKeyPaths(nested map[string]bool, t *table) *apiError {
	if nested == nil {
		return nil
	}
	for _, k := range t.keys {
		if nested[k.name] {
			return validationErr("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: " + k.name)
		}
	}
	for _, ik := range t.indexKeyAttrs() {
		if nested[ik.name] {
			return validationErr("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: " + ik.name)
		}
	}
	return nil
}

func validateUpdates(updates []attributeUpdate, u *updateExpr, t *table) *apiError {
	if updates == nil && u == nil {
		return nil
	}
	for _, k := range t.keys {
		has := false
		if u != nil {
			for _, s := range u.sections {
				if s.path[0].name == k.name && !s.path[0].isIdx {
					has = true
					break
				}
			}
		} else {
			for _, up := range updates {
				if up.attr == k.name {
					has = true
				}
			}
		}
		if has {
			return validationErr("One or more parameter values were invalid: Cannot update attribute " + k.name + ". This attribute is part of the key")
		}
	}
	for _, ik := range t.indexKeyAttrs() {
		actual := ""
		if u != nil {
			for _, s := range u.sections {
				if len(s.path) == 1 && s.path[0].name == ik.name {
					actual = s.attrType
					break
				}
			}
		} else {
			for _, up := range updates {
				if up.attr == ik.name && up.value != nil {
					actual = up.value.T
				}
			}
		}
		if actual != "" && actual != ik.typ {
			return validationErr("One or more parameter values were invalid: Type mismatch for Index Key " + ik.name + " Expected: " + ik.typ + " Actual: " + actual + " IndexName: " + ik.ix.name)
		}
	}
	if u != nil {
		return validateKeyPaths(u.nestedPaths, t)
	}
	return nil
}

func conditionalFailed(old Item, returnOld bool) *apiError {
	err := ddbErr("ConditionalCheckFailedException", "The conditional request failed")
	if returnOld && old != nil {
		err.extra = map[string]any{"Item": old}
	}
	return err
}

func checkConditional(ex *parsedExprs, expected []legacyCondition, condOp string, existing Item) bool {
	if existing == nil {
		existing = Item{}
	}
	if ex != nil && ex.condition != nil {
		return evalCond(ex.condition.root, existing)
	}
	if expected == nil {
		return true
	}
	return matchesLegacy(existing, expected, condOp)
}

// consumed builds ConsumedCapacity when asked for.
func consumed(req *jval, table string, units float64) map[string]any {
	rc := jstr(req.get("ReturnConsumedCapacity"))
	if rc != "TOTAL" && rc != "INDEXES" {
		return nil
	}
	c := map[string]any{"CapacityUnits": units, "TableName": table}
	if rc == "INDEXES" {
		c["Table"] = map[string]any{"CapacityUnits": units}
	}
	return c
}

func capacityUnits(item Item, read, consistent bool) float64 {
	size := 1.0
	if item != nil {
		div := 1024.0
		if read {
			div *= 4
		}
		size = ceil(float64(itemSize(item, false, false, "")) / div)
	}
	if read && !consistent {
		return size / 2
	}
	return size
}

func ceil(f float64) float64 {
	i := float64(int64(f))
	if f > i {
		return i + 1
	}
	return i
}

func writeCapacity(req *jval, table string, a, b Item) map[string]any {
	u := capacityUnits(a, false, false)
	if b != nil {
		u = max(u, capacityUnits(b, false, false))
	}
	return consumed(req, table, u)
}

// ---- PutItem / GetItem / DeleteItem / UpdateItem ----

func (e *Engine) putItem(req *jval) (any, *apiError) {
	if msg := validateExpressionParams(req, []string{"ConditionExpression"}, []string{"Expected"}); msg != "" {
		return nil, validationErr(msg)
	}
	item, msg := validateItemMap(req.get("Item"))
	if msg != "" {
		return nil, validationErr(msg)
	}
	rv := jstr(req.get("ReturnValues"))
	if rv != "" && rv != "ALL_OLD" && rv != "NONE" {
		return nil, validationErr("ReturnValues can only be ALL_OLD or NONE")
	}
	if itemSize(item, false, false, "") > maxItemSize {
		return nil, validationErr("Item size has exceeded the maximum allowed size")
	}
	expected, ex, err := writeConditions(req)
	if err != nil {
		return nil, err
	}
	name := jstr(req.get("TableName"))
	t, err := e.getTable(name)
	if err != nil {
		return nil, err
	}
	if err := validateItem(item, t); err != nil {
		return nil, err
	}
	return e.conditionalWrite(req, name, t, item, ex, expected, func(old Item) (Item, Item, *apiError) {
		if rv == "ALL_OLD" {
			return item, old, nil
		}
		return item, nil, nil
	})
}

// writeConditions reads a single-item write's legacy Expected conditions, then its
// expressions, reporting the first invalid one.
func writeConditions(req *jval) ([]legacyCondition, *parsedExprs, *apiError) {
	expected, msg := validateAttributeConditions(req)
	if msg != "" {
		return nil, nil, validationErr(msg)
	}
	ex, msg := validateExpressions(req)
	if msg != "" {
		return nil, nil, validationErr(msg)
	}
	return expected, ex, nil
}

// conditionalWrite runs a PutItem, DeleteItem or UpdateItem under the table lock: it checks
// the request's condition against the stored item, asks change for the new item (nil
// deletes) and the Attributes to return, then stores the new item and answers.
func (e *Engine) conditionalWrite(req *jval, name string, t *table, key Item, ex *parsedExprs, expected []legacyCondition, change func(old Item) (nw, attrs Item, err *apiError)) (any, *apiError) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := t.key(key)
	old := t.items.get(k)
	if !checkConditional(ex, expected, jstr(req.get("ConditionalOperator")), old) {
		return nil, conditionalFailed(old, jstr(req.get("ReturnValuesOnConditionCheckFailure")) == "ALL_OLD")
	}
	nw, attrs, err := change(old)
	if err != nil {
		return nil, err
	}
	res := map[string]any{}
	// DynamoDB leaves Attributes out when there is nothing to return (UPDATED_NEW of a REMOVE).
	if len(attrs) > 0 {
		res["Attributes"] = attrs
	}
	if c := writeCapacity(req, name, old, nw); c != nil {
		res["ConsumedCapacity"] = c
	}
	e.write(t, k, old, nw, false)
	return res, nil
}

// keyedTable finds the named table and checks that key is a valid primary key for it.
func (e *Engine) keyedTable(name string, key Item) (*table, *apiError) {
	t, err := e.getTable(name)
	if err != nil {
		return nil, err
	}
	if err := validateKey(key, len(key), t, t.keys); err != nil {
		return nil, err
	}
	return t, nil
}

// write stores (or, with nw nil, deletes) one item and emits its stream record. The table
// lock must be held. Every write path (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
// TransactWriteItems, TTL) goes through here, so the stream rule below holds for all of them.
func (e *Engine) write(t *table, k string, old, nw Item, ttl bool) {
	ixs := t.allIndexes()
	var s stored
	if nw != nil {
		s = t.layout(k, nw, ixs)
		t.size += int64(itemSize(nw, false, false, ""))
	}
	if old != nil {
		t.size -= int64(itemSize(old, false, false, ""))
	}
	t.updateIndexes(ixs, old, s)
	if nw == nil {
		if old == nil {
			return
		}
		t.items.del(k)
	} else {
		t.items.put(s.main)
	}
	// DynamoDB Streams writes no record for a PutItem or UpdateItem that changes no data.
	if t.stream != nil && !sameItem(old, nw) {
		e.emit(t, old, nw, ttl)
	}
}

// sameItem reports whether two stored items hold the same attributes with equal values; a
// missing item (nil) equals only another missing one.
func sameItem(a, b Item) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if len(a) != len(b) {
		return false
	}
	for name, v := range a {
		if !equalAV(v, b[name]) {
			return false
		}
	}
	return true
}

func (e *Engine) getItem(req *jval) (any, *apiError) {
	if msg := validateExpressionParams(req, []string{"ProjectionExpression"}, []string{"AttributesToGet"}); msg != "" {
		return nil, validationErr(msg)
	}
	key, msg := validateItemMap(req.get("Key"))
	if msg != "" {
		return nil, validationErr(msg)
	}
	atg, err := attributesToGet(req)
	if err != nil {
		return nil, err
	}
	ex, msg := validateExpressions(req)
	if msg != "" {
		return nil, validationErr(msg)
	}
	name := jstr(req.get("TableName"))
	t, err := e.keyedTable(name, key)
	if err != nil {
		return nil, err
	}
	if ex.projection != nil {
		if err := validateKeyPaths(ex.projection.nestedPaths, t); err != nil {
			return nil, err
		}
	}
	t.mu.RLock()
	item := t.items.get(t.key(key))
	t.mu.RUnlock()
	res := map[string]any{}
	if item != nil {
		res["Item"] = project(item, ex.projection, atg)
	}
	if c := consumed(req, name, capacityUnits(item, true, req.get("ConsistentRead") != nil && req.get("ConsistentRead").b)); c != nil {
		res["ConsumedCapacity"] = c
	}
	return res, nil
}

func project(item Item, proj *projExpr, atg []string) Item {
	if proj != nil {
		return mapPaths(proj.paths, item)
	}
	if atg != nil {
		paths := make([]docPath, len(atg))
		for i, a := range atg {
			paths[i] = docPath{{name: a}}
		}
		return mapPaths(paths, item)
	}
	return item
}

// attributesToGet reads the legacy AttributesToGet list, which may not name an attribute twice.
func attributesToGet(req *jval) ([]string, *apiError) {
	atg := jstrs(req.get("AttributesToGet"))
	if d := firstDuplicate(atg); d != "" {
		return nil, validationErr("One or more parameter values were invalid: Duplicate value in attribute name: " + d)
	}
	return atg, nil
}

func firstDuplicate(s []string) string {
	seen := map[string]bool{}
	for _, v := range s {
		if seen[v] {
			return v
		}
		seen[v] = true
	}
	return ""
}

func (e *Engine) deleteItem(req *jval) (any, *apiError) {
	if msg := validateExpressionParams(req, []string{"ConditionExpression"}, []string{"Expected"}); msg != "" {
		return nil, validationErr(msg)
	}
	key, msg := validateItemMap(req.get("Key"))
	if msg != "" {
		return nil, validationErr(msg)
	}
	// DynamoDB's own wording (PutItem says the same); dynalite accepts any value here.
	if rv := jstr(req.get("ReturnValues")); rv != "" && rv != "ALL_OLD" && rv != "NONE" {
		return nil, validationErr("ReturnValues can only be ALL_OLD or NONE")
	}
	expected, ex, err := writeConditions(req)
	if err != nil {
		return nil, err
	}
	name := jstr(req.get("TableName"))
	t, err := e.keyedTable(name, key)
	if err != nil {
		return nil, err
	}
	return e.conditionalWrite(req, name, t, key, ex, expected, func(old Item) (Item, Item, *apiError) {
		if jstr(req.get("ReturnValues")) == "ALL_OLD" {
			return nil, old, nil
		}
		return nil, nil, nil
	})
}

func parseAttributeUpdates(req *jval) ([]attributeUpdate, string) {
	au := req.get("AttributeUpdates")
	if au == nil {
		return nil, ""
	}
	out := []attributeUpdate{}
	for _, fl := range au.obj {
		u := attributeUpdate{attr: fl.key, action: jstr(fl.val.get("Action"))}
		if v := fl.val.get("Value"); v != nil {
			a, msg := validateAV(v)
			if msg != "" {
				return nil, msg
			}
			u.value = a
		}
		if u.value == nil && u.action != "DELETE" {
			return nil, "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified"
		}
		if u.value != nil && u.action == "DELETE" && u.value.T != "SS" && u.value.T != "NS" && u.value.T != "BS" {
			return nil, "One or more parameter values were invalid: DELETE action with value is not supported for the type " + u.value.T
		}
		if u.value != nil && u.action == "ADD" && !containsStr([]string{"L", "SS", "NS", "BS", "N"}, u.value.T) {
			return nil, "One or more parameter values were invalid: ADD action is not supported for the type " + u.value.T
		}
		out = append(out, u)
	}
	return out, ""
}

func (e *Engine) updateItem(req *jval) (any, *apiError) {
	if msg := validateExpressionParams(req, []string{"UpdateExpression", "ConditionExpression"}, []string{"AttributeUpdates", "Expected"}); msg != "" {
		return nil, validationErr(msg)
	}
	key, msg := validateItemMap(req.get("Key"))
	if msg != "" {
		return nil, validationErr(msg)
	}
	updates, msg := parseAttributeUpdates(req)
	if msg != "" {
		return nil, validationErr(msg)
	}
	expected, ex, err := writeConditions(req)
	if err != nil {
		return nil, err
	}
	name := jstr(req.get("TableName"))
	t, err := e.keyedTable(name, key)
	if err != nil {
		return nil, err
	}
	if err := validateUpdates(updates, ex.update, t); err != nil {
		return nil, err
	}
	return e.conditionalWrite(req, name, t, key, ex, expected, func(old Item) (Item, Item, *apiError) {
		return updatedItem(t, key, old, ex.update, updates, jstr(req.get("ReturnValues")))
	})
}

// updatedItem computes the new item for an update and the requested return attributes.
func updatedItem(t *table, key, old Item, u *updateExpr, updates []attributeUpdate, rv string) (Item, Item, *apiError) {
	var paths []docPath
	if u != nil {
		paths = u.paths
	} else {
		for _, up := range updates {
			paths = append(paths, docPath{{name: up.attr}})
		}
	}
	var attrs Item
	item := key.clone()
	if old != nil {
		item = old.clone()
		switch rv {
		case "ALL_OLD":
			attrs = old
		case "UPDATED_OLD":
			attrs = mapPaths(paths, old)
		}
	}
	var msg string
	if u != nil {
		msg = applyUpdate(u, t, item)
	} else {
		msg = applyAttributeUpdates(updates, item)
	}
	if msg != "" {
		return nil, nil, validationErr(msg)
	}
	if itemSize(item, false, false, "") > maxItemSize {
		return nil, nil, validationErr("Item size to update has exceeded the maximum allowed size")
	}
	if err := checkIndexKeyValues(item, t); err != nil {
		return nil, nil, err
	}
	switch rv {
	case "ALL_NEW":
		attrs = item
	case "UPDATED_NEW":
		attrs = mapPaths(paths, item)
	}
	return item, attrs, nil
}
