// Package faults injects seeded, replayable faults into the local runtime: crashes,
// timeouts, errors, latency and throttles of function invocations; duplicated, reordered and
// throttled deliveries of event sources; failed PutEvents entries; and DynamoDB calls failed
// with ProvisionedThroughputExceededException or a transaction conflict, in AWS's error shape
// so the SDK's retryer treats them as it would on AWS.
//
// A fault file (YAML or JSON, see Parse) lists rules. Each rule has its own PRNG seeded with
// its seed, and a rule draws once for each decision it is asked, in the order the runtime asks:
// the same file and the same sequence of calls give the same faults. See docs/reliability.md
// for the replay guarantee and its limits under concurrency.
package faults

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// Kinds of fault.
const (
	// CrashBefore kills the function's process when it receives the invocation, before its
	// handler runs: Runtime.ExitError, no side effect.
	CrashBefore = "crash-before"
	// CrashAfter kills the function's process after its handler returned and before the
	// runtime reports the response: the side effect happened, the invocation failed
	// (Runtime.ExitError), so the event source delivers again.
	CrashAfter = "crash-after"
	// Timeout holds the handler's response until the function's timeout: the side effect
	// happened, the invocation fails with Sandbox.Timedout and the process is killed.
	Timeout = "timeout"
	// Error fails the invocation with a function error without running the handler.
	Error = "error"
	// Latency delays the invocation (or a delivery, an API call) by the rule's latency.
	Latency = "latency"
	// Throttle refuses the invocation with TooManyRequestsException (ErrThrottled); on an
	// event source the poller gets the throttle and the batch returns after the queue's
	// visibility timeout.
	Throttle = "throttle"
	// Duplicate delivers an event source's batch twice.
	Duplicate = "duplicate"
	// Reorder shuffles the records of a batch and holds it back by the rule's latency
	// (default 200ms), so batches received later overtake it.
	Reorder = "reorder"
	// PutEventsFail fails each PutEvents entry with the rule's probability: the entry gets
	// an ErrorCode (the rule's code, default InternalFailure) and counts in FailedEntryCount.
	PutEventsFail = "putevents-fail"
	// ThroughputExceeded fails a DynamoDB call with ProvisionedThroughputExceededException.
	ThroughputExceeded = "throughput-exceeded"
	// TransactionConflict fails a DynamoDB write as a conflicting transaction would:
	// TransactionCanceledException with a TransactionConflict reason for TransactWriteItems
	// and TransactGetItems, TransactionConflictException for PutItem, UpdateItem and
	// DeleteItem; other operations are not affected.
	TransactionConflict = "transaction-conflict"
)

// targets says which target field each kind needs.
var targets = map[string]string{
	CrashBefore: "function", CrashAfter: "function", Timeout: "function", Error: "function",
	Latency: "function", Throttle: "function or source",
	Duplicate: "source", Reorder: "source",
	PutEventsFail:      "putEvents",
	ThroughputExceeded: "dynamodb", TransactionConflict: "dynamodb",
}

// File is a fault file.
type File struct {
	// Rules are applied in order; for one decision the first rule that fires wins.
	Rules []Rule `yaml:"rules" json:"rules"`
}

// Rule is one fault.
type Rule struct {
	// Name identifies the rule in Fired; default "<fault>#<index>".
	Name string `yaml:"name" json:"name"`
	// Fault is one of the kinds above.
	Fault string `yaml:"fault" json:"fault"`
	// Function is a function name (as in the template) for invocation faults.
	Function string `yaml:"function" json:"function"`
	// Source is an event source for delivery faults: a queue name (SQS mapping) or a table
	// name (DynamoDB stream mapping).
	Source string `yaml:"source" json:"source"`
	// Bus is the event bus name for putevents-fail; empty matches every bus.
	Bus string `yaml:"bus" json:"bus"`
	// DetailType limits putevents-fail to entries of this DetailType; empty matches all.
	DetailType string `yaml:"detailType" json:"detailType"`
	// Table and Operation (e.g. TransactWriteItems) limit a DynamoDB fault; empty matches all.
	Table     string `yaml:"table" json:"table"`
	Operation string `yaml:"operation" json:"operation"`
	// Probability of firing at each decision, in (0, 1].
	Probability float64 `yaml:"probability" json:"probability"`
	// Seed of the rule's PRNG.
	Seed uint64 `yaml:"seed" json:"seed"`
	// Latency is the delay of latency and reorder faults (Go duration, e.g. 250ms).
	Latency string `yaml:"latency" json:"latency"`
	// Max caps how many times the rule fires; 0 means no cap.
	Max int `yaml:"max" json:"max"`
	// Code is the ErrorCode of a failed PutEvents entry: InternalFailure (default) or
	// ThrottlingException.
	Code string `yaml:"code" json:"code"`
}

