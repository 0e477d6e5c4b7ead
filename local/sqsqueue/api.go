package sqsqueue

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// ServeHTTP serves the SQS JSON protocol (AWS JSON 1.0, X-Amz-Target: AmazonSQS.<Op>), the
// protocol current SDKs and the AWS CLI speak.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amzn-RequestId", newUUID())
	prefix, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	h, ok := operations[op]
	if prefix != "AmazonSQS" || !ok {
		writeError(w, errorf(ErrInvalidAction, "The action %s is not valid for this endpoint.", op))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<20))
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	if err != nil || !json.Valid(raw) {
		writeError(w, errorf(ErrSerialization, "The request body is not valid JSON."))
		return
	}
	c := &call{svc: s, ctx: r.Context(), raw: raw, sender: senderID(r)}
	out, err := h(c)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// senderID is the SenderId SQS reports: the caller's identity, here the SigV4 access key ID.
func senderID(r *http.Request) string {
	_, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if !ok {
		return ""
	}
	akid, _, _ := strings.Cut(cred, "/")
	return akid
}

// call is one API request being served.
type call struct {
	svc    *Service
	ctx    context.Context
	raw    []byte
	sender string
}

func (c *call) decode(v any) error {
	if err := json.Unmarshal(c.raw, v); err != nil {
		return errorf(ErrSerialization, "Could not parse the request: %v", err)
	}
	return nil
}

// queueName resolves a QueueUrl to a queue name: its last path segment. The host is not
// checked, so URLs built for 127.0.0.1 and localhost both work.
func queueName(queueURL string) (string, error) {
	if queueURL == "" {
		return "", errorf(ErrMissingParameter, "The request must contain the parameter QueueUrl.")
	}
	u, err := url.Parse(queueURL)
	if err != nil || u.Path == "" {
		return "", errorf(ErrQueueDoesNotExist, "The specified queue does not exist.")
	}
	return u.Path[strings.LastIndex(u.Path, "/")+1:], nil
}

type operation func(*call) (any, error)

// operations lists every operation the endpoint serves.
var operations = map[string]operation{
	"CreateQueue":                  createQueue,
	"DeleteQueue":                  deleteQueue,
	"GetQueueUrl":                  getQueueURL,
	"ListQueues":                   listQueues,
	"GetQueueAttributes":           getQueueAttributes,
	"SetQueueAttributes":           setQueueAttributes,
	"PurgeQueue":                   purgeQueue,
	"SendMessage":                  sendMessage,
	"SendMessageBatch":             sendMessageBatch,
	"ReceiveMessage":               receiveMessage,
	"DeleteMessage":                deleteMessage,
	"DeleteMessageBatch":           deleteMessageBatch,
	"ChangeMessageVisibility":      changeMessageVisibility,
	"ChangeMessageVisibilityBatch": changeMessageVisibilityBatch,
	"TagQueue":                     tagQueue,
	"UntagQueue":                   untagQueue,
	"ListQueueTags":                listQueueTags,
	"ListDeadLetterSourceQueues":   listDeadLetterSourceQueues,
	"StartMessageMoveTask":         startMessageMoveTask,
	"ListMessageMoveTasks":         listMessageMoveTasks,
	"CancelMessageMoveTask":        cancelMessageMoveTask,
	"AddPermission":                addPermission,
	"RemovePermission":             removePermission,
}

// queueRef is the QueueUrl every queue operation carries; request types embed it.
type queueRef struct {
	QueueURL string `json:"QueueUrl"`
}

func (r queueRef) queueURL() string { return r.QueueURL }

// decodeQueue decodes the request into in, which embeds queueRef, and resolves the queue
// name from its QueueUrl.
func (c *call) decodeQueue(in interface{ queueURL() string }) (string, error) {
	if err := c.decode(in); err != nil {
		return "", err
	}
	return queueName(in.queueURL())
}

