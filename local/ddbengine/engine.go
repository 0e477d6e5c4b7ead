// Package dynamodb is the local runtime's embedded DynamoDB engine: an http.Handler that speaks the
// DynamoDB JSON 1.0 protocol (X-Amz-Target: DynamoDB_20120810.<Op>) and the DynamoDB Streams
// API, with transactions, streams and TTL, for the local runtime and tests. Behaviour and
// error messages follow DynamoDB; dynalite is the reference it is tested against.
package ddbengine

import (
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	smithyrand "github.com/aws/smithy-go/rand"
)

// Errors returned by the Go API (the HTTP API returns DynamoDB's exceptions instead).
var (
	ErrTableNotFound = errors.New("table not found")
	ErrNoStream      = errors.New("table has no stream")
)

// Options configure an Engine.
type Options struct {
	// Region and AccountID appear in ARNs (defaults us-east-1, 000000000000).
	Region    string
	AccountID string
	// DataDir, when set, keeps tables across restarts: see persist.go for the guarantee.
	DataDir string
	// SnapshotInterval bounds how long an acknowledged change may go unsaved in DataDir
	// (default 1s; negative saves only on Close).
	SnapshotInterval time.Duration
	// TTLInterval is how often expired items are deleted (default 1s; negative disables).
	TTLInterval time.Duration
	// Now overrides the clock (tests).
	Now func() time.Time
	// StateDelay, when positive, keeps a created or restored table CREATING, an updated one
	// UPDATING and a deleted one DELETING for this long, as DynamoDB does for a while (see
	// state.go); zero makes every change ACTIVE at once.
	StateDelay time.Duration
}

// Engine is an in-memory DynamoDB. It is safe for concurrent use.
type Engine struct {
	opts   Options
	mu     sync.RWMutex // guards tables (the catalog); table data has its own lock
	tables map[string]*table
	seq    int

	txMu     sync.Mutex
	txTokens map[string]txToken
	txExpiry []txExpiry // txTokens' times in the order they were set, for sweepTokensLocked

	streamSeq uint64
	subsMu    sync.Mutex
	allSubs   map[*subscription]bool
	stop      chan struct{}
	done      sync.WaitGroup
	closeOnce sync.Once

	changes  atomic.Uint64 // bumped after every state change
	savedGen atomic.Uint64 // value of changes the last snapshot includes
	saveMu   sync.Mutex
	// lastCutWait and lastCutHold are how long the last snapshot waited for the table locks
	// and then held them (nanoseconds): from its first Lock to its last Unlock, which is as
	// long as a write can wait on the locks because of it.
	lastCutWait, lastCutHold atomic.Int64
	// wrapSnapshot, when set (tests), wraps the writer of the snapshot file.
	wrapSnapshot func(io.Writer) io.Writer

	stateDelay atomic.Int64            // nanoseconds; see Options.StateDelay and SetStateDelay
	backups    backups                 // on-demand backups (backup.go)
	deleting   map[string]deletedTable // tables DELETING under StateDelay; guarded by mu
}

// New is Open for callers that cannot handle its error: it panics when DataDir holds a
// snapshot that cannot be read (rather than start empty and overwrite it at the next save).
func New(opts Options) *Engine {
	e, err := Open(opts)
	if err != nil {
		panic("dynamodb: " + err.Error())
	}
	return e
}