// putEventsCodes are the entry error codes a PutEvents fault may use.
var putEventsCodes = map[string]bool{"InternalFailure": true, "ThrottlingException": true}

// ErrInvalid is wrapped by every error of Parse and Load.
var ErrInvalid = errors.New("invalid fault file")

// Load reads and parses a fault file.
func Load(path string) (*Injector, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fault file: %w", err)
	}
	inj, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return inj, nil
}

// Parse parses a fault file (YAML, or JSON, which is YAML) strictly: unknown fields, unknown
// faults, missing targets and out-of-range values are errors naming the rule.
func Parse(b []byte) (*Injector, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return New(f.Rules)
}

// New validates rules and returns an injector applying them.
func New(rules []Rule) (*Injector, error) {
	inj := &Injector{}
	if err := inj.Set(rules); err != nil {
		return nil, err
	}
	return inj, nil
}

// rule is a validated Rule with its PRNG and counter.
type rule struct {
	Rule
	latency time.Duration
	mu      sync.Mutex
	rng     *rand.Rand
	fired   int
	draws   int
}

// draw decides whether the rule fires now.
func (r *rule) draw() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Max > 0 && r.fired >= r.Max {
		return false
	}
	r.draws++
	if r.rng.Float64() >= r.Probability {
		return false
	}
	r.fired++
	return true
}

// Injector decides faults. Its methods are safe for concurrent use; a nil *Injector
// injects nothing.
type Injector struct {
	mu    sync.RWMutex
	rules []*rule
}

// Set replaces the rules (their PRNGs and counters start afresh). Tests use it to move a
// fault from one saga step to the next on one running runtime.
func (inj *Injector) Set(rules []Rule) error {
	var errs []error
	rs := make([]*rule, 0, len(rules))
	names := map[string]bool{}
	for i, r := range rules {
		if r.Name == "" {
			r.Name = fmt.Sprintf("%s#%d", r.Fault, i)
		}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%w: rule %d (%s): %s", ErrInvalid, i, r.Name, fmt.Sprintf(format, args...)))
		}
		if names[r.Name] {
			bad("duplicate name")
		}
		names[r.Name] = true
		need, ok := targets[r.Fault]
		if !ok {
			bad("unknown fault %q (want one of %s)", r.Fault, kinds())
			continue
		}
		switch need {
		case "function":
			if r.Function == "" || r.Source != "" {
				bad("fault %s needs a function (and no source)", r.Fault)
			}
		case "source":
			if r.Source == "" || r.Function != "" {
				bad("fault %s needs a source: a queue or table name (and no function)", r.Fault)
			}
		case "function or source":
			if (r.Function == "") == (r.Source == "") {
				bad("fault %s needs either a function or a source", r.Fault)
			}
		}
		if need != "putEvents" && (r.Bus != "" || r.DetailType != "" || r.Code != "") {
			bad("bus, detailType and code apply to %s only", PutEventsFail)
		}
		if need != "dynamodb" && (r.Table != "" || r.Operation != "") {
			bad("table and operation apply to DynamoDB faults only")
		}
		if (need == "putEvents" || need == "dynamodb") && (r.Function != "" || r.Source != "") {
			bad("fault %s takes no function or source", r.Fault)
		}
		if r.Code != "" && !putEventsCodes[r.Code] {
			bad("code %q: want InternalFailure or ThrottlingException", r.Code)
		}
		if !(r.Probability > 0 && r.Probability <= 1) {
			bad("probability %v: want 0 < probability ≤ 1", r.Probability)
		}
		if r.Max < 0 {
			bad("max %d: want ≥ 0", r.Max)
		}
		var lat time.Duration
		if r.Latency != "" {
			d, err := time.ParseDuration(r.Latency)
			switch {
			case err != nil:
				bad("latency %q: %v", r.Latency, err)
			case d <= 0 || d > 15*time.Minute:
				bad("latency %s: want > 0 and ≤ 15m", d)
			case r.Fault != Latency && r.Fault != Reorder:
				bad("latency applies to %s and %s only", Latency, Reorder)
			}
			lat = d
		}
		switch {
		case r.Fault == Latency && lat == 0:
			bad("fault latency needs a latency (e.g. 250ms)")
		case r.Fault == Reorder && lat == 0:
			lat = 200 * time.Millisecond
		}
		if r.Code == "" && r.Fault == PutEventsFail {
			r.Code = "InternalFailure"
		}
		rs = append(rs, &rule{Rule: r, latency: lat, rng: rand.New(rand.NewPCG(r.Seed, r.Seed^0x9e3779b97f4a7c15))})
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	inj.mu.Lock()
	inj.rules = rs
	inj.mu.Unlock()
	return nil
}

