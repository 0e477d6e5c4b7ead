package ddbengine

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// On-demand backups, point-in-time recovery settings, DescribeLimits and DescribeEndpoints.
//
// A backup is a point-in-time copy of a table: its settings and copy-on-write clones of the
// B-trees of its items and indexes, taken under the table lock (as a snapshot cut is), so
// creating one costs O(1) in the table's size and later writes to the table do not show in
// it. RestoreTableFromBackup builds a new table from those clones. Backups are AVAILABLE at
// once and live in memory only: they are not kept in DataDir.

// backup is one on-demand backup.
type backup struct {
	arn, name string
	created   float64
	// source is a frozen copy of the table: never written, never in the catalog.
	source *table
}

// backups is the engine's backup catalog.
type backups struct {
	mu   sync.Mutex
	byID map[string]*backup
	seq  int
}

func (e *Engine) createBackup(req *jval) (any, *apiError) {
	name := jstr(req.get("TableName"))
	t, err := e.getTable(name)
	if err != nil {
		return nil, ddbErr("TableNotFoundException", "Table not found: "+name)
	}
	now := e.opts.Now()
	created := float64(now.UnixMilli()) / 1000
	t.mu.Lock()
	src := t.frozenCopy()
	t.mu.Unlock()
	e.backups.mu.Lock()
	defer e.backups.mu.Unlock()
	if e.backups.byID == nil {
		e.backups.byID = map[string]*backup{}
	}
	e.backups.seq++
	id := strconv.FormatInt(now.UnixMilli(), 10)
	id = strings.Repeat("0", max(0, 14-len(id))) + id + "-" + newUUID()[:8]
	b := &backup{arn: src.desc.TableArn + "/backup/" + id, name: jstr(req.get("BackupName")), created: created, source: src}
	e.backups.byID[b.arn] = b
	return map[string]any{"BackupDetails": b.details()}, nil
}

// frozenCopy returns a copy of t that shares nothing t changes later; the caller holds t.mu.
func (t *table) frozenCopy() *table {
	c := &table{name: t.name, keys: t.keys, defs: maps.Clone(t.defs), items: t.items.clone(), size: t.size, ttlAttr: t.ttlAttr, ttlOn: t.ttlOn, tags: slices.Clone(t.tags)}
	d := *t.desc
	c.desc = &d
	copyIndexes := func(ixs []*index) []*index {
		var out []*index
		for _, ix := range ixs {
			cx := *ix
			dx := *ix.desc
			if p := ix.desc.ProvisionedThroughput; p != nil {
				pc := *p
				dx.ProvisionedThroughput = &pc
			}
			cx.desc, cx.store = &dx, ix.store.clone()
			out = append(out, &cx)
		}
		return out
	}
	c.gsis, c.lsis = copyIndexes(t.gsis), copyIndexes(t.lsis)
	return c
}

func (b *backup) details() map[string]any {
	return map[string]any{
		"BackupArn": b.arn, "BackupName": b.name, "BackupSizeBytes": b.source.size,
		"BackupStatus": "AVAILABLE", "BackupType": "USER", "BackupCreationDateTime": b.created,
	}
}