// Open returns an engine holding the tables saved in opts.DataDir (none when DataDir is empty
// or new) and starts its background TTL sweeper and snapshot writer. A snapshot that cannot be
// read is an error wrapping ErrCorruptSnapshot, and the file is left as it was.
func Open(opts Options) (*Engine, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.TTLInterval == 0 {
		opts.TTLInterval = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SnapshotInterval == 0 {
		opts.SnapshotInterval = time.Second
	}
	e := &Engine{opts: opts, tables: map[string]*table{}, txTokens: map[string]txToken{}, stop: make(chan struct{})}
	e.stateDelay.Store(int64(opts.StateDelay))
	if opts.DataDir != "" {
		if err := e.load(); err != nil {
			return nil, fmt.Errorf("open %s: %w", opts.DataDir, err)
		}
		if opts.SnapshotInterval > 0 {
			e.done.Add(1)
			go e.every(e.opts.SnapshotInterval, e.saveIfChanged)
		}
	}
	if opts.TTLInterval > 0 {
		e.done.Add(1)
		go e.every(e.opts.TTLInterval, func() { e.ExpireNow() })
	}
	return e, nil
}

// Close stops background work and, with a DataDir, writes the final snapshot.
func (e *Engine) Close() error {
	var err error
	e.closeOnce.Do(func() {
		close(e.stop)
		e.done.Wait()
		if e.opts.DataDir != "" {
			err = e.save()
		}
		e.closeStreams()
	})
	return err
}

// apiError is an error response in DynamoDB's JSON shape.
type apiError struct {
	typ          string
	msg          string
	upperMessage bool           // SerializationException spells it "Message"
	extra        map[string]any // e.g. Item, CancellationReasons
	status       int
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

func validationErr(msg string) *apiError {
	return &apiError{typ: "com.amazon.coral.validate#ValidationException", msg: msg}
}

func ddbErr(name, msg string) *apiError {
	return &apiError{typ: "com.amazonaws.dynamodb.v20120810#" + name, msg: msg}
}

func notFound(name string) *apiError {
	return ddbErr("ResourceNotFoundException", "Requested resource not found: Table: "+name+" not found")
}

func (e *apiError) body() []byte {
	m := map[string]any{"__type": e.typ}
	if e.upperMessage {
		m["Message"] = e.msg
	} else {
		m["message"] = e.msg
	}
	for k, v := range e.extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

const maxItemSize = 409600

type handler func(e *Engine, req *jval) (any, *apiError)

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"CreateTable":        (*Engine).createTable,
		"DescribeTable":      (*Engine).describeTable,
		"DeleteTable":        (*Engine).deleteTable,
		"ListTables":         (*Engine).listTables,
		"UpdateTable":        (*Engine).updateTable,
		"PutItem":            (*Engine).putItem,
		"GetItem":            (*Engine).getItem,
		"DeleteItem":         (*Engine).deleteItem,
		"UpdateItem":         (*Engine).updateItem,
		"Query":              (*Engine).query,
		"Scan":               (*Engine).scan,
		"BatchGetItem":       (*Engine).batchGetItem,
		"BatchWriteItem":     (*Engine).batchWriteItem,
		"TransactWriteItems": (*Engine).transactWriteItems,
		"TransactGetItems":   (*Engine).transactGetItems,
		"UpdateTimeToLive":   (*Engine).updateTimeToLive,
		"DescribeTimeToLive": (*Engine).describeTimeToLive,
		"TagResource":        (*Engine).tagResource,
		"UntagResource":      (*Engine).untagResource,
		"ListTagsOfResource": (*Engine).listTagsOfResource,
		// backup.go
		"CreateBackup":              (*Engine).createBackup,
		"DescribeBackup":            (*Engine).describeBackup,
		"DeleteBackup":              (*Engine).deleteBackup,
		"ListBackups":               (*Engine).listBackups,
		"RestoreTableFromBackup":    (*Engine).restoreTableFromBackup,
		"DescribeContinuousBackups": (*Engine).describeContinuousBackups,
		"UpdateContinuousBackups":   (*Engine).updateContinuousBackups,
		"DescribeLimits":            (*Engine).describeLimits,
		"DescribeEndpoints":         (*Engine).describeEndpoints,
	}
}

// ServeHTTP implements the DynamoDB and DynamoDB Streams JSON protocols.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amzn-RequestId", requestID())
	if r.Method == http.MethodGet {
		writeRaw(w, 200, "text/plain", []byte("healthy: dynamodb.us-east-1.amazonaws.com "))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20+1))
	if err != nil || len(body) > 16<<20 {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	ct = strings.TrimSpace(ct)
	if r.Method != http.MethodPost || (len(body) > 0 && ct != "application/json" && ct != "application/x-amz-json-1.0") {
		writeRaw(w, 404, "", []byte("<UnknownOperationException/>\n"))
		return
	}
	if ct != "application/x-amz-json-1.0" {
		ct = "application/json"
	}
	status, out := e.Do(r.Header.Get("X-Amz-Target"), body)
	writeRaw(w, status, ct, out)
}

