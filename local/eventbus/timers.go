package eventbus

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// This file runs schedules: rules with a ScheduleExpression and EventBridge Scheduler
// schedules (AddSchedule). Tick fires every schedule that is due by Options.Clock; Start
// calls it every Options.ScheduleInterval, and Fire fires one schedule on demand.

// ScheduledEventDetailType is the detail-type of the events scheduled rules send.
const ScheduledEventDetailType = "Scheduled Event"

// SchedulerDefaultInput is what a Scheduler schedule without Input sends its target.
const SchedulerDefaultInput = "{}"

// ErrNoSchedule is returned (wrapped) by Fire for a name that is no scheduled rule or
// schedule.
var ErrNoSchedule = fmt.Errorf("no such schedule: %w", ErrNotFound)

// SchedulerSchedule is an EventBridge Scheduler schedule (AWS::Scheduler::Schedule) with its
// single target.
type SchedulerSchedule struct {
	Name string
	// Group is the schedule group; empty means "default".
	Group string
	// Expression is rate(...), cron(...) or at(...), evaluated in Timezone (empty: UTC).
	Expression, Timezone string
	// State is ENABLED (the default when empty) or DISABLED.
	State string
	// Start and End bound when the schedule fires (zero: unbounded).
	Start, End time.Time
	// Target receives Input, or SchedulerDefaultInput when it is empty. Its ID is ignored.
	Target Target
}

// ScheduleInfo describes a schedule for listings (the edge's /_console/api/schedules/).
type ScheduleInfo struct {
	// Name is a rule's name, or "<group>/<name>" for a Scheduler schedule.
	Name       string `json:"name"`
	ARN        string `json:"arn"`
	Expression string `json:"expression"`
	State      string `json:"state"`
	// Next is when it fires next; zero when it never fires again.
	Next time.Time `json:"next"`
}

// SchedulerARN is the ARN of a Scheduler schedule.
func (s *Service) SchedulerARN(group, name string) string {
	if group == "" {
		group = DefaultBus
	}
	return fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule/%s/%s", s.opts.Region, s.opts.AccountID, group, name)
}

// schedulerBus is what a Scheduler schedule's deliveries report as their bus.
var schedulerBus = &bus{name: "scheduler"}

// AddSchedule adds or replaces an EventBridge Scheduler schedule. Errors wrap ErrInvalid.
func (s *Service) AddSchedule(sc SchedulerSchedule) error {
	if sc.Name == "" {
		return fmt.Errorf("schedule without a name: %w", ErrInvalid)
	}
	if sc.Group == "" {
		sc.Group = DefaultBus
	}
	switch sc.State {
	case "":
		sc.State = Enabled
	case Enabled, Disabled:
	default:
		return fmt.Errorf("schedule %s: state %q: %w", sc.Name, sc.State, ErrInvalid)
	}
	sched, err := ParseSchedulerExpression(sc.Expression, sc.Timezone)
	if err != nil {
		return fmt.Errorf("schedule %s: %w", sc.Name, err)
	}
	t := sc.Target
	t.ID = sc.Name
	if t.Input == "" {
		t.Input = SchedulerDefaultInput
	}
	t.InputPath, t.InputTransformer = "", nil
	tr, err := compileTransform(t)
	if err != nil {
		return fmt.Errorf("schedule %s: %w", sc.Name, err)
	}
	key := sc.Group + "/" + sc.Name
	r := &rule{
		Rule:     Rule{Name: key, State: sc.State, ScheduleExpression: sc.Expression, Targets: []Target{t}},
		arn:      s.SchedulerARN(sc.Group, sc.Name),
		bus:      schedulerBus,
		targets:  []*target{{Target: t, transform: tr}},
		schedule: sched,
	}
	r.window.start, r.window.end = sc.Start, sc.End
	now := s.opts.Clock()
	anchor := now
	if !sc.Start.IsZero() && sc.Start.After(now) {
		anchor = sc.Start
	}
	r.anchor = anchor
	r.next = r.nextAfter(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schedules[key] = r
	return nil
}

// nextAfter is when the rule's schedule fires after t, within its window.
func (r *rule) nextAfter(t time.Time) time.Time {
	if !r.window.start.IsZero() && t.Before(r.window.start) {
		t = r.window.start.Add(-time.Nanosecond)
	}
	next := r.schedule.Next(t, r.anchor)
	if !r.window.end.IsZero() && !next.Before(r.window.end) {
		return time.Time{}
	}
	return next
}

// lastDue is the latest firing time of r at or before now, given that r.next is one.
func (r *rule) lastDue(now time.Time) time.Time {
	if rate := r.schedule.rate; rate > 0 && r.window.end.IsZero() {
		return r.anchor.Add(now.Sub(r.anchor) / rate * rate)
	}
	at := r.next
	// Bounded: a clock jumped by a year over a cron firing every minute stops at the 10000th
	// missed time; only the stamp of the one firing is affected.
	for range 10000 {
		n := r.nextAfter(at)
		if n.IsZero() || n.After(now) {
			break
		}
		at = n
	}
	return at
}

// scheduled returns every scheduled rule and Scheduler schedule; callers hold s.mu.
func (s *Service) scheduled() []*rule {
	var out []*rule
	for _, b := range s.buses {
		for _, r := range b.rules {
			if r.schedule != nil {
				out = append(out, r)
			}
		}
	}
	for _, r := range s.schedules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].arn < out[j].arn })
	return out
}

