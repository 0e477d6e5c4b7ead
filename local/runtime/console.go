package runtime

import (
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/microshop/microshop/local/console"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/record"
)

// The console's Stack, Functions and Traces pages and the API routes they read (see the
// README's "Local console"). Each page is a small server-rendered shell whose ES module
// (local/console/static/<page>.js) reads the JSON API and follows it live.

// liveInterval is how often the live streams look for changes.
const liveInterval = 500 * time.Millisecond

// maxInvokeEvent bounds an event posted to re-invoke a function (Lambda's own limit).
const maxInvokeEvent = lambdahost.MaxRequestBytes

func (rt *Runtime) registerConsole() {
	c := rt.console
	c.HandlePage(console.Page{Path: "stack", Title: "Stack", Summary: "the template's routes, functions, rules, queues and tables, live"},
		rt.page("Stack", stackTmpl))
	c.HandlePage(console.Page{Path: "functions", Title: "Functions", Summary: "per function: invocations, errors, cold starts, p50/p99; each invocation's event, result and log lines; re-invoke"},
		rt.page("Functions", functionsTmpl))
	c.HandlePage(console.Page{Path: "traces", Title: "Traces", Summary: "follow one request or order across every hop, by correlation id or any id it carried"},
		rt.page("Traces", tracesTmpl))

	c.HandleAPI("GET stack", jsonOf(rt.stack))
	c.HandleAPI("GET stack/live", liveOf(rt.stack))
	c.HandleAPI("GET functions", jsonOf(rt.functionList))
	c.HandleAPI("GET functions/live", liveOf(rt.functionList))
	c.HandleAPI("GET functions/{name}/invocations", http.HandlerFunc(rt.invocations))
	c.HandleAPI("POST functions/{name}/invoke", http.HandlerFunc(rt.reinvoke))
	c.HandleAPI("GET invocations/{id}", http.HandlerFunc(rt.invocation))
	c.HandleAPI("GET traces", http.HandlerFunc(rt.traces))
	c.HandleAPI("GET traces/{id}", http.HandlerFunc(rt.trace))
	c.HandleAPI("GET traces/{id}/live", http.HandlerFunc(rt.traceLive))
}

// page renders a page shell: tmpl gets the path below the page ("<id>" of traces/<id>).
func (rt *Runtime) page(title string, tmpl *template.Template) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, console.Prefix)
		_, sub, _ := strings.Cut(rest, "/")
		rt.console.Render(w, r, title, tmpl, map[string]any{"Sub": sub, "Recording": rt.rec != nil, "Size": rt.rec.Size()})
	})
}

func jsonOf(f func() any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { console.WriteJSON(w, http.StatusOK, f()) })
}

func liveOf(f func() any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		console.Stream(w, r, liveInterval, func() (any, error) { return f(), nil })
	})
}

// functionView is a function's line on the Functions page.
type functionView struct {
	record.FunctionStats
	LogicalID string `json:"logicalId"`
	Warm      int    `json:"warm"` // live processes
	Idle      int    `json:"idle"`
	Busy      int    `json:"busy"`
	Queued    int    `json:"queued"`
}

func (rt *Runtime) functionList() any {
	var out []functionView
	for _, fn := range rt.model.Functions {
		st, ok := rt.manager.Stats(fn.Name)
		if !ok {
			continue // not run (Config.Functions, or not a Go function)
		}
		out = append(out, functionView{FunctionStats: rt.rec.Stats(fn.Name), LogicalID: fn.LogicalID,
			Warm: st.Live, Idle: st.Idle, Busy: st.Busy, Queued: st.Queued})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Function < out[j].Function })
	return map[string]any{"recording": rt.rec != nil, "functions": out}
}

// invocationView is one invocation as the API serves it: the event and result as JSON
// when they are JSON, else as strings.
type invocationView struct {
	*record.Invocation
	DurationMs float64         `json:"durationMs"`
	InitMs     float64         `json:"initMs,omitempty"`
	Trigger    string          `json:"trigger"`
	Event      json.RawMessage `json:"event"`
	Result     json.RawMessage `json:"result,omitempty"`
	Logs       []string        `json:"logs"`
}