func createQueue(c *call) (any, error) {
	var in struct {
		QueueName  string
		Attributes map[string]string
		Tags       map[string]string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTags { // checked first: a failed CreateQueue creates nothing
		return nil, errorf(ErrInvalidParameterValue, "Too many tags added for queue %s.", in.QueueName)
	}
	u, err := c.svc.CreateQueue(in.QueueName, in.Attributes)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := c.svc.TagQueue(in.QueueName, in.Tags); err != nil {
			return nil, err
		}
	}
	return queueRef{u}, nil
}

func deleteQueue(c *call) (any, error) {
	return withQueue(c, func(name string) (any, error) { return struct{}{}, c.svc.DeleteQueue(name) })
}

func purgeQueue(c *call) (any, error) {
	return withQueue(c, func(name string) (any, error) { return struct{}{}, c.svc.PurgeQueue(name) })
}

// withQueue decodes the QueueUrl every queue operation carries.
func withQueue(c *call, f func(name string) (any, error)) (any, error) {
	var in queueRef
	name, err := c.decodeQueue(&in)
	if err != nil {
		return nil, err
	}
	return f(name)
}

func getQueueURL(c *call) (any, error) {
	var in struct{ QueueName string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	u, err := c.svc.QueueURL(in.QueueName)
	if err != nil {
		return nil, err
	}
	return queueRef{u}, nil
}

func listQueues(c *call) (any, error) {
	var in struct {
		QueueNamePrefix string
		NextToken       string
		MaxResults      int
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return nil, errorf(ErrInvalidParameterValue, "Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", in.MaxResults)
	}
	urls := c.svc.ListQueues(in.QueueNamePrefix)
	if in.MaxResults == 0 { // without MaxResults SQS returns up to 1000 and no token
		if len(urls) > 1000 {
			urls = urls[:1000]
		}
		return struct{ QueueUrls []string }{urls}, nil
	}
	if in.NextToken != "" {
		after, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil {
			return nil, errorf(ErrInvalidParameterValue, "Invalid NextToken value.")
		}
		i, _ := slices.BinarySearch(urls, string(after)+"\x00")
		urls = urls[i:]
	}
	out := struct {
		QueueUrls []string
		NextToken string `json:",omitempty"`
	}{QueueUrls: urls}
	if len(urls) > in.MaxResults {
		out.QueueUrls = urls[:in.MaxResults]
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(out.QueueUrls[in.MaxResults-1]))
	}
	return out, nil
}

func getQueueAttributes(c *call) (any, error) {
	var in struct {
		queueRef
		AttributeNames []string
	}
	name, err := c.decodeQueue(&in)
	if err != nil {
		return nil, err
	}
	attrs, err := c.svc.QueueAttributes(name, in.AttributeNames)
	if err != nil {
		return nil, err
	}
	out := struct {
		Attributes map[string]string `json:",omitempty"`
	}{attrs}
	return out, nil
}

func setQueueAttributes(c *call) (any, error) {
	var in struct {
		queueRef
		Attributes map[string]string
	}
	name, err := c.decodeQueue(&in)
	if err != nil {
		return nil, err
	}
	return struct{}{}, c.svc.SetQueueAttributes(name, in.Attributes)
}

// attributeValue is MessageAttributeValue on the wire; binary values are base64 in JSON,
// which encoding/json does for []byte.
type attributeValue struct {
	DataType         string
	StringValue      *string  `json:",omitempty"`
	BinaryValue      []byte   `json:",omitempty"`
	StringListValues []string `json:",omitempty"`
	BinaryListValues [][]byte `json:",omitempty"`
}

func fromWire(kind string, in map[string]attributeValue) (map[string]MessageAttribute, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]MessageAttribute, len(in))
	for n, v := range in {
		if len(v.StringListValues) > 0 || len(v.BinaryListValues) > 0 {
			return nil, errorf(ErrInvalidParameterValue, "Message (%s) attribute '%s': StringListValues and BinaryListValues are not implemented.", kind, n)
		}
		a := MessageAttribute{DataType: v.DataType, BinaryValue: v.BinaryValue}
		if v.StringValue != nil {
			a.StringValue = *v.StringValue
		}
		out[n] = a
	}
	return out, nil
}