func writeRaw(w http.ResponseWriter, status int, ct string, body []byte) {
	h := w.Header()
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	h.Set("x-amz-crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Do runs one operation given its X-Amz-Target and JSON body; it returns the HTTP status and
// the response body.
func (e *Engine) Do(target string, body []byte) (int, []byte) {
	var req *jval
	if len(body) > 0 {
		var err error
		if req, err = parseJSON(body); err != nil {
			return 400, []byte(`{"__type":"com.amazon.coral.service#SerializationException"}`)
		}
	}
	api, op, _ := strings.Cut(target, ".")
	var h handler
	var fields []field
	switch api {
	case "DynamoDB_20120810":
		h, fields = handlers[op], opSpecs[op]
	case "DynamoDBStreams_20120810":
		h, fields = streamHandlers[op], streamSpecs[op]
	}
	if h == nil || strings.Count(target, ".") != 1 {
		return 400, []byte(`{"__type":"com.amazon.coral.service#UnknownOperationException"}`)
	}
	if len(body) == 0 {
		return 400, []byte(`{"__type":"com.amazon.coral.service#SerializationException"}`)
	}
	if req.k != jObj {
		req = &jval{k: jObj}
	}
	data, aerr := checkTypes(req, fields)
	if aerr == nil && api == "DynamoDB_20120810" {
		aerr = e.resolveARNs(op, data)
	}
	if aerr == nil {
		aerr = checkValidations(data, fields)
	}
	var res any
	if aerr == nil {
		res, aerr = h(e, data)
		if aerr == nil && api == "DynamoDB_20120810" && !readOnly[op] {
			e.changes.Add(1)
		}
	}
	if aerr != nil {
		st := aerr.status
		if st == 0 {
			st = 400
		}
		return st, aerr.body()
	}
	out, err := json.Marshal(res)
	if err != nil {
		return 500, ddbErr("InternalServerError", err.Error()).body()
	}
	return 200, out
}

func requestID() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 52)
	for i := range b {
		b[i] = chars[rand.IntN(len(chars))]
	}
	return string(b)
}

// getTable returns the named table or ResourceNotFoundException.
func (e *Engine) getTable(name string) (*table, *apiError) {
	e.mu.RLock()
	t := e.tables[name]
	e.mu.RUnlock()
	if t == nil || (e.stateDelay.Load() > 0 && e.creating(t)) {
		return nil, ddbErr("ResourceNotFoundException", "Requested resource not found")
	}
	return t, nil
}

func (e *Engine) arn(name string) string {
	return "arn:aws:dynamodb:" + e.opts.Region + ":" + e.opts.AccountID + ":table/" + name
}

// ---- table descriptions ----

type attributeDefinition struct {
	AttributeName string
	AttributeType string
}

type keySchemaElement struct {
	AttributeName string
	KeyType       string
}

type provisionedThroughput struct {
	LastIncreaseDateTime   float64 `json:",omitempty"`
	LastDecreaseDateTime   float64 `json:",omitempty"`
	ReadCapacityUnits      int64
	WriteCapacityUnits     int64
	NumberOfDecreasesToday *int64 `json:",omitempty"`
}

type projection struct {
	ProjectionType   string   `json:",omitempty"`
	NonKeyAttributes []string `json:",omitempty"`
}

type indexDescription struct {
	IndexName             string
	KeySchema             []keySchemaElement
	Projection            projection
	IndexStatus           string                 `json:",omitempty"`
	ProvisionedThroughput *provisionedThroughput `json:",omitempty"`
	IndexSizeBytes        int64
	ItemCount             int64
	IndexArn              string
	WarmThroughput        *warmThroughput `json:",omitempty"`
}

// warmThroughput is what an on-demand table or index is ready to serve at once; DynamoDB
// reports 12 000 read and 4 000 write units per second for a new on-demand table and each of
// its GSIs. Provisioned tables report none here (their figure depends on their history).
type warmThroughput struct {
	ReadUnitsPerSecond  int64
	WriteUnitsPerSecond int64
	Status              string
}

