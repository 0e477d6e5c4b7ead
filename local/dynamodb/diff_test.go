package dynamodb

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/microshop/microshop/local/dynalite"
	"github.com/microshop/microshop/local/modroot"
)

// The differential test runs the same random operation sequences against this engine and
// dynalite and requires identical responses (after normalizing what legitimately differs:
// timestamps, IDs, table statistics, syntax-error wording and BatchGetItem's random order).

var (
	diffSeqs = flag.Int("diff.seqs", 2000, "random sequences for the differential test")
	diffOps  = flag.Int("diff.ops", 50, "operations per sequence")
	diffSeed = flag.Uint64("diff.seed", 0, "run only this seed")
)

type dyn struct {
	endpoint string
	client   *http.Client
}

func (d *dyn) do(target string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest("POST", d.endpoint, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("X-Amz-Date", "20240101T000000Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc")
	res, err := d.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func startDynalite(t testing.TB) *dyn {
	t.Helper()
	root, err := modroot.FromWorkingDir()
	if err != nil {
		t.Fatalf("module root: %v", err)
	}
	srv, err := dynalite.Start(context.Background(), dynalite.Options{Root: root})
	if err != nil {
		t.Fatalf("dynalite unavailable (run npm ci): %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &dyn{endpoint: srv.Endpoint(), client: &http.Client{}}
}

func TestDifferential(t *testing.T) {
	d := startDynalite(t)
	seeds := regressionSeeds(t)
	if *diffSeed != 0 {
		seeds = []uint64{*diffSeed}
	} else {
		for i := 0; i < *diffSeqs; i++ {
			seeds = append(seeds, uint64(1000+i))
		}
	}
	ops := 0
	for _, seed := range seeds {
		n, err := runSequence(d, seed, *diffOps)
		ops += n
		if err != nil {
			t.Errorf("seed %d: %v", seed, err)
			if !testing.Verbose() {
				break
			}
		}
	}
	t.Logf("differential: %d sequences, %d operations compared", len(seeds), ops)
}

func regressionSeeds(t *testing.T) []uint64 {
	f, err := os.Open("testdata/regressions")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n, err := strconv.ParseUint(strings.Fields(line)[0], 10, 64)
		if err != nil {
			t.Fatalf("testdata/regressions: %v", err)
		}
		out = append(out, n)
	}
	return out
}

type op struct {
	target string
	body   map[string]any
}

// runSequence creates fresh tables, replays a seeded random sequence on both engines and
// returns the number of compared operations.
func runSequence(d *dyn, seed uint64, n int) (int, error) {
	e := New(Options{TTLInterval: -1})
	defer e.Close()
	g := &gen{r: rand.New(rand.NewPCG(seed, seed*7+1)), suffix: fmt.Sprint(seed)}
	lg := &gen{r: rand.New(rand.NewPCG(seed^0x1e9ac7, seed*13+5)), suffix: g.suffix} // legacy ops
	compared := 0
	var lastKeys = map[string]any{}
	for _, o := range g.setup() {
		if err := compareOp(d, e, o, nil); err != nil {
			return compared, fmt.Errorf("setup %s: %w", o.target, err)
		}
	}
	for _, tn := range []string{g.t1(), g.t2(), g.t3()} {
		for range 100 {
			_, b, err := d.do("DynamoDB_20120810.DescribeTable", []byte(`{"TableName":"`+tn+`"}`))
			if err == nil && strings.Contains(string(b), `"TableStatus":"ACTIVE"`) && !strings.Contains(string(b), `"IndexStatus":"CREATING"`) {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	for i := 0; i < n; i++ {
		o := g.next(lastKeys)
		if lg.r.IntN(5) == 0 {
			o = lg.legacy(lastKeys)
		}
		if err := compareOp(d, e, o, lastKeys); err != nil {
			return compared, fmt.Errorf("op %d %s: %w", i, o.target, err)
		}
		compared++
	}
	for _, o := range g.teardown() {
		_ = compareOp(d, e, o, nil)
	}
	return compared, nil
}

func compareOp(d *dyn, e *Engine, o op, lastKeys map[string]any) error {
	body, _ := json.Marshal(o.body)
	target := "DynamoDB_20120810." + o.target
	st1, b1 := e.Do(target, body)
	st2, b2, err := d.do(target, body)
	if err != nil {
		return err
	}
	n1, n2 := normalize(o.target, b1), normalize(o.target, b2)
	if st1 != st2 || !cmp.Equal(n1, n2) {
		return fmt.Errorf("request %s\nours %d %s\ndynalite %d %s\ndiff (-ours +dynalite):\n%s", body, st1, b1, st2, b2, cmp.Diff(n1, n2))
	}
	if lastKeys != nil {
		if m, ok := n1.(map[string]any); ok {
			if lek, ok := m["LastEvaluatedKey"]; ok {
				lastKeys[o.body["TableName"].(string)] = lek
			}
		}
	}
	return nil
}

func normalize(target string, b []byte) any {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	if v == "" && (target == "TagResource" || target == "UntagResource") {
		v = map[string]any{} // dynalite answers "" where we answer {} (README.md)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if msg, ok := m["message"].(string); ok {
		if i := strings.Index(msg, "Syntax error;"); i >= 0 {
			m["message"] = msg[:i] + "Syntax error;"
		}
	}
	for _, k := range []string{"TableDescription", "Table"} {
		if td, ok := m[k].(map[string]any); ok {
			for _, f := range []string{"CreationDateTime", "TableId", "ItemCount", "TableSizeBytes", "TableThroughputModeSummary", "BillingModeSummary", "TableStatus"} {
				delete(td, f)
			}
			for _, ix := range []string{"GlobalSecondaryIndexes", "LocalSecondaryIndexes"} {
				if l, ok := td[ix].([]any); ok {
					for _, x := range l {
						xm := x.(map[string]any)
						delete(xm, "ItemCount")
						delete(xm, "IndexSizeBytes")
						delete(xm, "IndexStatus")
					}
				}
			}
		}
	}
	if target == "BatchGetItem" {
		if r, ok := m["Responses"].(map[string]any); ok {
			for k, l := range r {
				items := l.([]any)
				sort.Slice(items, func(i, j int) bool {
					a, _ := json.Marshal(items[i])
					b, _ := json.Marshal(items[j])
					return string(a) < string(b)
				})
				r[k] = items
			}
		}
	}
	return m
}