// Schedules lists the scheduled rules and Scheduler schedules, by ARN.
func (s *Service) Schedules() []ScheduleInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ScheduleInfo
	for _, r := range s.scheduled() {
		out = append(out, ScheduleInfo{Name: r.Name, ARN: r.arn, Expression: r.ScheduleExpression, State: r.State, Next: r.next})
	}
	return out
}

// Tick fires every enabled schedule whose next time is at or before Options.Clock() and
// returns how many fired. A schedule that missed several times (the clock jumped) fires
// once, for its latest missed time, as a laptop waking from sleep should not replay a burst.
func (s *Service) Tick() int {
	now := s.opts.Clock()
	type firing struct {
		r  *rule
		at time.Time
	}
	var due []firing
	s.mu.Lock()
	for _, r := range s.scheduled() {
		if r.next.IsZero() || r.next.After(now) {
			continue
		}
		at := r.lastDue(now)
		r.next = r.nextAfter(now)
		if r.State != Disabled {
			due = append(due, firing{r, at})
		}
	}
	s.mu.Unlock()
	for _, f := range due {
		s.fire(f.r, f.at)
	}
	return len(due)
}

// Fire fires the scheduled rule (on the default bus) or Scheduler schedule ("name" in the
// default group, or "group/name") named name now, whatever its schedule and state, and
// returns the event ID. Errors wrap ErrNoSchedule.
func (s *Service) Fire(name string) (string, error) {
	s.mu.RLock()
	var r *rule
	if b, ok := s.buses[DefaultBus]; ok {
		if c, ok := b.rules[name]; ok && c.schedule != nil {
			r = c
		}
	}
	if r == nil {
		key := name
		if !strings.Contains(key, "/") {
			key = DefaultBus + "/" + name
		}
		r = s.schedules[key]
	}
	s.mu.RUnlock()
	if r == nil {
		return "", fmt.Errorf("fire %q: %w", name, ErrNoSchedule)
	}
	return s.fire(r, s.opts.Clock()), nil
}

// fire sends r's scheduled event, stamped at, to r's targets.
func (s *Service) fire(r *rule, at time.Time) string {
	env := envelope{
		Version: "0", ID: newID(), DetailType: ScheduledEventDetailType, Source: "aws.events",
		Account: s.opts.AccountID, Time: at.UTC().Format(time.RFC3339), Region: s.opts.Region,
		Resources: []string{r.arn}, Detail: json.RawMessage("{}"),
	}
	if r.bus == schedulerBus {
		// A Scheduler target receives its Input; the envelope is what a dead-letter queue
		// gets and what the logs name.
		env.Source = "aws.scheduler"
	}
	ev, err := s.ingest(env, time.Now(), s.opts.Clock(), "")
	if err != nil {
		s.opts.Log.Error("eventbridge: scheduled event could not be built", "rule", r.arn, "error", err)
		return ""
	}
	s.m.entries.Add(1)
	s.m.matched.Add(1)
	jobs := make([]job, 0, len(r.targets))
	for _, t := range r.targets {
		jobs = append(jobs, job{ev: ev, rule: r, target: t})
	}
	s.dispatch(jobs)
	return env.ID
}

// runSchedules calls Tick every interval until the service closes.
func (s *Service) runSchedules(interval time.Duration) {
	defer s.tickWG.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.Tick()
		case <-s.ctx.Done():
			return
		}
	}
}
