package eventbus

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	smithyrand "github.com/aws/smithy-go/rand"

	"github.com/microshop/microshop/local/eventbus/pattern"
)

// Event is what PutEvents puts on a bus. Detail must be a JSON object.
type Event struct {
	Bus        string // name or ARN; empty means DefaultBus
	Source     string
	DetailType string
	Detail     json.RawMessage
	Resources  []string
	Time       time.Time // zero means now (Options.Clock)
	// TraceHeader is the entry's X-Ray trace header; targets get it (TraceHeaderOf).
	TraceHeader string
}

type traceKey struct{}

// TraceHeaderOf returns the X-Ray trace header of the event a target's Deliver is called for,
// or "". As on AWS, an SQS target should send it as the AWSTraceHeader system attribute.
func TraceHeaderOf(ctx context.Context) string {
	h, _ := ctx.Value(traceKey{}).(string)
	return h
}

// envelope is the event as targets receive it, with EventBridge's field order.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
	// ReplayName is set on the events a replay sends again, as on AWS.
	ReplayName string `json:"replay-name,omitempty"`
}

// ingested is one accepted event with everything delivery needs.
type ingested struct {
	id       string
	raw      []byte // the envelope JSON
	detail   json.RawMessage
	decoded  any
	received time.Time // monotonic, for latency
	ingest   time.Time // Options.Clock, for age and aws.events.event.ingestion-time
	trace    string    // Event.TraceHeader
}

// Put accepts one event on its bus and starts delivering it to the targets of every
// enabled matching rule. It returns the event ID. Errors wrap ErrNotFound (unknown bus).
// It does not validate Source, DetailType or Detail: PutEvents does.
func (s *Service) Put(e Event) (string, error) {
	return s.put(e, time.Now())
}

func (s *Service) put(e Event, received time.Time) (string, error) {
	name := busName(e.Bus)
	s.mu.RLock()
	b, ok := s.buses[name]
	s.mu.RUnlock()
	if !ok {
		return "", fmt.Errorf("event bus %s: %w", name, ErrNotFound)
	}
	now := s.opts.Clock()
	t := e.Time
	if t.IsZero() {
		t = now
	}
	resources := e.Resources
	if resources == nil {
		resources = []string{}
	}
	env := envelope{
		Version: "0", ID: newID(), DetailType: e.DetailType, Source: e.Source,
		Account: s.opts.AccountID, Time: t.UTC().Format(time.RFC3339), Region: s.opts.Region,
		Resources: resources, Detail: e.Detail,
	}
	ev, err := s.ingest(env, received, now, e.TraceHeader)
	if err != nil {
		return "", err
	}
	s.m.entries.Add(1)
	s.archive(b, ev, t)
	jobs := s.matching(b, ev, nil)
	if s.opts.Record != nil {
		s.opts.Record(s.record(ev, b, e, jobs))
	}
	s.dispatch(jobs)
	return env.ID, nil
}

// ingest encodes and decodes an envelope once for matching and delivery.
func (s *Service) ingest(env envelope, received, now time.Time, trace string) (*ingested, error) {
	raw, err := marshal(env)
	if err != nil {
		return nil, fmt.Errorf("event detail: %w", ErrInvalid)
	}
	decoded, err := pattern.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("event detail: %w", ErrInvalid)
	}
	return &ingested{id: env.ID, raw: raw, detail: env.Detail, decoded: decoded, received: received, ingest: now, trace: trace}, nil
}

// matching returns the delivery jobs of the enabled rules of b whose pattern matches ev
// (rules with only a schedule match nothing); a non-nil only limits them to those rule ARNs.
func (s *Service) matching(b *bus, ev *ingested, only []string) []job {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var jobs []job
	for _, r := range b.rules {
		if r.State == Disabled || r.pattern == nil || !r.pattern.MatchValue(ev.decoded) {
			continue
		}
		if only != nil && !slices.Contains(only, r.arn) {
			continue
		}
		s.m.matched.Add(1)
		for _, t := range r.targets {
			jobs = append(jobs, job{ev: ev, rule: r, target: t})
		}
	}
	return jobs
}

// dispatch starts a delivery goroutine per job.
func (s *Service) dispatch(jobs []job) {
	for _, j := range jobs {
		s.wg.Add(1)
		s.m.inFlight.Add(1)
		go s.deliver(j)
	}
}

type job struct {
	ev     *ingested
	rule   *rule
	target *target
}

