package dynamodb

import (
	"encoding/json"
	"os"
	"path/filepath"
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

func (e *Engine) ttlLoop() {
	defer e.done.Done()
	tick := time.NewTicker(e.opts.TTLInterval)
	defer tick.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-tick.C:
			e.ExpireNow()
		}
	}
}

// ExpireNow deletes every item whose TTL attribute (a Number of epoch seconds) is in the past,
// emitting REMOVE stream records marked as service deletions. Like DynamoDB it ignores values
// more than five years in the past. The background sweeper calls it; tests may too.
func (e *Engine) ExpireNow() int {
	now := e.opts.Now()
	e.mu.RLock()
	var ts []*table
	for _, t := range e.tables {
		ts = append(ts, t)
	}
	e.mu.RUnlock()
	n := 0
	for _, t := range ts {
		t.mu.Lock()
		if t.ttlOn {
			var expired []string
			for k, it := range t.items.m {
				v := it[t.ttlAttr]
				if v == nil || v.T != "N" {
					continue
				}
				d, _ := parseDecimal(v.S)
				secs, _ := parseDecimal(itoa(int(now.Unix())))
				old, _ := parseDecimal(itoa(int(now.AddDate(-5, 0, 0).Unix())))
				if cmpDecimal(d, secs) < 0 && cmpDecimal(d, old) >= 0 {
					expired = append(expired, k)
				}
			}
			for _, k := range expired {
				e.write(t, k, t.items.get(k), nil, true)
				n++
			}
		}
		t.mu.Unlock()
	}
	return n
}

// ---- tags ----

var tableArnRe = regexp.MustCompile(`^arn:aws:dynamodb:.+:\d+:table/([^/]{2}[^/]+)$`)

func (e *Engine) tableByArn(arn, action string) (*table, *apiError) {
	if arn == "" {
		return nil, validationErr("Invalid TableArn")
	}
	m := tableArnRe.FindStringSubmatch(arn)
	if m == nil {
		return nil, validationErr("Invalid TableArn: Invalid ResourceArn provided as input " + arn)
	}
	e.mu.RLock()
	t := e.tables[m[1]]
	e.mu.RUnlock()
	if t == nil || e.arn(m[1]) != arn {
		return nil, ddbErr("ResourceNotFoundException", "Requested resource not found: ResourcArn: "+arn+" not found")
	}
	return t, nil
}

