package ddbengine

import (
	"sort"
	"strings"
)

// UpdateTable: billing mode and throughput, GSI Create (backfilled synchronously, so the index
// is ACTIVE and complete when the call returns), GSI Delete and Update, and StreamSpecification.
// The whole request is validated before anything changes, so a rejected request has no effect.
// Request-level checks and their wording follow dynalite; the index checks follow DynamoDB
// (dynalite accepts GSI Create/Delete but ignores them, see README.md).

func (e *Engine) updateTable(req *jval) (any, *apiError) {
	name := jstr(req.get("TableName"))
	ss := req.get("StreamSpecification")
	billing := jstr(req.get("BillingMode"))
	pt := req.get("ProvisionedThroughput")
	updates := req.get("GlobalSecondaryIndexUpdates").arrOrNil()
	// dynalite only counts UpdateStreamEnabled here, a parameter DynamoDB does not have;
	// DynamoDB accepts StreamSpecification alone.
	dp := req.get("DeletionProtectionEnabled")
	if pt == nil && billing == "" && ss == nil && len(updates) == 0 && dp == nil {
		return nil, validationErr("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	}
	if billing == "PROVISIONED" && pt == nil {
		return nil, validationErr("One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
	}
	if pt != nil {
		for _, n := range []string{"ReadCapacityUnits", "WriteCapacityUnits"} {
			if v := pt.get(n); v.n > 1000000000000 {
				return nil, validationErr("Given value " + fmtNum(v.n) + " for " + n + " is out of bounds")
			}
		}
	}
	seen := map[string]bool{}
	structural := 0 // Create and Delete actions
	for _, u := range updates {
		c, d, up := u.get("Create"), u.get("Delete"), u.get("Update")
		n := 0
		for _, a := range []*jval{c, d, up} {
			if a != nil {
				n++
			}
		}
		if n == 0 {
			return nil, validationErr("One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null")
		}
		if n > 1 {
			return nil, validationErr("One or more parameter values were invalid: Only one of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete may be specified")
		}
		var in string
		switch {
		case up != nil:
			in = jstr(up.get("IndexName"))
		case c != nil:
			in, structural = jstr(c.get("IndexName")), structural+1
		default:
			in, structural = jstr(d.get("IndexName")), structural+1
		}
		if seen[in] {
			return nil, validationErr("One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: " + in)
		}
		seen[in] = true
	}
	if structural > 1 {
		return nil, ddbErr("LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")
	}

	t, err := e.getTable(name)
	if err != nil {
		return nil, notFound(name)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e.stateDelay.Load() > 0 {
		if st := e.status(t); st != "ACTIVE" {
			return nil, inUse(name, st)
		}
	}
	tableBilling := "PROVISIONED"
	if t.desc.BillingModeSummary != nil {
		tableBilling = t.desc.BillingModeSummary.BillingMode
	}
	if pt != nil && (billing == "PAY_PER_REQUEST" || billing == "" && tableBilling == "PAY_PER_REQUEST") {
		return nil, validationErr("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
	}
	effBilling := billing
	if effBilling == "" {
		effBilling = tableBilling
	}
	if pt != nil && tableBilling == "PROVISIONED" {
		cur := t.desc.ProvisionedThroughput
		if err := sameThroughput(cur.ReadCapacityUnits, cur.WriteCapacityUnits, pt); err != nil {
			return nil, err
		}
	}

	// Validate every index action against the current table before changing anything.
	reqDefs := map[string]string{}
	var reqDefNames []string
	for _, d := range req.get("AttributeDefinitions").arrOrNil() {
		n, ty := jstr(d.get("AttributeName")), jstr(d.get("AttributeType"))
		reqDefs[n] = ty
		reqDefNames = append(reqDefNames, n)
	}
	var create *index
	var deleteName string
	type throughput struct {
		ix     *index
		rc, wc int64
	}
	var throughputs []throughput
	for _, u := range updates {
		switch {
		case u.get("Create") != nil:
			c := u.get("Create")
			in := jstr(c.get("IndexName"))
			if t.findIndex(in) != nil {
				return nil, validationErr("One or more parameter values were invalid: Attempting to create an index which already exists: " + in)
			}
			// DynamoDB wants the new key attributes in the request's AttributeDefinitions,
			// even when the table already defines them.
			if err := checkIndexSchema(c, false, effBilling, reqDefs, reqDefNames, nil); err != nil {
				return nil, err
			}
			newKS := parseKeySchema(c.get("KeySchema"))
			for _, k := range newKS {
				if old, ok := t.defs[k.AttributeName]; ok && old != reqDefs[k.AttributeName] {
					return nil, validationErr("One or more parameter values were invalid: Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. Existing schema: " +
						schemaString(t.schemaUsing(k.AttributeName), t.defs) + " New schema: " + schemaString(newKS, reqDefs))
				}
			}
			create = e.newIndex(name, c, true, reqDefs)
		case u.get("Delete") != nil:
			in := jstr(u.get("Delete").get("IndexName"))
			if ix := t.findIndex(in); ix == nil {
				return nil, ddbErr("ResourceNotFoundException", "Requested resource not found: Index: "+in+" not found")
			} else if !ix.global {
				return nil, validationErr("One or more parameter values were invalid: Index " + in + " is a local secondary index; only global secondary indexes can be deleted")
			}
			deleteName = in
		default:
			up := u.get("Update")
			in := jstr(up.get("IndexName"))
			p := up.get("ProvisionedThroughput")
			if p != nil && (p.get("ReadCapacityUnits").n > 1000000000000 || p.get("WriteCapacityUnits").n > 1000000000000) {
				return nil, validationErr("This operation cannot be performed with given input values. Please contact DynamoDB service team for more info: Action Blocked: IndexUpdate")
			}
			ix := t.findIndex(in)
			if ix == nil || !ix.global {
				return nil, ddbErr("ResourceNotFoundException", "Requested resource not found: Index: "+in+" not found")
			}
			if p == nil {
				continue // nothing to change locally (OnDemandThroughput, WarmThroughput)
			}
			if cur := ix.desc.ProvisionedThroughput; cur != nil && tableBilling == "PROVISIONED" {
				if err := sameThroughput(cur.ReadCapacityUnits, cur.WriteCapacityUnits, p); err != nil {
					return nil, err
				}
			}
			throughputs = append(throughputs, throughput{ix, int64(p.get("ReadCapacityUnits").n), int64(p.get("WriteCapacityUnits").n)})
		}
	}
	var enableView string
	disable := false
	if ss != nil {
		on := ss.get("StreamEnabled") != nil && ss.get("StreamEnabled").b
		switch {
		case on && t.stream != nil && t.stream.enabled:
			return nil, validationErr("Table already has an enabled stream: " + t.stream.arn)
		case on && jstr(ss.get("StreamViewType")) == "":
			return nil, validationErr("One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true")
		case on:
			enableView = jstr(ss.get("StreamViewType"))
		default:
			// Disabling a table without a stream is accepted and changes nothing.
			disable = t.stream != nil && t.stream.enabled
		}
	}

	// Apply.
	if dp != nil {
		t.desc.DeletionProtectionEnabled = dp.b
	}
	now := float64(e.opts.Now().UnixMilli()) / 1000
	if billing == "PAY_PER_REQUEST" {
		t.desc.BillingModeSummary = &billingModeSummary{BillingMode: billing, LastUpdateToPayPerRequestDateTime: now}
		// An on-demand table and its GSIs report zero throughput, as created on demand.
		t.desc.ProvisionedThroughput = provisionedThroughput{NumberOfDecreasesToday: t.desc.ProvisionedThroughput.NumberOfDecreasesToday}
		for _, ix := range t.gsis {
			if p := ix.desc.ProvisionedThroughput; p != nil {
				ix.desc.ProvisionedThroughput = &provisionedThroughput{NumberOfDecreasesToday: p.NumberOfDecreasesToday}
			}
		}
	} else if billing != "" {
		t.desc.BillingModeSummary = &billingModeSummary{BillingMode: billing}
	}
	if pt != nil {
		t.desc.ProvisionedThroughput = changedThroughput(t.desc.ProvisionedThroughput, int64(pt.get("ReadCapacityUnits").n), int64(pt.get("WriteCapacityUnits").n), now, tableBilling == "PROVISIONED")
	}
	for _, tp := range throughputs {
		p := changedThroughput(*tp.ix.desc.ProvisionedThroughput, tp.rc, tp.wc, now, tableBilling == "PROVISIONED")
		tp.ix.desc.ProvisionedThroughput = &p
	}
	if create != nil {
		for _, k := range create.keys {
			t.defineAttr(k.name, k.typ)
		}
		t.schemaMu.Lock()
		t.gsis = append(t.gsis[:len(t.gsis):len(t.gsis)], create)
		t.schemaMu.Unlock()
		// Each item in the new index is laid out again with its key in the new index, so that
		// it stays one allocation; the clone is read while the table is written.
		ixs := t.allIndexes()
		t.items.clone().each(func(e entry) bool {
			if it := decodeItem(e.item()); indexable(it, create.keys) {
				s := t.layout(t.key(it), it, ixs)
				t.items.put(s.main)
				t.updateIndexes(ixs, nil, s)
			}
			return true
		})
	}
	if deleteName != "" {
		for i, ix := range t.gsis {
			if ix.name == deleteName {
				t.schemaMu.Lock()
				t.gsis = append(t.gsis[:i:i], t.gsis[i+1:]...)
				t.schemaMu.Unlock()
				break
			}
		}
		t.pruneDefs()
	}
	switch {
	case enableView != "":
		e.enableStream(t, enableView)
	case disable:
		t.stream.disable()
		t.desc.StreamSpecification = nil
	}
	e.startState(t, "UPDATING")
	return map[string]any{"TableDescription": t.snapshot(e.status(t))}, nil
}

// changedThroughput returns p set to rc and wc with DynamoDB's bookkeeping: an increase sets
// LastIncreaseDateTime, a decrease LastDecreaseDateTime and one more NumberOfDecreasesToday
// (a switch from on-demand, wasProvisioned false, is neither). p is copied, never changed: a
// backup may share it.
func changedThroughput(p provisionedThroughput, rc, wc int64, now float64, wasProvisioned bool) provisionedThroughput {
	if wasProvisioned {
		if rc > p.ReadCapacityUnits || wc > p.WriteCapacityUnits {
			p.LastIncreaseDateTime = now
		}
		if rc < p.ReadCapacityUnits || wc < p.WriteCapacityUnits {
			p.LastDecreaseDateTime = now
			n := int64(1)
			if p.NumberOfDecreasesToday != nil {
				n += *p.NumberOfDecreasesToday
			}
			p.NumberOfDecreasesToday = &n
		}
	}
	p.ReadCapacityUnits, p.WriteCapacityUnits = rc, wc
	return p
}

// sameThroughput is DynamoDB's refusal of a throughput update that changes nothing, or nil.
func sameThroughput(rc, wc int64, pt *jval) *apiError {
	nrc, nwc := int64(pt.get("ReadCapacityUnits").n), int64(pt.get("WriteCapacityUnits").n)
	if nrc != rc || nwc != wc {
		return nil
	}
	return validationErr("The provisioned throughput for the table will not change. The requested value equals the current value. " +
		"Current ReadCapacityUnits provisioned for the table: " + itoa(int(rc)) + ". Requested ReadCapacityUnits: " + itoa(int(nrc)) + ". " +
		"Current WriteCapacityUnits provisioned for the table: " + itoa(int(wc)) + ". Requested WriteCapacityUnits: " + itoa(int(nwc)) + ". " +
		"Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.")
}

// schemaUsing returns the table's or an index's key schema that uses attr.
func (t *table) schemaUsing(attr string) []keySchemaElement {
	schemas := [][]keySchemaElement{t.desc.KeySchema}
	for _, ix := range t.allIndexes() {
		schemas = append(schemas, ix.desc.KeySchema)
	}
	for _, ks := range schemas {
		for _, k := range ks {
			if k.AttributeName == attr {
				return ks
			}
		}
	}
	return nil
}

// schemaString renders a key schema as DynamoDB's error messages do:
// Schema:[SchemaElement: key{xyz:S:HASH}].
func schemaString(ks []keySchemaElement, defs map[string]string) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = "SchemaElement: key{" + k.AttributeName + ":" + defs[k.AttributeName] + ":" + k.KeyType + "}"
	}
	return "Schema:[" + strings.Join(parts, ", ") + "]"
}

// defineAttr adds an attribute definition unless the table already has it.
func (t *table) defineAttr(name, typ string) {
	if _, ok := t.defs[name]; ok {
		return
	}
	t.defs[name] = typ
	t.desc.AttributeDefinitions = append(t.desc.AttributeDefinitions, attributeDefinition{name, typ})
}

// pruneDefs drops attribute definitions no key schema uses any more, as DynamoDB does after an
// index is deleted (CreateTable rejects unused definitions, so keeping them would also make the
// description unrestorable).
func (t *table) pruneDefs() {
	used := map[string]bool{}
	for _, k := range t.keys {
		used[k.name] = true
	}
	for _, ix := range t.allIndexes() {
		for _, k := range ix.keys {
			used[k.name] = true
		}
	}
	kept := t.desc.AttributeDefinitions[:0:0]
	for _, d := range t.desc.AttributeDefinitions {
		if used[d.AttributeName] {
			kept = append(kept, d)
		} else {
			delete(t.defs, d.AttributeName)
		}
	}
	t.desc.AttributeDefinitions = kept
}

// sortedTags returns the tags ordered by key, the order dynalite lists them in.
func sortedTags(tags []tag) []tag {
	out := make([]tag, len(tags))
	copy(out, tags)
	sort.Slice(out, func(i, j int) bool { return strings.Compare(out[i].Key, out[j].Key) < 0 })
	return out
}
