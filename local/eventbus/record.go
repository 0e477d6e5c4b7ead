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
	// Matches are the enabled rules whose pattern matched, in rule-name order.
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

// record hands the accepted event and what it matched to Options.Record.
// matched is read under s.mu (targets change with PutTargets).
func (s *Service) record(ev *ingested, b *bus, e Event, matched []*rule) Put {
	p := Put{EventID: ev.id, Bus: b.name, Source: e.Source, DetailType: e.DetailType, Received: ev.received, Event: ev.raw, Matches: []Match{}}
	slices.SortFunc(matched, func(a, b *rule) int { return strings.Compare(a.Name, b.Name) })
	for _, r := range matched {
		m := Match{Rule: r.Name, RuleARN: r.arn, Targets: []MatchedTarget{}}
		for _, t := range r.targets {
			m.Targets = append(m.Targets, MatchedTarget{ID: t.ID, ARN: t.ARN})
		}
		p.Matches = append(p.Matches, m)
	}
	return p
}
