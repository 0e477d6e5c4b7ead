// Package eventbus is the local runtime's Amazon EventBridge: event buses, rules with
// event patterns, and targets delivered asynchronously with EventBridge's retry policy and
// dead-letter queues. *Service serves the AWS JSON 1.1 API (X-Amz-Target: AWSEvents.*)
// behind the edge port: PutEvents, TestEventPattern; buses (CreateEventBus, DescribeEventBus,
// DeleteEventBus, ListEventBuses, PutPermission, RemovePermission); rules and targets
// (ListRules, DescribeRule, ListTargetsByRule, PutRule, DeleteRule, EnableRule, DisableRule,
// PutTargets, RemoveTargets); tags (TagResource, UntagResource, ListTagsForResource); archives
// and replays (CreateArchive, DescribeArchive, ListArchives, UpdateArchive, DeleteArchive,
// StartReplay, DescribeReplay, ListReplays, CancelReplay).
//
// Rules with a ScheduleExpression (rate or cron) and EventBridge Scheduler schedules
// (AddSchedule) fire from a timer driven by Options.Clock (Tick), or on demand (Fire).
//
// Buses and the template's rules are configured in Go (AddBus, AddRule); each target carries
// the Deliver function the runtime wires to a Lambda function or an SQS queue. Rules and
// targets added through the API (say `aws events put-rule` + `put-targets` to tap a bus
// into a queue of one's own) get their Deliver from Options.Connect.
//
// Delivery is asynchronous: PutEvents returns once the event is matched, and each (event,
// target) pair is delivered by its own goroutine, retried with exponential backoff
// (Options.RetryBase doubling up to RetryMax) within the target's RetryPolicy, then handed
// to Options.DeadLetter when the target has a dead-letter queue. Every give-up is logged
// with the event, so nothing is dropped silently.
//
// Decisions where AWS is unspecified or impractical locally:
//   - the dead-letter payload is the original event, not the transformed input; the
//     *DeliveryError carries what AWS puts in message attributes (rule, target, error);
//   - a PutEvents entry for an unknown bus fails with ResourceNotFoundException;
//   - an InputPath or InputTransformer path missing from the event yields null (an empty
//     string inside a quoted template string); values inserted by InputPath and templates
//     are re-encoded, so object keys come out sorted ($ and $.detail are sent verbatim);
//   - partner event buses (CreateEventBus with EventSourceName) are refused;
//   - an archive's EventCount and SizeBytes are exact at once (AWS updates them lazily);
//   - a replay sends the archived events as they were (same id) with "replay-name" added,
//     at once rather than minute by minute;
//   - a schedule that missed several times (the clock jumped) fires once (see Tick);
//   - ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS behaves as ENABLED;
//   - RemoveTargets reports no failed entries for Ids the rule does not have, and DeleteRule
//     of a rule that does not exist succeeds.
package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microshop/microshop/local/eventbus/pattern"
)

// DefaultBus is the bus every account has and the one PutEvents uses without EventBusName.
const DefaultBus = "default"

// Rule states.
const (
	Enabled  = "ENABLED"
	Disabled = "DISABLED"
)

// EventBridge's default retry policy: 185 retries over at most 24 hours.
const (
	DefaultMaximumRetryAttempts     = 185
	DefaultMaximumEventAgeInSeconds = 86400
)

// ErrNotFound is returned (wrapped) for an unknown bus.
var ErrNotFound = errors.New("not found")

// ErrInvalid is returned (wrapped) for an invalid bus, rule or target definition. An invalid
// event pattern also matches pattern.ErrInvalid.
var ErrInvalid = errors.New("invalid definition")