// deliver runs one (event, target) delivery to completion: attempts with exponential
// backoff until success, the retry or age limit, or Close.
func (s *Service) deliver(j job) {
	defer s.wg.Done()
	defer s.m.inFlight.Add(-1)

	payload, err := j.target.transform.apply(j.ev, j.rule)
	if err != nil {
		s.giveUp(j, 0, "input transformation failed", err)
		return
	}
	retries, maxAge := DefaultMaximumRetryAttempts, time.Duration(DefaultMaximumEventAgeInSeconds)*time.Second
	if p := j.target.RetryPolicy; p != nil {
		retries = p.MaximumRetryAttempts
		if p.MaximumEventAgeInSeconds > 0 {
			maxAge = time.Duration(p.MaximumEventAgeInSeconds) * time.Second
		}
	}
	d := Delivery{
		EventID: j.ev.id, Bus: j.rule.bus.name, Rule: j.rule.Name,
		TargetID: j.target.ID, TargetARN: j.target.ARN, Received: j.ev.received,
	}
	delay := s.opts.RetryBase
	for attempt := 1; ; attempt++ {
		d.Attempt = attempt
		d.Started = time.Now()
		err := s.call(j.target, payload, j.ev.trace)
		d.Finished, d.Err = time.Now(), err
		s.m.invocations.Add(1)
		if err == nil {
			s.m.delivered.Add(1)
			d.Outcome = "delivered"
			s.publish(d)
			return
		}
		s.m.failed.Add(1)
		reason := ""
		switch {
		case attempt > retries:
			reason = "retries exhausted"
		case s.opts.Clock().Sub(j.ev.ingest)+delay > maxAge:
			reason = "maximum event age exceeded"
		}
		if reason != "" {
			d.Outcome = s.giveUp(j, attempt, reason, err)
			s.publish(d)
			return
		}
		d.Outcome = "retrying"
		s.publish(d)
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-s.ctx.Done():
			timer.Stop()
			d.Outcome = s.giveUp(j, attempt, "service closed", err)
			s.publish(d)
			return
		}
		delay = min(delay*2, s.opts.RetryMax)
	}
}

var errNoDeliver = errors.New("the local runtime cannot deliver to this target type")

func (s *Service) call(t *target, payload []byte, trace string) (err error) {
	if t.Deliver == nil {
		return errNoDeliver
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("deliver panicked: %v", r)
		}
	}()
	ctx := s.ctx
	if trace != "" {
		ctx = context.WithValue(ctx, traceKey{}, trace)
	}
	return t.Deliver(ctx, payload)
}

// giveUp hands the event to the dead-letter queue, or logs it as dropped, and returns the
// delivery's outcome.
func (s *Service) giveUp(j job, attempts int, reason string, err error) string {
	derr := &DeliveryError{
		EventID: j.ev.id, RuleARN: j.rule.arn, TargetID: j.target.ID, TargetARN: j.target.ARN,
		Attempts: attempts, Reason: reason, Err: err,
	}
	attrs := []any{
		slog.String("event_id", j.ev.id), slog.String("rule", j.rule.arn),
		slog.String("target", j.target.ID), slog.String("target_arn", j.target.ARN),
		slog.Int("attempts", attempts), slog.String("reason", reason), slog.Any("error", err),
	}
	if reason != "service closed" && j.target.DeadLetterARN != "" && s.opts.DeadLetter != nil {
		s.m.deadLettered.Add(1)
		s.opts.Log.Warn("eventbridge: delivery given up, event sent to the dead-letter queue",
			append(attrs, slog.String("dead_letter_arn", j.target.DeadLetterARN))...)
		s.opts.DeadLetter(context.WithoutCancel(s.ctx), j.target.DeadLetterARN, j.ev.raw, derr)
		return "dead-lettered"
	}
	s.m.dropped.Add(1)
	why := "no dead-letter queue configured"
	switch {
	case reason == "service closed":
		why = "the service closed before the event could be delivered"
	case j.target.DeadLetterARN != "":
		why = "the runtime has no dead-letter handler"
	}
	s.opts.Log.Error("eventbridge: delivery given up, event dropped: "+why,
		append(attrs, slog.String("event", string(j.ev.raw)))...)
	if reason == "service closed" {
		return "abandoned"
	}
	return "dropped"
}

// newID returns a random UUID (version 4), the form of EventBridge event IDs.
func newID() string {
	id, _ := smithyrand.NewUUID(rand.Reader).GetUUID() // crypto/rand.Reader never fails
	return id
}
