package runtime

import (
	"net/http"
	"strings"

	"github.com/microshop/microshop/local/console"
	"github.com/microshop/microshop/local/eventbus"
)

// eventLog is the EventBridge event log the Events page shows: the last events put on any
// bus with the rules they matched and those rules' targets.
type eventLog = ring[eventbus.Put]

func (rt *Runtime) registerEvents(c *console.Console) {
	shell(c, console.Page{Path: "events", Title: "Events", Summary: "the EventBridge event log: each event with its matched rules and targets"},
		"events.js", `<form class="inline" id="filter"><label>Search <input name="q" type="search" placeholder="id, source, detail-type or detail text"></label></form>
<p class="muted" id="count"></p><div class="scroll"><table id="events"><thead><tr><th>time</th><th>bus</th><th>source</th><th>detail-type</th><th>matched rules → targets</th></tr></thead><tbody></tbody></table></div>`)
	c.HandleAPI("GET events", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		console.WriteJSON(w, http.StatusOK, map[string]any{"events": rt.loggedEvents(r.URL.Query().Get("q"))})
	}))
	c.HandleAPI("GET events/stream", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		console.Stream(w, r, liveInterval, func() (any, error) { return map[string]any{"events": rt.loggedEvents(q)}, nil })
	}))
}

// loggedEvents lists the event log newest first, only the events whose ID, source, detail-type or
// JSON contains q when q is set.
func (rt *Runtime) loggedEvents(q string) []eventbus.Put {
	all := rt.eventLog.newestFirst()
	if q == "" {
		return all
	}
	kept := all[:0]
	for _, p := range all {
		if strings.Contains(p.EventID, q) || strings.Contains(p.Source, q) || strings.Contains(p.DetailType, q) || strings.Contains(string(p.Event), q) {
			kept = append(kept, p)
		}
	}
	return kept
}
