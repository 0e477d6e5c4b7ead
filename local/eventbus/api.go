package eventbus

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/microshop/microshop/local/eventbus/pattern"
)

// apiError is an AWS JSON error response. Handlers return it; writeError is the one place
// errors become HTTP responses.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func validationError(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationException", fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "ResourceNotFoundException", fmt.Sprintf(format, args...)}
}

func required(member string) *apiError {
	return validationError("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// ServeHTTP serves the EventBridge API (AWS JSON 1.1).
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	w.Header().Set("x-amzn-RequestId", newID())
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSEvents.")
	if r.Method != http.MethodPost || !ok {
		writeError(w, &apiError{http.StatusBadRequest, "UnknownOperationException", "expected a POST with X-Amz-Target: AWSEvents.<Operation>"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		writeError(w, &apiError{http.StatusBadRequest, "SerializationException", "cannot read the request body"})
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	var out any
	switch op {
	case "PutEvents":
		out, err = s.putEvents(body, received)
	case "TestEventPattern":
		out, err = s.testEventPattern(body)
	case "ListRules":
		out, err = s.listRules(body)
	case "DescribeRule":
		out, err = s.describeRule(body)
	case "ListEventBuses":
		out, err = s.listEventBuses(body)
	case "DescribeEventBus":
		out, err = s.describeEventBus(body)
	case "ListTargetsByRule":
		out, err = s.listTargetsByRule(body)
	case "PutRule":
		out, err = s.putRule(body)
	case "DeleteRule":
		out, err = s.deleteRule(body)
	case "EnableRule":
		out, err = s.setRuleState(body, Enabled)
	case "DisableRule":
		out, err = s.setRuleState(body, Disabled)
	case "PutTargets":
		out, err = s.putTargets(body)
	case "RemoveTargets":
		out, err = s.removeTargets(body)
	case "CreateEventBus":
		out, err = s.createEventBus(body)
	case "DeleteEventBus":
		out, err = s.deleteEventBus(body)
	case "PutPermission":
		out, err = s.putPermission(body)
	case "RemovePermission":
		out, err = s.removePermission(body)
	case "TagResource":
		out, err = s.tagResource(body)
	case "UntagResource":
		out, err = s.untagResource(body)
	case "ListTagsForResource":
		out, err = s.listTagsForResource(body)
	case "CreateArchive":
		out, err = s.createArchive(body)
	case "DescribeArchive":
		out, err = s.describeArchive(body)
	case "ListArchives":
		out, err = s.listArchives(body)
	case "UpdateArchive":
		out, err = s.updateArchive(body)
	case "DeleteArchive":
		out, err = s.deleteArchive(body)
	case "StartReplay":
		out, err = s.startReplay(body)
	case "DescribeReplay":
		out, err = s.describeReplay(body)
	case "ListReplays":
		out, err = s.listReplays(body)
	case "CancelReplay":
		out, err = s.cancelReplay(body)
	default:
		err = &apiError{http.StatusBadRequest, "UnknownOperationException", "the local EventBridge does not support " + op}
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{http.StatusInternalServerError, "InternalException", "internal error"}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-ErrorType", ae.code)
	w.WriteHeader(ae.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": ae.code, "message": ae.message})
}

func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{http.StatusBadRequest, "SerializationException", "the request body is not valid: " + err.Error()}
	}
	return nil
}

type putEventsEntry struct {
	Source       *string
	DetailType   *string
	Detail       *string
	EventBusName string
	Resources    []string
	Time         json.RawMessage
	TraceHeader  string
}

type putEventsResult struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

func (s *Service) putEvents(body []byte, received time.Time) (any, error) {
	var in struct{ Entries []putEventsEntry }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if n := len(in.Entries); n < 1 || n > 10 {
		bound := "greater than or equal to 1"
		if n > 10 {
			bound = "less than or equal to 10"
		}
		return nil, validationError("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length %s", bound)
	}
	results := make([]putEventsResult, 0, len(in.Entries))
	failed := 0
	for _, e := range in.Entries {
		res := s.putEntry(e, received)
		if res.ErrorCode != "" {
			failed++
		}
		results = append(results, res)
	}
	s.m.failedEntries.Add(int64(failed))
	return map[string]any{"FailedEntryCount": failed, "Entries": results}, nil
}

func (s *Service) putEntry(e putEventsEntry, received time.Time) putEventsResult {
	invalid := func(field string) putEventsResult {
		return putEventsResult{ErrorCode: "InvalidArgument",
			ErrorMessage: fmt.Sprintf("Parameter %s is not valid. Reason: %s is a required argument.", field, field)}
	}
	switch {
	case e.Source == nil || *e.Source == "":
		return invalid("Source")
	case e.DetailType == nil || *e.DetailType == "":
		return invalid("DetailType")
	case e.Detail == nil || *e.Detail == "":
		return invalid("Detail")
	}
	// Compact validates the JSON; without whitespace an object's first byte is '{'.
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(*e.Detail)); err != nil || compact.Bytes()[0] != '{' {
		return putEventsResult{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."}
	}
	t, ok := parseTimestamp(e.Time)
	if !ok {
		return putEventsResult{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter Time is not valid."}
	}
	id, err := s.put(Event{
		Bus: e.EventBusName, Source: *e.Source, DetailType: *e.DetailType,
		Detail: compact.Bytes(), Resources: e.Resources, Time: t, TraceHeader: e.TraceHeader,
	}, received)
	if errors.Is(err, ErrNotFound) {
		return putEventsResult{ErrorCode: "ResourceNotFoundException",
			ErrorMessage: fmt.Sprintf("Event bus %s does not exist.", busName(e.EventBusName))}
	}
	if err != nil {
		return putEventsResult{ErrorCode: "InternalFailure", ErrorMessage: "the event could not be accepted"}
	}
	return putEventsResult{EventID: id}
}

// parseTimestamp reads an AWS JSON timestamp: epoch seconds (what SDKs send) or RFC 3339.
func parseTimestamp(raw json.RawMessage) (time.Time, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, true
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return time.Unix(int64(f), 0).UTC(), true
		}
	}
	return time.Time{}, false
}

// requiredEventFields are the fields TestEventPattern requires in its event.
var requiredEventFields = []string{"id", "account", "source", "time", "region", "resources", "detail-type"}

func (s *Service) testEventPattern(body []byte) (any, error) {
	var in struct{ EventPattern, Event *string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.EventPattern == nil {
		return nil, required("eventPattern")
	}
	if in.Event == nil {
		return nil, required("event")
	}
	p, err := pattern.Compile([]byte(*in.EventPattern))
	if err != nil {
		return nil, &apiError{http.StatusBadRequest, "InvalidEventPatternException", err.Error()}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(*in.Event), &fields); err != nil || fields == nil {
		return nil, validationError("Parameter Event is not valid.")
	}
	for _, f := range requiredEventFields {
		if _, ok := fields[f]; !ok {
			return nil, validationError("Parameter Event is not valid.")
		}
	}
	return map[string]bool{"Result": p.Match([]byte(*in.Event))}, nil
}

type ruleOut struct {
	Name               string
	Arn                string
	EventPattern       string `json:",omitempty"`
	ScheduleExpression string `json:",omitempty"`
	State              string
	Description        string `json:",omitempty"`
	EventBusName       string
	CreatedBy          string `json:",omitempty"`
}

func (s *Service) ruleOut(r *rule) ruleOut {
	return ruleOut{Name: r.Name, Arn: r.arn, EventPattern: string(r.Pattern), ScheduleExpression: r.ScheduleExpression,
		State: r.State, Description: r.Description, EventBusName: r.bus.name}
}

// lookupBus returns the bus named by a name or ARN; callers hold s.mu.
func (s *Service) lookupBus(nameOrARN string) (*bus, error) {
	name := busName(nameOrARN)
	b, ok := s.buses[name]
	if !ok {
		return nil, notFound("Event bus %s does not exist.", name)
	}
	return b, nil
}

type page struct {
	Limit     int
	NextToken string
}

// window returns the [start, end) slice of n items for the page, and the next token.
func (p page) window(n int) (start, end int, next string, err error) {
	if p.NextToken != "" {
		b, derr := base64.StdEncoding.DecodeString(p.NextToken)
		i, aerr := strconv.Atoi(string(b))
		if derr != nil || aerr != nil || i < 0 || i > n {
			return 0, 0, "", validationError("The NextToken is not valid.")
		}
		start = i
	}
	if p.Limit < 0 || p.Limit > 100 {
		return 0, 0, "", validationError("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100", p.Limit)
	}
	end = n
	if p.Limit > 0 && start+p.Limit < n {
		end = start + p.Limit
		next = base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return start, end, next, nil
}

// pageOf answers p's page of list as the member named member ("Rules"), with NextToken when
// more follow; an empty page is [], never null.
func pageOf[T any](p page, member string, list []T) (any, error) {
	start, end, next, err := p.window(len(list))
	if err != nil {
		return nil, err
	}
	out := map[string]any{member: append([]T{}, list[start:end]...)}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (s *Service) listRules(body []byte) (any, error) {
	var in struct {
		NamePrefix, EventBusName string
		page
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.lookupBus(in.EventBusName)
	if err != nil {
		return nil, err
	}
	var rules []ruleOut
	for _, r := range b.sortedRules() {
		if strings.HasPrefix(r.Name, in.NamePrefix) {
			rules = append(rules, s.ruleOut(r))
		}
	}
	return pageOf(in.page, "Rules", rules)
}

// findRule returns the rule named name on a bus; callers hold s.mu.
func (s *Service) findRule(name, busNameOrARN string) (*rule, error) {
	b, err := s.lookupBus(busNameOrARN)
	if err != nil {
		return nil, err
	}
	r, ok := b.rules[name]
	if !ok {
		return nil, notFound("Rule %s does not exist on EventBus %s.", name, b.name)
	}
	return r, nil
}

func (s *Service) describeRule(body []byte) (any, error) {
	var in struct{ Name, EventBusName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, required("name")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.findRule(in.Name, in.EventBusName)
	if err != nil {
		return nil, err
	}
	out := s.ruleOut(r)
	out.CreatedBy = s.opts.AccountID
	return out, nil
}

type targetOut struct {
	ID               string `json:"Id"`
	Arn              string
	Input            string                `json:",omitempty"`
	InputPath        string                `json:",omitempty"`
	InputTransformer *InputTransformer     `json:",omitempty"`
	RetryPolicy      *RetryPolicy          `json:",omitempty"`
	DeadLetterConfig *struct{ Arn string } `json:",omitempty"`
	SqsParameters    *sqsParameters        `json:",omitempty"`
}

type sqsParameters struct {
	MessageGroupID string `json:"MessageGroupId"`
}

func (s *Service) listTargetsByRule(body []byte) (any, error) {
	var in struct {
		Rule, EventBusName string
		page
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Rule == "" {
		return nil, required("rule")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.findRule(in.Rule, in.EventBusName)
	if err != nil {
		return nil, err
	}
	targets := make([]targetOut, 0, len(r.targets))
	for _, t := range r.targets {
		o := targetOut{ID: t.ID, Arn: t.ARN, Input: t.Input, InputPath: t.InputPath,
			InputTransformer: t.InputTransformer, RetryPolicy: t.RetryPolicy}
		if t.DeadLetterARN != "" {
			o.DeadLetterConfig = &struct{ Arn string }{t.DeadLetterARN}
		}
		if t.MessageGroupID != "" {
			o.SqsParameters = &sqsParameters{t.MessageGroupID}
		}
		targets = append(targets, o)
	}
	start, end, next, err := in.window(len(targets))
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Targets": targets[start:end]}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}
