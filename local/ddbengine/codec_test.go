package ddbengine

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The stored form gives back every type, nested maps and lists included, whether an
// attribute's name is in the name dictionary or too long for it and spelt out; lookupAttr and
// the snapshot's transcoding read the same names.
func TestCodecRoundTrip(t *testing.T) {
	long := strings.Repeat("n", maxDictNameLen+1)
	it := Item{
		"s": {T: "S", S: "text"}, "n": {T: "N", S: "-1.5"}, "b": {T: "B", S: "AAE="},
		"t": {T: "BOOL", BOOL: true}, "f": {T: "BOOL"}, "null": {T: "NULL"},
		"ss": {T: "SS", Set: []string{"a", "b"}}, "ns": {T: "NS", Set: []string{"1"}}, "bs": {T: "BS", Set: []string{"AA=="}},
		long:      {T: "M", M: Item{"inner": {T: "L", L: []*AV{{T: "S", S: "x"}, {T: "M", M: Item{long + "2": {T: "N", S: "2"}}}}}}},
		"ünïcode": {T: "S", S: ""},
	}
	enc := encodeString(it)
	if diff := cmp.Diff(it, decodeItem(enc)); diff != "" {
		t.Errorf("decodeItem (-want +got):\n%s", diff)
	}
	for name, want := range it {
		if diff := cmp.Diff(want, lookupAttr(enc, name)); diff != "" {
			t.Errorf("lookupAttr(%q) (-want +got):\n%s", name, diff)
		}
	}
	if got := lookupAttr(enc, "absent"); got != nil {
		t.Errorf("lookupAttr(absent) = %v, want nil", got)
	}
	j, err := parseJSON(appendStoredJSON(nil, enc))
	if err != nil {
		t.Fatal(err)
	}
	back, msg := validateItemMap(j)
	if msg != "" {
		t.Fatal(msg)
	}
	if diff := cmp.Diff(it, back); diff != "" {
		t.Errorf("appendStoredJSON read back (-want +got):\n%s", diff)
	}
	// "s" is in the dictionary, the long name is not
	if _, ok := nameID("description"); !ok {
		t.Errorf("a short name was not put in the dictionary")
	}
	if strings.Contains(enc, "ünïcode") {
		t.Errorf("a dictionary name is spelt out in the stored item")
	}
	if _, ok := nameID(long); ok {
		t.Errorf("a %d-byte name was put in the dictionary", len(long))
	}
	if !strings.Contains(enc, long) {
		t.Errorf("the long name is not spelt out in the stored item")
	}
}
