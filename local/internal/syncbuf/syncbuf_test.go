package syncbuf_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/microshop/microshop/local/internal/syncbuf"
)

// writeLines writes n lines from each of g goroutines and waits for them.
func writeLines(w interface{ Write([]byte) (int, error) }, g, n int) {
	var wg sync.WaitGroup
	for i := range g {
		wg.Go(func() {
			for j := range n {
				fmt.Fprintf(w, "goroutine %d line %d\n", i, j)
			}
		})
	}
	wg.Wait()
}

// checkLines checks that got holds every line writeLines wrote, none torn.
func checkLines(t *testing.T, got string, g, n int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != g*n {
		t.Fatalf("got %d lines, want %d", len(lines), g*n)
	}
	for _, l := range lines {
		var i, j int
		if _, err := fmt.Sscanf(l, "goroutine %d line %d", &i, &j); err != nil {
			t.Fatalf("torn line %q: %v", l, err)
		}
	}
}

func TestBuffer(t *testing.T) {
	var b syncbuf.Buffer
	if got := b.String(); got != "" {
		t.Errorf("zero Buffer String() = %q, want empty", got)
	}
	writeLines(&b, 8, 100)
	checkLines(t, b.String(), 8, 100)
}

func TestWriter(t *testing.T) {
	var out bytes.Buffer
	writeLines(syncbuf.NewWriter(&out), 8, 100)
	checkLines(t, out.String(), 8, 100)
}
