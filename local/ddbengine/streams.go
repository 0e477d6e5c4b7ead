package ddbengine

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Streams: every write to a table with a stream appends one record, in commit order, to the
// table's single shard. Records are served by the DynamoDB Streams API and pushed to in-process
// subscribers (the local runtime's event source mappings).

// Record is one stream record, in the shape of the DynamoDB Streams API's Record (and so of
// the records in a Lambda DynamoDB event).
type Record struct {
	EventID      string        `json:"eventID"`
	EventName    string        `json:"eventName"` // INSERT, MODIFY or REMOVE
	EventVersion string        `json:"eventVersion"`
	EventSource  string        `json:"eventSource"`
	AwsRegion    string        `json:"awsRegion"`
	Dynamodb     StreamRecord  `json:"dynamodb"`
	UserIdentity *UserIdentity `json:"userIdentity,omitempty"`
	// EventSourceARN is the stream ARN (used by Lambda events; not part of GetRecords output).
	EventSourceARN string `json:"-"`
}

// StreamRecord is the data of a Record.
type StreamRecord struct {
	ApproximateCreationDateTime float64
	Keys                        Item
	NewImage                    Item `json:",omitempty"`
	OldImage                    Item `json:",omitempty"`
	SequenceNumber              string
	SizeBytes                   int64
	StreamViewType              string
}

// UserIdentity marks records of deletions made by the service itself (TTL).
type UserIdentity struct {
	PrincipalID string `json:"PrincipalId"`
	Type        string
}

type stream struct {
	mu       sync.Mutex
	arn      string
	label    string
	view     string
	enabled  bool
	created  float64
	records  []Record
	trimmed  int // records dropped from the front
	subs     map[*subscription]bool
	keySchem []keySchemaElement
	table    string
}

// maxStreamRecords bounds memory; DynamoDB keeps 24 hours.
const maxStreamRecords = 100000

type subscription struct {
	mu     sync.Mutex
	queue  []Record
	wake   chan struct{}
	out    chan Record
	closed chan struct{}
	once   sync.Once
}

func (s *stream) disable() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enabled = false
}

func (e *Engine) enableStream(t *table, view string) {
	now := e.opts.Now().UTC()
	label := now.Format("2006-01-02T15:04:05.000")
	s := &stream{arn: e.arn(t.name) + "/stream/" + label, label: label, view: view, enabled: true,
		created: float64(now.UnixMilli()) / 1000, subs: map[*subscription]bool{}, keySchem: t.desc.KeySchema, table: t.name}
	if t.stream != nil {
		t.stream.mu.Lock()
		for sub := range t.stream.subs {
			s.subs[sub] = true
		}
		t.stream.mu.Unlock()
	}
	t.stream = s
	t.desc.StreamSpecification = &streamSpecification{StreamEnabled: true, StreamViewType: view}
	t.desc.LatestStreamArn, t.desc.LatestStreamLabel = s.arn, label
}

// emit appends the record for one write. The table lock is held, which orders records.
func (e *Engine) emit(t *table, old, nw Item, ttl bool) {
	s := t.stream
	if !s.enabled {
		return
	}
	keysFrom := nw
	name := "MODIFY"
	switch {
	case old == nil:
		name = "INSERT"
	case nw == nil:
		name, keysFrom = "REMOVE", old
	}
	keys := Item{}
	for _, k := range t.keys {
		keys[k.name] = keysFrom[k.name]
	}
	e.mu.Lock()
	e.streamSeq++
	seq := e.streamSeq
	e.mu.Unlock()
	r := Record{
		EventID: newUUID(), EventName: name, EventVersion: "1.1", EventSource: "aws:dynamodb",
		AwsRegion: e.opts.Region, EventSourceARN: s.arn,
		Dynamodb: StreamRecord{
			ApproximateCreationDateTime: float64(e.opts.Now().Unix()),
			Keys:                        keys,
			SequenceNumber:              fmt.Sprintf("%021d", seq),
			StreamViewType:              s.view,
		},
	}
	size := itemSize(keys, false, false, "")
	if s.view == "NEW_IMAGE" || s.view == "NEW_AND_OLD_IMAGES" {
		r.Dynamodb.NewImage = nw
		if nw != nil {
			size += itemSize(nw, false, false, "")
		}
	}
	if s.view == "OLD_IMAGE" || s.view == "NEW_AND_OLD_IMAGES" {
		r.Dynamodb.OldImage = old
		if old != nil {
			size += itemSize(old, false, false, "")
		}
	}
	r.Dynamodb.SizeBytes = int64(size)
	if ttl {
		r.UserIdentity = &UserIdentity{PrincipalID: "dynamodb.amazonaws.com", Type: "Service"}
	}
	s.mu.Lock()
	s.records = append(s.records, r)
	if len(s.records) > maxStreamRecords {
		drop := len(s.records) - maxStreamRecords
		s.records = append([]Record(nil), s.records[drop:]...)
		s.trimmed += drop
	}
	for sub := range s.subs {
		sub.push(r)
	}
	s.mu.Unlock()
}

