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
)

// This file serves the event bus operations (CreateEventBus, DescribeEventBus,
// DeleteEventBus, ListEventBuses), bus permissions (PutPermission, RemovePermission) and
// tags on buses and rules (TagResource, UntagResource, ListTagsForResource).

// Limits EventBridge applies to buses and tags.
const (
	maxTagsPerResource = 50
	maxBusDescription  = 512
)

var (
	busNameRE     = regexp.MustCompile(`^[/\.\-_A-Za-z0-9]{1,256}$`)
	statementIDRE = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)
)

func alreadyExists(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "ResourceAlreadyExistsException", fmt.Sprintf(format, args...)}
}

// epoch is an AWS JSON timestamp: seconds since the epoch, as SDKs send and expect them.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	return json.Marshal(float64(time.Time(t).UnixMilli()) / 1000)
}

// busOut is an event bus as DescribeEventBus and ListEventBuses show it.
type busOut struct {
	Name             string
	Arn              string
	Description      string `json:",omitempty"`
	Policy           string `json:",omitempty"`
	CreationTime     epoch
	LastModifiedTime epoch
}

func (b *bus) out() busOut {
	return busOut{Name: b.name, Arn: b.arn, Description: b.description, Policy: b.policyJSON(),
		CreationTime: epoch(b.created), LastModifiedTime: epoch(b.modified)}
}

// statement is one statement of a bus's resource policy.
type statement struct {
	Sid       string
	Effect    string
	Principal any
	Action    any
	Resource  any
	Condition any `json:",omitempty"`
}

// policyJSON is the bus's resource policy as DescribeEventBus shows it; "" without one.
func (b *bus) policyJSON() string {
	if b.policy != "" {
		return b.policy
	}
	if len(b.statements) == 0 {
		return ""
	}
	raw, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": b.statements})
	return string(raw)
}