func toWire(in map[string]MessageAttribute) map[string]attributeValue {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]attributeValue, len(in))
	for n, a := range in {
		v := attributeValue{DataType: a.DataType}
		if a.isBinary() {
			v.BinaryValue = a.BinaryValue
		} else {
			v.StringValue = &a.StringValue
		}
		out[n] = v
	}
	return out
}

type sendEntry struct {
	batchID
	MessageBody             string
	DelaySeconds            *int
	MessageAttributes       map[string]attributeValue
	MessageSystemAttributes map[string]attributeValue
	MessageDeduplicationID  string `json:"MessageDeduplicationId"`
	MessageGroupID          string `json:"MessageGroupId"`
}

func (e sendEntry) input(sender string) (SendInput, error) {
	attrs, err := fromWire("user", e.MessageAttributes)
	if err != nil {
		return SendInput{}, err
	}
	sys, err := fromWire("system", e.MessageSystemAttributes)
	if err != nil {
		return SendInput{}, err
	}
	return SendInput{
		Body: e.MessageBody, DelaySeconds: e.DelaySeconds, Attributes: attrs, SystemAttributes: sys,
		GroupID: e.MessageGroupID, DeduplicationID: e.MessageDeduplicationID, SenderID: sender,
	}, nil
}

type sendResult struct {
	ID                           string `json:"Id,omitempty"`
	MessageID                    string `json:"MessageId"`
	MD5OfMessageBody             string
	MD5OfMessageAttributes       string `json:",omitempty"`
	MD5OfMessageSystemAttributes string `json:",omitempty"`
	SequenceNumber               string `json:",omitempty"`
}

func toSendResult(id string, o SendOutput) sendResult {
	return sendResult{
		ID: id, MessageID: o.MessageID, MD5OfMessageBody: o.MD5OfMessageBody,
		MD5OfMessageAttributes: o.MD5OfMessageAttributes, MD5OfMessageSystemAttributes: o.MD5OfSystemAttributes,
		SequenceNumber: o.SequenceNumber,
	}
}

func sendMessage(c *call) (any, error) {
	var in struct {
		queueRef
		sendEntry
	}
	name, err := c.decodeQueue(&in)
	if err != nil {
		return nil, err
	}
	si, err := in.input(c.sender)
	if err != nil {
		return nil, err
	}
	out, err := c.svc.Send(name, si)
	if err != nil {
		return nil, err
	}
	return toSendResult("", out), nil
}

type batchError struct {
	ID          string `json:"Id"`
	SenderFault bool
	Code        string
	Message     string
}

func toBatchError(id string, err error) batchError {
	var e *Error
	if !errors.As(err, &e) {
		e = errorf(ErrInternal, "internal error")
	}
	return batchError{ID: id, SenderFault: e.Sender, Code: e.QueryCode, Message: e.Message}
}

var batchIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// checkBatch validates the entry IDs of a batch request as SQS does; entryType names the
// request's entries in errors as SQS does (SendMessageBatchRequestEntry, ...).
func checkBatch(entryType string, ids []string) error {
	if len(ids) == 0 {
		return errorf(ErrEmptyBatchRequest, "There should be at least one %s in the request.", entryType)
	}
	if len(ids) > maxBatchEntries {
		return errorf(ErrTooManyEntries, "Maximum number of entries per request are 10. You have sent %d.", len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !batchIDRE.MatchString(id) {
			return errorf(ErrInvalidBatchEntryID, "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[id] {
			return errorf(ErrBatchEntryIDsNotDistinct, "Id %s repeated.", id)
		}
		seen[id] = true
	}
	return nil
}

type batchOutput[T any] struct {
	Successful []T
	Failed     []batchError
}

// batchID is the Id of a batch entry, and all that DeleteMessageBatch and
// ChangeMessageVisibilityBatch report for a success.
type batchID struct {
	ID string `json:"Id"`
}

func (b batchID) entryID() string { return b.ID }

// batchEntry is an entry of a *Batch request: a struct that embeds batchID.
type batchEntry interface{ entryID() string }

// decodeBatch decodes a *Batch request ({QueueUrl, Entries}), resolves the queue name and
// validates the entry IDs as SQS does; entryType is the entries' type in the SQS model.
func decodeBatch[E batchEntry](c *call, entryType string) (string, []E, error) {
	var in struct {
		queueRef
		Entries []E
	}
	name, err := c.decodeQueue(&in)
	if err != nil {
		return "", nil, err
	}
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.entryID()
	}
	if err := checkBatch(entryType, ids); err != nil {
		return "", nil, err
	}
	return name, in.Entries, nil
}

// runBatch runs every entry in order and reports each under Successful or Failed. Only a
// queue that does not exist fails the whole request, as in SQS.
func runBatch[E batchEntry, R any](entries []E, run func(E) (R, error)) (any, error) {
	out := batchOutput[R]{Successful: []R{}, Failed: []batchError{}}
	for _, e := range entries {
		r, err := run(e)
		if errors.Is(err, ErrQueueDoesNotExist) {
			return nil, err
		}
		if err != nil {
			out.Failed = append(out.Failed, toBatchError(e.entryID(), err))
			continue
		}
		out.Successful = append(out.Successful, r)
	}
	return out, nil
}

func sendMessageBatch(c *call) (any, error) {
	name, entries, err := decodeBatch[sendEntry](c, "SendMessageBatchRequestEntry")
	if err != nil {
		return nil, err
	}
	total := 0
	for _, e := range entries {
		total += len(e.MessageBody)
		for n, a := range e.MessageAttributes {
			total += len(n) + len(a.DataType) + len(a.BinaryValue)
			if a.StringValue != nil {
				total += len(*a.StringValue)
			}
		}
	}
	limit, err := c.svc.maxMessageSize(name)
	if err != nil {
		return nil, err
	}
	if total > limit {
		return nil, errorf(ErrBatchRequestTooLong, "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", limit, total)
	}
	return runBatch(entries, func(e sendEntry) (sendResult, error) {
		si, err := e.input(c.sender)
		if err != nil {
			return sendResult{}, err
		}
		o, err := c.svc.Send(name, si)
		return toSendResult(e.ID, o), err
	})
}

type receivedMessage struct {
	MessageID              string `json:"MessageId"`
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             map[string]string         `json:",omitempty"`
	MD5OfMessageAttributes string                    `json:",omitempty"`
	MessageAttributes      map[string]attributeValue `json:",omitempty"`
}

func receiveMessage(c *call) (any, error) {
	var in struct {
		queueRef
		AttributeNames              []string
		MessageSystemAttributeNames []string
		MessageAttributeNames       []string
		MaxNumberOfMessages         *int
		VisibilityTimeout           *int
		WaitTimeSeconds             *int
	}
	name, err := c.decodeQueue(&in)
	if err != nil {
		return nil, err
	}
	maxN := 1 // SQS's default; an explicit value must be 1 to 10, 0 included
	if in.MaxNumberOfMessages != nil {
		maxN = *in.MaxNumberOfMessages
		if maxN < 1 || maxN > maxBatchEntries {
			return nil, errorf(ErrInvalidParameterValue, "Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", maxN)
		}
	}
	msgs, err := c.svc.Receive(c.ctx, name, ReceiveInput{
		MaxNumberOfMessages: maxN, VisibilityTimeout: in.VisibilityTimeout,
		WaitTimeSeconds: in.WaitTimeSeconds,
	})
	if err != nil {
		return nil, err
	}
	var out struct {
		Messages []receivedMessage `json:",omitempty"`
	}
	systemNames := append(in.AttributeNames, in.MessageSystemAttributeNames...)
	for _, m := range msgs {
		attrs := filterSystem(m.Attributes, systemNames)
		user := filterUser(m.MessageAttributes, in.MessageAttributeNames)
		out.Messages = append(out.Messages, receivedMessage{
			MessageID: m.MessageID, ReceiptHandle: m.ReceiptHandle, MD5OfBody: m.MD5OfBody, Body: m.Body,
			Attributes: attrs, MD5OfMessageAttributes: md5OfAttributes(user), MessageAttributes: toWire(user),
		})
	}
	return out, nil
}

func filterSystem(all map[string]string, names []string) map[string]string {
	if slices.Contains(names, "All") {
		return all
	}
	out := map[string]string{}
	for _, n := range names {
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	return out
}

// filterUser selects message attributes by name, "All", ".*" or "prefix.*".
func filterUser(all map[string]MessageAttribute, names []string) map[string]MessageAttribute {
	out := map[string]MessageAttribute{}
	for n, a := range all {
		for _, want := range names {
			prefix, wildcard := strings.CutSuffix(want, ".*")
			if want == "All" || want == ".*" || n == want || wildcard && strings.HasPrefix(n, prefix+".") {
				out[n] = a
				break
			}
		}
	}
	return out
}

func deleteMessage(c *call) (any, error) {
	var in struct {
		queueRef
		ReceiptHandle string
	}
	name, err := c.decodeQueue(&in)
	if err != nil {
		return nil, err
	}
	return struct{}{}, c.svc.DeleteMessage(name, in.ReceiptHandle)
}

func deleteMessageBatch(c *call) (any, error) {
	type entry struct {
		batchID
		ReceiptHandle string
	}
	name, entries, err := decodeBatch[entry](c, "DeleteMessageBatchRequestEntry")
	if err != nil {
		return nil, err
	}
	return runBatch(entries, func(e entry) (batchID, error) {
		return e.batchID, c.svc.DeleteMessage(name, e.ReceiptHandle)
	})
}

func changeMessageVisibility(c *call) (any, error) {
	var in struct {
		queueRef
		ReceiptHandle     string
		VisibilityTimeout int
	}
	name, err := c.decodeQueue(&in)
	if err != nil {
		return nil, err
	}
	return struct{}{}, c.svc.ChangeMessageVisibility(name, in.ReceiptHandle, in.VisibilityTimeout)
}

func changeMessageVisibilityBatch(c *call) (any, error) {
	type entry struct {
		batchID
		ReceiptHandle     string
		VisibilityTimeout int
	}
	name, entries, err := decodeBatch[entry](c, "ChangeMessageVisibilityBatchRequestEntry")
	if err != nil {
		return nil, err
	}
	return runBatch(entries, func(e entry) (batchID, error) {
		return e.batchID, c.svc.ChangeMessageVisibility(name, e.ReceiptHandle, e.VisibilityTimeout)
	})
}

func tagQueue(c *call) (any, error) {
	var in struct {
		queueRef
		Tags map[string]string
	}
	name, err := c.decodeQueue(&in)
	if err != nil {
		return nil, err
	}
	return struct{}{}, c.svc.TagQueue(name, in.Tags)
}

func untagQueue(c *call) (any, error) {
	var in struct {
		queueRef
		TagKeys []string
	}
	name, err := c.decodeQueue(&in)
	if err != nil {
		return nil, err
	}
	return struct{}{}, c.svc.UntagQueue(name, in.TagKeys)
}

func listQueueTags(c *call) (any, error) {
	return withQueue(c, func(name string) (any, error) {
		tags, err := c.svc.QueueTags(name)
		if err != nil {
			return nil, err
		}
		return struct {
			Tags map[string]string `json:",omitempty"`
		}{tags}, nil
	})
}

func listDeadLetterSourceQueues(c *call) (any, error) {
	return withQueue(c, func(name string) (any, error) {
		urls, err := c.svc.DeadLetterSourceQueues(name)
		if err != nil {
			return nil, err
		}
		return struct {
			QueueURLs []string `json:"queueUrls"`
		}{urls}, nil
	})
}

func addPermission(c *call) (any, error) {
	var in struct {
		queueRef
		Label         string
		AWSAccountIDs []string `json:"AWSAccountIds"`
		Actions       []string
	}
	name, err := c.decodeQueue(&in)
	if err != nil {
		return nil, err
	}
	return struct{}{}, c.svc.AddPermission(name, in.Label, in.AWSAccountIDs, in.Actions)
}

func removePermission(c *call) (any, error) {
	var in struct {
		queueRef
		Label string
	}
	name, err := c.decodeQueue(&in)
	if err != nil {
		return nil, err
	}
	return struct{}{}, c.svc.RemovePermission(name, in.Label)
}
