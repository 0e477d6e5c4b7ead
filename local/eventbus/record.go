package eventbus

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Put is an accepted event as Options.Record sees it: for the local console's event log.
type Put struct {
	EventID, Bus, Source, DetailType string
	// Received is when PutEvents took the event.
	Received time.Time
	// Event is the event as targets receive it (the envelope with its detail).
	Event json.RawMessage
	// Matches are the enabled rules whose pattern matched, in rule-name order.
	Matches []Match
}

// Match is a rule an event matched and the targets it is delivered to.
type Match struct {
	Rule, RuleARN string
	Targets       []MatchedTarget
}

// MatchedTarget is one target of a matched rule.
type MatchedTarget struct{ ID, ARN string }

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
