package ddbengine

import (
	"crypto/sha256"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Transactions lock every table they touch, in one global order, for their whole duration,
// so they are atomic and serializable with respect to every other write (single-item writes
// take the same table locks).

type txToken struct {
	hash    [32]byte
	at      time.Time
	result  any
	pending bool
}

// txTokenTTL is how long a ClientRequestToken makes TransactWriteItems idempotent.
const txTokenTTL = 10 * time.Minute

// txExpiry is when a token's entry in Engine.txTokens was set.
type txExpiry struct {
	token string
	at    time.Time
}

// setTokenLocked records tok under token and queues it for sweepTokensLocked.
func (e *Engine) setTokenLocked(token string, tok txToken) {
	e.txTokens[token] = tok
	e.txExpiry = append(e.txExpiry, txExpiry{token: token, at: tok.at})
}

// sweepTokensLocked forgets the tokens older than txTokenTTL at now. It looks at the expired
// ones only (the queue is in the order their times were set), not at every token each
// transaction. An entry replaced since it was queued stays for its own queue entry; lookups
// also check the age, so an entry the sweep has not reached yet is expired all the same.
func (e *Engine) sweepTokensLocked(now time.Time) {
	n := 0
	for _, x := range e.txExpiry {
		if now.Sub(x.at) <= txTokenTTL {
			break
		}
		if v, ok := e.txTokens[x.token]; ok && v.at.Equal(x.at) {
			delete(e.txTokens, x.token)
		}
		n++
	}
	e.txExpiry = e.txExpiry[n:]
}

type txAction struct {
	kind      string // ConditionCheck Put Delete Update
	t         *table
	key       Item
	item      Item
	ex        *parsedExprs
	retOnFail bool
}

func lockTables(ts []*table) func() {
	uniq := map[*table]bool{}
	var list []*table
	for _, t := range ts {
		if !uniq[t] {
			uniq[t] = true
			list = append(list, t)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].order < list[j].order })
	for _, t := range list {
		t.mu.Lock()
	}
	return func() {
		for i := len(list) - 1; i >= 0; i-- {
			list[i].mu.Unlock()
		}
	}
}

