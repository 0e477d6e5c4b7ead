package cwlogs

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCompilePattern(t *testing.T) {
	msgs := []string{
		`START RequestId: 1 Version: $LATEST`,
		`plain line for o-1`,
		`{"level":"INFO","orderId":"o-1","n":3,"ok":true}`,
		`{"level":"ERROR","orderId":"o-2","n":7}`,
		`not {json`,
	}
	tests := []struct {
		pattern string
		want    []int // indexes of msgs that match
	}{
		{"", []int{0, 1, 2, 3, 4}},
		{"START", []int{0}},
		{"plain o-1", []int{1}},
		{`"line for"`, []int{1}},
		{`"for line"`, nil},
		{"?START ?ERROR", []int{0, 3}},
		{"o-1 -plain", []int{2}},
		{`{ $.orderId = "o-1" }`, []int{2}},
		{`{ $.orderId = "o-*" }`, []int{2, 3}},
		{`{ $.level != "INFO" }`, []int{3}},
		{`{ $.n > 5 }`, []int{3}},
		{`{ $.n <= 3 && $.level = "INFO" }`, []int{2}},
		{`{ $.level = "ERROR" || $.ok = true }`, []int{2, 3}},
		{`{ $.missing = "x" }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			match, err := compilePattern(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for i, m := range msgs {
				if match(m) {
					got = append(got, i)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range []string{`[ip, user]`, `%regex%`, `{ level = "x" }`, `{ $.a }`, `"unterminated`} {
		if _, err := compilePattern(bad); err == nil {
			t.Errorf("pattern %q: no error, want InvalidParameterException", bad)
		}
	}
}

// The ring keeps the last Size events of a group whatever is recorded.
func TestRingKeepsTheLastEvents(t *testing.T) {
	s := New(Options{Size: 3, Groups: map[string]string{"fn": "/g"}})
	for i := range 7 {
		s.RecordLog("fn", "st", time.Now(), fmt.Appendf(nil, "line %d", i))
	}
	if diff := cmp.Diff([]string{"line 4", "line 5", "line 6"}, s.Events("/g")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	s.RecordLog("other", "st", time.Now(), []byte("x"))
	if diff := cmp.Diff([]string{"x"}, s.Events("/aws/lambda/other")); diff != "" {
		t.Errorf("an unlisted function's default group (-want +got):\n%s", diff)
	}
}
