package eventbus_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/eventbus"
)

// Options.Record sees every accepted event with the enabled rules it matched and their
// targets; an event that matches nothing is recorded with no match.
func TestRecordSeesEventsAndTheirMatches(t *testing.T) {
	var mu sync.Mutex
	var got []eventbus.Put
	s, _ := newService(t, eventbus.Options{Record: func(p eventbus.Put) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, p)
	}})
	ok := func(context.Context, []byte) error { return nil }
	for _, r := range []eventbus.Rule{
		{Name: "b-orders", Pattern: json.RawMessage(`{"source":["shop.orders"]}`), Targets: []eventbus.Target{
			{ID: "q", ARN: "arn:aws:sqs:us-east-1:123456789012:q", Deliver: ok},
			{ID: "f", ARN: "arn:aws:lambda:us-east-1:123456789012:function:f", Deliver: ok},
		}},
		{Name: "a-all", Pattern: json.RawMessage(`{"source":[{"prefix":"shop."}]}`), Targets: []eventbus.Target{{ID: "t", ARN: "arn:t", Deliver: ok}}},
		{Name: "off", State: eventbus.Disabled, Pattern: json.RawMessage(`{"source":["shop.orders"]}`)},
	} {
		if err := s.AddRule(r); err != nil {
			t.Fatal(err)
		}
	}
	id1, err := s.Put(eventbus.Event{Source: "shop.orders", DetailType: "OrderPlaced", Detail: json.RawMessage(`{"orderId":"o-1"}`)})
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.Put(eventbus.Event{Source: "other", DetailType: "Noise", Detail: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}

	type rec struct {
		ID, Bus, Source, DetailType string
		Matches                     []eventbus.Match
		Detail                      string
	}
	mu.Lock()
	var recs []rec
	for _, p := range got {
		var env struct{ Detail json.RawMessage }
		if err := json.Unmarshal(p.Event, &env); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec{p.EventID, p.Bus, p.Source, p.DetailType, p.Matches, string(env.Detail)})
	}
	mu.Unlock()
	want := []rec{
		{id1, "default", "shop.orders", "OrderPlaced", []eventbus.Match{
			{Rule: "a-all", RuleARN: "arn:aws:events:us-east-1:123456789012:rule/a-all", Targets: []eventbus.MatchedTarget{{ID: "t", ARN: "arn:t"}}},
			{Rule: "b-orders", RuleARN: "arn:aws:events:us-east-1:123456789012:rule/b-orders", Targets: []eventbus.MatchedTarget{
				{ID: "q", ARN: "arn:aws:sqs:us-east-1:123456789012:q"}, {ID: "f", ARN: "arn:aws:lambda:us-east-1:123456789012:function:f"},
			}},
		}, `{"orderId":"o-1"}`},
		{id2, "default", "other", "Noise", []eventbus.Match{}, `{}`},
	}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
}