func (rt *Runtime) view(inv *record.Invocation) invocationView {
	return invocationView{Invocation: inv, DurationMs: ms(inv.Duration), InitMs: ms(inv.Init), Trigger: inv.Trigger(),
		Event: rawJSON(inv.Event), Result: rawJSON(inv.Result), Logs: rt.rec.Logs(inv)}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func rawJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

// invocations serves GET functions/{name}/invocations?q=&limit=: the function's recorded
// invocations, newest first, those whose request id, event, result or log lines contain q.
func (rt *Runtime) invocations(w http.ResponseWriter, r *http.Request) {
	fn, err := rt.Lookup(r.PathValue("name"))
	if err != nil {
		console.WriteError(w, http.StatusNotFound, "ResourceNotFoundException", err.Error())
		return
	}
	q := r.URL.Query().Get("q")
	limit := 50
	if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n > 0 {
		limit = n
	}
	out := []invocationView{}
	for _, inv := range rt.rec.Invocations(fn.Name) {
		if len(out) == limit {
			break
		}
		v := rt.view(inv)
		if q != "" && !matches(v, q) {
			continue
		}
		out = append(out, v)
	}
	console.WriteJSON(w, http.StatusOK, map[string]any{"function": fn.Name, "stats": rt.rec.Stats(fn.Name), "invocations": out})
}

func matches(v invocationView, q string) bool {
	if strings.Contains(v.RequestID, q) || strings.Contains(string(v.Invocation.Event), q) ||
		strings.Contains(string(v.Invocation.Result), q) || strings.Contains(v.Error, q) {
		return true
	}
	for _, l := range v.Logs {
		if strings.Contains(l, q) {
			return true
		}
	}
	return false
}

// invocation serves GET invocations/{id}: one invocation by its request id.
func (rt *Runtime) invocation(w http.ResponseWriter, r *http.Request) {
	inv, ok := rt.rec.Invocation(r.PathValue("id"))
	if !ok {
		console.WriteError(w, http.StatusNotFound, "ResourceNotFoundException", "no recorded invocation "+r.PathValue("id"))
		return
	}
	console.WriteJSON(w, http.StatusOK, rt.view(inv))
}

// reinvoke serves POST functions/{name}/invoke: the body is the event; the answer is the
// new invocation (recorded like any other).
func (rt *Runtime) reinvoke(w http.ResponseWriter, r *http.Request) {
	fn, err := rt.Lookup(r.PathValue("name"))
	if err != nil {
		console.WriteError(w, http.StatusNotFound, "ResourceNotFoundException", err.Error())
		return
	}
	event, err := io.ReadAll(io.LimitReader(r.Body, maxInvokeEvent+1))
	switch {
	case err != nil:
		console.WriteError(w, http.StatusBadRequest, "InvalidRequestContentException", "read the event: "+err.Error())
		return
	case len(event) > maxInvokeEvent:
		console.WriteError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "the event is larger than Lambda's 6 MB")
		return
	case !json.Valid(event):
		console.WriteError(w, http.StatusBadRequest, "InvalidRequestContentException", "the event is not valid JSON")
		return
	}
	res, err := rt.manager.Invoke(r.Context(), fn.Name, event)
	switch {
	case errors.Is(err, lambdahost.ErrThrottled):
		console.WriteError(w, http.StatusTooManyRequests, "TooManyRequestsException", err.Error())
		return
	case err != nil:
		console.WriteError(w, http.StatusServiceUnavailable, "ServiceException", err.Error())
		return
	}
	out := map[string]any{"function": fn.Name, "requestId": res.RequestID, "durationMs": ms(res.Duration), "result": rawJSON(res.Payload)}
	if res.Error != nil {
		out["error"] = res.Error.Type + ": " + res.Error.Message
	}
	console.WriteJSON(w, http.StatusOK, out)
}

// traces serves GET traces?q=: the correlation ids q leads to (a correlation id, an order
// id, any id a hop carried), newest first, and the origin (the one where q was first seen);
// or the most recent ones without q.
func (rt *Runtime) traces(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	var out []record.Summary
	if q == "" {
		out = rt.rec.Recent(50)
	} else {
		out = rt.rec.Search(q)
	}
	if out == nil {
		out = []record.Summary{}
	}
	console.WriteJSON(w, http.StatusOK, map[string]any{"query": q, "recording": rt.rec != nil, "origin": record.Origin(out), "traces": out})
}

// trace serves GET traces/{id}: the causal tree of correlation id id.
func (rt *Runtime) trace(w http.ResponseWriter, r *http.Request) {
	t, ok := rt.rec.Trace(r.PathValue("id"))
	if !ok {
		console.WriteError(w, http.StatusNotFound, "ResourceNotFoundException", "no recorded hop carries correlation id "+r.PathValue("id"))
		return
	}
	console.WriteJSON(w, http.StatusOK, t)
}

func (rt *Runtime) traceLive(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	console.Stream(w, r, liveInterval, func() (any, error) {
		t, _ := rt.rec.Trace(id)
		return t, nil
	})
}

// stackView is the Stack page: every resource of the template the runtime serves, with its
// live figures.
type stackView struct {
	Routes    []stackRoute   `json:"routes"`
	Functions []functionView `json:"functions"`
	Rules     []stackRule    `json:"rules"`
	Queues    []stackQueue   `json:"queues"`
	Tables    []stackTable   `json:"tables"`
	Mappings  []stackMapping `json:"mappings"`
}

type stackRoute struct {
	API      string `json:"api"`
	Key      string `json:"key"`
	Function string `json:"function"`
	Auth     string `json:"auth"`
}

type stackRule struct {
	Name    string   `json:"name"`
	Bus     string   `json:"bus"`
	Pattern string   `json:"pattern"`
	Targets []string `json:"targets"`
}

