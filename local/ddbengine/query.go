package ddbengine

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// convertKeyCondition turns a KeyConditionExpression into per-key conditions.
func convertKeyCondition(n *node, conds *[]legacyCondition) string {
	if n == nil {
		return ""
	}
	switch n.op {
	case "or", "not", "in", "<>":
		return "Invalid operator used in KeyConditionExpression: " + strings.ToUpper(n.op)
	case "function":
		switch n.name {
		case "attribute_exists", "attribute_not_exists", "attribute_type", "contains":
			return "Invalid operator used in KeyConditionExpression: " + n.name
		case "size":
			return "KeyConditionExpressions cannot contain nested operations"
		case "begins_with":
			if n.args[0].op != "path" {
				return "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"
			}
		}
	case "between":
		if n.args[0].op != "path" {
			return "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"
		}
	}
	attrName, attrIx := "", 0
	for i, a := range n.args {
		if a.op == "path" {
			if attrName != "" {
				return "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
			}
			if len(a.path) > 1 {
				return "KeyConditionExpressions cannot have conditions on nested attributes"
			}
			attrName, attrIx = a.path[0].name, i
		} else if a.op != "value" {
			if msg := convertKeyCondition(a, conds); msg != "" {
				return msg
			}
		}
	}
	if n.op == "and" {
		return ""
	}
	if attrName == "" {
		return "Invalid condition in KeyConditionExpression: No key attribute specified"
	}
	for _, c := range *conds {
		if c.attr == attrName {
			return "KeyConditionExpressions must only contain one condition per key"
		}
	}
	op := n.op
	args := n.args
	if attrIx != 0 {
		op = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
		args = []*node{args[1], args[0]}
	}
	c := legacyCondition{attr: attrName, op: map[string]string{"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE", "between": "BETWEEN", "function": "BEGINS_WITH"}[op]}
	for _, a := range args[1:] {
		c.values = append(c.values, a.val)
	}
	*conds = append(*conds, c)
	return ""
}

func condFor(conds []legacyCondition, attr string) *legacyCondition {
	for i := range conds {
		if conds[i].attr == attr {
			return &conds[i]
		}
	}
	return nil
}

type readReq struct {
	req        *jval
	t          *table
	ix         *index
	isLocal    bool
	fetchTable bool
	ex         *parsedExprs
	filter     []legacyCondition
	startNames []string
	limit      int
	rangeKey   string
}

// run iterates the store, applying paging limits, then filter and projection.
func (r *readReq) run(rng keyRange) map[string]any {
	store := r.t.items
	if r.ix != nil {
		store = r.ix.store
	}
	var items []Item
	// A local secondary index reads the table for attributes it does not project: filters
	// and projections see the whole item (DynamoDB fetches it, at extra cost).
	var fulls []Item
	localFetch := r.isLocal && !r.fetchTable && r.ix.projType != "ALL" &&
		(r.ex.filter != nil || r.filter != nil || r.ex.projection != nil || r.req.get("AttributesToGet") != nil)
	size, count := 0, 0
	var last Item
	capSize := 0
	store.scanRange(rng, func(e entry) bool {
		if (r.limit > 0 && count >= r.limit) || size >= 1024*1024 {
			return false
		}
		// An index entry holds the whole stored item: fetching the table's copy is projecting
		// nothing away.
		it := decodeItem(e.item())
		if localFetch {
			fulls = append(fulls, it)
		}
		if r.ix != nil && !r.fetchTable {
			it = r.t.indexItem(r.ix, it)
		}
		count++
		capSize += itemSize(it, false, false, "")
		size += itemSize(it, true, true, r.rangeKey)
		items = append(items, it)
		last = it
		return true
	})
	res := map[string]any{"ScannedCount": count}
	if (r.limit > 0 && count >= r.limit) || size >= 1024*1024 {
		if last != nil {
			lek := Item{}
			for _, n := range r.startNames {
				lek[n] = last[n]
			}
			res["LastEvaluatedKey"] = lek
		}
	}
	filtered := items[:0:0]
	for i, it := range items {
		if localFetch {
			it = fulls[i]
		}
		switch {
		case r.ex.filter != nil:
			if !evalCond(r.ex.filter.root, it) {
				continue
			}
		case r.filter != nil:
			if !matchesLegacy(it, r.filter, jstr(r.req.get("ConditionalOperator"))) {
				continue
			}
		}
		if localFetch && r.ex.projection == nil && r.req.get("AttributesToGet") == nil {
			it = items[i] // filtered on the whole item, answered with the projected one
		}
		filtered = append(filtered, it)
	}
	atg := jstrs(r.req.get("AttributesToGet"))
	if r.ex.projection != nil || atg != nil {
		for i, it := range filtered {
			filtered[i] = project(it, r.ex.projection, atg)
		}
	}
	res["Count"] = len(filtered)
	if jstr(r.req.get("Select")) != "COUNT" {
		if filtered == nil {
			filtered = []Item{}
		}
		res["Items"] = filtered
	}
	factor := 0.5
	if cr := r.req.get("ConsistentRead"); cr != nil && cr.b {
		factor = 1
	}
	units := ceil(float64(capSize)/4096) * factor
	if c := consumed(r.req, r.t.name, units); c != nil {
		if jstr(r.req.get("ReturnConsumedCapacity")) == "INDEXES" && r.ix != nil {
			c["Table"] = map[string]any{"CapacityUnits": 0}
			kind := "GlobalSecondaryIndexes"
			if r.isLocal {
				kind = "LocalSecondaryIndexes"
			}
			c[kind] = map[string]any{r.ix.name: map[string]any{"CapacityUnits": units}}
		}
		res["ConsumedCapacity"] = c
	}
	return res
}