// Options configure a Service. The zero value works: us-east-1, account 000000000000, the
// system clock, slog.Default.
type Options struct {
	Region    string
	AccountID string
	// Clock stamps events and measures their age against MaximumEventAgeInSeconds.
	Clock func() time.Time
	// Log receives every delivery given up, so no event is dropped silently.
	Log *slog.Logger
	// DeadLetter receives an event whose delivery to a target with a DeadLetterARN was
	// given up: arn is the target's dead-letter queue, payload the original event, and err
	// a *DeliveryError.
	DeadLetter func(ctx context.Context, arn string, payload []byte, err error)
	// Connect returns how to deliver to a target added through the API (PutTargets): the
	// runtime resolves its ARN to a Lambda function or an SQS queue it serves. Nil, or a nil
	// result, means events to that target fail and go to its dead-letter queue.
	Connect func(t Target) func(ctx context.Context, payload []byte) error
	// Record, when set, is called with every accepted event and the rules it matched (the
	// local console's event log), before its deliveries start.
	Record func(Put)
	// ScheduleInterval is how often the schedule timer calls Tick (default 1s); negative
	// turns the timer off, so schedules fire only through Tick and Fire.
	ScheduleInterval time.Duration
	// RetryBase is the first retry's delay, doubled for each further retry up to RetryMax
	// (defaults 10ms and 1s: AWS waits far longer, which is useless on a laptop).
	RetryBase, RetryMax time.Duration
}

// Rule routes the events on Bus that match Pattern to Targets.
type Rule struct {
	Name string
	// Bus is the event bus name or ARN; empty means DefaultBus.
	Bus         string
	Description string
	// Pattern is the event pattern JSON; it may be empty when ScheduleExpression is set.
	Pattern json.RawMessage
	// ScheduleExpression, "rate(...)" or "cron(...)", makes the rule fire on a schedule
	// (only on the default bus): its targets receive a "Scheduled Event" (see Tick).
	ScheduleExpression string
	// State is Enabled (the default when empty), Disabled or EnabledWithCloudTrail.
	State   string
	Targets []Target
}

// Target is where a rule sends matching events.
type Target struct {
	ID  string
	ARN string
	// At most one of Input, InputPath and InputTransformer may be set; with none the
	// target receives the whole event.
	Input            string // constant JSON sent instead of the event
	InputPath        string // JSONPath of the part of the event to send, e.g. $.detail
	InputTransformer *InputTransformer
	// RetryPolicy nil means EventBridge's defaults.
	RetryPolicy   *RetryPolicy
	DeadLetterARN string
	// MessageGroupID is SqsParameters.MessageGroupId, for a FIFO queue target.
	MessageGroupID string
	// Deliver sends the payload to the target (a Lambda async invoke, an SQS send). A
	// non-nil error is retried. Nil means the local runtime cannot deliver to this kind of
	// target: every event fails and goes to the dead-letter queue.
	Deliver func(ctx context.Context, payload []byte) error
}

// InputTransformer builds the target's input from a template. See Target.
type InputTransformer struct {
	// InputPathsMap names JSONPaths into the event, used as <name> in InputTemplate.
	InputPathsMap map[string]string
	InputTemplate string
}

// RetryPolicy bounds how long a failing delivery is retried. MaximumRetryAttempts is taken
// as given (0: no retry); MaximumEventAgeInSeconds 0 means the default (AWS's minimum is 60).
type RetryPolicy struct {
	MaximumRetryAttempts     int
	MaximumEventAgeInSeconds int
}

// DeliveryError is the error given to Options.DeadLetter and logged when a delivery is
// given up.
type DeliveryError struct {
	EventID, RuleARN, TargetID, TargetARN string
	Attempts                              int
	// Reason is "retries exhausted", "maximum event age exceeded" or "service closed".
	Reason string
	Err    error // the last attempt's error
}

