package cwlogs

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// apiError is a CloudWatch Logs error: its __type and message, with HTTP status 400.
type apiError struct {
	Type    string
	Message string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func invalid(format string, args ...any) error {
	return &apiError{"InvalidParameterException", fmt.Sprintf(format, args...)}
}

var errNoGroup = &apiError{"ResourceNotFoundException", "The specified log group does not exist."}
var errNoStream = &apiError{"ResourceNotFoundException", "The specified log stream does not exist."}

// ServeHTTP serves the CloudWatch Logs JSON protocol (X-Amz-Target Logs_20140328.<Op>).
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	var (
		out any
		err error
	)
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	decode := func(in any) error {
		if err := dec.Decode(in); err != nil {
			return &apiError{"SerializationException", "invalid request body: " + err.Error()}
		}
		return nil
	}
	switch op {
	case "DescribeLogGroups":
		var in describeGroupsInput
		if err = decode(&in); err == nil {
			out, err = s.describeGroups(in)
		}
	case "DescribeLogStreams":
		var in describeStreamsInput
		if err = decode(&in); err == nil {
			out, err = s.describeStreams(in)
		}
	case "GetLogEvents":
		var in getEventsInput
		if err = decode(&in); err == nil {
			out, err = s.getEvents(in)
		}
	case "FilterLogEvents":
		var in filterEventsInput
		if err = decode(&in); err == nil {
			out, err = s.filterEvents(in)
		}
	default:
		err = &apiError{"UnknownOperationException", "the local runtime does not serve CloudWatch Logs operation " + op}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if err != nil {
		ae, ok := err.(*apiError)
		if !ok {
			ae = &apiError{"ServiceUnavailableException", err.Error()}
		}
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": ae.Type, "message": ae.Message})
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

// groupArn is a log group's ARN; withStar is the form DescribeLogGroups' arn field has.
func (s *Store) groupArn(name string, withStar bool) string {
	a := "arn:aws:logs:" + s.region + ":" + s.account + ":log-group:" + name
	if withStar {
		a += ":*"
	}
	return a
}

// groupFor resolves logGroupName or logGroupIdentifier (a name or an ARN).
func (s *Store) groupFor(name, identifier string) (*group, error) {
	if name == "" && identifier == "" {
		return nil, invalid("Either logGroupName or logGroupIdentifier is required")
	}
	if name != "" && identifier != "" {
		return nil, invalid("logGroupName and logGroupIdentifier are mutually exclusive")
	}
	if identifier != "" {
		name = identifier
		if rest, ok := strings.CutPrefix(identifier, "arn:"); ok {
			_, name, _ = strings.Cut(rest, ":log-group:")
			name = strings.TrimSuffix(name, ":*")
		}
	}
	g := s.lookup(name)
	if g == nil {
		return nil, errNoGroup
	}
	return g, nil
}

func limitOf(limit *int, def, maxLimit int) (int, error) {
	if limit == nil {
		return def, nil
	}
	if *limit < 1 || *limit > maxLimit {
		return 0, invalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", *limit, maxLimit)
	}
	return *limit, nil
}

type describeGroupsInput struct {
	LogGroupNamePrefix string `json:"logGroupNamePrefix"`
	Limit              *int   `json:"limit"`
	NextToken          string `json:"nextToken"`
}

type logGroup struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	MetricFilterCount int    `json:"metricFilterCount"`
	Arn               string `json:"arn"`
	LogGroupArn       string `json:"logGroupArn"`
	StoredBytes       int64  `json:"storedBytes"`
	LogGroupClass     string `json:"logGroupClass"`
}

func (s *Store) describeGroups(in describeGroupsInput) (any, error) {
	limit, err := limitOf(in.Limit, 50, 50)
	if err != nil {
		return nil, err
	}
	gs := s.groups(in.LogGroupNamePrefix)
	slices.SortFunc(gs, func(a, b *group) int { return strings.Compare(a.name, b.name) })
	// The token is the name of the last group of the previous page.
	if in.NextToken != "" {
		i, _ := slices.BinarySearchFunc(gs, in.NextToken, func(g *group, t string) int { return strings.Compare(g.name, t) })
		if i < len(gs) && gs[i].name == in.NextToken {
			i++
		}
		gs = gs[i:]
	}
	out := struct {
		LogGroups []logGroup `json:"logGroups"`
		NextToken string     `json:"nextToken,omitempty"`
	}{LogGroups: []logGroup{}}
	for i, g := range gs {
		if i == limit {
			out.NextToken = gs[i-1].name
			break
		}
		out.LogGroups = append(out.LogGroups, logGroup{LogGroupName: g.name, CreationTime: g.created,
			Arn: s.groupArn(g.name, true), LogGroupArn: s.groupArn(g.name, false), LogGroupClass: "STANDARD"})
	}
	return out, nil
}

type describeStreamsInput struct {
	LogGroupName        string `json:"logGroupName"`
	LogGroupIdentifier  string `json:"logGroupIdentifier"`
	LogStreamNamePrefix string `json:"logStreamNamePrefix"`
	OrderBy             string `json:"orderBy"`
	Descending          bool   `json:"descending"`
	Limit               *int   `json:"limit"`
	NextToken           string `json:"nextToken"`
}

type logStream struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp"`
	LastIngestionTime   int64  `json:"lastIngestionTime"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

// streams are the group's streams that still have events in its ring, in order of first
// event.
func (g *group) streams() []*logStream {
	var order []*logStream
	byName := map[string]*logStream{}
	g.scan(0, func(e *event) bool {
		st := byName[e.stream]
		if st == nil {
			st = &logStream{LogStreamName: e.stream, CreationTime: e.ts, FirstEventTimestamp: e.ts}
			byName[e.stream] = st
			order = append(order, st)
		}
		st.LastEventTimestamp = e.ts
		st.LastIngestionTime = e.ingest
		st.StoredBytes += int64(len(e.msg))
		return true
	})
	return order
}

func (s *Store) describeStreams(in describeStreamsInput) (any, error) {
	g, err := s.groupFor(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	limit, err := limitOf(in.Limit, 50, 50)
	if err != nil {
		return nil, err
	}
	switch in.OrderBy {
	case "", "LogStreamName", "LastEventTime":
	default:
		return nil, invalid("1 validation error detected: Value '%s' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]", in.OrderBy)
	}
	if in.OrderBy == "LastEventTime" && in.LogStreamNamePrefix != "" {
		return nil, invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	var sts []*logStream
	for _, st := range g.streams() {
		if strings.HasPrefix(st.LogStreamName, in.LogStreamNamePrefix) {
			st.Arn = s.groupArn(g.name, false) + ":log-stream:" + st.LogStreamName
			sts = append(sts, st)
		}
	}
	if in.OrderBy == "LastEventTime" {
		slices.SortStableFunc(sts, func(a, b *logStream) int { return cmp.Compare(a.LastEventTimestamp, b.LastEventTimestamp) })
	} else {
		slices.SortFunc(sts, func(a, b *logStream) int { return strings.Compare(a.LogStreamName, b.LogStreamName) })
	}
	if in.Descending {
		slices.Reverse(sts)
	}
	// The token is the offset of the page in this order.
	start := 0
	if in.NextToken != "" {
		if start, err = strconv.Atoi(in.NextToken); err != nil || start < 0 {
			return nil, invalid("The specified nextToken is invalid.")
		}
	}
	out := struct {
		LogStreams []*logStream `json:"logStreams"`
		NextToken  string       `json:"nextToken,omitempty"`
	}{LogStreams: []*logStream{}}
	if start < len(sts) {
		end := min(start+limit, len(sts))
		out.LogStreams = sts[start:end]
		if end < len(sts) {
			out.NextToken = strconv.Itoa(end)
		}
	}
	return out, nil
}

type getEventsInput struct {
	LogGroupName       string `json:"logGroupName"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	LogStreamName      string `json:"logStreamName"`
	StartTime          *int64 `json:"startTime"`
	EndTime            *int64 `json:"endTime"`
	NextToken          string `json:"nextToken"`
	Limit              *int   `json:"limit"`
	StartFromHead      bool   `json:"startFromHead"`
}

type outputEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

// inTime reports whether e is within [start, end) (CloudWatch's endTime is exclusive).
func inTime(e *event, start, end *int64) bool {
	return (start == nil || e.ts >= *start) && (end == nil || e.ts < *end)
}

func (s *Store) getEvents(in getEventsInput) (any, error) {
	g, err := s.groupFor(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if in.LogStreamName == "" {
		return nil, invalid("1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null")
	}
	limit, err := limitOf(in.Limit, 10000, 10000)
	if err != nil {
		return nil, err
	}
	// Tokens are "f/<seq>" (events from seq on) and "b/<seq>" (events before seq).
	forward, pos := in.StartFromHead, uint64(0)
	if in.NextToken != "" {
		dir, n, ok := strings.Cut(in.NextToken, "/")
		v, perr := strconv.ParseUint(n, 10, 64)
		if !ok || perr != nil || (dir != "f" && dir != "b") {
			return nil, invalid("The specified nextToken is invalid.")
		}
		forward, pos = dir == "f", v
	}
	var matched []*event
	found := false
	g.scan(0, func(e *event) bool {
		if e.stream != in.LogStreamName {
			return true
		}
		found = true
		if !inTime(e, in.StartTime, in.EndTime) {
			return true
		}
		switch {
		case in.NextToken == "":
		case forward && e.seq < pos, !forward && e.seq >= pos:
			return true
		}
		ev := *e
		matched = append(matched, &ev)
		return true
	})
	if !found {
		return nil, errNoStream
	}
	if len(matched) > limit {
		if forward {
			matched = matched[:limit]
		} else {
			matched = matched[len(matched)-limit:]
		}
	}
	out := struct {
		Events            []outputEvent `json:"events"`
		NextForwardToken  string        `json:"nextForwardToken"`
		NextBackwardToken string        `json:"nextBackwardToken"`
	}{Events: make([]outputEvent, 0, len(matched))}
	for _, e := range matched {
		out.Events = append(out.Events, outputEvent{e.ts, e.msg, e.ingest})
	}
	// At either end the token given comes back, which is how clients know they are done.
	fwd, back := pos, pos
	if in.NextToken == "" {
		fwd, back = g.nextSeq(), 0
	}
	if n := len(matched); n > 0 {
		fwd, back = matched[n-1].seq+1, matched[0].seq
	}
	out.NextForwardToken = "f/" + strconv.FormatUint(fwd, 10)
	out.NextBackwardToken = "b/" + strconv.FormatUint(back, 10)
	return out, nil
}

func (g *group) nextSeq() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.next
}

type filterEventsInput struct {
	LogGroupName        string   `json:"logGroupName"`
	LogGroupIdentifier  string   `json:"logGroupIdentifier"`
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       string   `json:"filterPattern"`
	NextToken           string   `json:"nextToken"`
	Limit               *int     `json:"limit"`
	Interleaved         bool     `json:"interleaved"`
}

type filteredEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

func (s *Store) filterEvents(in filterEventsInput) (any, error) {
	g, err := s.groupFor(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, invalid("logStreamNames and logStreamNamePrefix are mutually exclusive")
	}
	limit, err := limitOf(in.Limit, 10000, 10000)
	if err != nil {
		return nil, err
	}
	match, err := compilePattern(in.FilterPattern)
	if err != nil {
		return nil, err
	}
	// The token is the sequence number to go on from.
	var from uint64
	if in.NextToken != "" {
		if from, err = strconv.ParseUint(in.NextToken, 10, 64); err != nil {
			return nil, invalid("The specified nextToken is invalid.")
		}
	}
	out := struct {
		Events             []filteredEvent `json:"events"`
		SearchedLogStreams []any           `json:"searchedLogStreams"`
		NextToken          string          `json:"nextToken,omitempty"`
	}{Events: []filteredEvent{}, SearchedLogStreams: []any{}}
	g.scan(from, func(e *event) bool {
		if len(out.Events) == limit {
			out.NextToken = strconv.FormatUint(e.seq, 10)
			return false
		}
		if !inTime(e, in.StartTime, in.EndTime) ||
			(len(in.LogStreamNames) > 0 && !slices.Contains(in.LogStreamNames, e.stream)) ||
			!strings.HasPrefix(e.stream, in.LogStreamNamePrefix) || !match(e.msg) {
			return true
		}
		out.Events = append(out.Events, filteredEvent{LogStreamName: e.stream, Timestamp: e.ts,
			Message: e.msg, IngestionTime: e.ingest, EventID: fmt.Sprintf("%020d", e.seq)})
		return true
	})
	// Events are kept in arrival order; CloudWatch returns them by time.
	slices.SortStableFunc(out.Events, func(a, b filteredEvent) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	return out, nil
}