func (b *backup) description() map[string]any {
	d := b.source.snapshot("ACTIVE")
	billing := "PROVISIONED"
	if d.BillingModeSummary != nil {
		billing = d.BillingModeSummary.BillingMode
	}
	src := map[string]any{
		"TableName": d.TableName, "TableId": d.TableId, "TableArn": d.TableArn, "TableSizeBytes": d.TableSizeBytes,
		"KeySchema": d.KeySchema, "TableCreationDateTime": d.CreationDateTime, "ItemCount": d.ItemCount,
		"ProvisionedThroughput": map[string]any{"ReadCapacityUnits": d.ProvisionedThroughput.ReadCapacityUnits, "WriteCapacityUnits": d.ProvisionedThroughput.WriteCapacityUnits},
		"BillingMode":           billing,
	}
	features := map[string]any{}
	if len(d.GlobalSecondaryIndexes) > 0 {
		var l []map[string]any
		for _, ix := range d.GlobalSecondaryIndexes {
			l = append(l, map[string]any{"IndexName": ix.IndexName, "KeySchema": ix.KeySchema, "Projection": ix.Projection,
				"ProvisionedThroughput": map[string]any{"ReadCapacityUnits": ix.ProvisionedThroughput.ReadCapacityUnits, "WriteCapacityUnits": ix.ProvisionedThroughput.WriteCapacityUnits}})
		}
		features["GlobalSecondaryIndexes"] = l
	}
	if len(d.LocalSecondaryIndexes) > 0 {
		var l []map[string]any
		for _, ix := range d.LocalSecondaryIndexes {
			l = append(l, map[string]any{"IndexName": ix.IndexName, "KeySchema": ix.KeySchema, "Projection": ix.Projection})
		}
		features["LocalSecondaryIndexes"] = l
	}
	if d.StreamSpecification != nil {
		features["StreamDescription"] = d.StreamSpecification
	}
	ttl := map[string]any{"TimeToLiveStatus": "DISABLED"}
	if b.source.ttlOn {
		ttl = map[string]any{"TimeToLiveStatus": "ENABLED", "AttributeName": b.source.ttlAttr}
	}
	features["TimeToLiveDescription"] = ttl
	return map[string]any{"BackupDetails": b.details(), "SourceTableDetails": src, "SourceTableFeatureDetails": features}
}

// backupByArn finds a backup or answers DynamoDB's BackupNotFoundException.
func (e *Engine) backupByArn(arn string) (*backup, *apiError) {
	e.backups.mu.Lock()
	b := e.backups.byID[arn]
	e.backups.mu.Unlock()
	if b == nil {
		return nil, ddbErr("BackupNotFoundException", "Backup not found: "+arn)
	}
	return b, nil
}

func (e *Engine) describeBackup(req *jval) (any, *apiError) {
	b, err := e.backupByArn(jstr(req.get("BackupArn")))
	if err != nil {
		return nil, err
	}
	return map[string]any{"BackupDescription": b.description()}, nil
}

func (e *Engine) deleteBackup(req *jval) (any, *apiError) {
	arn := jstr(req.get("BackupArn"))
	b, err := e.backupByArn(arn)
	if err != nil {
		return nil, err
	}
	e.backups.mu.Lock()
	delete(e.backups.byID, arn)
	e.backups.mu.Unlock()
	d := b.description()
	d["BackupDetails"].(map[string]any)["BackupStatus"] = "DELETED"
	return map[string]any{"BackupDescription": d}, nil
}

func (e *Engine) listBackups(req *jval) (any, *apiError) {
	table := jstr(req.get("TableName"))
	typ := jstr(req.get("BackupType"))
	start := jstr(req.get("ExclusiveStartBackupArn"))
	limit := 100
	if l := req.get("Limit"); l != nil {
		limit = int(l.n)
	}
	lo, hi := req.get("TimeRangeLowerBound"), req.get("TimeRangeUpperBound")
	e.backups.mu.Lock()
	var all []*backup
	for _, b := range e.backups.byID {
		all = append(all, b)
	}
	e.backups.mu.Unlock()
	slices.SortFunc(all, func(a, b *backup) int { return strings.Compare(a.arn, b.arn) })
	var out []map[string]any
	res := map[string]any{}
	for _, b := range all {
		switch {
		case table != "" && b.source.name != table,
			typ == "SYSTEM" || typ == "AWS_BACKUP",
			start != "" && b.arn <= start,
			lo != nil && b.created < lo.n,
			hi != nil && b.created >= hi.n:
			continue
		}
		if len(out) == limit {
			res["LastEvaluatedBackupArn"] = out[len(out)-1]["BackupArn"]
			break
		}
		d := b.source.desc
		s := b.details()
		s["TableName"], s["TableId"], s["TableArn"] = d.TableName, d.TableId, d.TableArn
		out = append(out, s)
	}
	if out == nil {
		out = []map[string]any{}
	}
	res["BackupSummaries"] = out
	return res, nil
}

