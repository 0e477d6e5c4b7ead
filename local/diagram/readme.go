package diagram

import (
	"errors"
	"fmt"
	"strings"
)

// The markers that delimit the generated block in a Markdown document.
const (
	StartMarker = "<!-- diagram:start -->"
	EndMarker   = "<!-- diagram:end -->"
)

// ErrStale is returned by Check when the document's block differs from the chart.
var ErrStale = errors.New("diagram is stale")

// ErrNoMarkers is returned when a document lacks the start and end markers, in that order.
var ErrNoMarkers = errors.New("no " + StartMarker + " ... " + EndMarker + " block")

// Block is what goes between the markers: the chart as a fenced mermaid code block, which
// GitHub renders as a picture.
func Block(chart string) string {
	return "\n```mermaid\n" + strings.TrimRight(chart, "\n") + "\n```\n"
}

// Rewrite returns doc with the text between its markers replaced by Block(chart). Text
// outside the markers is unchanged.
func Rewrite(doc, chart string) (string, error) {
	before, _, after, err := split(doc)
	if err != nil {
		return "", err
	}
	return before + Block(chart) + after, nil
}

// Check returns nil when doc's block is Block(chart), and otherwise an error wrapping
// ErrStale that lists the differing lines.
func Check(doc, chart string) error {
	_, block, _, err := split(doc)
	if err != nil {
		return err
	}
	want := Block(chart)
	if block == want {
		return nil
	}
	return fmt.Errorf("%w: the block between %s and %s differs from the template (-committed +template):\n%s",
		ErrStale, StartMarker, EndMarker, lineDiff(block, want))
}

// split cuts doc into the part up to and including the start marker, the block, and the
// part from the end marker on.
func split(doc string) (before, block, after string, err error) {
	i := strings.Index(doc, StartMarker)
	if i < 0 {
		return "", "", "", ErrNoMarkers
	}
	i += len(StartMarker)
	j := strings.Index(doc[i:], EndMarker)
	if j < 0 {
		return "", "", "", ErrNoMarkers
	}
	return doc[:i], doc[i : i+j], doc[i+j:], nil
}

// lineDiff is a minimal unified-style diff of two short texts (longest common subsequence of
// lines), enough to show what changed in a diagram.
func lineDiff(a, b string) string {
	x := strings.Split(strings.Trim(a, "\n"), "\n")
	y := strings.Split(strings.Trim(b, "\n"), "\n")
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i, j = i+1, j+1
		case j < len(y) && (i == len(x) || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&out, "+ %s\n", y[j])
			j++
		default:
			fmt.Fprintf(&out, "- %s\n", x[i])
			i++
		}
	}
	return out.String()
}
