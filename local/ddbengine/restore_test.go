package ddbengine

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSnapshotEncodeMatchesGeneralParse checks the restore fast path against parseJSON,
// validateItemMap and itemSize: where it takes a line it must read the same item, size and
// key values, and it must take the lines the engine writes for flat items.
func TestSnapshotEncodeMatchesGeneralParse(t *testing.T) {
	tests := []struct {
		name string
		line string
		fast bool // the fast path reads it
	}{
		{"empty", `{}`, true},
		{"scalars", `{"pk":{"S":"customer#0000001"},"sk":{"N":"7"},"b":{"B":"AAE="},"t":{"BOOL":true},"f":{"BOOL":false},"z":{"NULL":true}}`, true},
		{"unicode", `{"name":{"S":"crème brûlée ☕"}}`, true},
		{"number normalized", `{"n":{"N":"-00012.500"}}`, true},
		{"repeated name", `{"a":{"S":"x"},"a":{"N":"1"}}`, false},
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
	want := []string{"pk", "sk", "n"} // key attributes to pick out
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, keys, size, ok := snapshotEncode(tt.line, newKeyScratch(want))
			if ok != tt.fast {
				t.Fatalf("snapshotEncode(%s) took it: %v, want %v", tt.line, ok, tt.fast)
			}
			if !ok {
				return
			}
			got := decodeItem(string(enc))
			releaseEncoding(enc)
			j, err := parseJSON([]byte(tt.line))
			if err != nil {
				t.Fatal(err)
			}
			general, msg := validateItemMap(j)
			if msg != "" {
				t.Fatal(msg)
			}
			if len(general) == 0 {
				general = nil // decodeItem of an empty item is an empty map, compared as nil
				got = nil
			}
			if diff := cmp.Diff(general, got); diff != "" {
				t.Errorf("snapshotEncode(%s) (-general +fast):\n%s", tt.line, diff)
			}
			if want := int64(itemSize(general, false, false, "")); size != want {
				t.Errorf("size = %d, want %d", size, want)
			}
			wantKeys := Item{}
			for _, name := range want {
				if v, ok := general[name]; ok {
					wantKeys[name] = v
				}
			}
			if diff := cmp.Diff(wantKeys, keys); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSnapshotEncodeReadsWrittenItems round-trips items through the stored form and the
// snapshot's JSON: every flat item the engine writes takes the fast path and reads back equal.
func TestSnapshotEncodeReadsWrittenItems(t *testing.T) {
	items := []Item{
		{"pk": {T: "S", S: "customer#0000001"}, "sk": {T: "N", S: "12.5"}, "price": {T: "N", S: "-0.001"}},
		{"id": {T: "B", S: "AAECAw=="}, "ok": {T: "BOOL", BOOL: true}, "gone": {T: "NULL"}, "note": {T: "S", S: "ünïcödé"}},
	}
	for _, want := range items {
		line := string(appendStoredJSON(nil, encodeString(want)))
		enc, _, _, ok := snapshotEncode(line, newKeyScratch(nil))
		if !ok {
			t.Fatalf("snapshotEncode(%s) did not take the line", line)
		}
		got := decodeItem(string(enc))
		releaseEncoding(enc)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round trip of %s (-want +got):\n%s", line, diff)
		}
	}
}