func (e *Engine) restoreTableFromBackup(req *jval) (any, *apiError) {
	arn := jstr(req.get("BackupArn"))
	b, err := e.backupByArn(arn)
	if err != nil {
		return nil, err
	}
	name := jstr(req.get("TargetTableName"))
	src := b.source
	now := float64(e.opts.Now().UnixMilli()) / 1000
	t := src.frozenCopy()
	t.name = name
	t.tags = nil
	t.desc.TableName, t.desc.TableArn, t.desc.TableId, t.desc.CreationDateTime = name, e.arn(name), newUUID(), now
	t.desc.StreamSpecification, t.desc.LatestStreamArn, t.desc.LatestStreamLabel = nil, "", ""
	t.ttlOn, t.ttlAttr = false, "" // DynamoDB restores neither TTL settings nor streams
	t.desc.DeletionProtectionEnabled = false
	switch jstr(req.get("BillingModeOverride")) {
	case "PAY_PER_REQUEST":
		t.desc.BillingModeSummary = &billingModeSummary{BillingMode: "PAY_PER_REQUEST", LastUpdateToPayPerRequestDateTime: now}
		t.desc.ProvisionedThroughput = provisionedThroughput{NumberOfDecreasesToday: t.desc.ProvisionedThroughput.NumberOfDecreasesToday}
	case "PROVISIONED":
		t.desc.BillingModeSummary = &billingModeSummary{BillingMode: "PROVISIONED"}
	}
	if pt := req.get("ProvisionedThroughputOverride"); pt != nil {
		t.desc.ProvisionedThroughput.ReadCapacityUnits = int64(pt.get("ReadCapacityUnits").n)
		t.desc.ProvisionedThroughput.WriteCapacityUnits = int64(pt.get("WriteCapacityUnits").n)
	}
	for _, ixs := range [][]*index{t.gsis, t.lsis} {
		for _, ix := range ixs {
			ix.desc.IndexArn = t.desc.TableArn + "/index/" + ix.name
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tables[name] != nil || e.deletingTable(name) {
		return nil, ddbErr("TableAlreadyExistsException", "Table already exists: "+name)
	}
	e.seq++
	t.order = e.seq
	e.tables[name] = t
	e.startState(t, "CREATING")
	t.desc.RestoreSummary = &restoreSummary{SourceBackupArn: arn, SourceTableArn: src.desc.TableArn, RestoreDateTime: b.created}
	d := t.snapshot("CREATING")
	// The answer reports the restore running, as DynamoDB's does; descriptions later do not.
	rs := *d.RestoreSummary
	rs.RestoreInProgress = true
	d.RestoreSummary = &rs
	return map[string]any{"TableDescription": d}, nil
}

// ---- point-in-time recovery settings ----

func (e *Engine) describeContinuousBackups(req *jval) (any, *apiError) {
	name := jstr(req.get("TableName"))
	t, err := e.getTable(name)
	if err != nil {
		return nil, ddbErr("TableNotFoundException", "Table not found: "+name)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return map[string]any{"ContinuousBackupsDescription": e.continuousBackups(t)}, nil
}

func (e *Engine) continuousBackups(t *table) map[string]any {
	pitr := map[string]any{"PointInTimeRecoveryStatus": "DISABLED"}
	if t.pitrSince != 0 {
		latest := float64(e.opts.Now().Add(-5*1e9).UnixMilli()) / 1000
		pitr = map[string]any{
			"PointInTimeRecoveryStatus":  "ENABLED",
			"EarliestRestorableDateTime": t.pitrSince,
			"LatestRestorableDateTime":   max(latest, t.pitrSince),
			"RecoveryPeriodInDays":       35,
		}
	}
	return map[string]any{"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr}
}

func (e *Engine) updateContinuousBackups(req *jval) (any, *apiError) {
	name := jstr(req.get("TableName"))
	t, err := e.getTable(name)
	if err != nil {
		return nil, ddbErr("TableNotFoundException", "Table not found: "+name)
	}
	spec := req.get("PointInTimeRecoverySpecification")
	enabled := spec.get("PointInTimeRecoveryEnabled").b
	if days := spec.get("RecoveryPeriodInDays"); days != nil && !enabled {
		return nil, validationErr("RecoveryPeriodInDays can only be specified when PointInTimeRecoveryEnabled is true")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case enabled && t.pitrSince == 0:
		t.pitrSince = float64(e.opts.Now().UnixMilli()) / 1000
	case !enabled:
		t.pitrSince = 0
	}
	return map[string]any{"ContinuousBackupsDescription": e.continuousBackups(t)}, nil
}

// ---- account limits and endpoints ----

// describeLimits answers DynamoDB's default quotas for an account in a Region.
func (e *Engine) describeLimits(*jval) (any, *apiError) {
	return map[string]any{
		"AccountMaxReadCapacityUnits": 80000, "AccountMaxWriteCapacityUnits": 80000,
		"TableMaxReadCapacityUnits": 40000, "TableMaxWriteCapacityUnits": 40000,
	}, nil
}

// describeEndpoints names the endpoint the request came to: DynamoDB's regional endpoint
// here, which the SDKs only use with endpoint discovery (off by default).
func (e *Engine) describeEndpoints(*jval) (any, *apiError) {
	return map[string]any{"Endpoints": []map[string]any{{
		"Address": "dynamodb." + e.opts.Region + ".amazonaws.com", "CachePeriodInMinutes": 1440,
	}}}, nil
}

// backupSpecs are the request specs of the operations above.
var backupSpecs = map[string][]field{
	"CreateBackup":   {f("TableName", tableNameReq()), f("BackupName", backupNameReq())},
	"DescribeBackup": {f("BackupArn", backupArnReq())},
	"DeleteBackup":   {f("BackupArn", backupArnReq())},
	"ListBackups": {
		f("TableName", str(regex(tableRegex), lenGte(3), lenLte(1024))),
		f("Limit", integer(gte(1), lte(100))),
		f("TimeRangeLowerBound", &spec{typ: "Double"}),
		f("TimeRangeUpperBound", &spec{typ: "Double"}),
		f("ExclusiveStartBackupArn", str(lenGte(37), lenLte(1024))),
		f("BackupType", str(enum("USER", "SYSTEM", "AWS_BACKUP", "ALL"))),
	},
	"RestoreTableFromBackup": {
		f("TargetTableName", tableNameReq()),
		f("BackupArn", backupArnReq()),
		f("BillingModeOverride", str(enum("PROVISIONED", "PAY_PER_REQUEST"))),
		f("ProvisionedThroughputOverride", provisionedSpec()),
	},
	"DescribeContinuousBackups": {f("TableName", tableNameReq())},
	"UpdateContinuousBackups": {
		f("TableName", tableNameReq()),
		f("PointInTimeRecoverySpecification", fstruct("PointInTimeRecoverySpecification", []constraint{notNull()},
			f("PointInTimeRecoveryEnabled", &spec{typ: "Boolean", cons: []constraint{notNull()}}),
			f("RecoveryPeriodInDays", integer(gte(1), lte(35))))),
	},
	"DescribeLimits":    {},
	"DescribeEndpoints": {},
}

func init() { maps.Copy(opSpecs, backupSpecs) }

func backupNameReq() *spec {
	s := str(regex(tableRegex), lenGte(3), lenLte(255))
	s.required = true
	return s
}

func backupArnReq() *spec {
	s := str(lenGte(37), lenLte(1024))
	s.required = true
	return s
}