type stackQueue struct {
	Name     string `json:"name"`
	Waiting  int    `json:"waiting"`
	InFlight int    `json:"inFlight"`
	DLQ      string `json:"dlq,omitempty"`
	IsDLQ    bool   `json:"isDlq,omitempty"`
}

type stackTable struct {
	Name   string `json:"name"`
	Stream bool   `json:"stream"`
}

type stackMapping struct {
	Source   string `json:"source"` // queue or table name
	Kind     string `json:"kind"`   // "queue" or "stream"
	Function string `json:"function"`
}

func (rt *Runtime) stack() any {
	v := stackView{Functions: rt.functionList().(map[string]any)["functions"].([]functionView)}
	fnName := func(id string) string {
		if fn := rt.model.Functions[id]; fn != nil {
			return fn.Name
		}
		return id
	}
	for _, api := range rt.model.APIs {
		for _, r := range api.Routes {
			v.Routes = append(v.Routes, stackRoute{API: api.Name, Key: r.Key, Function: fnName(r.Function), Auth: r.AuthorizationType})
		}
	}
	queueArns := map[string]string{}
	for _, q := range rt.model.Queues {
		queueArns[q.ARN] = q.Name
	}
	dlqs := map[string]bool{}
	for _, q := range rt.model.Queues {
		if q.RedrivePolicy != nil {
			dlqs[queueArns[q.RedrivePolicy.DeadLetterTargetARN]] = true
		}
	}
	for _, r := range rt.model.Rules {
		sr := stackRule{Name: r.Name, Bus: r.EventBusName, Pattern: string(r.EventPattern)}
		for _, t := range r.Targets {
			name := t.ARN
			if q, ok := queueArns[t.ARN]; ok {
				name = "queue " + q
			} else if fn, ok := rt.arns.function(t.ARN); ok {
				name = "function " + fn
			}
			sr.Targets = append(sr.Targets, name)
		}
		v.Rules = append(v.Rules, sr)
	}
	for _, q := range rt.model.Queues {
		sq := stackQueue{Name: q.Name, IsDLQ: dlqs[q.Name]}
		if q.RedrivePolicy != nil {
			sq.DLQ = queueArns[q.RedrivePolicy.DeadLetterTargetARN]
		}
		if rt.sqs != nil {
			if a, err := rt.sqs.QueueAttributes(q.Name, []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}); err == nil {
				sq.Waiting, _ = strconv.Atoi(a["ApproximateNumberOfMessages"])
				sq.InFlight, _ = strconv.Atoi(a["ApproximateNumberOfMessagesNotVisible"])
			}
		}
		v.Queues = append(v.Queues, sq)
	}
	for _, t := range rt.model.Tables {
		v.Tables = append(v.Tables, stackTable{Name: t.Name, Stream: t.StreamARN != ""})
	}
	for _, p := range rt.model.EventSourceMappings {
		m := stackMapping{Function: fnName(p.Function)}
		if q, ok := queueArns[p.EventSourceARN]; ok {
			m.Source, m.Kind = q, "queue"
		} else if t, ok := rt.streamTable(p.EventSourceARN); ok {
			m.Source, m.Kind = t, "stream"
		} else {
			continue
		}
		v.Mappings = append(v.Mappings, m)
	}
	return v
}

var stackTmpl = template.Must(template.New("stack").Parse(`
{{if not .Recording}}<p class="bad">Recording is off (devcloud --record=false): the figures stay at 0.</p>{{end}}
<p class="muted">Requests flow left to right: HTTP routes and rules reach functions; functions write tables; streams and queues hand batches to functions. Figures update live.</p>
<link rel="stylesheet" href="/_console/static/record.css">
<div id="stack" class="stack" aria-live="polite"></div>
<script type="module" src="/_console/static/stack.js"></script>`))

var functionsTmpl = template.Must(template.New("functions").Parse(`
{{if not .Recording}}<p class="bad">Recording is off (devcloud --record=false): no invocation is kept.</p>{{else}}<p class="muted">The last {{.Size}} invocations of each function are kept. Select a function to see them.</p>{{end}}
<link rel="stylesheet" href="/_console/static/record.css">
<div class="scroll"><table id="functions"><thead><tr><th>Function</th><th>Invocations</th><th>Errors</th><th>Throttles</th><th>Cold starts</th><th>p50</th><th>p99</th><th>Warm</th></tr></thead><tbody></tbody></table></div>
<section id="detail" data-function="{{.Sub}}"></section>
<script type="module" src="/_console/static/functions.js"></script>`))

var tracesTmpl = template.Must(template.New("traces").Parse(`
<link rel="stylesheet" href="/_console/static/record.css">
<form id="search" class="inline" role="search"><label>Order id, correlation id or any id a request or event carried
<input id="q" name="q" size="40" autocomplete="off"></label><button type="submit">Find</button></form>
<section id="results"></section>
<section id="trace" data-id="{{.Sub}}"></section>
<script type="module" src="/_console/static/traces.js"></script>`))