func (s *subscription) push(r Record) {
	s.mu.Lock()
	s.queue = append(s.queue, r)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscription) pump() {
	defer close(s.out)
	for {
		s.mu.Lock()
		q := s.queue
		s.queue = nil
		s.mu.Unlock()
		for _, r := range q {
			select {
			case s.out <- r:
			case <-s.closed:
				return
			}
		}
		select {
		case <-s.wake:
		case <-s.closed:
			return
		}
	}
}

// Subscribe delivers, in order, every stream record written to table after the call. The
// channel is closed after cancel is called or the engine closes. The table must have a stream
// (StreamSpecification); records are never dropped for a slow subscriber (they queue).
func (e *Engine) Subscribe(tableName string) (<-chan Record, func(), error) {
	e.mu.RLock()
	t := e.tables[tableName]
	e.mu.RUnlock()
	if t == nil {
		return nil, nil, fmt.Errorf("subscribe to %s: %w", tableName, ErrTableNotFound)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stream == nil || !t.stream.enabled {
		return nil, nil, fmt.Errorf("subscribe to %s: %w", tableName, ErrNoStream)
	}
	sub := &subscription{wake: make(chan struct{}, 1), out: make(chan Record), closed: make(chan struct{})}
	s := t.stream
	s.mu.Lock()
	s.subs[sub] = true
	s.mu.Unlock()
	go sub.pump()
	e.subsMu.Lock()
	if e.allSubs == nil {
		e.allSubs = map[*subscription]bool{}
	}
	e.allSubs[sub] = true
	e.subsMu.Unlock()
	cancel := func() {
		sub.once.Do(func() { close(sub.closed) })
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
	}
	return sub.out, cancel, nil
}

func (e *Engine) closeStreams() {
	e.subsMu.Lock()
	defer e.subsMu.Unlock()
	for sub := range e.allSubs {
		sub.once.Do(func() { close(sub.closed) })
	}
}

// StreamARN returns the latest stream ARN of a table ("" if it has none).
func (e *Engine) StreamARN(tableName string) string {
	e.mu.RLock()
	t := e.tables[tableName]
	e.mu.RUnlock()
	if t == nil {
		return ""
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.stream == nil {
		return ""
	}
	return t.stream.arn
}

// ---- DynamoDB Streams API ----

var streamHandlers = map[string]handler{
	"ListStreams":      (*Engine).listStreams,
	"DescribeStream":   (*Engine).describeStream,
	"GetShardIterator": (*Engine).getShardIterator,
	"GetRecords":       (*Engine).getRecords,
}

var streamSpecs = map[string][]field{
	"ListStreams":      {f("TableName", str()), f("Limit", integer(gte(1), lte(100))), f("ExclusiveStartStreamArn", str())},
	"DescribeStream":   {f("StreamArn", str(notNull())), f("Limit", integer(gte(1), lte(100))), f("ExclusiveStartShardId", str())},
	"GetShardIterator": {f("StreamArn", str(notNull())), f("ShardId", str(notNull())), f("ShardIteratorType", str(notNull(), enum("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"))), f("SequenceNumber", str())},
	"GetRecords":       {f("ShardIterator", str(notNull(), lenGte(1), lenLte(2048))), f("Limit", integer(gte(1), lte(1000)))},
}

const shardID = "shardId-00000000000000000001-00000001"

// streams lists the tables' current streams. t.stream is replaced under the table lock
// (UpdateTable), so it is read under that lock, after the catalog lock is released: emit takes
// e.mu while holding a table lock, and the opposite order could deadlock.
func (e *Engine) streams() []*stream {
	e.mu.RLock()
	ts := make([]*table, 0, len(e.tables))
	for _, n := range sortedKeys(e.tables) {
		ts = append(ts, e.tables[n])
	}
	e.mu.RUnlock()
	var out []*stream
	for _, t := range ts {
		t.mu.RLock()
		if s := t.stream; s != nil {
			out = append(out, s)
		}
		t.mu.RUnlock()
	}
	return out
}

func (e *Engine) findStream(arn string) *stream {
	for _, s := range e.streams() {
		if s.arn == arn {
			return s
		}
	}
	return nil
}

func streamNotFound(arn string) *apiError {
	return ddbErr("ResourceNotFoundException", "Requested resource not found: Stream: "+arn+" not found")
}

func (e *Engine) listStreams(req *jval) (any, *apiError) {
	tn := jstr(req.get("TableName"))
	out := []map[string]any{}
	for _, s := range e.streams() {
		if tn == "" || s.table == tn {
			out = append(out, map[string]any{"StreamArn": s.arn, "TableName": s.table, "StreamLabel": s.label})
		}
	}
	return map[string]any{"Streams": out}, nil
}

func (e *Engine) describeStream(req *jval) (any, *apiError) {
	arn := jstr(req.get("StreamArn"))
	s := e.findStream(arn)
	if s == nil {
		return nil, streamNotFound(arn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	status := "ENABLED"
	rng := map[string]any{"StartingSequenceNumber": fmt.Sprintf("%021d", 0)}
	if !s.enabled {
		status = "DISABLED"
		if n := len(s.records); n > 0 {
			rng["EndingSequenceNumber"] = s.records[n-1].Dynamodb.SequenceNumber
		}
	}
	return map[string]any{"StreamDescription": map[string]any{
		"StreamArn": s.arn, "StreamLabel": s.label, "StreamStatus": status, "StreamViewType": s.view,
		"CreationRequestDateTime": s.created, "TableName": s.table, "KeySchema": s.keySchem,
		"Shards": []any{map[string]any{"ShardId": shardID, "SequenceNumberRange": rng}},
	}}, nil
}

// Iterators encode the stream ARN and the absolute index of the next record.
func iterator(arn string, pos int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(arn + "|" + strconv.Itoa(pos)))
}

func (e *Engine) getShardIterator(req *jval) (any, *apiError) {
	arn := jstr(req.get("StreamArn"))
	s := e.findStream(arn)
	if s == nil {
		return nil, streamNotFound(arn)
	}
	if jstr(req.get("ShardId")) != shardID {
		return nil, ddbErr("ResourceNotFoundException", "Requested resource not found: Shard does not exist")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pos := s.trimmed
	seqArg := jstr(req.get("SequenceNumber"))
	switch jstr(req.get("ShardIteratorType")) {
	case "LATEST":
		pos = s.trimmed + len(s.records)
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		if seqArg == "" {
			return nil, validationErr("SequenceNumber is required for AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER")
		}
		pos = s.trimmed + len(s.records)
		for i, r := range s.records {
			if r.Dynamodb.SequenceNumber >= seqArg {
				pos = s.trimmed + i
				if r.Dynamodb.SequenceNumber == seqArg && jstr(req.get("ShardIteratorType")) == "AFTER_SEQUENCE_NUMBER" {
					pos++
				}
				break
			}
		}
	}
	return map[string]any{"ShardIterator": iterator(arn, pos)}, nil
}

func (e *Engine) getRecords(req *jval) (any, *apiError) {
	raw, err := base64.RawURLEncoding.DecodeString(jstr(req.get("ShardIterator")))
	arn, posStr, ok := strings.Cut(string(raw), "|")
	pos, perr := strconv.Atoi(posStr)
	if err != nil || !ok || perr != nil {
		return nil, validationErr("Invalid ShardIterator")
	}
	s := e.findStream(arn)
	if s == nil {
		return nil, streamNotFound(arn)
	}
	limit := 1000
	if l := req.get("Limit"); l != nil {
		limit = int(l.n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pos < s.trimmed {
		return nil, ddbErr("TrimmedDataAccessException", "The operation attempted to read past the oldest stream record in a shard.")
	}
	i := pos - s.trimmed
	end := min(i+limit, len(s.records))
	recs := []Record{}
	if i < end {
		recs = append(recs, s.records[i:end]...)
	}
	res := map[string]any{"Records": recs}
	if s.enabled || end < len(s.records) {
		res["NextShardIterator"] = iterator(arn, s.trimmed+max(end, i))
	}
	return res, nil
}

var _ = time.Second