// prepareRead finds the table, resolves the index and the key names of LastEvaluatedKey.
func (e *Engine) prepareRead(req *jval) (*readReq, []keyAttr, *apiError) {
	t, err := e.getTable(jstr(req.get("TableName")))
	if err != nil {
		return nil, nil, err
	}
	r := &readReq{req: req, t: t}
	keys := t.keys
	for _, k := range t.keys {
		r.startNames = append(r.startNames, k.name)
	}
	if in := jstr(req.get("IndexName")); in != "" {
		ix := t.findIndex(in)
		if ix == nil {
			return nil, nil, validationErr("The table does not have the specified index: " + in)
		}
		r.ix, r.isLocal = ix, !ix.global
		if ix.global && req.get("ConsistentRead") != nil && req.get("ConsistentRead").b {
			return nil, nil, validationErr("Consistent reads are not supported on global secondary indexes")
		}
		keys = ix.keys
		r.fetchTable = jstr(req.get("Select")) == "ALL_ATTRIBUTES" && ix.projType != "ALL"
		for _, k := range keys {
			if !containsStr(r.startNames, k.name) {
				r.startNames = append(r.startNames, k.name)
			}
		}
	}
	if len(t.keys) > 1 {
		r.rangeKey = t.keys[1].name
	}
	if l := req.get("Limit"); l != nil {
		r.limit = int(l.n)
	}
	return r, keys, nil
}

var startKeyPlain = []string{"contains duplicates", "number set", "numeric value", "significant digits", "number with magnitude"}

func validateStartKey(req *jval) (Item, string) {
	esk := req.get("ExclusiveStartKey")
	if esk == nil {
		return nil, ""
	}
	it := Item{}
	for _, fl := range esk.obj {
		a, msg := validateAV(fl.val)
		if msg != "" {
			for _, p := range startKeyPlain {
				if strings.Contains(msg, p) {
					return nil, msg
				}
			}
			return nil, "The provided starting key is invalid: " + msg
		}
		it[fl.key] = a
	}
	return it, ""
}