func kinds() string {
	return strings.Join([]string{CrashBefore, CrashAfter, Timeout, Error, Latency, Throttle, Duplicate,
		Reorder, PutEventsFail, ThroughputExceeded, TransactionConflict}, ", ")
}

// Fired returns how many times each rule fired, by name.
func (inj *Injector) Fired() map[string]int {
	out := map[string]int{}
	if inj == nil {
		return out
	}
	inj.mu.RLock()
	defer inj.mu.RUnlock()
	for _, r := range inj.rules {
		r.mu.Lock()
		out[r.Name] = r.fired
		r.mu.Unlock()
	}
	return out
}

// Rules returns the rules in effect (with defaults filled in).
func (inj *Injector) Rules() []Rule {
	if inj == nil {
		return nil
	}
	inj.mu.RLock()
	defer inj.mu.RUnlock()
	out := make([]Rule, len(inj.rules))
	for i, r := range inj.rules {
		out[i] = r.Rule
	}
	return out
}

// has reports whether a rule of one of the kinds is set, so the HTTP middlewares leave
// calls no rule can match untouched (their bodies unread).
func (inj *Injector) has(kinds ...string) bool {
	inj.mu.RLock()
	defer inj.mu.RUnlock()
	for _, r := range inj.rules {
		for _, k := range kinds {
			if r.Fault == k {
				return true
			}
		}
	}
	return false
}

// first returns the first matching rule that fires, drawing for each matching rule in order
// until one fires.
func (inj *Injector) first(match func(*rule) bool) *rule {
	if inj == nil {
		return nil
	}
	inj.mu.RLock()
	defer inj.mu.RUnlock()
	for _, r := range inj.rules {
		if match(r) && r.draw() {
			return r
		}
	}
	return nil
}

// Decision is a fault to apply; the zero value applies none.
type Decision struct {
	// Fault is the kind; empty for none.
	Fault string
	// Rule is the rule's name.
	Rule string
	// Latency is the delay of Latency and Reorder.
	Latency time.Duration
}

func decision(r *rule) Decision {
	if r == nil {
		return Decision{}
	}
	return Decision{Fault: r.Fault, Rule: r.Name, Latency: r.latency}
}

// Invocation decides the fault of one invocation of function fn (see lambdahost.Faults).
func (inj *Injector) Invocation(fn string) Decision {
	return decision(inj.first(func(r *rule) bool { return r.Function == fn }))
}

// Delivery decides the fault of one batch an event source mapping delivers from source.
func (inj *Injector) Delivery(source string) Decision {
	return decision(inj.first(func(r *rule) bool { return r.Source == source }))
}

// shuffle permutes n items with the PRNG of the rule named name.
func (inj *Injector) shuffle(name string, n int, swap func(i, j int)) {
	inj.mu.RLock()
	defer inj.mu.RUnlock()
	for _, r := range inj.rules {
		if r.Name == name {
			r.mu.Lock()
			r.rng.Shuffle(n, swap)
			r.mu.Unlock()
			return
		}
	}
}

// InvocationFault is Invocation in the shape of lambdahost.ManagerOptions.Faults.
func (inj *Injector) InvocationFault(fn string) (string, time.Duration) {
	d := inj.Invocation(fn)
	return d.Fault, d.Latency
}
