package ddbengine

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// snapshotDo runs one operation on e and fails the test unless it succeeds.
func snapshotDo(t *testing.T, e *Engine, op, body string) map[string]any {
	t.Helper()
	status, out := e.Do("DynamoDB_20120810."+op, []byte(body))
	if status != 200 {
		t.Fatalf("%s: %d %s", op, status, out)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return m
}

// seedSnapshot saves a table with a KEYS_ONLY GSI and three items (one not in the index) and
// returns the data directory and what the engine answered before the restart.
func seedSnapshot(t *testing.T) (dir string, before []map[string]any) {
	t.Helper()
	dir = t.TempDir()
	e, err := Open(Options{DataDir: dir, SnapshotInterval: -1, TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	snapshotDo(t, e, "CreateTable", `{"TableName":"snap","BillingMode":"PAY_PER_REQUEST",
		"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],
		"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
		"GlobalSecondaryIndexes":[{"IndexName":"byG","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}]}`)
	for _, it := range []string{
		`{"id":{"S":"a"},"g":{"S":"x"},"n":{"N":"1"},"l":{"L":[{"S":"line\nbreak"},{"BOOL":true},{"NULL":true}]}}`,
		`{"id":{"S":"b"},"g":{"S":"x"},"m":{"M":{"k":{"SS":["p","q"]}}},"bin":{"B":"AAE="}}`,
		`{"id":{"S":"c"},"ns":{"NS":["1","2.5"]}}`,
	} {
		snapshotDo(t, e, "PutItem", `{"TableName":"snap","Item":`+it+`}`)
	}
	reads := snapshotReads(t, e)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, reads
}

// snapshotReads is what a restart must not change: the scan, the index query and the counts.
func snapshotReads(t *testing.T, e *Engine) []map[string]any {
	t.Helper()
	desc := snapshotDo(t, e, "DescribeTable", `{"TableName":"snap"}`)["Table"].(map[string]any)
	delete(desc, "CreationDateTime")
	return []map[string]any{
		snapshotDo(t, e, "Scan", `{"TableName":"snap"}`),
		snapshotDo(t, e, "Query", `{"TableName":"snap","IndexName":"byG","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"x"}}}`),
		{"ItemCount": desc["ItemCount"], "TableSizeBytes": desc["TableSizeBytes"], "GSI": desc["GlobalSecondaryIndexes"]},
	}
}

func TestSnapshotRestoresItemsIndexesAndSizes(t *testing.T) {
	dir, before := seedSnapshot(t)
	e, err := Open(Options{DataDir: dir, SnapshotInterval: -1, TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if diff := cmp.Diff(before, snapshotReads(t, e)); diff != "" {
		t.Errorf("after a restart (-before +after):\n%s", diff)
	}
}

// A snapshot cut short or padded, or holding an item twice, is refused, not half loaded.
func TestSnapshotWithWrongItemCountIsCorrupt(t *testing.T) {
	dir, _ := seedSnapshot(t)
	path := filepath.Join(dir, "dynamodb.json")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(bytes.TrimSuffix(good, []byte("\n")), []byte("\n"))
	if len(lines) != 7 { // head, table, 3 items, end of table, end
		t.Fatalf("snapshot has %d lines, want 7:\n%s", len(lines), good)
	}
	for name, b := range map[string][]byte{
		"truncated":      bytes.Join(lines[:4], nil),
		"item missing":   bytes.Join(append(append([][]byte{}, lines[:4]...), lines[5:]...), nil),
		"item repeated":  bytes.Join(append(append([][]byte{}, lines[:5]...), lines[4:]...), nil),
		"same key twice": bytes.Join(append(append(append([][]byte{}, lines[:3]...), lines[2]), lines[4:]...), nil),
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(Options{DataDir: dir, SnapshotInterval: -1, TTLInterval: -1}); !errors.Is(err, ErrCorruptSnapshot) {
				t.Errorf("Open = %v, want an error wrapping ErrCorruptSnapshot", err)
			}
		})
	}
	// The same file unchanged loads, so the cases above fail for what was done to them.
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := Open(Options{DataDir: dir, SnapshotInterval: -1, TTLInterval: -1})
	if err != nil {
		t.Fatalf("Open of the intact snapshot = %v", err)
	}
	_ = e.Close()
}
