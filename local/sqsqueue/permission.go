package sqsqueue

import (
	"encoding/json"
	"slices"
	"strings"
)

// AddPermission and RemovePermission edit the queue's Policy attribute as SQS does: each
// permission is a statement whose Sid is its label, granting the listed accounts
// ("arn:aws:iam::<account>:root") the listed actions ("SQS:<action>") on the queue. The
// local runtime does not enforce policies; it keeps them for the code that reads them back.

// permissionActions are the actions AddPermission may grant; the others are the queue
// owner's only.
var permissionActions = []string{
	"*", "ChangeMessageVisibility", "DeleteMessage", "GetQueueAttributes", "GetQueueUrl",
	"ListDeadLetterSourceQueues", "PurgeQueue", "ReceiveMessage", "SendMessage",
}

// maxPermissionActions is how many actions one AddPermission may grant.
const maxPermissionActions = 7

var labelRE = queueNameRE // labels are 1 to 80 alphanumerics, hyphens and underscores

// policyDocument is a queue policy; statements stay as written.
type policyDocument struct {
	Version   string            `json:"Version"`
	ID        string            `json:"Id,omitempty"`
	Statement []json.RawMessage `json:"Statement"`
}

// permissionStatement is a statement AddPermission writes.
type permissionStatement struct {
	Sid       string               `json:"Sid"`
	Effect    string               `json:"Effect"`
	Principal map[string]oneOrMore `json:"Principal"`
	Action    oneOrMore            `json:"Action"`
	Resource  string               `json:"Resource"`
}

// oneOrMore is written as a string when it has one element, as SQS writes policies.
type oneOrMore []string

func (o oneOrMore) MarshalJSON() ([]byte, error) {
	if len(o) == 1 {
		return json.Marshal(o[0])
	}
	return json.Marshal([]string(o))
}

// policy parses the queue's policy, or starts SQS's default one; q's lock must be held.
func (q *queue) policy() policyDocument {
	doc := policyDocument{Version: "2012-10-17", ID: q.arn + "/SQSDefaultPolicy"}
	if raw, ok := q.cfg.opaque["Policy"]; ok {
		var have policyDocument
		if json.Unmarshal([]byte(raw), &have) == nil {
			doc = have
		}
	}
	return doc
}

// statementIndex is the index of the statement whose Sid is label, or -1.
func (doc policyDocument) statementIndex(label string) int {
	return slices.IndexFunc(doc.Statement, func(raw json.RawMessage) bool {
		var s struct{ Sid string }
		return json.Unmarshal(raw, &s) == nil && s.Sid == label
	})
}

// setPolicy stores doc as the queue's Policy; with no statement left the queue has none.
func (q *queue) setPolicy(doc policyDocument) {
	if len(doc.Statement) == 0 {
		delete(q.cfg.opaque, "Policy")
		return
	}
	b, _ := json.Marshal(doc) // raw statements were valid JSON when parsed
	q.cfg.opaque["Policy"] = string(b)
}

// AddPermission adds a statement labelled label to the queue's policy, allowing accounts to
// call actions. Errors: ErrQueueDoesNotExist, ErrMissingParameter, ErrInvalidParameterValue,
// ErrOverLimit.
func (s *Service) AddPermission(name, label string, accounts, actions []string) error {
	switch {
	case label == "":
		return errorf(ErrMissingParameter, "The request must contain the parameter Label.")
	case len(accounts) == 0:
		return errorf(ErrMissingParameter, "The request must contain the parameter AWSAccountIds.")
	case len(actions) == 0:
		return errorf(ErrMissingParameter, "The request must contain the parameter Actions.")
	case !labelRE.MatchString(label):
		return errorf(ErrInvalidParameterValue, "Value %s for parameter Label is invalid. Reason: Must match pattern: ^[a-zA-Z0-9_-]{1,80}$.", label)
	case len(actions) > maxPermissionActions:
		return errorf(ErrOverLimit, "%d Actions were found, maximum allowed is %d.", len(actions), maxPermissionActions)
	}
	grants := make(oneOrMore, len(actions))
	for i, a := range actions {
		if !slices.Contains(permissionActions, strings.TrimPrefix(a, "SQS:")) {
			return errorf(ErrInvalidParameterValue, "Value SQS:%s for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.", strings.TrimPrefix(a, "SQS:"))
		}
		grants[i] = "SQS:" + strings.TrimPrefix(a, "SQS:")
	}
	principals := make(oneOrMore, len(accounts))
	for i, a := range accounts {
		principals[i] = "arn:aws:iam::" + a + ":root"
	}
	return s.withQueue(name, func(q *queue) error {
		doc := q.policy()
		if doc.statementIndex(label) >= 0 {
			return errorf(ErrInvalidParameterValue, "Value %s for parameter Label is invalid. Reason: Already exists.", label)
		}
		stmt, _ := json.Marshal(permissionStatement{
			Sid: label, Effect: "Allow", Principal: map[string]oneOrMore{"AWS": principals},
			Action: grants, Resource: q.arn,
		})
		doc.Statement = append(doc.Statement, stmt)
		q.setPolicy(doc)
		q.modified = s.now()
		return nil
	})
}

// RemovePermission removes the statement labelled label from the queue's policy. Errors:
// ErrQueueDoesNotExist, ErrMissingParameter, ErrInvalidParameterValue.
func (s *Service) RemovePermission(name, label string) error {
	if label == "" {
		return errorf(ErrMissingParameter, "The request must contain the parameter Label.")
	}
	return s.withQueue(name, func(q *queue) error {
		doc := q.policy()
		i := doc.statementIndex(label)
		if i < 0 {
			return errorf(ErrInvalidParameterValue, "Value %s for parameter Label is invalid. Reason: can't find label on existing policy.", label)
		}
		doc.Statement = slices.Delete(doc.Statement, i, i+1)
		q.setPolicy(doc)
		q.modified = s.now()
		return nil
	})
}
