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
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"
)

// Persistence: with Options.DataDir the engine keeps one snapshot, DataDir/dynamodb.json: one
// JSON document laid out a table header or an item per line, so it is written and read as a
// stream (see writeSnapshot). It is rewritten within SnapshotInterval of any
// acknowledged change and on Close, atomically (write a temporary file, fsync, rename, fsync
// the directory), so after a crash the file holds either the previous or the next consistent
// state, and at most the last SnapshotInterval of writes is lost. Each snapshot is a
// consistent cut: every table is write-locked, in the lock order transactions use, while its
// B-tree is cloned (copy-on-write, constant time), so no transaction is half-saved and writers
// wait microseconds, not for the file. Stream records are not kept; stream settings, ARNs and
// labels are.

// ErrCorruptSnapshot is returned by Open when DataDir holds a snapshot it cannot read. The file
// is left untouched.
var ErrCorruptSnapshot = errors.New("corrupt snapshot")

const snapshotFormat = 3

type snapshotFile struct {
	Format int
	Tables []snapshotTable
}

type snapshotTable struct {
	Desc    *tableDescription
	Stream  *snapshotStream `json:",omitempty"`
	TTLAttr string          `json:",omitempty"`
	TTLOn   bool            `json:",omitempty"`
	Tags    []tag           `json:",omitempty"`
	// PITRSince is when point-in-time recovery was enabled (0: off).
	PITRSince float64           `json:",omitempty"`
	Items     []json.RawMessage `json:",omitempty"`
	// ItemCount is the length of Items (format 3), written first so a reader can stream them.
	ItemCount int `json:",omitempty"`
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
	asked := time.Now()
	for _, t := range ts {
		t.mu.Lock()
	}
	locked := time.Now()
	cuts := make([]tableCut, 0, len(ts))
	for _, t := range ts {
		if !t.deleted {
			cuts = append(cuts, t.cut())
		}
	}
	for _, t := range ts {
		t.mu.Unlock()
	}
	e.lastCutWait.Store(int64(locked.Sub(asked)))
	e.lastCutHold.Store(int64(time.Since(locked)))
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].meta.Desc.TableName < cuts[j].meta.Desc.TableName })
	write := func(w io.Writer) error {
		if e.wrapSnapshot != nil {
			w = e.wrapSnapshot(w)
		}
		return writeSnapshot(w, cuts)
	}
	if err := writeFileSync(e.snapshotPath(), write); err != nil {
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
	c := tableCut{meta: snapshotTable{Desc: t.snapshot("ACTIVE"), TTLAttr: t.ttlAttr, TTLOn: t.ttlOn, Tags: slices.Clone(t.tags), PITRSince: t.pitrSince}, items: t.items.clone()}
	if s := t.stream; s != nil {
		s.mu.Lock()
		c.meta.Stream = &snapshotStream{Arn: s.arn, Label: s.label, View: s.view, Enabled: s.enabled, Created: s.created}
		s.mu.Unlock()
	}
	return c
}

// snapshotYieldEvery is how many items writeSnapshot encodes between yields.
const snapshotYieldEvery = 256

// snapshotHead opens a format 3 snapshot; see writeSnapshot.
const snapshotHead = `{"Format":3,"Tables":[`

