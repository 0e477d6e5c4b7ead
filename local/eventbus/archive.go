package eventbus

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/microshop/microshop/local/eventbus/pattern"
)

// This file serves archives (CreateArchive, DescribeArchive, ListArchives, UpdateArchive,
// DeleteArchive) and replays (StartReplay, DescribeReplay, ListReplays, CancelReplay). An
// archive keeps the events put on its bus that match its pattern; a replay sends the archived
// events of a time range again to the bus's rules, with "replay-name" added to each.

// Archive and replay states.
const (
	ArchiveEnabled   = "ENABLED"
	ReplayStarting   = "STARTING"
	ReplayRunning    = "RUNNING"
	ReplayCancelling = "CANCELLING"
	ReplayCompleted  = "COMPLETED"
	ReplayCancelled  = "CANCELLED"
)

var (
	archiveNameRE = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,48}$`)
	replayNameRE  = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
)

// archive is an archive and the events it holds, oldest first.
type archive struct {
	name, arn, description string
	bus                    string // the source bus's name
	sourceARN              string
	pattern                *pattern.Pattern // nil: every event
	patternJSON            string
	retentionDays          int // 0: indefinitely
	created                time.Time
	events                 []archived
}

// archived is one archived event: its envelope, its time (what replays select on) and when
// it was archived (what retention counts from).
type archived struct {
	env      envelope
	size     int
	at, kept time.Time
}

// replay is a replay's state; its fields change under Service.mu.
type replay struct {
	name, arn, description, state, reason string
	archiveARN                            string
	destination                           replayDestination
	start, end                            time.Time
	lastReplayed, started, ended          time.Time
}

type replayDestination struct {
	Arn        string
	FilterArns []string `json:",omitempty"`
}

func (s *Service) archiveARN(name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:archive/%s", s.opts.Region, s.opts.AccountID, name)
}

func (s *Service) replayARN(name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:replay/%s", s.opts.Region, s.opts.AccountID, name)
}

// archive keeps ev in the archives of bus b whose pattern it matches.
func (s *Service) archive(b *bus, ev *ingested, at time.Time) {
	s.mu.RLock()
	has := slices.ContainsFunc(slices.Collect(maps.Values(s.archives)), func(a *archive) bool { return a.bus == b.name })
	s.mu.RUnlock()
	if !has {
		return // the common case, without the write lock
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.archives {
		if a.bus != b.name || (a.pattern != nil && !a.pattern.MatchValue(ev.decoded)) {
			continue
		}
		var env envelope
		if err := json.Unmarshal(ev.raw, &env); err != nil {
			continue // ev.raw was produced by marshal from an envelope
		}
		a.events = append(a.events, archived{env: env, size: len(ev.raw), at: at, kept: ev.ingest})
	}
}

// expire drops the events older than the archive's retention; callers hold s.mu.
func (a *archive) expire(now time.Time) {
	if a.retentionDays == 0 {
		return
	}
	cutoff := now.Add(-time.Duration(a.retentionDays) * 24 * time.Hour)
	i := 0
	for i < len(a.events) && a.events[i].kept.Before(cutoff) {
		i++
	}
	a.events = a.events[i:]
}

// archiveOut is an archive as DescribeArchive and ListArchives show it.
type archiveOut struct {
	ArchiveArn     string `json:",omitempty"`
	ArchiveName    string
	EventSourceArn string
	Description    string `json:",omitempty"`
	EventPattern   string `json:",omitempty"`
	State          string
	RetentionDays  int
	SizeBytes      int64
	EventCount     int64
	CreationTime   epoch
}

func (s *Service) archiveOut(a *archive) archiveOut {
	a.expire(s.opts.Clock())
	o := archiveOut{ArchiveArn: a.arn, ArchiveName: a.name, EventSourceArn: a.sourceARN, Description: a.description,
		EventPattern: a.patternJSON, State: ArchiveEnabled, RetentionDays: a.retentionDays, CreationTime: epoch(a.created)}
	for _, e := range a.events {
		o.SizeBytes += int64(e.size)
		o.EventCount++
	}
	return o
}

// compileArchivePattern compiles an archive's optional event pattern.
func compileArchivePattern(p string) (*pattern.Pattern, string, error) {
	if p == "" {
		return nil, "", nil
	}
	c, err := pattern.Compile([]byte(p))
	if err != nil {
		return nil, "", invalidPattern(err)
	}
	return c, c.String(), nil
}

func checkRetention(days *int) (int, error) {
	if days == nil {
		return 0, nil
	}
	if *days < 0 {
		return 0, validationError("1 validation error detected: Value '%d' at 'retentionDays' failed to satisfy constraint: Member must have value greater than or equal to 0", *days)
	}
	return *days, nil
}

func (s *Service) createArchive(body []byte) (any, error) {
	var in struct {
		ArchiveName, EventSourceArn, Description, EventPattern string
		RetentionDays                                          *int
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.ArchiveName == "":
		return nil, required("archiveName")
	case !archiveNameRE.MatchString(in.ArchiveName):
		return nil, validationError("1 validation error detected: Value '%s' at 'archiveName' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 48", in.ArchiveName)
	case in.EventSourceArn == "":
		return nil, required("eventSourceArn")
	}
	p, pjson, err := compileArchivePattern(in.EventPattern)
	if err != nil {
		return nil, err
	}
	days, err := checkRetention(in.RetentionDays)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.Contains(in.EventSourceArn, ":event-bus/") {
		return nil, validationError("Parameter EventSourceArn is not valid. Reason: Provided Arn is not in correct format.")
	}
	b, err := s.lookupBus(in.EventSourceArn)
	if err != nil {
		return nil, err
	}
	if _, ok := s.archives[in.ArchiveName]; ok {
		return nil, alreadyExists("Archive %s already exists.", in.ArchiveName)
	}
	a := &archive{name: in.ArchiveName, arn: s.archiveARN(in.ArchiveName), description: in.Description, bus: b.name,
		sourceARN: b.arn, pattern: p, patternJSON: pjson, retentionDays: days, created: s.opts.Clock()}
	s.archives[a.name] = a
	return map[string]any{"ArchiveArn": a.arn, "State": ArchiveEnabled, "CreationTime": epoch(a.created)}, nil
}

// findArchive returns the archive named name; callers hold s.mu.
func (s *Service) findArchive(name string) (*archive, error) {
	return findNamed(s.archives, name, "archiveName", "Archive")
}

// findNamed returns m[name] as EventBridge looks an archive or a replay up: a
// ValidationException naming field when name is empty, ResourceNotFoundException "<kind>
// <name> does not exist." when there is none.
func findNamed[T any](m map[string]*T, name, field, kind string) (*T, error) {
	if name == "" {
		return nil, required(field)
	}
	v, ok := m[name]
	if !ok {
		return nil, notFound("%s %s does not exist.", kind, name)
	}
	return v, nil
}

func (s *Service) describeArchive(body []byte) (any, error) {
	var in struct{ ArchiveName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.findArchive(in.ArchiveName)
	if err != nil {
		return nil, err
	}
	return s.archiveOut(a), nil
}

func (s *Service) listArchives(body []byte) (any, error) {
	var in struct {
		NamePrefix, EventSourceArn, State string
		page
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var list []archiveOut
	for _, a := range s.archives {
		if !strings.HasPrefix(a.name, in.NamePrefix) || (in.EventSourceArn != "" && in.EventSourceArn != a.sourceARN) ||
			(in.State != "" && in.State != ArchiveEnabled) {
			continue
		}
		o := s.archiveOut(a)
		o.ArchiveArn, o.Description, o.EventPattern = "", "", "" // ListArchives leaves them out
		list = append(list, o)
	}
	s.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].ArchiveName < list[j].ArchiveName })
	return pageOf(in.page, "Archives", list)
}

func (s *Service) updateArchive(body []byte) (any, error) {
	var in struct {
		ArchiveName               string
		Description, EventPattern *string
		RetentionDays             *int
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var p *pattern.Pattern
	var pjson string
	if in.EventPattern != nil {
		var err error
		if p, pjson, err = compileArchivePattern(*in.EventPattern); err != nil {
			return nil, err
		}
	}
	days, err := checkRetention(in.RetentionDays)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.findArchive(in.ArchiveName)
	if err != nil {
		return nil, err
	}
	if in.Description != nil {
		a.description = *in.Description
	}
	if in.EventPattern != nil {
		a.pattern, a.patternJSON = p, pjson
	}
	if in.RetentionDays != nil {
		a.retentionDays = days
	}
	return map[string]any{"ArchiveArn": a.arn, "State": ArchiveEnabled, "CreationTime": epoch(a.created)}, nil
}

func (s *Service) deleteArchive(body []byte) (any, error) {
	var in struct{ ArchiveName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.findArchive(in.ArchiveName); err != nil {
		return nil, err
	}
	delete(s.archives, in.ArchiveName)
	return struct{}{}, nil
}

func (s *Service) startReplay(body []byte) (any, error) {
	var in struct {
		ReplayName, Description, EventSourceArn string
		EventStartTime, EventEndTime            json.RawMessage
		Destination                             *replayDestination
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.ReplayName == "":
		return nil, required("replayName")
	case !replayNameRE.MatchString(in.ReplayName):
		return nil, validationError("1 validation error detected: Value '%s' at 'replayName' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64", in.ReplayName)
	case in.EventSourceArn == "":
		return nil, required("eventSourceArn")
	case len(in.EventStartTime) == 0:
		return nil, required("eventStartTime")
	case len(in.EventEndTime) == 0:
		return nil, required("eventEndTime")
	case in.Destination == nil || in.Destination.Arn == "":
		return nil, required("destination")
	}
	start, ok1 := parseTimestamp(in.EventStartTime)
	end, ok2 := parseTimestamp(in.EventEndTime)
	if !ok1 || !ok2 {
		return nil, validationError("Parameter EventStartTime or EventEndTime is not valid.")
	}
	now := s.opts.Clock()
	if !start.Before(end) {
		return nil, validationError("Parameter EventStartTime is not valid. Reason: EventStartTime must be before EventEndTime.")
	}
	if end.After(now) {
		return nil, validationError("Parameter EventEndTime is not valid. Reason: EventEndTime must be before the current time.")
	}
	s.mu.Lock()
	if _, ok := s.replays[in.ReplayName]; ok {
		s.mu.Unlock()
		return nil, alreadyExists("Replay %s already exists.", in.ReplayName)
	}
	var a *archive
	for _, c := range s.archives {
		if c.arn == in.EventSourceArn {
			a = c
		}
	}
	if a == nil {
		s.mu.Unlock()
		return nil, notFound("Archive %s does not exist.", strings.TrimPrefix(in.EventSourceArn[strings.LastIndex(in.EventSourceArn, ":")+1:], "archive/"))
	}
	if in.Destination.Arn != a.sourceARN {
		s.mu.Unlock()
		return nil, validationError("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.")
	}
	b, ok := s.buses[a.bus]
	if !ok { // the bus was deleted after the archive was created
		s.mu.Unlock()
		return nil, notFound("Event bus %s does not exist.", a.bus)
	}
	r := &replay{name: in.ReplayName, arn: s.replayARN(in.ReplayName), description: in.Description, state: ReplayStarting,
		archiveARN: a.arn, destination: *in.Destination, start: start, end: end, started: now}
	s.replays[r.name] = r
	a.expire(now)
	var events []archived
	for _, e := range a.events {
		if !e.at.Before(start) && e.at.Before(end) {
			events = append(events, e)
		}
	}
	s.mu.Unlock()

	s.wg.Add(1)
	go s.runReplay(r, b, events)
	return map[string]any{"ReplayArn": r.arn, "State": ReplayStarting, "ReplayStartTime": epoch(now)}, nil
}

// runReplay sends the events again in time order, then completes the replay. Replayed
// events are not archived again.
func (s *Service) runReplay(r *replay, b *bus, events []archived) {
	defer s.wg.Done()
	sort.SliceStable(events, func(i, j int) bool { return events[i].at.Before(events[j].at) })
	s.mu.Lock()
	r.state = ReplayRunning
	s.mu.Unlock()
	var only []string
	if len(r.destination.FilterArns) > 0 {
		only = r.destination.FilterArns
	}
	for _, e := range events {
		s.mu.RLock()
		cancelled := r.state == ReplayCancelling
		s.mu.RUnlock()
		if cancelled {
			break
		}
		env := e.env
		env.ReplayName = r.name
		ev, err := s.ingest(env, time.Now(), s.opts.Clock(), "")
		if err != nil {
			continue // archived events were ingested once already
		}
		s.dispatch(s.matching(b, ev, only))
		s.mu.Lock()
		r.lastReplayed = e.at
		s.mu.Unlock()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r.ended = s.opts.Clock()
	if r.state == ReplayCancelling {
		r.state, r.reason = ReplayCancelled, "Replay was cancelled."
		return
	}
	r.state = ReplayCompleted
}

// replayOut is a replay as DescribeReplay and ListReplays show it.
type replayOut struct {
	ReplayName            string
	ReplayArn             string `json:",omitempty"`
	Description           string `json:",omitempty"`
	State                 string
	StateReason           string `json:",omitempty"`
	EventSourceArn        string
	Destination           *replayDestination `json:",omitempty"`
	EventStartTime        epoch
	EventEndTime          epoch
	EventLastReplayedTime *epoch `json:",omitempty"`
	ReplayStartTime       epoch
	ReplayEndTime         *epoch `json:",omitempty"`
}

func (r *replay) out() replayOut {
	d := r.destination
	o := replayOut{ReplayName: r.name, ReplayArn: r.arn, Description: r.description, State: r.state, StateReason: r.reason,
		EventSourceArn: r.archiveARN, Destination: &d, EventStartTime: epoch(r.start), EventEndTime: epoch(r.end),
		ReplayStartTime: epoch(r.started)}
	if !r.lastReplayed.IsZero() {
		t := epoch(r.lastReplayed)
		o.EventLastReplayedTime = &t
	}
	if !r.ended.IsZero() {
		t := epoch(r.ended)
		o.ReplayEndTime = &t
	}
	return o
}

// findReplay returns the replay named name; callers hold s.mu.
func (s *Service) findReplay(name string) (*replay, error) {
	return findNamed(s.replays, name, "replayName", "Replay")
}

func (s *Service) describeReplay(body []byte) (any, error) {
	var in struct{ ReplayName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.findReplay(in.ReplayName)
	if err != nil {
		return nil, err
	}
	return r.out(), nil
}

func (s *Service) listReplays(body []byte) (any, error) {
	var in struct {
		NamePrefix, State, EventSourceArn string
		page
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var list []replayOut
	for _, r := range s.replays {
		if !strings.HasPrefix(r.name, in.NamePrefix) || (in.State != "" && in.State != r.state) ||
			(in.EventSourceArn != "" && in.EventSourceArn != r.archiveARN) {
			continue
		}
		o := r.out()
		o.ReplayArn, o.Description, o.Destination = "", "", nil // ListReplays leaves them out
		list = append(list, o)
	}
	s.mu.RUnlock()
	sort.Slice(list, func(i, j int) bool { return list[i].ReplayName < list[j].ReplayName })
	return pageOf(in.page, "Replays", list)
}

func (s *Service) cancelReplay(body []byte) (any, error) {
	var in struct{ ReplayName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.findReplay(in.ReplayName)
	if err != nil {
		return nil, err
	}
	if !slices.Contains([]string{ReplayStarting, ReplayRunning}, r.state) {
		return nil, &apiError{http.StatusBadRequest, "IllegalStatusException", fmt.Sprintf("Replay %s is not in a valid state for this operation.", r.name)}
	}
	r.state = ReplayCancelling
	return map[string]string{"ReplayArn": r.arn, "State": ReplayCancelling}, nil
}
