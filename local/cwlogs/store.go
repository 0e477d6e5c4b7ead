// Package cwlogs keeps the local functions' output as CloudWatch Logs does (a log group per
// function, a log stream per function process) and serves it through the CloudWatch Logs
// API on the edge port: DescribeLogGroups, DescribeLogStreams, GetLogEvents and
// FilterLogEvents, so the AWS CLI and SDKs read local logs as they read AWS's.
//
// Each log group keeps its last events in a fixed-size ring: recording never grows memory
// past Options.Size events per group, and costs one string per line.
package cwlogs

import (
	"strings"
	"sync"
	"time"
)

// DefaultSize is the number of events each log group keeps when Options.Size is 0.
const DefaultSize = 10000

// Options configure a Store.
type Options struct {
	// Size is how many events each log group keeps (its oldest are dropped first); default
	// DefaultSize.
	Size int
	// Region and AccountID make the groups' and streams' ARNs.
	Region, AccountID string
	// Groups maps a function name to the name of its log group (its LoggingConfig). A
	// function not listed logs to "/aws/lambda/<name>". Every group listed exists from the
	// start, with no events.
	Groups map[string]string
}

// Store is the log groups of the local functions. It implements lambdahost.LogRecorder and,
// with ServeHTTP, the CloudWatch Logs API. Its methods are safe for concurrent use.
type Store struct {
	size    int
	region  string
	account string

	mu     sync.RWMutex
	byName map[string]*group // log group name -> group
	byFunc map[string]*group // function name -> group
}

// group is one log group: a ring of its last events.
type group struct {
	name    string
	created int64 // Unix milliseconds

	mu     sync.Mutex
	events []event // ring: the event with sequence number n is at events[n%size]
	next   uint64  // sequence number of the next event
	size   int
}

// event is one log event; seq numbers the group's events from 0.
type event struct {
	seq    uint64
	stream string
	ts     int64 // Unix milliseconds, as is ingest
	ingest int64
	msg    string
}

// New returns a Store with the groups of opts.
func New(opts Options) *Store {
	s := &Store{size: opts.Size, region: opts.Region, account: opts.AccountID,
		byName: map[string]*group{}, byFunc: map[string]*group{}}
	if s.size <= 0 {
		s.size = DefaultSize
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.account == "" {
		s.account = "000000000000"
	}
	for fn, name := range opts.Groups {
		s.byFunc[fn] = s.groupLocked(name)
	}
	return s
}

// groupLocked returns the group named name, creating it; s.mu is held for writing.
func (s *Store) groupLocked(name string) *group {
	g := s.byName[name]
	if g == nil {
		g = &group{name: name, created: time.Now().UnixMilli(), size: s.size}
		s.byName[name] = g
	}
	return g
}

// RecordLog adds line to the log group of function, in stream, at time at.
func (s *Store) RecordLog(function, stream string, at time.Time, line []byte) {
	s.mu.RLock()
	g := s.byFunc[function]
	s.mu.RUnlock()
	if g == nil {
		s.mu.Lock()
		if g = s.byFunc[function]; g == nil {
			g = s.groupLocked("/aws/lambda/" + function)
			s.byFunc[function] = g
		}
		s.mu.Unlock()
	}
	ms := at.UnixMilli()
	g.add(event{stream: stream, ts: ms, ingest: ms, msg: string(line)})
}

func (g *group) add(e event) {
	g.mu.Lock()
	e.seq = g.next
	g.next++
	if len(g.events) < g.size {
		g.events = append(g.events, e)
	} else {
		g.events[e.seq%uint64(g.size)] = e
	}
	g.mu.Unlock()
}

// scan calls fn with the group's events from sequence number from on, oldest first, until
// fn returns false; g.mu is held throughout.
func (g *group) scan(from uint64, fn func(e *event) bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	oldest := g.next - uint64(len(g.events))
	from = max(from, oldest)
	for seq := from; seq < g.next; seq++ {
		if !fn(&g.events[seq%uint64(g.size)]) {
			return
		}
	}
}

// lookup returns the group named name.
func (s *Store) lookup(name string) *group {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byName[name]
}

// groups returns the groups whose names start with prefix, in no order.
func (s *Store) groups(prefix string) []*group {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var gs []*group
	for name, g := range s.byName {
		if strings.HasPrefix(name, prefix) {
			gs = append(gs, g)
		}
	}
	return gs
}

// Events returns the messages of the events of group name, oldest first (for tests and the
// console).
func (s *Store) Events(name string) []string {
	g := s.lookup(name)
	if g == nil {
		return nil
	}
	var msgs []string
	g.scan(0, func(e *event) bool { msgs = append(msgs, e.msg); return true })
	return msgs
}