// writeSnapshot writes the snapshot as one JSON document laid out in lines, so that it can be
// read back a line at a time:
//
//	{"Format":3,"Tables":[
//	{"Desc":{...},...,"ItemCount":2,"Items":[
//	{"id":{"S":"a"}},
//	{"id":{"S":"b"}}
//	]}
//	,{"Desc":{...},...,"Items":[
//	]}
//	]}
//
// Items are transcoded from their stored form, never decoded. The writer yields the processor
// every snapshotYieldEvery items, so that on a busy machine a snapshot delays writes by about
// that many items' encoding, not by a scheduler time slice.
func writeSnapshot(w io.Writer, cuts []tableCut) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(snapshotHead + "\n")
	buf := make([]byte, 0, 4096)
	for i, c := range cuts {
		meta := c.meta
		meta.ItemCount = c.items.len()
		head, err := json.Marshal(meta)
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(head[:len(head)-1])
		bw.WriteString(`,"Items":[` + "\n")
		left := meta.ItemCount
		c.items.each(func(e entry) bool {
			if left%snapshotYieldEvery == 0 {
				// The encoder reads a clone, so nothing waits for it but the processor: giving
				// it up every few hundred items (~0.1 ms) lets writers in at once instead of at
				// the scheduler's next preemption, 10 ms away.
				runtime.Gosched()
			}
			buf = appendStoredJSON(buf[:0], e.item())
			if left--; left > 0 {
				buf = append(buf, ',')
			}
			_, err = bw.Write(append(buf, '\n'))
			return err == nil
		})
		if err != nil {
			return err
		}
		bw.WriteString("]}\n")
	}
	bw.WriteString("]}\n")
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
// ErrCorruptSnapshot: starting empty would drop the data at the next save. Formats 1 (a JSON
// list of CreateTable requests) and 2 (one JSON document) are still read.
func (e *Engine) load() error {
	file, err := os.Open(e.snapshotPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read snapshot: %w", err)
	}
	defer file.Close()
	corrupt := func(format string, a ...any) error {
		return fmt.Errorf("%s: %w: %s", e.snapshotPath(), ErrCorruptSnapshot, fmt.Sprintf(format, a...))
	}
	r := bufio.NewReaderSize(file, 1<<20)
	first, err := readLine(r)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read snapshot: %w", err)
	}
	if string(first) == snapshotHead {
		if err := e.loadLines(r); err != nil {
			return corrupt("%v", err)
		}
		return nil
	}
	rest, err := io.ReadAll(r) // an older format: one JSON document
	if err != nil {
		return fmt.Errorf("read snapshot: %w", err)
	}
	b := bytes.TrimSpace(append(first, rest...))
	if len(b) > 0 && b[0] == '[' {
		if err := e.loadV1(b); err != nil {
			return corrupt("%v", err)
		}
		return nil
	}
	var f snapshotFile
	if err := json.Unmarshal(b, &f); err != nil {
		return corrupt("%v", err)
	}
	if f.Format != 2 {
		return corrupt("unknown format %d (want %d)", f.Format, snapshotFormat)
	}
	for i, st := range f.Tables {
		t, err := e.restoreTable(st)
		if err != nil {
			return corrupt("table %d: %v", i, err)
		}
		if err := e.addRestored(t); err != nil {
			return corrupt("%v", err)
		}
	}
	return nil
}

// loadLines reads a format 3 snapshot after its first line.
func (e *Engine) loadLines(r *bufio.Reader) error {
	for i := 0; ; i++ {
		line, err := readLine(r)
		if string(line) == "]}" {
			return nil
		}
		if err != nil {
			return fmt.Errorf("table %d: %w", i, io.ErrUnexpectedEOF)
		}
		head, ok := bytes.CutSuffix(bytes.TrimPrefix(line, []byte{','}), []byte(`,"Items":[`))
		var st snapshotTable
		if !ok {
			return fmt.Errorf("table %d: no item list", i)
		}
		if err := json.Unmarshal(append(head, '}'), &st); err != nil {
			return fmt.Errorf("table %d: %v", i, err)
		}
		t, err := e.restoreTable(st)
		if err != nil {
			return fmt.Errorf("table %d: %v", i, err)
		}
		if err := t.loadItems(r, st.ItemCount); err != nil {
			return fmt.Errorf("table %d: %v", i, err)
		}
		if end, _ := readLine(r); string(end) != "]}" {
			return fmt.Errorf("table %d: more items than its ItemCount %d", i, st.ItemCount)
		}
		if err := e.addRestored(t); err != nil {
			return err
		}
	}
}

// addRestored adds a restored table to the catalog.
func (e *Engine) addRestored(t *table) error {
	if e.tables[t.name] != nil {
		return fmt.Errorf("table %s appears twice", t.name)
	}
	e.seq++
	t.order = e.seq
	e.tables[t.name] = t
	return nil
}

// readLine returns the next line of r without its newline, however long it is.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	return bytes.TrimSuffix(line, []byte{'\n'}), err
}

// restoredItem is one snapshot line made ready to store.
type restoredItem struct {
	stored
	size    int64
	lineErr error
}

