package ddbengine

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSnapshotItemMatchesGeneralParse checks the restore fast path against parseJSON and
// validateItemMap: where it takes a line it must read the same item, and it must take the
// lines the engine writes for flat items.
func TestSnapshotItemMatchesGeneralParse(t *testing.T) {
	tests := []struct {
		name string
		line string
		fast bool // the fast path reads it
	}{
		{"empty", `{}`, true},
		{"scalars", `{"pk":{"S":"customer#0000001"},"sk":{"N":"7"},"b":{"B":"AAE="},"t":{"BOOL":true},"f":{"BOOL":false},"z":{"NULL":true}}`, true},
		{"unicode", `{"name":{"S":"crème brûlée ☕"}}`, true},
		{"number normalized", `{"n":{"N":"-00012.500"}}`, true},
		{"repeated name, last wins", `{"a":{"S":"x"},"a":{"N":"1"}}`, true},
		{"escape", `{"s":{"S":"a\"b\\c\u00e9"}}`, false},
		{"whitespace", `{ "s": {"S":"a"} }`, false},
		{"map", `{"m":{"M":{"a":{"S":"x"}}}}`, false},
		{"list", `{"l":{"L":[{"S":"x"},{"N":"2"}]}}`, false},
		{"set", `{"ss":{"SS":["a","b"]}}`, false},
		{"two types", `{"s":{"S":"a","N":"1"}}`, false},
		{"bad number", `{"n":{"N":"1e"}}`, false},
		{"null false", `{"z":{"NULL":false}}`, false},
		{"invalid utf-8", "{\"s\":{\"S\":\"a\xffb\"}}", false},
		{"truncated", `{"s":{"S":"a"}`, false},
		{"trailing", `{"s":{"S":"a"}}x`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := snapshotItem(tt.line)
			if ok != tt.fast {
				t.Fatalf("snapshotItem(%s) took it: %v, want %v", tt.line, ok, tt.fast)
			}
			if !ok {
				return
			}
			j, err := parseJSON([]byte(tt.line))
			if err != nil {
				t.Fatal(err)
			}
			want, msg := validateItemMap(j)
			if msg != "" {
				t.Fatal(msg)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("snapshotItem(%s) (-general +fast):\n%s", tt.line, diff)
			}
		})
	}
}

// TestSnapshotItemReadsWrittenItems round-trips items through the stored form and the
// snapshot's JSON: every flat item the engine writes takes the fast path and reads back equal.
func TestSnapshotItemReadsWrittenItems(t *testing.T) {
	items := []Item{
		{"pk": {T: "S", S: "customer#0000001"}, "sk": {T: "N", S: "12.5"}, "price": {T: "N", S: "-0.001"}},
		{"id": {T: "B", S: "AAECAw=="}, "ok": {T: "BOOL", BOOL: true}, "gone": {T: "NULL"}, "note": {T: "S", S: "ünïcödé"}},
	}
	for _, want := range items {
		line := string(appendStoredJSON(nil, encodeString(want)))
		got, ok := snapshotItem(line)
		if !ok {
			t.Fatalf("snapshotItem(%s) did not take the line", line)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round trip of %s (-want +got):\n%s", line, diff)
		}
	}
}
