package ddbengine

import (
	"regexp"
	"time"
)

// ---- Time to Live ----

func (e *Engine) updateTimeToLive(req *jval) (any, *apiError) {
	spec := req.get("TimeToLiveSpecification")
	t, err := e.getTable(jstr(req.get("TableName")))
	if err != nil {
		return nil, err
	}
	enabled := spec.get("Enabled").b
	attr := jstr(spec.get("AttributeName"))
	t.mu.Lock()
	defer t.mu.Unlock()
	// DynamoDB checks the attribute first: while TTL is on, neither enabling nor disabling may
	// name another attribute (it must be disabled, then enabled on the new one).
	if t.ttlOn && attr != t.ttlAttr {
		return nil, validationErr("TimeToLive is active on a different AttributeName: current AttributeName is " + t.ttlAttr)
	}
	if enabled && t.ttlOn {
		return nil, validationErr("TimeToLive is already enabled")
	}
	if !enabled && !t.ttlOn {
		return nil, validationErr("TimeToLive is already disabled")
	}
	t.ttlOn, t.ttlAttr = enabled, attr
	return map[string]any{"TimeToLiveSpecification": map[string]any{"Enabled": enabled, "AttributeName": attr}}, nil
}

func (e *Engine) describeTimeToLive(req *jval) (any, *apiError) {
	name := jstr(req.get("TableName"))
	t, err := e.getTable(name)
	if err != nil {
		return nil, notFound(name)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	d := map[string]any{"TimeToLiveStatus": "DISABLED"}
	if t.ttlOn {
		d = map[string]any{"TimeToLiveStatus": "ENABLED", "AttributeName": t.ttlAttr}
	}
	return map[string]any{"TimeToLiveDescription": d}, nil
}

// every calls f at each interval until Close; start it with e.done.Add(1).
func (e *Engine) every(interval time.Duration, f func()) {
	defer e.done.Done()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-tick.C:
			f()
		}
	}
}

// ExpireNow deletes every item whose TTL attribute (a Number of epoch seconds) is in the past,
// emitting REMOVE stream records marked as service deletions. Like DynamoDB it ignores values
// more than five years in the past. The background sweeper calls it; tests may too.
//
// It looks for expired items in a clone of the table taken under the lock, so a sweep of a
// large table does not hold writers up; each candidate is checked again under the lock before
// it is deleted, since it may have changed meanwhile.
func (e *Engine) ExpireNow() int {
	now := e.opts.Now()
	secs, _ := parseDecimal(itoa(int(now.Unix())))
	oldest, _ := parseDecimal(itoa(int(now.AddDate(-5, 0, 0).Unix())))
	expired := func(v *AV) bool {
		if v == nil || v.T != "N" {
			return false
		}
		d, _ := parseDecimal(v.S)
		return cmpDecimal(d, secs) < 0 && cmpDecimal(d, oldest) >= 0
	}
	e.mu.RLock()
	var ts []*table
	for _, t := range e.tables {
		ts = append(ts, t)
	}
	e.mu.RUnlock()
	n := 0
	for _, t := range ts {
		t.mu.Lock()
		on, attr := t.ttlOn, t.ttlAttr
		var items *itemStore
		if on {
			items = t.items.clone()
		}
		t.mu.Unlock()
		if !on {
			continue
		}
		var candidates []string
		items.each(func(e entry) bool {
			if expired(lookupAttr(e.item(), attr)) {
				candidates = append(candidates, e.key())
			}
			return true
		})
		if len(candidates) == 0 {
			continue
		}
		t.mu.Lock()
		if t.ttlOn && t.ttlAttr == attr && !t.deleted {
			for _, k := range candidates {
				if old := t.items.get(k); old != nil && expired(old[attr]) {
					e.write(t, k, old, nil, true)
					n++
				}
			}
		}
		t.mu.Unlock()
	}
	if n > 0 {
		e.changes.Add(1)
	}
	return n
}

// ---- tags ----

// Tag requests are checked in dynalite's order: missing ARN, missing tags, malformed ARN, empty
// tag list, then the table lookup. Key and value lengths are checked earlier, by the request
// spec, with DynamoDB's limits (dynalite has none).

var tableArnRe = regexp.MustCompile(`^arn:aws:dynamodb:.+:\d+:table/([^/]{2}[^/]+)$`)

func checkTableArn(req *jval, list, listName, emptyMsg string) *apiError {
	arn := req.get("ResourceArn")
	if arn.isNull() {
		return validationErr("Invalid TableArn")
	}
	if list != "" && req.get(list).isNull() {
		return validationErr("1 validation error detected: Value null at '" + listName + "' failed to satisfy constraint: Member must not be null")
	}
	if !tableArnRe.MatchString(arn.s) {
		return validationErr("Invalid TableArn: Invalid ResourceArn provided as input " + arn.s)
	}
	if list != "" && len(req.get(list).arr) == 0 {
		return validationErr(emptyMsg)
	}
	return nil
}

// tableByArn finds the table an ARN names; notFoundMsg is the message when there is none.
// An ARN of another account or Region is AccessDeniedException naming op, as DynamoDB
// answers a caller without rights there.
func (e *Engine) tableByArn(op, arn, notFoundMsg string) (*table, *apiError) {
	if err := e.ownARN(op, arn); err != nil {
		return nil, err
	}
	name := tableArnRe.FindStringSubmatch(arn)[1]
	e.mu.RLock()
	t := e.tables[name]
	e.mu.RUnlock()
	if t == nil || e.arn(name) != arn {
		return nil, ddbErr("ResourceNotFoundException", notFoundMsg)
	}
	return t, nil
}

func (e *Engine) tagResource(req *jval) (any, *apiError) {
	if err := checkTableArn(req, "Tags", "tags", "Atleast one Tag needs to be provided as Input."); err != nil {
		return nil, err
	}
	arn := jstr(req.get("ResourceArn"))
	t, err := e.tableByArn("TagResource", arn, "Requested resource not found: ResourcArn: "+arn+" not found")
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tg := range req.get("Tags").arr {
		k, v := jstr(tg.get("Key")), jstr(tg.get("Value"))
		replaced := false
		for i := range t.tags {
			if t.tags[i].Key == k {
				t.tags[i].Value, replaced = v, true
			}
		}
		if !replaced {
			t.tags = append(t.tags, tag{k, v})
		}
	}
	return map[string]any{}, nil
}

func (e *Engine) untagResource(req *jval) (any, *apiError) {
	if err := checkTableArn(req, "TagKeys", "tagKeys", "Atleast one Tag Key needs to be provided as Input."); err != nil {
		return nil, err
	}
	t, err := e.tableByArn("UntagResource", jstr(req.get("ResourceArn")), "Requested resource not found")
	if err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	for _, k := range req.get("TagKeys").arr {
		drop[k.s] = true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	kept := t.tags[:0:0]
	for _, tg := range t.tags {
		if !drop[tg.Key] {
			kept = append(kept, tg)
		}
	}
	t.tags = kept
	return map[string]any{}, nil
}

func (e *Engine) listTagsOfResource(req *jval) (any, *apiError) {
	if err := checkTableArn(req, "", "", ""); err != nil {
		return nil, err
	}
	arn := jstr(req.get("ResourceArn"))
	t, err := e.tableByArn("ListTagsOfResource", arn, "Requested resource not found: ResourcArn: "+arn+" not found")
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return map[string]any{"Tags": sortedTags(t.tags)}, nil
}