func (e *Engine) tagResource(req *jval) (any, *apiError) {
	t, err := e.tableByArn(jstr(req.get("ResourceArn")), "TagResource")
	if err != nil {
		return nil, err
	}
	tags := req.get("Tags")
	if tags == nil {
		return nil, validationErr("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	if len(tags.arr) == 0 {
		return nil, validationErr("Atleast one Tag needs to be provided as Input.")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tg := range tags.arr {
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
	t, err := e.tableByArn(jstr(req.get("ResourceArn")), "UntagResource")
	if err != nil {
		return nil, err
	}
	keys := req.get("TagKeys")
	if keys == nil {
		return nil, validationErr("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	if len(keys.arr) == 0 {
		return nil, validationErr("Atleast one Tag Key needs to be provided as Input.")
	}
	drop := map[string]bool{}
	for _, k := range keys.arr {
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
	t, err := e.tableByArn(jstr(req.get("ResourceArn")), "ListTagsOfResource")
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	tags := make([]tag, len(t.tags))
	copy(tags, t.tags)
	return map[string]any{"Tags": tags}, nil
}

// ---- UpdateTable ----

func (e *Engine) updateTable(req *jval) (any, *apiError) {
	name := jstr(req.get("TableName"))
	t, err := e.getTable(name)
	if err != nil {
		return nil, notFound(name)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, d := range req.get("AttributeDefinitions").arrOrNil() {
		n, ty := jstr(d.get("AttributeName")), jstr(d.get("AttributeType"))
		if _, ok := t.defs[n]; !ok {
			t.defs[n] = ty
			t.desc.AttributeDefinitions = append(t.desc.AttributeDefinitions, attributeDefinition{n, ty})
		}
	}
	if bm := jstr(req.get("BillingMode")); bm != "" {
		if bm == "PAY_PER_REQUEST" {
			t.desc.BillingModeSummary = &billingModeSummary{BillingMode: bm, LastUpdateToPayPerRequestDateTime: float64(e.opts.Now().UnixMilli()) / 1000}
		} else {
			t.desc.BillingModeSummary = &billingModeSummary{BillingMode: bm}
		}
	}
	if pt := req.get("ProvisionedThroughput"); pt != nil {
		t.desc.ProvisionedThroughput.ReadCapacityUnits = int64(pt.get("ReadCapacityUnits").n)
		t.desc.ProvisionedThroughput.WriteCapacityUnits = int64(pt.get("WriteCapacityUnits").n)
	}
	for _, u := range req.get("GlobalSecondaryIndexUpdates").arrOrNil() {
		if c := u.get("Create"); c != nil {
			in := jstr(c.get("IndexName"))
			if t.findIndex(in) != nil {
				return nil, validationErr("One or more parameter values were invalid: Duplicate index name: " + in)
			}
			ix := &index{name: in, global: true, store: newItemStore(), projType: jstr(c.get("Projection").get("ProjectionType")), nonKey: jstrs(c.get("Projection").get("NonKeyAttributes"))}
			ks := parseKeySchema(c.get("KeySchema"))
			for _, k := range ks {
				ty, ok := t.defs[k.AttributeName]
				if !ok {
					return nil, validationErr("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" + k.AttributeName + "]")
				}
				ix.keys = append(ix.keys, keyAttr{k.AttributeName, ty})
			}
			zero := int64(0)
			ix.desc = &indexDescription{IndexName: in, KeySchema: ks, Projection: projection{ix.projType, ix.nonKey}, IndexStatus: "ACTIVE", IndexArn: e.arn(name) + "/index/" + in,
				ProvisionedThroughput: &provisionedThroughput{NumberOfDecreasesToday: &zero}}
			t.gsis = append(t.gsis, ix)
			for _, it := range t.items.m {
				t.updateIndexesFor(ix, it)
			}
		}
		if d := u.get("Delete"); d != nil {
			in := jstr(d.get("IndexName"))
			found := false
			for i, ix := range t.gsis {
				if ix.name == in {
					t.gsis = append(t.gsis[:i:i], t.gsis[i+1:]...)
					found = true
					break
				}
			}
			if !found {
				return nil, ddbErr("ResourceNotFoundException", "Requested resource not found: Index: "+in+" not found")
			}
		}
	}
	if ss := req.get("StreamSpecification"); ss != nil {
		on := ss.get("StreamEnabled") != nil && ss.get("StreamEnabled").b
		switch {
		case on && t.stream != nil && t.stream.enabled:
			return nil, validationErr("Table already has an enabled stream: " + t.stream.arn)
		case on:
			e.enableStream(t, jstr(ss.get("StreamViewType")))
		case t.stream != nil:
			t.stream.disable()
			t.desc.StreamSpecification = nil
		}
	}
	return map[string]any{"TableDescription": t.snapshot("ACTIVE")}, nil
}

func (t *table) updateIndexesFor(ix *index, it Item) {
	saved := t.gsis
	savedL := t.lsis
	t.gsis, t.lsis = []*index{ix}, nil
	t.updateIndexes(nil, it)
	t.gsis, t.lsis = saved, savedL
}

// ---- persistence ----

type snapshotTable struct {
	Create  json.RawMessage
	Desc    *tableDescription
	TTLAttr string
	TTLOn   bool
	Tags    []tag
	Items   []Item
}

func (e *Engine) snapshotPath() string { return filepath.Join(e.opts.DataDir, "dynamodb.json") }

func (e *Engine) save() error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []snapshotTable
	for _, n := range sortedTableNames(e.tables) {
		t := e.tables[n]
		t.mu.RLock()
		create := map[string]any{"TableName": n, "AttributeDefinitions": t.desc.AttributeDefinitions, "KeySchema": t.desc.KeySchema, "BillingMode": "PAY_PER_REQUEST"}
		var gsis, lsis []any
		for _, ix := range t.gsis {
			gsis = append(gsis, map[string]any{"IndexName": ix.name, "KeySchema": ix.desc.KeySchema, "Projection": ix.desc.Projection})
		}
		for _, ix := range t.lsis {
			lsis = append(lsis, map[string]any{"IndexName": ix.name, "KeySchema": ix.desc.KeySchema, "Projection": ix.desc.Projection})
		}
		if gsis != nil {
			create["GlobalSecondaryIndexes"] = gsis
		}
		if lsis != nil {
			create["LocalSecondaryIndexes"] = lsis
		}
		if t.stream != nil && t.stream.enabled {
			create["StreamSpecification"] = map[string]any{"StreamEnabled": true, "StreamViewType": t.stream.view}
		}
		cb, _ := json.Marshal(create)
		st := snapshotTable{Create: cb, Desc: t.desc, TTLAttr: t.ttlAttr, TTLOn: t.ttlOn, Tags: t.tags}
		for _, k := range t.items.keys {
			st.Items = append(st.Items, t.items.m[k])
		}
		t.mu.RUnlock()
		out = append(out, st)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(e.opts.DataDir, 0o755); err != nil {
		return err
	}
	tmp := e.snapshotPath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, e.snapshotPath())
}

func (e *Engine) load() error {
	b, err := os.ReadFile(e.snapshotPath())
	if err != nil {
		return err
	}
	var tables []struct {
		Create  json.RawMessage
		Desc    *tableDescription
		TTLAttr string
		TTLOn   bool
		Tags    []tag
		Items   []json.RawMessage
	}
	if err := json.Unmarshal(b, &tables); err != nil {
		return err
	}
	for _, st := range tables {
		if st.Desc != nil && st.Desc.BillingModeSummary == nil {
			// Provisioned tables are restored as on-demand with their old description.
		}
		if status, _ := e.Do("DynamoDB_20120810.CreateTable", st.Create); status != 200 {
			continue
		}
		var name struct{ TableName string }
		_ = json.Unmarshal(st.Create, &name)
		t := e.tables[name.TableName]
		t.mu.Lock()
		if st.Desc != nil {
			streamArn, label, spec := t.desc.LatestStreamArn, t.desc.LatestStreamLabel, t.desc.StreamSpecification
			d := *st.Desc
			d.LatestStreamArn, d.LatestStreamLabel, d.StreamSpecification = streamArn, label, spec
			t.desc = &d
		}
		t.ttlAttr, t.ttlOn, t.tags = st.TTLAttr, st.TTLOn, st.Tags
		for _, raw := range st.Items {
			j, err := parseJSON(raw)
			if err != nil {
				continue
			}
			it, msg := validateItemMap(j)
			if msg != "" {
				continue
			}
			k := t.key(it)
			t.updateIndexes(nil, it)
			t.items.put(k, it)
		}
		t.mu.Unlock()
	}
	return nil
}