func (s *Service) createEventBus(body []byte) (any, error) {
	var in struct {
		Name, Description, EventSourceName, KmsKeyIdentifier string
		Tags                                                 []tag
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, required("name")
	}
	if !busNameRE.MatchString(in.Name) {
		return nil, validationError("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: "+
			"Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+", in.Name)
	}
	if in.Name == DefaultBus || strings.Contains(in.Name, "/") || strings.HasPrefix(in.Name, "aws.") || in.EventSourceName != "" {
		// "default" exists; names with / or aws. are partner event buses, which need an
		// event source that does not exist locally.
		if in.Name == DefaultBus {
			return nil, alreadyExists("Event bus %s already exists.", in.Name)
		}
		return nil, validationError("Partner event buses are not supported by the local EventBridge: event bus name %s.", in.Name)
	}
	if len(in.Description) > maxBusDescription {
		return nil, validationError("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to %d", maxBusDescription)
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buses[in.Name]; ok {
		return nil, alreadyExists("Event bus %s already exists.", in.Name)
	}
	b := s.newBus(in.Name)
	b.description = in.Description
	s.buses[in.Name] = b
	if len(tags) > 0 {
		s.tags[b.arn] = tags
	}
	out := map[string]string{"EventBusArn": b.arn}
	if in.Description != "" {
		out["Description"] = in.Description
	}
	return out, nil
}

// newBus returns a bus created now; callers hold s.mu.
func (s *Service) newBus(name string) *bus {
	now := s.opts.Clock()
	return &bus{name: name, arn: s.BusARN(name), rules: map[string]*rule{}, created: now, modified: now}
}

func (s *Service) deleteEventBus(body []byte) (any, error) {
	var in struct{ Name string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		return nil, required("name")
	}
	name := busName(in.Name)
	if name == DefaultBus {
		return nil, validationError("Cannot delete event bus default.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buses[name]
	if !ok {
		return struct{}{}, nil // deleting a bus that does not exist succeeds, as on AWS
	}
	if len(b.rules) > 0 {
		return nil, validationError("EventBus can't be deleted since it has rules.")
	}
	delete(s.buses, name)
	delete(s.tags, b.arn)
	return struct{}{}, nil
}

func (s *Service) listEventBuses(body []byte) (any, error) {
	var in struct {
		NamePrefix string
		page
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var buses []busOut
	for _, b := range s.buses {
		if strings.HasPrefix(b.name, in.NamePrefix) {
			buses = append(buses, b.out())
		}
	}
	s.mu.RUnlock()
	sort.Slice(buses, func(i, j int) bool { return buses[i].Name < buses[j].Name })
	return pageOf(in.page, "EventBuses", buses)
}

func (s *Service) describeEventBus(body []byte) (any, error) {
	var in struct{ Name string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.lookupBus(in.Name)
	if err != nil {
		return nil, err
	}
	return b.out(), nil
}

func (s *Service) putPermission(body []byte) (any, error) {
	var in struct {
		EventBusName, Action, Principal, Policy string
		StatementID                             string `json:"StatementId"`
		Condition                               *struct{ Type, Key, Value string }
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lookupBus(in.EventBusName)
	if err != nil {
		return nil, err
	}
	if in.Policy != "" {
		var doc struct{ Statement json.RawMessage }
		if json.Unmarshal([]byte(in.Policy), &doc) != nil || len(doc.Statement) == 0 {
			return nil, validationError("Parameter Policy is not valid.")
		}
		b.policy, b.statements = in.Policy, nil
		b.modified = s.opts.Clock()
		return struct{}{}, nil
	}
	switch {
	case in.Action == "":
		return nil, validationError("Parameter Action is not valid. Reason: Action is required when Policy is not specified.")
	case in.Action != "events:PutEvents":
		return nil, validationError("Provided value in parameter 'action' is not supported.")
	case in.Principal == "":
		return nil, validationError("Parameter Principal is not valid. Reason: Principal is required when Policy is not specified.")
	case !statementIDRE.MatchString(in.StatementID):
		return nil, validationError("Parameter StatementId is not valid. Reason: StatementId is required when Policy is not specified.")
	}
	if in.Principal == "*" && in.Condition == nil {
		return nil, validationError("Parameter Condition is not valid. Reason: Condition is required when Principal is *.")
	}
	st := statement{Sid: in.StatementID, Effect: "Allow", Action: in.Action, Resource: b.arn}
	if in.Principal == "*" {
		st.Principal = "*"
	} else {
		st.Principal = map[string]string{"AWS": "arn:aws:iam::" + in.Principal + ":root"}
	}
	if c := in.Condition; c != nil {
		st.Condition = map[string]any{c.Type: map[string]string{c.Key: c.Value}}
	}
	statements := b.currentStatements()
	if slices.ContainsFunc(statements, func(o statement) bool { return o.Sid == in.StatementID }) {
		return nil, alreadyExists("Statement with the provided id already exists.")
	}
	b.statements, b.policy = append(statements, st), ""
	b.modified = s.opts.Clock()
	return struct{}{}, nil
}

// currentStatements returns the policy's statements, parsing a policy set as a whole.
func (b *bus) currentStatements() []statement {
	if b.policy == "" {
		return slices.Clone(b.statements)
	}
	var doc struct{ Statement []statement }
	_ = json.Unmarshal([]byte(b.policy), &doc) // validated by PutPermission
	return doc.Statement
}

func (s *Service) removePermission(body []byte) (any, error) {
	var in struct {
		EventBusName         string
		StatementID          string `json:"StatementId"`
		RemoveAllPermissions bool
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lookupBus(in.EventBusName)
	if err != nil {
		return nil, err
	}
	if in.RemoveAllPermissions {
		b.statements, b.policy = nil, ""
		b.modified = s.opts.Clock()
		return struct{}{}, nil
	}
	if in.StatementID == "" {
		return nil, validationError("Parameter StatementId is not valid. Reason: StatementId is required when RemoveAllPermissions is not true.")
	}
	statements := b.currentStatements()
	i := slices.IndexFunc(statements, func(o statement) bool { return o.Sid == in.StatementID })
	if i < 0 {
		return nil, notFound("Statement with the provided id does not exist.")
	}
	b.statements, b.policy = slices.Delete(statements, i, i+1), ""
	b.modified = s.opts.Clock()
	return struct{}{}, nil
}

// tag is a resource tag as the API takes and returns it.
type tag struct{ Key, Value string }

func checkTags(tags []tag) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range tags {
		if t.Key == "" || len(t.Key) > 128 {
			return nil, validationError("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128", t.Key)
		}
		if len(t.Value) > 256 {
			return nil, validationError("1 validation error detected: Value at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256")
		}
		out[t.Key] = t.Value
	}
	if len(out) > maxTagsPerResource {
		return nil, limitExceeded()
	}
	return out, nil
}

// taggable checks that arn names a bus or a rule that exists; callers hold s.mu.
func (s *Service) taggable(arn string) error {
	if arn == "" {
		return required("resourceARN")
	}
	for _, b := range s.buses {
		if b.arn == arn {
			return nil
		}
		for _, r := range b.rules {
			if r.arn == arn {
				return nil
			}
		}
	}
	return notFound("Resource %s does not exist.", arn)
}

func (s *Service) tagResource(body []byte) (any, error) {
	var in struct {
		ResourceARN string
		Tags        []tag
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	add, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.taggable(in.ResourceARN); err != nil {
		return nil, err
	}
	tags := maps.Clone(s.tags[in.ResourceARN])
	if tags == nil {
		tags = map[string]string{}
	}
	maps.Copy(tags, add)
	if len(tags) > maxTagsPerResource {
		return nil, limitExceeded()
	}
	s.tags[in.ResourceARN] = tags
	return struct{}{}, nil
}

func (s *Service) untagResource(body []byte) (any, error) {
	var in struct {
		ResourceARN string
		TagKeys     []string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.taggable(in.ResourceARN); err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(s.tags[in.ResourceARN], k)
	}
	return struct{}{}, nil
}

func (s *Service) listTagsForResource(body []byte) (any, error) {
	var in struct{ ResourceARN string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.taggable(in.ResourceARN); err != nil {
		return nil, err
	}
	tags := []tag{}
	for _, k := range slices.Sorted(maps.Keys(s.tags[in.ResourceARN])) {
		tags = append(tags, tag{k, s.tags[in.ResourceARN][k]})
	}
	return map[string]any{"Tags": tags}, nil
}