func (e *Engine) query(req *jval) (any, *apiError) {
	if msg := validateExpressionParams(req, []string{"ProjectionExpression", "FilterExpression", "KeyConditionExpression"}, []string{"AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"}); msg != "" {
		return nil, validationErr(msg)
	}
	queryFilter, msg := parseConditionMap(req.get("QueryFilter"))
	if msg != "" {
		return nil, validationErr(msg)
	}
	if msg := validateConditions(queryFilter); msg != "" {
		return nil, validationErr(msg)
	}
	if _, err := attributesToGet(req); err != nil {
		return nil, err
	}
	esk, msg := validateStartKey(req)
	if msg != "" {
		return nil, validationErr(msg)
	}
	if req.get("KeyConditions") == nil && req.get("KeyConditionExpression") == nil {
		return nil, validationErr("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	ex, msg := validateExpressions(req)
	if msg != "" {
		return nil, validationErr(msg)
	}
	var keyConds []legacyCondition
	if ex.keyCond != nil {
		if msg := convertKeyCondition(ex.keyCond.root, &keyConds); msg != "" {
			return nil, validationErr(msg)
		}
	} else {
		if keyConds, msg = parseConditionMap(req.get("KeyConditions")); msg != "" {
			return nil, validationErr(msg)
		}
	}
	if msg := validateConditions(keyConds); msg != "" {
		return nil, validationErr(msg)
	}
	if len(keyConds) != 1 && len(keyConds) != 2 {
		return nil, validationErr("Conditions can be of length 1 or 2 only")
	}

	r, keys, err := e.prepareRead(req)
	if err != nil {
		return nil, err
	}
	t := r.t
	if esk != nil && len(esk) != len(r.startNames) {
		return nil, validationErr("The provided starting key is invalid")
	}
	for i, k := range keys {
		isHash := i == 0
		if esk != nil {
			if esk[k.name] == nil {
				return nil, validationErr("The provided starting key is invalid")
			}
			if msg := validateKeyPiece(esk, k, isHash); msg != "" {
				return nil, validationErr(msg)
			}
		}
		if isHash && len(keys) == 1 && len(keyConds) > 1 {
			return nil, validationErr("Query key condition not supported")
		}
		c := condFor(keyConds, k.name)
		if c == nil {
			if isHash || len(keyConds) > 1 {
				return nil, validationErr("Query condition missed key schema element: " + k.name)
			}
			continue
		}
		switch c.op {
		case "NULL", "NOT_NULL", "NE", "CONTAINS", "NOT_CONTAINS", "IN":
			return nil, validationErr("Attempted conditional constraint is not an indexable operation")
		}
		for _, v := range c.values {
			if v.T != k.typ {
				return nil, validationErr("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
		if isHash && c.op != "EQ" {
			return nil, validationErr("Query key condition not supported")
		}
	}
	hashCond := condFor(keyConds, keys[0].name)
	hashVal := hashCond.values[0]
	var rangeCond *legacyCondition
	if len(keys) > 1 {
		rangeCond = condFor(keyConds, keys[1].name)
	}
	if esk != nil {
		if err := validateStartTableKey(esk, t); err != nil {
			return nil, err
		}
		if rangeCond == nil {
			if !equalAV(esk[keys[0].name], hashVal) {
				return nil, validationErr("The provided starting key is outside query boundaries based on provided conditions")
			}
		} else {
			if !compare(rangeCond.op, esk[keys[1].name], rangeCond.values) {
				return nil, validationErr("The provided starting key does not match the range key predicate")
			}
			if !equalAV(esk[keys[0].name], hashVal) {
				return nil, validationErr("The query can return at most one row and cannot be restarted")
			}
		}
	}
	if ex.projection != nil {
		if err := validateKeyPaths(ex.projection.nestedPaths, t); err != nil {
			return nil, err
		}
	}
	if queryFilter != nil || ex.filter != nil {
		prop := "QueryFilter"
		heads := map[string]bool{}
		if ex.filter != nil {
			prop, heads = "Filter Expression", ex.filter.pathHeads
		} else {
			for _, c := range queryFilter {
				heads[c.attr] = true
			}
		}
		for _, k := range keys {
			if heads[k.name] {
				return nil, validationErr(prop + " can only contain non-primary key attributes: Primary key attribute: " + k.name)
			}
		}
	}
	if r.fetchTable && !r.isLocal {
		return nil, validationErr("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index " + r.ix.name + " because its projection type is not ALL")
	}
	if ex.filter != nil {
		if err := validateKeyPaths(ex.filter.nestedPaths, t); err != nil {
			return nil, err
		}
	}
	r.ex, r.filter = ex, queryFilter

	rng := keyRange{reverse: req.get("ScanIndexForward") != nil && !req.get("ScanIndexForward").b}
	base := hashPrefix(hashVal, nil) + "/" + rangeStr(hashVal) + "/"
	rng.gte, rng.hasGte = base, true
	rng.lt, rng.hasLt = base+"~", true
	if rangeCond != nil {
		prefix := rangeStr(rangeCond.values[0])
		rs := prefix + "/"
		switch rangeCond.op {
		case "EQ":
			rng.gte = base + rs
			rng.lte, rng.hasLte, rng.hasLt = rng.gte+"~", true, false
		case "LT":
			rng.lt = base + rs
		case "LE":
			rng.lte, rng.hasLte, rng.hasLt = base+rs+"~", true, false
		case "GT":
			rng.gt, rng.hasGt, rng.hasGte = base+rs+"~", true, false
		case "GE":
			rng.gte = base + rs
		case "BEGINS_WITH":
			rng.lt = base + prefix + "~"
			rng.gte = base + rs
		case "BETWEEN":
			rng.lte, rng.hasLte, rng.hasLt = base+rangeStr(rangeCond.values[1])+"/~", true, false
			rng.gte = base + rs
		}
	}
	if esk != nil {
		var sk string
		if r.ix != nil {
			sk = t.indexKey(esk, keys)
		} else {
			sk = createKey(esk, keys)
		}
		if rng.reverse {
			rng.lt, rng.hasLt, rng.hasLte = sk, true, false
		} else {
			rng.gt, rng.hasGt, rng.hasGte = sk, true, false
		}
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return r.run(rng), nil
}

func (e *Engine) scan(req *jval) (any, *apiError) {
	if msg := validateExpressionParams(req, []string{"ProjectionExpression", "FilterExpression"}, []string{"AttributesToGet", "ScanFilter", "ConditionalOperator"}); msg != "" {
		return nil, validationErr(msg)
	}
	if _, err := attributesToGet(req); err != nil {
		return nil, err
	}
	scanFilter, msg := parseConditionMap(req.get("ScanFilter"))
	if msg != "" {
		return nil, validationErr(msg)
	}
	if msg := validateConditions(scanFilter); msg != "" {
		return nil, validationErr(msg)
	}
	esk, msg := validateStartKey(req)
	if msg != "" {
		return nil, validationErr(msg)
	}
	seg, tot := req.get("Segment"), req.get("TotalSegments")
	if seg != nil && seg.n != 0 && tot == nil {
		return nil, validationErr("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	}
	if tot != nil && tot.n != 0 {
		if seg == nil {
			return nil, validationErr("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
		}
		if seg.n >= tot.n {
			return nil, validationErr("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " + fmtNum(seg.n) + " is not less than TotalSegments: " + fmtNum(tot.n))
		}
	}
	ex, msg := validateExpressions(req)
	if msg != "" {
		return nil, validationErr(msg)
	}
	r, keys, err := e.prepareRead(req)
	if err != nil {
		return nil, err
	}
	t := r.t
	if esk != nil && len(esk) != len(r.startNames) {
		if r.ix != nil {
			return nil, validationErr("The provided starting key is invalid")
		}
		return nil, validationErr("The provided starting key is invalid: The provided key element does not match the schema")
	}
	if r.ix != nil && esk != nil {
		for i, k := range keys {
			if esk[k.name] == nil {
				return nil, validationErr("The provided starting key is invalid")
			}
			if msg := validateKeyPiece(esk, k, i == 0); msg != "" {
				return nil, validationErr(msg)
			}
		}
	}
	if r.fetchTable && !r.isLocal {
		return nil, validationErr("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index " + r.ix.name + " because its projection type is not ALL")
	}
	if esk != nil {
		if err := validateStartTableKey(esk, t); err != nil {
			return nil, err
		}
	}
	var rng keyRange
	var hashStart, hashEnd string
	if tot != nil && tot.n > 1 {
		s, n := int(seg.n), int(tot.n)
		if s > 0 {
			hashStart = hex3((4096*s + n - 1) / n)
			rng.gt, rng.hasGt = hashStart, true
		}
		hashEnd = hex3((4096*(s+1)+n-1)/n-1) + "~"
		rng.lt, rng.hasLt = hashEnd, true
	}
	if esk != nil {
		sk := t.indexKey(esk, keys)
		if tot != nil && tot.n > 1 && (sk < hashStart || sk > hashEnd) {
			return nil, validationErr("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: " + fmtNum(tot.n) + " Segment: " + fmtNum(seg.n))
		}
		rng.gt, rng.hasGt = sk, true
	}
	if ex.projection != nil {
		if err := validateKeyPaths(ex.projection.nestedPaths, t); err != nil {
			return nil, err
		}
	}
	if ex.filter != nil {
		if err := validateKeyPaths(ex.filter.nestedPaths, t); err != nil {
			return nil, err
		}
	}
	r.ex, r.filter = ex, scanFilter
	t.mu.RLock()
	defer t.mu.RUnlock()
	return r.run(rng), nil
}

// validateStartTableKey checks the table's own key attributes within an ExclusiveStartKey.
func validateStartTableKey(esk Item, t *table) *apiError {
	tsk := Item{}
	for _, k := range t.keys {
		if v := esk[k.name]; v != nil {
			tsk[k.name] = v
		}
	}
	if err := validateKey(tsk, len(tsk), t, t.keys); err != nil {
		return validationErr("The provided starting key is invalid: " + err.msg)
	}
	return nil
}

func hex3(n int) string {
	s := "00" + strconv.FormatInt(int64(n), 16)
	return s[len(s)-3:]
}

// ---- batch operations ----

func (e *Engine) batchGetItem(req *jval) (any, *apiError) {
	type tableReq struct {
		name string
		keys []Item
		ex   *parsedExprs
		atg  []string
		cr   bool
		raw  *jval
	}
	var reqs []tableReq
	n := 0
	for _, fl := range req.get("RequestItems").obj {
		td := fl.val
		if msg := validateExpressionParams(td, []string{"ProjectionExpression"}, []string{"AttributesToGet"}); msg != "" {
			return nil, validationErr(msg)
		}
		atg, err := attributesToGet(td)
		if err != nil {
			return nil, err
		}
		ex, msg := validateExpressions(td)
		if msg != "" {
			return nil, validationErr(msg)
		}
		tr := tableReq{name: fl.key, ex: ex, atg: atg, raw: td, cr: td.get("ConsistentRead") != nil && td.get("ConsistentRead").b}
		seen := map[string]bool{}
		for _, kj := range td.get("Keys").arr {
			key, msg := validateItemMap(kj)
			if msg != "" {
				return nil, validationErr(msg)
			}
			var parts []string
			for _, f := range sortedKeys(key) {
				parts = append(parts, key[f].T+rangeStr(key[f]))
			}
			ks := strings.Join(parts, "/")
			if seen[ks] {
				return nil, validationErr("Provided list of item keys contains duplicates")
			}
			seen[ks] = true
			n++
			if n > 100 {
				return nil, validationErr("Too many items requested for the BatchGetItem call")
			}
			tr.keys = append(tr.keys, key)
		}
		reqs = append(reqs, tr)
	}
	tables := make([]*table, len(reqs))
	for i, tr := range reqs {
		t, err := e.getTable(tr.name)
		if err != nil {
			return nil, err
		}
		for _, k := range tr.keys {
			if err := validateKey(k, len(k), t, t.keys); err != nil {
				return nil, err
			}
		}
		tables[i] = t
	}
	responses := map[string]any{}
	var caps []any
	total := 0
	unprocessed := map[string]any{}
	for i, tr := range reqs {
		t := tables[i]
		out := []Item{}
		var units float64
		var left []Item
		t.mu.RLock()
		for _, k := range tr.keys {
			it := t.items.get(t.key(k))
			if it != nil {
				sz := itemSize(it, false, false, "")
				if total+sz > 1024*1024+maxItemSize-3 {
					left = append(left, k)
					continue
				}
				total += sz
				out = append(out, project(it, tr.ex.projection, tr.atg))
			}
			units += capacityUnits(it, true, tr.cr)
		}
		t.mu.RUnlock()
		responses[tr.name] = out
		if len(left) > 0 {
			u := map[string]any{"Keys": left}
			if tr.atg != nil {
				u["AttributesToGet"] = tr.atg
			}
			if tr.cr {
				u["ConsistentRead"] = true
			}
			if pe := tr.raw.get("ProjectionExpression"); pe != nil {
				u["ProjectionExpression"] = pe.s
			}
			if ean := tr.raw.get("ExpressionAttributeNames"); ean != nil {
				names := map[string]string{}
				for _, f := range ean.obj {
					names[f.key] = f.val.s
				}
				u["ExpressionAttributeNames"] = names
			}
			unprocessed[tr.name] = u
		}
		if c := consumed(req, tr.name, units); c != nil {
			caps = append(caps, c)
		}
	}
	res := map[string]any{"Responses": responses, "UnprocessedKeys": unprocessed}
	if caps != nil {
		res["ConsumedCapacity"] = caps
	}
	return res, nil
}

// sortedKeys returns m's keys in order; never nil, so an empty result encodes as [].
func sortedKeys[V any](m map[string]V) []string {
	keys := slices.AppendSeq(make([]string, 0, len(m)), maps.Keys(m))
	slices.Sort(keys)
	return keys
}

func (e *Engine) batchWriteItem(req *jval) (any, *apiError) {
	type write struct {
		t    *table
		key  Item
		k    string // storage key
		item Item   // nil for delete
	}
	type tableWrites struct {
		name string
		reqs []*jval
		avs  []Item // per request, its item or key, validated once
	}
	var tws []tableWrites
	n := 0
	for _, fl := range req.get("RequestItems").obj {
		for _, r := range fl.val.arr {
			if r == nil || len(r.obj) == 0 {
				return nil, validationErr("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
		}
		avs := make([]Item, len(fl.val.arr))
		for i, r := range fl.val.arr {
			// Each table's list is at most 25 long (checked with the request shape); the
			// whole call is held to 25 too, counted as BatchGetItem counts its keys.
			if n++; n > 25 {
				return nil, validationErr("Too many items requested for the BatchWriteItem call")
			}
			if pr := r.get("PutRequest"); pr != nil {
				it, msg := validateItemMap(pr.get("Item"))
				if msg != "" {
					return nil, validationErr(msg)
				}
				if itemSize(it, false, false, "") > maxItemSize {
					return nil, validationErr("Item size has exceeded the maximum allowed size")
				}
				avs[i] = it
			} else if dr := r.get("DeleteRequest"); dr != nil {
				k, msg := validateItemMap(dr.get("Key"))
				if msg != "" {
					return nil, validationErr(msg)
				}
				avs[i] = k
			}
		}
		tws = append(tws, tableWrites{fl.key, fl.val.arr, avs})
	}
	var writes []write
	for _, tw := range tws {
		t, err := e.getTable(tw.name)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for i, r := range tw.reqs {
			var w write
			w.t = t
			if pr := r.get("PutRequest"); pr != nil {
				it := tw.avs[i]
				if err := validateItem(it, t); err != nil {
					if strings.Contains(err.msg, "Missing the key") || strings.Contains(err.msg, "Type mismatch for key") {
						err.msg = "The provided key element does not match the schema"
					}
					return nil, err
				}
				w.item, w.key = it, it
			} else if dr := r.get("DeleteRequest"); dr != nil {
				k := tw.avs[i]
				if err := validateKey(k, len(k), t, t.keys); err != nil {
					return nil, err
				}
				w.key = k
			}
			ks := t.key(w.key)
			if seen[ks] {
				return nil, validationErr("Provided list of item keys contains duplicates")
			}
			seen[ks] = true
			w.k = ks
			writes = append(writes, w)
		}
	}
	units := map[string]float64{}
	var order []string
	for _, w := range writes {
		w.t.mu.Lock()
		k := w.k
		old := w.t.items.get(k)
		u := capacityUnits(w.item, false, false)
		if old != nil {
			u = max(u, capacityUnits(old, false, false))
		}
		e.write(w.t, k, old, w.item, false)
		w.t.mu.Unlock()
		if _, ok := units[w.t.name]; !ok {
			order = append(order, w.t.name)
		}
		units[w.t.name] += u
	}
	res := map[string]any{"UnprocessedItems": map[string]any{}}
	var caps []any
	for _, n := range order {
		if c := consumed(req, n, units[n]); c != nil {
			caps = append(caps, c)
		}
	}
	if caps != nil {
		res["ConsumedCapacity"] = caps
	}
	return res, nil
}
