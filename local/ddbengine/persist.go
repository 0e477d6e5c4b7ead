package ddbengine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
)

// Persistence: with Options.DataDir the engine keeps one JSON snapshot, DataDir/dynamodb.json.
// It is rewritten within SnapshotInterval of any acknowledged change and on Close, atomically
// (write a temporary file, fsync, rename, fsync the directory), so after a crash the file holds
// either the previous or the next consistent state, and at most the last SnapshotInterval of
// writes is lost. Each snapshot is a consistent cut: every table is read-locked, in the lock
// order transactions use, for the duration of the copy, so no transaction is half-saved.
// Stream records are not kept; stream settings, ARNs and labels are.

// ErrCorruptSnapshot is returned by Open when DataDir holds a snapshot it cannot read. The file
// is left untouched.
var ErrCorruptSnapshot = errors.New("corrupt snapshot")

const snapshotFormat = 2

type snapshotFile struct {
	Format int
	Tables []snapshotTable
}

type snapshotTable struct {
	Desc    *tableDescription
	Stream  *snapshotStream   `json:",omitempty"`
	TTLAttr string            `json:",omitempty"`
	TTLOn   bool              `json:",omitempty"`
	Tags    []tag             `json:",omitempty"`
	Items   []json.RawMessage `json:",omitempty"`
}

type snapshotStream struct {
	Arn, Label, View string
	Enabled          bool
	Created          float64
}

// readOnly lists the operations that never change state (no snapshot is due after them).
var readOnly = map[string]bool{
	"DescribeTable": true, "ListTables": true, "GetItem": true, "Query": true, "Scan": true,
	"BatchGetItem": true, "TransactGetItems": true, "DescribeTimeToLive": true, "ListTagsOfResource": true,
}

func (e *Engine) snapshotPath() string { return filepath.Join(e.opts.DataDir, "dynamodb.json") }

// saveIfChanged is the periodic snapshot: a failed save is retried on the next tick, and Close
// reports the last one.
func (e *Engine) saveIfChanged() {
	if e.changes.Load() != e.savedGen.Load() {
		_ = e.save()
	}
}

// save writes a snapshot of every table. The cut is taken with every table write-locked, in
// the lock order transactions use, but only for as long as cloning each table's B-tree takes
// (constant time, copy-on-write): encoding and writing the file read the clones while writers
// go on.
func (e *Engine) save() error {
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	gen := e.changes.Load()
	e.mu.RLock()
	ts := make([]*table, 0, len(e.tables))
	for _, t := range e.tables {
		ts = append(ts, t)
	}
	e.mu.RUnlock()
	sort.Slice(ts, func(i, j int) bool { return ts[i].order < ts[j].order })
	for _, t := range ts {
		t.mu.Lock()
	}
	cuts := make([]tableCut, 0, len(ts))
	for _, t := range ts {
		if !t.deleted {
			cuts = append(cuts, t.cut())
		}
	}
	for _, t := range ts {
		t.mu.Unlock()
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].meta.Desc.TableName < cuts[j].meta.Desc.TableName })
	if err := writeFileSync(e.snapshotPath(), func(w io.Writer) error { return writeSnapshot(w, cuts) }); err != nil {
		return fmt.Errorf("snapshot %s: %w", e.opts.DataDir, err)
	}
	e.savedGen.Store(gen)
	return nil
}

// tableCut is a table as a snapshot saves it: its settings and a clone of its items.
type tableCut struct {
	meta  snapshotTable
	items *itemStore
}

// cut captures the table; the caller holds its write lock.
func (t *table) cut() tableCut {
	c := tableCut{meta: snapshotTable{Desc: t.snapshot("ACTIVE"), TTLAttr: t.ttlAttr, TTLOn: t.ttlOn, Tags: slices.Clone(t.tags)}, items: t.items.clone()}
	if s := t.stream; s != nil {
		s.mu.Lock()
		c.meta.Stream = &snapshotStream{Arn: s.arn, Label: s.label, View: s.view, Enabled: s.enabled, Created: s.created}
		s.mu.Unlock()
	}
	return c
}

// writeSnapshot writes the snapshot file's JSON, one item at a time.
func writeSnapshot(w io.Writer, cuts []tableCut) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(`{"Format":` + strconv.Itoa(snapshotFormat) + `,"Tables":[`)
	buf := make([]byte, 0, 4096)
	for i, c := range cuts {
		head, err := json.Marshal(c.meta) // Items is empty, so left out
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(head[:len(head)-1])
		bw.WriteString(`,"Items":[`)
		first := true
		c.items.each(func(_ string, v []byte) bool {
			if !first {
				bw.WriteByte(',')
			}
			first = false
			buf = appendItemJSON(buf[:0], decodeItem(v))
			_, err = bw.Write(buf)
			return err == nil
		})
		if err != nil {
			return err
		}
		bw.WriteString(`]}`)
	}
	bw.WriteString(`]}`)
	return bw.Flush()
}

// writeFileSync writes path atomically: write fills a temporary file, which is synced and
// renamed over path.
func writeFileSync(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".dynamodb-*.tmp")
	if err != nil {
		return err
	}
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // makes the rename durable; not supported everywhere, so best effort
		_ = d.Close()
	}
	return nil
}