func onDemandWarmThroughput(status string) *warmThroughput {
	return &warmThroughput{ReadUnitsPerSecond: 12000, WriteUnitsPerSecond: 4000, Status: status}
}

type streamSpecification struct {
	StreamEnabled  bool
	StreamViewType string `json:",omitempty"`
}

type tableDescription struct {
	AttributeDefinitions   []attributeDefinition
	TableName              string
	KeySchema              []keySchemaElement
	TableStatus            string
	CreationDateTime       float64
	ProvisionedThroughput  provisionedThroughput
	TableSizeBytes         int64
	ItemCount              int64
	TableArn               string
	TableId                string
	BillingModeSummary     *billingModeSummary  `json:",omitempty"`
	LocalSecondaryIndexes  []*indexDescription  `json:",omitempty"`
	GlobalSecondaryIndexes []*indexDescription  `json:",omitempty"`
	StreamSpecification    *streamSpecification `json:",omitempty"`
	LatestStreamLabel      string               `json:",omitempty"`
	LatestStreamArn        string               `json:",omitempty"`
	// DeletionProtectionEnabled is always reported, as DynamoDB does.
	DeletionProtectionEnabled bool
	RestoreSummary            *restoreSummary `json:",omitempty"`
	WarmThroughput            *warmThroughput `json:",omitempty"`
}

// restoreSummary is reported by tables restored from a backup.
type restoreSummary struct {
	SourceBackupArn   string
	SourceTableArn    string
	RestoreDateTime   float64
	RestoreInProgress bool
}

type billingModeSummary struct {
	BillingMode                       string
	LastUpdateToPayPerRequestDateTime float64 `json:",omitempty"`
}

// snapshot returns a copy of the description with live counts.
func (t *table) snapshot(status string) *tableDescription {
	d := *t.desc
	d.TableStatus = status
	d.ItemCount = int64(t.items.len())
	d.TableSizeBytes = t.size
	onDemand := d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode == "PAY_PER_REQUEST"
	d.WarmThroughput = nil
	if onDemand {
		d.WarmThroughput = onDemandWarmThroughput(status)
	}
	d.GlobalSecondaryIndexes = nil
	for _, ix := range t.gsis {
		c := *ix.desc
		c.ItemCount = int64(ix.store.len())
		if status == "CREATING" {
			c.IndexStatus = "CREATING" // a new table's indexes are created with it
		}
		if onDemand {
			c.WarmThroughput = onDemandWarmThroughput(c.IndexStatus)
		}
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, &c)
	}
	d.LocalSecondaryIndexes = nil
	for _, ix := range t.lsis {
		c := *ix.desc
		c.ItemCount = int64(ix.store.len())
		d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, &c)
	}
	return &d
}

func jstr(v *jval) string {
	if v == nil {
		return ""
	}
	return v.s
}

func jstrs(v *jval) []string {
	if v == nil {
		return nil
	}
	out := make([]string, 0, len(v.arr))
	for _, e := range v.arr {
		out = append(out, jstr(e))
	}
	return out
}

