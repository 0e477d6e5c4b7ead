package ddbengine

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
	cov := coverage{}
	ops := 0
	var failed []string
	for _, seed := range seeds {
		n, err := runSequence(d, seed, *diffOps, cov)
		ops += n
		if err != nil {
			// Keep going so one run reports every failing seed, up to a bound.
			failed = append(failed, fmt.Sprintf("%d  %s", seed, firstLine(err)))
			t.Errorf("seed %d: %v", seed, err)
			if len(failed) == maxFailures {
				t.Errorf("stopped after %d failing seeds", maxFailures)
				break
			}
		}
	}
	t.Logf("differential: %d sequences, %d operations compared", len(seeds), ops)
	if len(failed) > 0 {
		t.Errorf("failing seeds, in testdata/regressions format (add a cause):\n%s", strings.Join(failed, "\n"))
	}
	if testing.Verbose() {
		t.Logf("coverage (label → outcome: count):\n%s", cov)
	}
	// The minimums hold for the default run; a smaller or single-seed run only logs.
	if *diffSeed == 0 && *diffSeqs >= 2000 && *diffOps >= 50 {
		for _, e := range cov.short() {
			t.Error(e)
		}
	}
}

const maxFailures = 25

// firstLine is the failing op without its request ("op 20 PutItem (page 1)").
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), ": request ")
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// coverage counts compared ops by "Target label → outcome", outcome being ok or the error
// type; the minimums below make a generator regression fail the test.
type coverage map[string]int

func (c coverage) String() string {
	var b strings.Builder
	for _, k := range sortedNames(c.anyMap()) {
		fmt.Fprintf(&b, "%7d  %s\n", c[k], k)
	}
	return b.String()
}

func (c coverage) anyMap() map[string]any {
	m := map[string]any{}
	for k := range c {
		m[k] = nil
	}
	return m
}

// sum adds the counts of keys with the given prefix and suffix.
func (c coverage) sum(prefix, suffix string) int {
	n := 0
	for k, v := range c {
		if strings.HasPrefix(k, prefix) && strings.HasSuffix(k, suffix) {
			n += v
		}
	}
	return n
}

func (c coverage) short() []string {
	var out []string
	need := func(what string, got, min int) {
		if got < min {
			out = append(out, fmt.Sprintf("coverage: %s: %d, want ≥ %d", what, got, min))
		}
	}
	for _, a := range []string{
		"SET =", "SET nested =", "SET path+", "SET path-", "SET nested operand", "SET if_not_exists",
		"SET list_append(path, v)", "SET list_append(v, path)", "SET list_append(if_not_exists)",
		"REMOVE", "REMOVE absent", "REMOVE map.key", "REMOVE list[i]", "ADD number", "ADD set", "DELETE set",
	} {
		need("UpdateItem "+a+" succeeded", c.sum("UpdateItem "+a+" → ", "ok"), 100)
	}
	for _, a := range []string{
		"arithmetic on non-number", "list_append on non-list", "ADD to wrong type", "DELETE set of other type",
		"operand absent", "overlapping paths", "unused placeholder", "key attribute", "syntax", "path below absent",
	} {
		need("UpdateItem invalid: "+a+" rejected", c.sum("UpdateItem invalid: "+a+" → ", "ValidationException"), 20)
	}
	need("expression UpdateItem succeeded", c["UpdateItem expression → ok"], 3000)
	need("multi-page Query", c.sum("Query multi-page ", ""), 300)
	for _, ix := range []string{"t1/", "t1/gsi1", "t1/gsi2", "t1/lsi1", "t3/"} {
		for _, dir := range []string{"forward", "backward"} {
			need("multi-page Query "+ix+" "+dir, c["Query multi-page "+ix+" "+dir], 20)
		}
	}
	need("multi-page Scan", c.sum("Scan multi-page", ""), 100)
	need("Query/Scan with ExclusiveStartKey succeeded", c["ExclusiveStartKey → ok"], 1000)
	for _, a := range []string{
		"duplicate keys", "more than 25 writes", "empty request list", "no tables", "unknown table",
		"valid and unknown table", "more than 100 keys", "empty key list", "wrong key",
	} {
		need("batch invalid: "+a+" rejected", c.sum("Batch invalid: "+a+" → ", "Exception"), 10)
	}
	need("rejected batches", c.sum("Batch invalid: ", "Exception"), 100)
	return out
}