// load restores the snapshot in DataDir, if there is one. Any problem is an error wrapping
// ErrCorruptSnapshot: starting empty would drop the data at the next save.
func (e *Engine) load() error {
	b, err := os.ReadFile(e.snapshotPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read snapshot: %w", err)
	}
	corrupt := func(format string, a ...any) error {
		return fmt.Errorf("%s: %w: %s", e.snapshotPath(), ErrCorruptSnapshot, fmt.Sprintf(format, a...))
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		if err := e.loadV1(t); err != nil {
			return corrupt("%v", err)
		}
		return nil
	}
	var f snapshotFile
	if err := json.Unmarshal(b, &f); err != nil {
		return corrupt("%v", err)
	}
	if f.Format != snapshotFormat {
		return corrupt("unknown format %d (want %d)", f.Format, snapshotFormat)
	}
	for i, st := range f.Tables {
		t, err := e.restoreTable(st)
		if err != nil {
			return corrupt("table %d: %v", i, err)
		}
		if e.tables[t.name] != nil {
			return corrupt("table %s appears twice", t.name)
		}
		e.seq++
		t.order = e.seq
		e.tables[t.name] = t
	}
	return nil
}

func (e *Engine) restoreTable(st snapshotTable) (*table, error) {
	if st.Desc == nil || st.Desc.TableName == "" || len(st.Desc.KeySchema) == 0 {
		return nil, errors.New("no table description")
	}
	d := *st.Desc
	t := &table{name: d.TableName, defs: map[string]string{}, items: newItemStore(), ttlAttr: st.TTLAttr, ttlOn: st.TTLOn, tags: st.Tags}
	for _, ad := range d.AttributeDefinitions {
		t.defs[ad.AttributeName] = ad.AttributeType
	}
	keyAttrs := func(ks []keySchemaElement) ([]keyAttr, error) {
		var out []keyAttr
		for _, k := range ks {
			ty, ok := t.defs[k.AttributeName]
			if !ok {
				return nil, fmt.Errorf("%s: key attribute %s has no definition", d.TableName, k.AttributeName)
			}
			out = append(out, keyAttr{k.AttributeName, ty})
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s: empty key schema", d.TableName)
		}
		return out, nil
	}
	var err error
	if t.keys, err = keyAttrs(d.KeySchema); err != nil {
		return nil, err
	}
	restoreIndexes := func(descs []*indexDescription, global bool) ([]*index, error) {
		var out []*index
		for _, id := range descs {
			c := *id
			ix := &index{name: c.IndexName, global: global, projType: c.Projection.ProjectionType, nonKey: c.Projection.NonKeyAttributes, store: newItemStore(), desc: &c}
			if ix.keys, err = keyAttrs(c.KeySchema); err != nil {
				return nil, err
			}
			out = append(out, ix)
		}
		return out, nil
	}
	if t.gsis, err = restoreIndexes(d.GlobalSecondaryIndexes, true); err != nil {
		return nil, err
	}
	if t.lsis, err = restoreIndexes(d.LocalSecondaryIndexes, false); err != nil {
		return nil, err
	}
	d.GlobalSecondaryIndexes, d.LocalSecondaryIndexes = nil, nil // snapshot() rebuilds them
	t.desc = &d
	if s := st.Stream; s != nil {
		t.stream = &stream{arn: s.Arn, label: s.Label, view: s.View, enabled: s.Enabled, created: s.Created,
			subs: map[*subscription]bool{}, keySchem: d.KeySchema, table: d.TableName}
	}
	for i, raw := range st.Items {
		j, err := parseJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("%s item %d: %v", d.TableName, i, err)
		}
		it, msg := validateItemMap(j)
		if msg != "" {
			return nil, fmt.Errorf("%s item %d: %s", d.TableName, i, msg)
		}
		if !indexable(it, t.keys) {
			return nil, fmt.Errorf("%s item %d: missing or mistyped key attribute", d.TableName, i)
		}
		t.load(it)
	}
	return t, nil
}

// loadV1 reads the first snapshot format (a list of CreateTable requests with items).
func (e *Engine) loadV1(b []byte) error {
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
	for i, st := range tables {
		if status, out := e.Do("DynamoDB_20120810.CreateTable", st.Create); status != 200 {
			return fmt.Errorf("table %d: %s", i, out)
		}
		var name struct{ TableName string }
		_ = json.Unmarshal(st.Create, &name)
		t := e.tables[name.TableName]
		if st.Desc != nil {
			streamArn, label, spec := t.desc.LatestStreamArn, t.desc.LatestStreamLabel, t.desc.StreamSpecification
			d := *st.Desc
			d.LatestStreamArn, d.LatestStreamLabel, d.StreamSpecification = streamArn, label, spec
			t.desc = &d
		}
		t.ttlAttr, t.ttlOn, t.tags = st.TTLAttr, st.TTLOn, st.Tags
		for j, raw := range st.Items {
			jv, err := parseJSON(raw)
			if err != nil {
				return fmt.Errorf("%s item %d: %v", t.name, j, err)
			}
			it, msg := validateItemMap(jv)
			if msg != "" || !indexable(it, t.keys) {
				return fmt.Errorf("%s item %d: invalid item %s", t.name, j, msg)
			}
			t.load(it)
		}
	}
	return nil
}

// load stores a restored item, with no stream record.
func (t *table) load(it Item) {
	enc := encodeItem(it)
	t.size += int64(itemSize(it, false, false, ""))
	t.items.put(t.key(it), enc)
	t.updateIndexes(nil, it, enc)
}