func (e *DeliveryError) Error() string {
	return fmt.Sprintf("deliver event %s to target %s of rule %s: %s after %d attempts: %v",
		e.EventID, e.TargetID, e.RuleARN, e.Reason, e.Attempts, e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// Delivery describes one delivery attempt, for Subscribe.
type Delivery struct {
	EventID, Bus, Rule, TargetID, TargetARN string
	Attempt                                 int // 1 for the first attempt
	// Received is when PutEvents started handling the request, Started when Deliver was
	// called, Finished when it returned (monotonic wall-clock times, not Options.Clock).
	Received, Started, Finished time.Time
	Err                         error
	// Outcome is "delivered", "retrying", "dead-lettered", "dropped" (given up without a
	// dead-letter queue) or "abandoned" (the service closed).
	Outcome string
}

// Metrics are cumulative counters, named after EventBridge's CloudWatch metrics.
type Metrics struct {
	PutEventsEntries       int64 // entries accepted
	PutEventsFailedEntries int64
	MatchedEvents          int64 // (event, rule) matches
	Invocations            int64 // Deliver calls
	FailedInvocations      int64 // Deliver calls that returned an error
	Delivered              int64
	DeadLetterInvocations  int64
	Dropped                int64 // given up with no dead-letter queue, or on Close
	InFlight               int64 // deliveries not finished yet
}

// Service is the local EventBridge. It is safe for concurrent use.
type Service struct {
	opts Options

	mu       sync.RWMutex
	buses    map[string]*bus
	tags     map[string]map[string]string // resource ARN → tags
	archives map[string]*archive
	replays  map[string]*replay
	// schedules are the Scheduler schedules (AddSchedule), by "group/name".
	schedules map[string]*rule

	subMu  sync.RWMutex
	subs   map[int]func(Delivery)
	subSeq int

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // deliveries and replays
	tickWG sync.WaitGroup // the schedule timer

	m struct {
		entries, failedEntries, matched, invocations, failed, delivered, deadLettered, dropped, inFlight atomic.Int64
	}
}

type bus struct {
	name, arn, description string
	rules                  map[string]*rule
	created, modified      time.Time
	// The resource policy is either a whole document (PutPermission's Policy) or the
	// statements added one by one.
	policy     string
	statements []statement
}

type rule struct {
	Rule
	arn     string
	bus     *bus
	pattern *pattern.Pattern // nil for a rule with only a schedule
	targets []*target
	// schedule is the parsed ScheduleExpression (nil without one); next is when it fires,
	// anchor when a rate counts from, window (zero: unbounded) when a Scheduler schedule
	// may fire.
	schedule     *Schedule
	next, anchor time.Time
	window       struct{ start, end time.Time }
}

type target struct {
	Target
	transform *transformer
}

// New returns a Service with the default bus.
func New(opts Options) *Service {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = 10 * time.Millisecond
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = time.Second
	}
	s := &Service{opts: opts, buses: map[string]*bus{}, subs: map[int]func(Delivery){},
		tags: map[string]map[string]string{}, archives: map[string]*archive{}, replays: map[string]*replay{},
		schedules: map[string]*rule{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.AddBus(DefaultBus); err != nil {
		panic(err) // the default name is valid
	}
	if opts.ScheduleInterval == 0 {
		opts.ScheduleInterval = time.Second
	}
	if opts.ScheduleInterval > 0 {
		s.tickWG.Add(1)
		go s.runSchedules(opts.ScheduleInterval)
	}
	return s
}

// BusARN returns the ARN of the bus named name.
func (s *Service) BusARN(name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", s.opts.Region, s.opts.AccountID, name)
}

// RuleARN returns the ARN of a rule; rules on custom buses have the bus in their ARN.
func (s *Service) RuleARN(busName, name string) string {
	if busName == DefaultBus {
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", s.opts.Region, s.opts.AccountID, name)
	}
	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", s.opts.Region, s.opts.AccountID, busName, name)
}

// AddBus creates an event bus. Adding an existing bus is a no-op.
func (s *Service) AddBus(name string) error {
	if name == "" || len(name) > 256 || strings.ContainsAny(name, "/ ") {
		return fmt.Errorf("event bus name %q: %w", name, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buses[name]; !ok {
		s.buses[name] = s.newBus(name)
	}
	return nil
}

// busName turns a bus name or ARN into a name.
func busName(nameOrARN string) string {
	if nameOrARN == "" {
		return DefaultBus
	}
	if strings.HasPrefix(nameOrARN, "arn:") {
		if i := strings.LastIndex(nameOrARN, ":event-bus/"); i >= 0 {
			return nameOrARN[i+len(":event-bus/"):]
		}
	}
	return nameOrARN
}

// AddRule creates or replaces the rule r.Name on r.Bus. Errors wrap ErrNotFound (unknown
// bus) or ErrInvalid; an invalid pattern is a *pattern.Error.
func (s *Service) AddRule(r Rule) error {
	if r.Name == "" {
		return fmt.Errorf("rule without a name: %w", ErrInvalid)
	}
	switch r.State {
	case "":
		r.State = Enabled
	case Enabled, Disabled, EnabledWithCloudTrail:
	default:
		return fmt.Errorf("rule %s: state %q: %w", r.Name, r.State, ErrInvalid)
	}
	r.Bus = busName(r.Bus)
	var p *pattern.Pattern
	if len(r.Pattern) > 0 || r.ScheduleExpression == "" {
		var err error
		if p, err = pattern.Compile(r.Pattern); err != nil {
			return fmt.Errorf("rule %s: %w", r.Name, err)
		}
		r.Pattern = json.RawMessage(p.String())
	}
	var sched *Schedule
	if r.ScheduleExpression != "" {
		if r.Bus != DefaultBus {
			return fmt.Errorf("rule %s: a schedule expression is supported only on the default event bus: %w", r.Name, ErrInvalid)
		}
		var err error
		if sched, err = ParseSchedule(r.ScheduleExpression); err != nil {
			return fmt.Errorf("rule %s: %w", r.Name, err)
		}
	}
	ids := map[string]bool{}
	var targets []*target
	for _, t := range r.Targets {
		if t.ID == "" || ids[t.ID] {
			return fmt.Errorf("rule %s: target id %q missing or repeated: %w", r.Name, t.ID, ErrInvalid)
		}
		ids[t.ID] = true
		tr, err := compileTransform(t)
		if err != nil {
			return fmt.Errorf("rule %s target %s: %w", r.Name, t.ID, err)
		}
		targets = append(targets, &target{Target: t, transform: tr})
	}
	r.Targets = append([]Target(nil), r.Targets...)

	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buses[r.Bus]
	if !ok {
		return fmt.Errorf("rule %s: event bus %s: %w", r.Name, r.Bus, ErrNotFound)
	}
	nr := &rule{Rule: r, arn: s.RuleARN(b.name, r.Name), bus: b, pattern: p, targets: targets, schedule: sched}
	if sched != nil {
		nr.anchor = s.opts.Clock()
		nr.next = nr.nextAfter(nr.anchor)
	}
	b.rules[r.Name] = nr
	return nil
}

// sortedRules returns a bus's rules by name; callers hold s.mu.
func (b *bus) sortedRules() []*rule {
	out := make([]*rule, 0, len(b.rules))
	for _, r := range b.rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Subscribe calls fn after every delivery attempt (from the delivering goroutine; fn must
// be quick and safe for concurrent use) until the returned function is called.
func (s *Service) Subscribe(fn func(Delivery)) (unsubscribe func()) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	s.subSeq++
	id := s.subSeq
	s.subs[id] = fn
	return func() {
		s.subMu.Lock()
		defer s.subMu.Unlock()
		delete(s.subs, id)
	}
}

func (s *Service) publish(d Delivery) {
	s.subMu.RLock()
	defer s.subMu.RUnlock()
	for _, fn := range s.subs {
		fn(d)
	}
}

// Metrics returns the counters so far.
func (s *Service) Metrics() Metrics {
	return Metrics{
		PutEventsEntries:       s.m.entries.Load(),
		PutEventsFailedEntries: s.m.failedEntries.Load(),
		MatchedEvents:          s.m.matched.Load(),
		Invocations:            s.m.invocations.Load(),
		FailedInvocations:      s.m.failed.Load(),
		Delivered:              s.m.delivered.Load(),
		DeadLetterInvocations:  s.m.deadLettered.Load(),
		Dropped:                s.m.dropped.Load(),
		InFlight:               s.m.inFlight.Load(),
	}
}

// Flush waits until every delivery started so far has finished (delivered or given up),
// or ctx is done.
func (s *Service) Flush(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops retrying: deliveries waiting for a retry are abandoned (and logged), running
// Deliver calls see their context cancelled. It waits for the delivery goroutines to end.
func (s *Service) Close() error {
	s.cancel()
	s.tickWG.Wait()
	s.wg.Wait()
	return nil
}