// loadItems reads n item lines into the table. Parsing runs on every processor, in batches,
// while one goroutine inserts into the table's B-tree (in key order: the snapshot's); the
// indexes are built at the end, each on its own goroutine.
func (t *table) loadItems(r *bufio.Reader, n int) error {
	const batch = 512
	type job struct {
		first int // index of the batch's first item
		lines []string
		items []restoredItem
	}
	ixs := t.allIndexes()
	keyNames := keyNamesOf(t.keys, nil) // every key attribute of the table and its indexes
	for _, ix := range ixs {
		keyNames = keyNamesOf(ix.keys, keyNames)
	}
	jobs := make(chan *job)
	done := make(chan *job, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			sc := newKeyScratch(keyNames)
			for j := range jobs {
				j.items = make([]restoredItem, len(j.lines))
				for i, line := range j.lines {
					j.items[i] = t.prepare(line, sc, ixs)
				}
				done <- j
			}
		})
	}
	var readErr error
	go func() {
		defer func() { close(jobs); wg.Wait(); close(done) }()
		var buf []byte
		var ends []int
		for first := 0; first < n; first += batch {
			j := &job{first: first}
			buf, ends = buf[:0], ends[:0]
			for i := first; i < min(first+batch, n); i++ {
				line, err := readLine(r)
				if len(line) == 0 && err != nil {
					readErr = fmt.Errorf("%s: %d items, want %d", t.name, i, n)
					return
				}
				buf = append(buf, bytes.TrimSuffix(line, []byte{','})...)
				ends = append(ends, len(buf))
			}
			all, start := string(buf), 0 // one allocation per batch; lines are substrings
			for _, end := range ends {
				j.lines = append(j.lines, all[start:end])
				start = end
			}
			jobs <- j
		}
	}()
	// Index entries come in the table's key order, which is random in an index: inserting
	// them as they come would cost every insert a few cache misses per tree level. They are
	// collected, sorted (mostly on a prefix held beside each entry) and inserted in order,
	// which only ever touches the tree's rightmost path.
	ixEntries := make([][]sortedEntry, len(ixs))
	var firstErr error
	seq := 0
	for j := range done {
		for i, it := range j.items {
			if it.lineErr == nil && t.items.insert(it.main) {
				it.lineErr = errors.New("a second item with the same key")
			}
			if it.lineErr != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("%s item %d: %v", t.name, j.first+i, it.lineErr)
				}
				continue
			}
			t.size += it.size
			for x, e := range it.ix {
				if e.p != nil {
					ixEntries[x] = append(ixEntries[x], sortedEntry{keyPrefix(e), seq, e})
				}
			}
			seq++
		}
	}
	if readErr != nil {
		return readErr
	}
	if firstErr != nil {
		return firstErr
	}
	var wg2 sync.WaitGroup
	for x, ix := range ixs {
		wg2.Go(func() { ix.store.putSorted(ixEntries[x]) })
	}
	wg2.Wait()
	return nil
}

// keyNamesOf adds to names those of keys it does not hold yet.
func keyNamesOf(keys []keyAttr, names []string) []string {
	for _, k := range keys {
		if !slices.Contains(names, k.name) {
			names = append(names, k.name)
		}
	}
	return names
}

// prepare parses one item line and computes its keys; it only reads the table's schema.
func (t *table) prepare(line string, sc *keyScratch, ixs []*index) restoredItem {
	if enc, keys, size, ok := snapshotEncode(line, sc); ok {
		defer releaseEncoding(enc)
		if !indexable(keys, t.keys) {
			return restoredItem{lineErr: errors.New("missing or mistyped key attribute")}
		}
		return restoredItem{stored: t.layoutEncoded(t.key(keys), keys, enc, ixs), size: size}
	}
	j, err := parseJSON([]byte(line))
	if err != nil {
		return restoredItem{lineErr: err}
	}
	it, msg := validateItemMap(j)
	if msg != "" {
		return restoredItem{lineErr: errors.New(msg)}
	}
	if !indexable(it, t.keys) {
		return restoredItem{lineErr: errors.New("missing or mistyped key attribute")}
	}
	return restoredItem{stored: t.layout(t.key(it), it, ixs), size: int64(itemSize(it, false, false, ""))}
}

func (e *Engine) restoreTable(st snapshotTable) (*table, error) {
	if st.Desc == nil || st.Desc.TableName == "" || len(st.Desc.KeySchema) == 0 {
		return nil, errors.New("no table description")
	}
	d := *st.Desc
	t := &table{name: d.TableName, defs: map[string]string{}, items: newItemStore(), ttlAttr: st.TTLAttr, ttlOn: st.TTLOn, tags: st.Tags, pitrSince: st.PITRSince}
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
	ixs := t.allIndexes()
	s := t.layout(t.key(it), it, ixs)
	t.size += int64(itemSize(it, false, false, ""))
	t.items.put(s.main)
	t.updateIndexes(ixs, nil, s)
}
