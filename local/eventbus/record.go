package eventbus

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Put is an accepted event as Options.Record sees it: for the local console's event log.
// The JSON names are those of the console's API.
type Put struct {
	EventID    string `json:"eventId"`
	Bus        string `json:"bus"`
	Source     string `json:"source"`
	DetailType string `json:"detailType"`
	// Received is when PutEvents took the event.
	Received time.Time `json:"received"`
	// Event is the event as targets receive it (the envelope with its detail).
	Event json.RawMessage `json:"event"`
	// Matches are the enabled rules whose pattern matched and that have targets, in
	// rule-name order.
	Matches []Match `json:"matches"`
}

// Match is a rule an event matched and the targets it is delivered to.
type Match struct {
	Rule    string          `json:"rule"`
	RuleARN string          `json:"ruleArn"`
	Targets []MatchedTarget `json:"targets"`
}

// MatchedTarget is one target of a matched rule.
type MatchedTarget struct {
	ID  string `json:"id"`
	ARN string `json:"arn"`
}

// record describes the accepted event and the rules it matched, from its delivery jobs
// (one per target of each matched rule, a rule's jobs next to each other).
func (s *Service) record(ev *ingested, b *bus, e Event, jobs []job) Put {
	p := Put{EventID: ev.id, Bus: b.name, Source: e.Source, DetailType: e.DetailType, Received: ev.received, Event: ev.raw, Matches: []Match{}}
	for _, j := range jobs {
		if n := len(p.Matches); n == 0 || p.Matches[n-1].RuleARN != j.rule.arn {
			p.Matches = append(p.Matches, Match{Rule: j.rule.Name, RuleARN: j.rule.arn, Targets: []MatchedTarget{}})
		}
		m := &p.Matches[len(p.Matches)-1]
		m.Targets = append(m.Targets, MatchedTarget{ID: j.target.ID, ARN: j.target.ARN})
	}
	slices.SortFunc(p.Matches, func(a, b Match) int { return strings.Compare(a.Rule, b.Rule) })
	return p
}