func (e *Engine) createTable(req *jval) (any, *apiError) {
	billing := jstr(req.get("BillingMode"))
	pt := req.get("ProvisionedThroughput")
	if billing == "PAY_PER_REQUEST" {
		if pt != nil {
			return nil, validationErr("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	} else {
		if pt == nil || pt.get("ReadCapacityUnits").isNull() || pt.get("WriteCapacityUnits").isNull() || pt.get("ReadCapacityUnits").n == 0 || pt.get("WriteCapacityUnits").n == 0 {
			return nil, validationErr("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		for _, n := range []string{"ReadCapacityUnits", "WriteCapacityUnits"} {
			if v := pt.get(n); v.n > 1000000000000 {
				return nil, validationErr("Given value " + fmtNum(v.n) + " for " + n + " is out of bounds")
			}
		}
	}
	var defs []attributeDefinition
	defNames := []string{}
	defMap := map[string]string{}
	for _, d := range req.get("AttributeDefinitions").arr {
		ad := attributeDefinition{jstr(d.get("AttributeName")), jstr(d.get("AttributeType"))}
		defs = append(defs, ad)
		defNames = append(defNames, ad.AttributeName)
		defMap[ad.AttributeName] = ad.AttributeType
	}
	ks := parseKeySchema(req.get("KeySchema"))
	keyNames := []string{}
	for _, k := range ks {
		keyNames = append(keyNames, k.AttributeName)
	}
	if len(keyNames) > len(defNames) {
		return nil, validationErr("Invalid KeySchema: Some index key attribute have no definition")
	}
	for _, k := range keyNames {
		if _, ok := defMap[k]; !ok {
			return nil, validationErr("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" + strings.Join(keyNames, ", ") + "], AttributeDefinitions: [" + strings.Join(defNames, ", ") + "]")
		}
	}
	if len(ks) == 2 && keyNames[0] == keyNames[1] {
		return nil, validationErr("Both the Hash Key and the Range Key element in the KeySchema have the same name")
	}
	if ks[0].KeyType != "HASH" {
		return nil, validationErr("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(ks) == 2 && ks[1].KeyType != "RANGE" {
		return nil, validationErr("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
	}
	lsiReq, gsiReq := req.get("LocalSecondaryIndexes"), req.get("GlobalSecondaryIndexes")
	if lsiReq == nil && gsiReq == nil && len(ks) != len(defs) {
		return nil, validationErr("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	seen := map[string]bool{}
	checkIndex := func(ix *jval, local bool) *apiError {
		if err := checkIndexSchema(ix, local, billing, defMap, defNames, keyNames); err != nil {
			return err
		}
		name := jstr(ix.get("IndexName"))
		if seen[name] {
			return validationErr("One or more parameter values were invalid: Duplicate index name: " + name)
		}
		seen[name] = true
		return nil
	}
	if lsiReq != nil {
		if len(lsiReq.arr) == 0 {
			return nil, validationErr("One or more parameter values were invalid: List of LocalSecondaryIndexes is empty")
		}
		if len(ks) != 2 {
			return nil, validationErr("One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
		}
		for _, ix := range lsiReq.arr {
			if err := checkIndex(ix, true); err != nil {
				return nil, err
			}
		}
		if len(lsiReq.arr) > 5 {
			return nil, validationErr("One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5")
		}
	}
	if gsiReq != nil {
		if len(gsiReq.arr) == 0 {
			return nil, validationErr("One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty")
		}
		for _, ix := range gsiReq.arr {
			if err := checkIndex(ix, false); err != nil {
				return nil, err
			}
		}
		if len(gsiReq.arr) > 20 {
			return nil, validationErr("One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20")
		}
	}

	name := jstr(req.get("TableName"))
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tables[name] != nil || e.deletingTable(name) {
		return nil, ddbErr("ResourceInUseException", "Table already exists: "+name)
	}
	now := float64(e.opts.Now().UnixMilli()) / 1000
	zero := int64(0)
	t := &table{name: name, defs: defMap, items: newItemStore()}
	for _, k := range ks {
		t.keys = append(t.keys, keyAttr{k.AttributeName, defMap[k.AttributeName]})
	}
	d := &tableDescription{
		AttributeDefinitions: defs,
		TableName:            name,
		KeySchema:            ks,
		CreationDateTime:     now,
		TableArn:             e.arn(name),
		TableId:              newUUID(),
	}
	if dp := req.get("DeletionProtectionEnabled"); dp != nil {
		d.DeletionProtectionEnabled = dp.b
	}
	if pt != nil {
		d.ProvisionedThroughput = provisionedThroughput{ReadCapacityUnits: int64(pt.get("ReadCapacityUnits").n), WriteCapacityUnits: int64(pt.get("WriteCapacityUnits").n)}
	}
	d.ProvisionedThroughput.NumberOfDecreasesToday = &zero
	if billing == "PAY_PER_REQUEST" {
		d.BillingModeSummary = &billingModeSummary{BillingMode: "PAY_PER_REQUEST", LastUpdateToPayPerRequestDateTime: now}
	}
	if lsiReq != nil {
		for _, j := range lsiReq.arr {
			t.lsis = append(t.lsis, e.newIndex(name, j, false, defMap))
		}
	}
	if gsiReq != nil {
		for _, j := range gsiReq.arr {
			t.gsis = append(t.gsis, e.newIndex(name, j, true, defMap))
		}
	}
	t.desc = d
	if ss := req.get("StreamSpecification"); ss != nil && ss.get("StreamEnabled") != nil && ss.get("StreamEnabled").b {
		e.enableStream(t, jstr(ss.get("StreamViewType")))
	}
	for _, tg := range req.get("Tags").arrOrNil() {
		t.tags = append(t.tags, tag{jstr(tg.get("Key")), jstr(tg.get("Value"))})
	}
	e.seq++
	t.order = e.seq
	e.tables[name] = t
	e.startState(t, "CREATING")
	return map[string]any{"TableDescription": t.snapshot("CREATING")}, nil
}

// checkIndexSchema applies CreateTable's checks to one index definition (UpdateTable's Create
// reuses them); tableKeys are the table's key attribute names, hash first.
func checkIndexSchema(ix *jval, local bool, billing string, defMap map[string]string, defNames, tableKeys []string) *apiError {
	name := jstr(ix.get("IndexName"))
	iks := parseKeySchema(ix.get("KeySchema"))
	names := []string{}
	for _, k := range iks {
		names = append(names, k.AttributeName)
	}
	for _, k := range names {
		if _, ok := defMap[k]; !ok {
			return validationErr("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" + strings.Join(names, ", ") + "], AttributeDefinitions: [" + strings.Join(defNames, ", ") + "]")
		}
	}
	if len(iks) == 2 && names[0] == names[1] {
		return validationErr("Both the Hash Key and the Range Key element in the KeySchema have the same name")
	}
	if iks[0].KeyType != "HASH" {
		return validationErr("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(iks) == 2 && iks[1].KeyType != "RANGE" {
		return validationErr("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
	}
	if local {
		if len(iks) != 2 {
			return validationErr("One or more parameter values were invalid: Index KeySchema does not have a range key for index: " + name)
		}
		if names[0] != tableKeys[0] {
			return validationErr("One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: " + name + ". index hash key: " + names[0] + ", table hash key: " + tableKeys[0])
		}
	}
	proj := ix.get("Projection")
	pt := jstr(proj.get("ProjectionType"))
	if pt == "" {
		return validationErr("One or more parameter values were invalid: Unknown ProjectionType: null")
	}
	if proj.get("NonKeyAttributes") != nil && pt != "INCLUDE" {
		return validationErr("One or more parameter values were invalid: ProjectionType is " + pt + ", but NonKeyAttributes is specified")
	}
	if !local && billing == "PAY_PER_REQUEST" && ix.get("ProvisionedThroughput") != nil {
		return validationErr("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: " + name + " when BillingMode is PAY_PER_REQUEST")
	}
	return nil
}

// newIndex builds an empty index of table tableName from its (validated) definition.
func (e *Engine) newIndex(tableName string, j *jval, global bool, defMap map[string]string) *index {
	zero := int64(0)
	ix := &index{name: jstr(j.get("IndexName")), global: global, store: newItemStore()}
	iks := parseKeySchema(j.get("KeySchema"))
	for _, k := range iks {
		ix.keys = append(ix.keys, keyAttr{k.AttributeName, defMap[k.AttributeName]})
	}
	proj := j.get("Projection")
	ix.projType = jstr(proj.get("ProjectionType"))
	ix.nonKey = jstrs(proj.get("NonKeyAttributes"))
	ix.desc = &indexDescription{IndexName: ix.name, KeySchema: iks, Projection: projection{ix.projType, ix.nonKey}, IndexArn: e.arn(tableName) + "/index/" + ix.name}
	if global {
		ix.desc.IndexStatus = "ACTIVE"
		p := provisionedThroughput{NumberOfDecreasesToday: &zero}
		if ipt := j.get("ProvisionedThroughput"); ipt != nil {
			p.ReadCapacityUnits, p.WriteCapacityUnits = int64(ipt.get("ReadCapacityUnits").n), int64(ipt.get("WriteCapacityUnits").n)
		}
		ix.desc.ProvisionedThroughput = &p
	}
	return ix
}

func (v *jval) arrOrNil() []*jval {
	if v == nil {
		return nil
	}
	return v.arr
}

func parseKeySchema(v *jval) []keySchemaElement {
	var out []keySchemaElement
	for _, k := range v.arrOrNil() {
		out = append(out, keySchemaElement{jstr(k.get("AttributeName")), jstr(k.get("KeyType"))})
	}
	return out
}

func newUUID() string {
	id, _ := smithyrand.NewUUID(crand.Reader).GetUUID() // crypto/rand.Reader never fails
	return id
}

func (e *Engine) describeTable(req *jval) (any, *apiError) {
	name := jstr(req.get("TableName"))
	e.mu.RLock()
	t := e.tables[name]
	e.mu.RUnlock()
	if t == nil {
		// Only a miss takes the write lock (deletingTable forgets expired entries).
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.deletingTable(name) {
			d := *e.deleting[name].desc
			return map[string]any{"Table": &d}, nil
		}
		return nil, notFound(name)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return map[string]any{"Table": t.snapshot(e.status(t))}, nil
}

func (e *Engine) deleteTable(req *jval) (any, *apiError) {
	name := jstr(req.get("TableName"))
	e.mu.Lock()
	t := e.tables[name]
	if t == nil && e.deletingTable(name) {
		// Deleting a table already DELETING is not an error (DeleteTable's documentation).
		d := *e.deleting[name].desc
		e.mu.Unlock()
		return map[string]any{"TableDescription": &d}, nil
	}
	e.mu.Unlock()
	if t == nil {
		return nil, notFound(name)
	}
	if e.stateDelay.Load() > 0 {
		if st := e.status(t); st != "ACTIVE" {
			return nil, inUse(name, st)
		}
	}
	t.mu.RLock()
	protected := t.desc.DeletionProtectionEnabled
	t.mu.RUnlock()
	if protected {
		return nil, validationErr("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	e.mu.Lock()
	if e.tables[name] != t {
		e.mu.Unlock()
		return nil, notFound(name)
	}
	delete(e.tables, name)
	e.mu.Unlock()
	t.mu.Lock()
	t.deleted = true
	d := t.snapshot("DELETING")
	d.GlobalSecondaryIndexes = nil
	if t.stream != nil {
		t.stream.disable()
	}
	t.mu.Unlock()
	if e.stateDelay.Load() > 0 {
		e.mu.Lock()
		if e.deleting == nil {
			e.deleting = map[string]deletedTable{}
		}
		e.deleting[name] = deletedTable{desc: d, until: e.opts.Now().Add(time.Duration(e.stateDelay.Load()))}
		e.mu.Unlock()
	}
	return map[string]any{"TableDescription": d}, nil
}

func (e *Engine) listTables(req *jval) (any, *apiError) {
	limit := 100
	if l := req.get("Limit"); l != nil {
		limit = int(l.n)
	}
	start := jstr(req.get("ExclusiveStartTableName"))
	e.mu.RLock()
	names := make([]string, 0, len(e.tables))
	for n := range e.tables {
		if start == "" || n > start {
			names = append(names, n)
		}
	}
	now := e.opts.Now()
	for n, d := range e.deleting { // DELETING tables are still listed (Options.StateDelay)
		if (start == "" || n > start) && now.Before(d.until) && e.tables[n] == nil {
			names = append(names, n)
		}
	}
	e.mu.RUnlock()
	sort.Strings(names)
	res := map[string]any{}
	if len(names) > limit {
		names = names[:limit]
		res["LastEvaluatedTableName"] = names[len(names)-1]
	}
	res["TableNames"] = names
	return res, nil
}

// TableNames lists the tables, sorted.
func (e *Engine) TableNames() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return sortedKeys(e.tables)
}