func (e *Engine) transactWriteItems(req *jval) (any, *apiError) {
	items := req.get("TransactItems").arr
	var actions []*txAction
	seen := map[string]bool{}
	for i, ti := range items {
		var kind string
		var body *jval
		n := 0
		for _, k := range []string{"ConditionCheck", "Put", "Delete", "Update"} {
			if v := ti.get(k); v != nil {
				kind, body = k, v
				n++
			}
		}
		if n != 1 {
			return nil, validationErr("TransactItems can only contain one of Check, Put, Update or Delete")
		}
		a := &txAction{kind: kind, retOnFail: jstr(body.get("ReturnValuesOnConditionCheckFailure")) == "ALL_OLD"}
		exprs := []string{"ConditionExpression"}
		if kind == "Update" {
			exprs = append(exprs, "UpdateExpression")
		}
		if kind == "ConditionCheck" && body.get("ConditionExpression") == nil {
			return nil, validationErr("1 validation error detected: Value null at 'transactItems." + strconv.Itoa(i+1) + ".member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null")
		}
		if msg := validateExpressionParams(body, exprs, nil); msg != "" {
			return nil, validationErr(msg)
		}
		var msg string
		if kind == "Put" {
			if a.item, msg = validateItemMap(body.get("Item")); msg != "" {
				return nil, validationErr(msg)
			}
			if itemSize(a.item, false, false, "") > maxItemSize {
				return nil, validationErr("Item size has exceeded the maximum allowed size")
			}
		} else if a.key, msg = validateItemMap(body.get("Key")); msg != "" {
			return nil, validationErr(msg)
		}
		if a.ex, msg = validateExpressions(body); msg != "" {
			return nil, validationErr(msg)
		}
		t, err := e.getTable(jstr(body.get("TableName")))
		if err != nil {
			return nil, err
		}
		a.t = t
		if kind == "Put" {
			if err := validateItem(a.item, t); err != nil {
				return nil, err
			}
			a.key = Item{}
			for _, k := range t.keys {
				a.key[k.name] = a.item[k.name]
			}
		} else if err := validateKey(a.key, len(a.key), t, t.keys); err != nil {
			return nil, err
		}
		if kind == "Update" {
			if err := validateUpdates(nil, a.ex.update, t); err != nil {
				return nil, err
			}
		}
		id := t.name + "\x00" + t.key(a.key)
		if seen[id] {
			return nil, validationErr("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		actions = append(actions, a)
	}

	token := jstr(req.get("ClientRequestToken"))
	var hash [32]byte
	if token != "" {
		hash = sha256.Sum256(canonicalJSON(nil, req))
		now := e.opts.Now()
		e.txMu.Lock()
		e.sweepTokensLocked(now)
		if prev, ok := e.txTokens[token]; ok && now.Sub(prev.at) <= txTokenTTL {
			e.txMu.Unlock()
			if prev.hash != hash {
				return nil, ddbErr("IdempotentParameterMismatchException", "The request uses the same client request token as a previous, but non-identical request.")
			}
			if prev.pending {
				return nil, ddbErr("TransactionInProgressException", "Transaction is ongoing for the ClientRequestToken")
			}
			return prev.result, nil
		}
		e.setTokenLocked(token, txToken{hash: hash, at: now, pending: true})
		e.txMu.Unlock()
	}

	res, aerr := e.runTransaction(actions)
	if token != "" {
		e.txMu.Lock()
		if aerr != nil {
			delete(e.txTokens, token)
		} else {
			e.setTokenLocked(token, txToken{hash: hash, at: e.opts.Now(), result: res})
		}
		e.txMu.Unlock()
	}
	return res, aerr
}

// canonicalJSON appends v with object members sorted by key (the last of repeated ones kept).
// Idempotency compares requests by this form, not their bytes: SDKs serialize maps (items,
// expression values) in random order, so two identical requests rarely match byte for byte.
func canonicalJSON(b []byte, v *jval) []byte {
	switch v.k {
	case jObj:
		last := map[string]*jval{}
		var keys []string
		for _, f := range v.obj {
			if _, ok := last[f.key]; !ok {
				keys = append(keys, f.key)
			}
			last[f.key] = f.val
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = canonicalJSON(b, last[k])
		}
		return append(b, '}')
	case jArr:
		b = append(b, '[')
		for i, el := range v.arr {
			if i > 0 {
				b = append(b, ',')
			}
			b = canonicalJSON(b, el)
		}
		return append(b, ']')
	default:
		return v.appendTo(b)
	}
}

func (e *Engine) runTransaction(actions []*txAction) (any, *apiError) {
	ts := make([]*table, len(actions))
	for i, a := range actions {
		ts[i] = a.t
	}
	unlock := lockTables(ts)
	defer unlock()

	reasons := make([]map[string]any, len(actions))
	failed := false
	news := make([]Item, len(actions))
	for i, a := range actions {
		old := a.t.items.get(a.t.key(a.key))
		reasons[i] = map[string]any{"Code": "None"}
		if !checkConditional(a.ex, nil, "", old) {
			r := map[string]any{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
			if a.retOnFail && old != nil {
				r["Item"] = old
			}
			reasons[i] = r
			failed = true
			continue
		}
		switch a.kind {
		case "Put":
			news[i] = a.item
		case "Update":
			it, _, err := updatedItem(a.t, a.key, old, a.ex.update, nil, "")
			if err != nil {
				reasons[i] = map[string]any{"Code": "ValidationError", "Message": err.msg}
				failed = true
				continue
			}
			news[i] = it
		}
	}
	if failed {
		codes := make([]string, len(reasons))
		for i, r := range reasons {
			codes[i] = r["Code"].(string)
		}
		err := ddbErr("TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for specific reasons ["+strings.Join(codes, ", ")+"]")
		err.upperMessage = true
		err.extra = map[string]any{"CancellationReasons": reasons}
		return nil, err
	}
	for i, a := range actions {
		k := a.t.key(a.key)
		old := a.t.items.get(k)
		switch a.kind {
		case "Put", "Update":
			e.write(a.t, k, old, news[i], false)
		case "Delete":
			e.write(a.t, k, old, nil, false)
		}
	}
	return map[string]any{}, nil
}

func (e *Engine) transactGetItems(req *jval) (any, *apiError) {
	type get struct {
		t   *table
		key Item
		ex  *parsedExprs
	}
	var gets []get
	for _, ti := range req.get("TransactItems").arr {
		body := ti.get("Get")
		if msg := validateExpressionParams(body, []string{"ProjectionExpression"}, nil); msg != "" {
			return nil, validationErr(msg)
		}
		key, msg := validateItemMap(body.get("Key"))
		if msg != "" {
			return nil, validationErr(msg)
		}
		ex, msg := validateExpressions(body)
		if msg != "" {
			return nil, validationErr(msg)
		}
		t, err := e.keyedTable(jstr(body.get("TableName")), key)
		if err != nil {
			return nil, err
		}
		gets = append(gets, get{t, key, ex})
	}
	ts := make([]*table, len(gets))
	for i, g := range gets {
		ts[i] = g.t
	}
	unlock := lockTables(ts)
	defer unlock()
	out := make([]map[string]any, len(gets))
	for i, g := range gets {
		out[i] = map[string]any{}
		if it := g.t.items.get(g.t.key(g.key)); it != nil {
			out[i]["Item"] = project(it, g.ex.projection, nil)
		}
	}
	return map[string]any{"Responses": out}, nil
}
