package record

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Node is one hop of a trace, as the console shows it.
type Node struct {
	// ID numbers the trace's nodes in time order; Parent is the ID of the hop that caused
	// this one, -1 for a root.
	ID     int    `json:"id"`
	Parent int    `json:"parent"`
	Depth  int    `json:"depth"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	// Function is the function invoked (invocations, HTTP requests, batches).
	Function   string    `json:"function,omitempty"`
	Start      time.Time `json:"start"`
	OffsetMs   float64   `json:"offsetMs"` // from the trace's first hop
	DurationMs float64   `json:"durationMs"`
	// WallMs is, for an invocation, from the call to the answer: with the wait for a
	// process and a cold start's init, which DurationMs (Lambda's) leaves out.
	WallMs    float64           `json:"wallMs,omitempty"`
	Error     string            `json:"error,omitempty"`
	RequestID string            `json:"requestId,omitempty"`
	Attrs     map[string]string `json:"attrs,omitempty"`
}

// Trace is every recorded hop of one correlation id, in causal (depth-first, time-ordered)
// order.
type Trace struct {
	Correlation string    `json:"correlationId"`
	Start       time.Time `json:"start"`
	DurationMs  float64   `json:"durationMs"`
	Errors      int       `json:"errors"`
	Nodes       []Node    `json:"nodes"`
}

// Summary is one line of the trace list.
type Summary struct {
	Correlation string    `json:"correlationId"`
	Start       time.Time `json:"start"`
	DurationMs  float64   `json:"durationMs"`
	Hops        int       `json:"hops"`
	Errors      int       `json:"errors"`
	// Root names the first hop ("POST /orders").
	Root string `json:"root"`
}

// item is a span or an invocation while a trace is built.
type item struct {
	span  *Span
	inv   *Invocation
	corrs []string
}

func (it *item) start() time.Time {
	if it.inv != nil {
		return it.inv.Start
	}
	return it.span.Start
}

func (it *item) end() time.Time {
	if it.inv != nil {
		return it.inv.end()
	}
	return it.span.Start.Add(it.span.Duration)
}

func (it *item) failed() bool {
	if it.inv != nil {
		return it.inv.Error != ""
	}
	return it.span.Error != ""
}

// snapshot gathers every span and invocation with the correlation ids each belongs to.
func (r *Recorder) snapshot() []*item {
	var items []*item
	byRequest := map[string]string{} // Lambda request id → correlation id an HTTP request gave it
	byTrace := map[string][]string{} // X-Ray root → correlation ids of that invocation
	r.corrMu.Lock()
	defer r.corrMu.Unlock()
	cached := func(p **[]string, b []byte) []string {
		if *p == nil {
			c := Correlations(b)
			*p = &c
		}
		return append([]string(nil), **p...)
	}
	for _, s := range r.spanList() {
		it := &item{span: s}
		if s.Correlation != "" {
			it.corrs = []string{s.Correlation}
		} else {
			it.corrs = cached(&s.corrs, s.Body)
		}
		if s.Kind == KindHTTP && s.RequestID != "" && len(it.corrs) > 0 {
			byRequest[s.RequestID] = it.corrs[0]
		}
		items = append(items, it)
	}
	for _, name := range r.Functions() {
		for _, inv := range r.Invocations(name) {
			it := &item{inv: inv}
			if c, ok := byRequest[inv.RequestID]; ok {
				it.corrs = []string{c}
			} else {
				it.corrs = cached(&inv.corrs, inv.Event)
			}
			if root := traceRoot(inv.TraceID); root != "" {
				byTrace[root] = it.corrs
			}
			items = append(items, it)
		}
	}
	// Calls a function made (DynamoDB writes, PutEvents) belong to its invocation's chains.
	for _, it := range items {
		if it.span == nil || (it.span.Kind != KindDynamoDB && it.span.Kind != KindPutEvents && it.span.Kind != KindSend) {
			continue
		}
		for _, c := range byTrace[traceRoot(it.span.TraceID)] {
			if !contains(it.corrs, c) {
				it.corrs = append(it.corrs, c)
			}
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].start().Before(items[j].start()) })
	return items
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Trace returns the hops of correlation id c; ok is false when none was recorded.
func (r *Recorder) Trace(c string) (Trace, bool) {
	if r == nil || c == "" {
		return Trace{}, false
	}
	var items []*item
	for _, it := range r.snapshot() {
		if contains(it.corrs, c) {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return Trace{}, false
	}
	parents := link(items)
	// Depth-first from the roots, children in time order.
	children := map[int][]int{}
	var roots []int
	for i, p := range parents {
		if p < 0 {
			roots = append(roots, i)
		} else {
			children[p] = append(children[p], i)
		}
	}
	t := Trace{Correlation: c, Start: items[0].start()}
	end := t.Start
	ids := make([]int, len(items))
	var walk func(i, parent, depth int)
	walk = func(i, parent, depth int) {
		ids[i] = len(t.Nodes)
		n := node(items[i], t.Start)
		n.ID, n.Depth, n.Parent = ids[i], depth, -1
		if parent >= 0 {
			n.Parent = ids[parent]
		}
		if n.Error != "" {
			t.Errors++
		}
		if e := items[i].end(); e.After(end) {
			end = e
		}
		t.Nodes = append(t.Nodes, n)
		for _, ch := range children[i] {
			walk(ch, i, depth+1)
		}
	}
	for _, i := range roots {
		walk(i, -1, 0)
	}
	t.DurationMs = msOf(end.Sub(t.Start))
	return t, true
}

// link finds each item's parent (an index into items, or -1), items being in time order:
//   - an invocation's parent is the HTTP request or batch that made it (same request id);
//   - a DynamoDB write or PutEvents, the invocation that made the call (same X-Ray root);
//   - a rule target delivery, the latest PutEvents before it;
//   - a SendMessage, the invocation that made the call;
//   - a queue batch, the latest delivery or send to that queue before it;
//   - a stream batch, the latest write to that table before it.
func link(items []*item) []int {
	parents := make([]int, len(items))
	for i, it := range items {
		parents[i] = -1
		latest := func(match func(o *item) bool) int {
			for j := i - 1; j >= 0; j-- {
				if match(items[j]) {
					return j
				}
			}
			return -1
		}
		switch {
		case it.inv != nil:
			for j, o := range items {
				if j != i && o.span != nil && o.span.RequestID == it.inv.RequestID && it.inv.RequestID != "" {
					parents[i] = j
					break
				}
			}
		case it.span.Kind == KindDynamoDB || it.span.Kind == KindPutEvents || it.span.Kind == KindSend:
			parents[i] = caller(items, it.span)
		case it.span.Kind == KindTarget:
			parents[i] = latest(func(o *item) bool { return o.span != nil && o.span.Kind == KindPutEvents })
		case it.span.Kind == KindQueue:
			q := it.span.Attrs["queue"]
			parents[i] = latest(func(o *item) bool {
				return o.span != nil && (o.span.Kind == KindTarget && o.span.Attrs["queue"] == q ||
					o.span.Kind == KindSend && sendQueue(o.span.Body) == q)
			})
		case it.span.Kind == KindStream:
			t := it.span.Attrs["table"]
			parents[i] = latest(func(o *item) bool {
				return o.span != nil && o.span.Kind == KindDynamoDB && contains(writeTables(o.span.Body), t)
			})
		}
	}
	return parents
}

// caller finds the invocation that made call s (a DynamoDB write, a PutEvents, a send): one
// of s.Caller's (when known) running when the call started, preferring one whose X-Ray root
// the call carries, then the latest started. Neither the root alone nor the time alone does:
// the shop passes the root of the request that began a saga on to every call down the chain,
// and a slow function may still run when the next hops of its saga do.
func caller(items []*item, s *Span) int {
	root, best, bestRoot := traceRoot(s.TraceID), -1, false
	for j, o := range items {
		inv := o.inv
		if inv == nil || (s.Caller != "" && inv.Function != s.Caller) ||
			inv.Start.After(s.Start) || inv.end().Add(time.Millisecond).Before(s.Start) {
			continue
		}
		sameRoot := root != "" && traceRoot(inv.TraceID) == root
		if best < 0 || (sameRoot && !bestRoot) || (sameRoot == bestRoot && inv.Start.After(items[best].inv.Start)) {
			best, bestRoot = j, sameRoot
		}
	}
	return best
}

// node describes an item for the console, decoding what the hot path kept as bytes.
func node(it *item, t0 time.Time) Node {
	if inv := it.inv; inv != nil {
		n := Node{Kind: KindInvoke, Name: inv.Function, Function: inv.Function, Start: inv.Start,
			DurationMs: msOf(inv.Duration), WallMs: msOf(inv.end().Sub(inv.Start)), Error: inv.Error, RequestID: inv.RequestID, Attrs: map[string]string{}}
		if inv.Init > 0 {
			n.Attrs["coldStartMs"] = strings.TrimRight(strings.TrimRight(ftoa(msOf(inv.Init)), "0"), ".")
		}
		n.Attrs["trigger"] = inv.Trigger()
		n.OffsetMs = msOf(inv.Start.Sub(t0))
		return n
	}
	s := it.span
	n := Node{Kind: s.Kind, Name: s.Name, Function: s.Function, Start: s.Start,
		OffsetMs: msOf(s.Start.Sub(t0)), DurationMs: msOf(s.Duration), Error: s.Error, RequestID: s.RequestID, Attrs: map[string]string{}}
	for k, v := range s.Attrs {
		n.Attrs[k] = v
	}
	if n.Function == "" {
		n.Function = s.Attrs["function"]
	}
	if s.Caller != "" {
		n.Attrs["caller"] = s.Caller
	}
	if s.Status != 0 {
		n.Attrs["status"] = strconv.Itoa(s.Status)
	}
	switch s.Kind {
	case KindDynamoDB:
		if ts := writeTables(s.Body); len(ts) > 0 {
			n.Attrs["tables"] = strings.Join(ts, ", ")
		}
		if k := writeKeys(s.Body); k != "" {
			n.Attrs["keys"] = k
		}
	case KindPutEvents:
		if dt := detailTypes(s.Body); len(dt) > 0 {
			n.Name += " " + strings.Join(dt, ", ")
			n.Attrs["detailTypes"] = strings.Join(dt, ", ")
		}
	case KindSend:
		if q := sendQueue(s.Body); q != "" {
			n.Name += " → " + q
			n.Attrs["queue"] = q
		}
	case KindTarget, KindQueue:
		if dt := detailTypes(s.Body); len(dt) > 0 {
			n.Attrs["detailTypes"] = strings.Join(dt, ", ")
		}
		if c := receiveCount(s.Body); c > 1 {
			n.Attrs["receiveCount"] = strconv.Itoa(c) // a retry: the message was received before
		}
	}
	return n
}

func ftoa(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// Search returns the correlation ids q leads to: q itself when it is one, and every
// correlation id of a hop whose input, path or log lines contain q (an order id, a
// customer id, an event id ...), most recent first.
func (r *Recorder) Search(q string) []Summary {
	if r == nil || strings.TrimSpace(q) == "" {
		return nil
	}
	q = strings.TrimSpace(q)
	items := r.snapshot()
	found := map[string]bool{}
	for _, it := range items {
		if contains(it.corrs, q) {
			found[q] = true
			continue
		}
		if it.matches(r, q) {
			for _, c := range it.corrs {
				found[c] = true
			}
		}
	}
	return summaries(items, found)
}

func (it *item) matches(r *Recorder, q string) bool {
	if it.inv != nil {
		if it.inv.RequestID == q || bytes.Contains(it.inv.Event, []byte(q)) || bytes.Contains(it.inv.Result, []byte(q)) {
			return true
		}
		for _, l := range r.Logs(it.inv) {
			if strings.Contains(l, q) {
				return true
			}
		}
		return false
	}
	if strings.Contains(it.span.Name, q) || bytes.Contains(it.span.Body, []byte(q)) || it.span.RequestID == q || it.span.Function == q {
		return true
	}
	for _, v := range it.span.Attrs {
		if strings.Contains(v, q) {
			return true
		}
	}
	return false
}

// Origin is the trace among found where an id was first seen: the earliest to start (the
// request that created an order, say, not the later ones that read it); "" when found is
// empty.
func Origin(found []Summary) string {
	origin := ""
	var at time.Time
	for _, s := range found {
		if origin == "" || s.Start.Before(at) {
			origin, at = s.Correlation, s.Start
		}
	}
	return origin
}

// Recent returns the summaries of the last n correlation ids seen, most recent first.
func (r *Recorder) Recent(n int) []Summary {
	if r == nil {
		return nil
	}
	items := r.snapshot()
	found := map[string]bool{}
	for i := len(items) - 1; i >= 0 && len(found) < n; i-- {
		for _, c := range items[i].corrs {
			found[c] = true
		}
	}
	out := summaries(items, found)
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func summaries(items []*item, want map[string]bool) []Summary {
	by := map[string]*Summary{}
	ends := map[string]time.Time{}
	for _, it := range items {
		for _, c := range it.corrs {
			if !want[c] {
				continue
			}
			s := by[c]
			if s == nil {
				s = &Summary{Correlation: c, Start: it.start(), Root: node(it, it.start()).Name}
				by[c] = s
			}
			s.Hops++
			if it.failed() {
				s.Errors++
			}
			if e := it.end(); e.After(ends[c]) {
				ends[c] = e
			}
		}
	}
	out := make([]Summary, 0, len(by))
	for c, s := range by {
		s.DurationMs = msOf(ends[c].Sub(s.Start))
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out
}

// Correlations returns the correlation ids b holds: the value of every "correlationId"
// member, whether b has it as plain JSON ("correlationId":"x"), inside a JSON string
// (\"correlationId\":\"x\", as in an SQS message body or a PutEvents Detail) or as a
// DynamoDB attribute ("correlationId":{"S":"x"}), in order of first appearance.
func Correlations(b []byte) []string {
	const key = "correlationId"
	var out []string
	for {
		i := bytes.Index(b, []byte(key))
		if i < 0 {
			return out
		}
		b = b[i+len(key):]
		v, ok := valueAfterKey(b)
		if ok && !contains(out, v) {
			out = append(out, v)
		}
	}
}

// valueAfterKey reads the string value after a member name in JSON, plain or escaped once
// inside a JSON string: b starts right after the name's last letter.
func valueAfterKey(b []byte) (string, bool) {
	i := 0
	space := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
	}
	quote := func() bool { // one " or \"
		if i < len(b) && b[i] == '\\' {
			i++
		}
		if i < len(b) && b[i] == '"' {
			i++
			return true
		}
		return false
	}
	colon := func() bool {
		space()
		if i < len(b) && b[i] == ':' {
			i++
			space()
			return true
		}
		return false
	}
	if !quote() || !colon() {
		return "", false
	}
	if i < len(b) && b[i] == '{' { // a DynamoDB attribute value: {"S":"x"}
		i++
		space()
		if !quote() || i >= len(b) || b[i] != 'S' {
			return "", false
		}
		i++
		if !quote() || !colon() {
			return "", false
		}
	}
	if !quote() {
		return "", false
	}
	j := i
	for j < len(b) && b[j] != '"' && b[j] != '\\' {
		j++
	}
	if j == i || j-i > 200 || j == len(b) {
		return "", false
	}
	return string(b[i:j]), true
}

// traceRoot is the Root of an X-Ray trace header ("Root=1-...;Parent=...;Sampled=0"), or
// the header itself when it has no Root field.
func traceRoot(h string) string {
	for _, part := range strings.Split(h, ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "Root="); ok {
			return v
		}
	}
	return h
}

// writeTables returns the tables a DynamoDB write request names, in order.
func writeTables(body []byte) []string {
	var req struct {
		TableName     string
		RequestItems  map[string]json.RawMessage
		TransactItems []map[string]struct{ TableName string }
	}
	if json.Unmarshal(body, &req) != nil {
		return nil
	}
	var out []string
	add := func(t string) {
		if t != "" && !contains(out, t) {
			out = append(out, t)
		}
	}
	add(req.TableName)
	for _, ti := range req.TransactItems {
		for _, op := range ti {
			add(op.TableName)
		}
	}
	names := make([]string, 0, len(req.RequestItems))
	for t := range req.RequestItems {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		add(t)
	}
	return out
}

// writeKeys describes the keys a DynamoDB write request touches: "pk=ORDER#1, sk=..." per
// item (the key attributes of Key, or every string attribute of a put Item named like a key).
func writeKeys(body []byte) string {
	type op struct {
		Key  map[string]map[string]any
		Item map[string]map[string]any
	}
	var req struct {
		op
		TransactItems []map[string]op
	}
	if json.Unmarshal(body, &req) != nil {
		return ""
	}
	var parts []string
	describe := func(o op) {
		attrs := o.Key
		if attrs == nil {
			attrs = map[string]map[string]any{}
			for k, v := range o.Item {
				if lk := strings.ToLower(k); lk == "pk" || lk == "sk" || strings.HasSuffix(lk, "id") {
					attrs[k] = v
				}
			}
		}
		names := make([]string, 0, len(attrs))
		for k := range attrs {
			names = append(names, k)
		}
		sort.Strings(names)
		var kv []string
		for _, k := range names {
			for _, v := range attrs[k] {
				if s, ok := v.(string); ok {
					kv = append(kv, k+"="+s)
				}
			}
		}
		if len(kv) > 0 {
			parts = append(parts, strings.Join(kv, " "))
		}
	}
	describe(req.op)
	for _, ti := range req.TransactItems {
		for _, o := range ti {
			describe(o)
		}
	}
	return strings.Join(parts, "; ")
}

// sendQueue is the name of the queue a SendMessage(Batch) request's QueueUrl names.
func sendQueue(body []byte) string {
	var req struct{ QueueUrl string }
	if json.Unmarshal(body, &req) != nil {
		return ""
	}
	return req.QueueUrl[strings.LastIndexByte(req.QueueUrl, '/')+1:]
}

// receiveCount is the highest ApproximateReceiveCount of an SQS batch's messages.
func receiveCount(b []byte) int {
	key := []byte(`"ApproximateReceiveCount":"`)
	high := 0
	for {
		i := bytes.Index(b, key)
		if i < 0 {
			return high
		}
		b = b[i+len(key):]
		j := bytes.IndexByte(b, '"')
		if n, err := strconv.Atoi(string(b[:max(j, 0)])); err == nil && n > high {
			high = n
		}
	}
}

// detailTypes returns the detail types of a PutEvents request, an EventBridge event, or the
// events in an SQS batch's bodies, in order.
func detailTypes(b []byte) []string {
	var out []string
	for _, key := range [][]byte{[]byte(`"DetailType":"`), []byte(`"detail-type":"`), []byte(`\"detail-type\":\"`)} {
		rest := b
		for {
			i := bytes.Index(rest, key)
			if i < 0 {
				break
			}
			rest = rest[i+len(key):]
			j := bytes.IndexAny(rest, `"\`)
			if j > 0 && !contains(out, string(rest[:j])) {
				out = append(out, string(rest[:j]))
			}
		}
	}
	return out
}