func (c coverage) count(target string, labels []string, status int, resp []byte) {
	outcome := "ok"
	if status != 200 {
		var e struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal(resp, &e)
		_, outcome, _ = strings.Cut(e.Type, "#")
	}
	if strings.HasPrefix(target, "Batch") {
		target = "Batch"
	}
	if len(labels) == 0 {
		c[target+" → "+outcome]++
	}
	for _, l := range labels {
		c[target+" "+l+" → "+outcome]++
	}
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
// returns the number of compared operations (every page of a paged read counts).
func runSequence(d *dyn, seed uint64, n int, cov coverage) (int, error) {
	e := New(Options{TTLInterval: -1})
	defer e.Close()
	peek := func(table string, key map[string]any) map[string]any {
		b, _ := json.Marshal(map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
		_, res := e.Do("DynamoDB_20120810.GetItem", b)
		var out struct{ Item map[string]any }
		_ = json.Unmarshal(res, &out)
		return out.Item
	}
	g := &gen{r: rand.New(rand.NewPCG(seed, seed*7+1)), suffix: fmt.Sprint(seed), peek: peek}
	lg := &gen{r: rand.New(rand.NewPCG(seed^0x1e9ac7, seed*13+5)), suffix: g.suffix, peek: peek} // legacy ops
	compared := 0
	var lastKeys = map[string]any{}
	// Tear down even after a difference, so a seed replayed in the same run starts clean.
	defer func() {
		for _, o := range g.teardown() {
			_ = compareOp(d, e, o, nil)
		}
	}()
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
	for i := 0; i < n; {
		g.labels, g.paged = nil, false
		o, src := g.next(lastKeys), g
		if lg.r.IntN(5) == 0 {
			lg.labels, lg.paged = nil, false
			o, src = lg.legacy(lastKeys), lg
			src.label("legacy")
		} else if o.target == "UpdateItem" {
			src.label("expression")
		}
		pages := 0
		for {
			st, res, err := compareBoth(d, e, o)
			if err != nil {
				return compared, fmt.Errorf("op %d %s (page %d): %w", i, o.target, pages+1, err)
			}
			compared++
			pages++
			cov.count(o.target, src.labels, st, res)
			if _, ok := o.body["ExclusiveStartKey"]; ok {
				cov.count("ExclusiveStartKey", nil, st, res)
			}
			lek := lastEvaluatedKey(res)
			if lek != nil {
				lastKeys[pageKey(o.body)] = lek
			}
			if !src.paged || lek == nil || pages == maxPages {
				break
			}
			o.body["ExclusiveStartKey"] = lek
		}
		if src.paged && pages > 1 {
			dir := "forward"
			if o.body["ScanIndexForward"] == false {
				dir = "backward"
			}
			ix, _ := o.body["IndexName"].(string)
			cov[fmt.Sprintf("%s multi-page %s/%s %s", o.target, o.body["TableName"].(string)[:2], ix, dir)]++
		}
		i += pages
	}
	return compared, nil
}

// maxPages bounds a paged read; no table here holds enough items to reach it at Limit 1.
const maxPages = 40

func lastEvaluatedKey(res []byte) any {
	var m struct{ LastEvaluatedKey any }
	_ = json.Unmarshal(res, &m)
	return m.LastEvaluatedKey
}

// compareOp runs o on both engines and requires the same status and canonical body.
func compareOp(d *dyn, e *Engine, o op, lastKeys map[string]any) error {
	_, res, err := compareBoth(d, e, o)
	if err != nil {
		return err
	}
	if lastKeys != nil {
		if lek := lastEvaluatedKey(res); lek != nil {
			lastKeys[pageKey(o.body)] = lek
		}
	}
	return nil
}

// compareBoth returns our status and response body when dynalite's match them byte for byte in
// canonical form.
func compareBoth(d *dyn, e *Engine, o op) (int, []byte, error) {
	body, _ := json.Marshal(o.body)
	target := "DynamoDB_20120810." + o.target
	st1, b1 := e.Do(target, body)
	st2, b2, err := d.do(target, body)
	if err != nil {
		return 0, nil, err
	}
	c1, c2 := canonical(o.target, b1), canonical(o.target, b2)
	if localFetchRead(o) && st1 == 200 && st2 == 200 {
		// We read the table for attributes lsi1 (KEYS_ONLY) does not project, as DynamoDB
		// does; dynalite filters and projects the index entry alone (README.md). Everything
		// but the items is still compared: ScannedCount, LastEvaluatedKey, capacity.
		c1, c2 = canonical(o.target, withoutItems(b1)), canonical(o.target, withoutItems(b2))
	}
	if st1 != st2 || !bytes.Equal(c1, c2) {
		return 0, nil, fmt.Errorf("request %s\nours     %d %s\ndynalite %d %s\ncanonical ours     %s\ncanonical dynalite %s", body, st1, b1, st2, b2, c1, c2)
	}
	return st1, b1, nil
}

// canonical is the form responses are compared in: the JSON re-encoded with object keys
// sorted (JSON objects are unordered, and neither DynamoDB nor dynalite promises an order),
// numbers kept as written, and the fields that legitimately differ normalised (README.md).
func canonical(target string, b []byte) []byte {
	v := normalize(target, b)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func normalize(target string, b []byte) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return string(b)
	}
	if v == "" && (target == "TagResource" || target == "UntagResource") {
		v = map[string]any{} // dynalite answers "" where we answer {} (README.md)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	// dynalite reports syntax errors in PEG.js form ("Expected ... but ... found."), we in
	// DynamoDB's ("token: ..., near: ..."); only the part before the detail is compared.
	if msg, ok := m["message"].(string); ok {
		if i := strings.Index(msg, "Syntax error;"); i >= 0 {
			m["message"] = msg[:i] + "Syntax error;"
		}
	}
	// dynalite answers "Attributes": {} when there is nothing to return; DynamoDB (and we)
	// leave Attributes out.
	if a, ok := m["Attributes"].(map[string]any); ok && len(a) == 0 && target == "UpdateItem" {
		delete(m, "Attributes")
	}
	for _, k := range []string{"TableDescription", "Table"} {
		if td, ok := m[k].(map[string]any); ok {
			for _, f := range []string{"CreationDateTime", "TableId", "ItemCount", "TableSizeBytes", "TableThroughputModeSummary", "BillingModeSummary", "TableStatus", "DeletionProtectionEnabled", "WarmThroughput"} {
				delete(td, f)
			}
			for _, ix := range []string{"GlobalSecondaryIndexes", "LocalSecondaryIndexes"} {
				if l, ok := td[ix].([]any); ok {
					for _, x := range l {
						xm := x.(map[string]any)
						delete(xm, "ItemCount")
						delete(xm, "IndexSizeBytes")
						delete(xm, "IndexStatus")
						delete(xm, "WarmThroughput") // dynalite predates it
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

// localFetchRead reports whether o reads lsi1 with a filter or a projection, which DynamoDB
// (and we) apply to the table's whole item.
func localFetchRead(o op) bool {
	if o.target != "Query" && o.target != "Scan" || o.body["IndexName"] != "lsi1" {
		return false
	}
	for _, k := range []string{"FilterExpression", "ProjectionExpression", "QueryFilter", "ScanFilter", "AttributesToGet"} {
		if _, ok := o.body[k]; ok {
			return true
		}
	}
	return false
}

// withoutItems drops Items and Count from a Query or Scan response.
func withoutItems(b []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return b
	}
	delete(m, "Items")
	delete(m, "Count")
	out, _ := json.Marshal(m)
	return out
}
