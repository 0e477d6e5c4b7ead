package sqsqueue

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	smithyrand "github.com/aws/smithy-go/rand"
)

// Options configure a Service.
type Options struct {
	// Region and AccountID appear in queue ARNs and URLs; defaults us-east-1 and 000000000000.
	Region    string
	AccountID string
	// BaseURL is the endpoint queue URLs are built from: BaseURL/<account>/<name>.
	BaseURL string
	// Clock returns the current time; time.Now when nil. Tests pass a fake to move time.
	Clock func() time.Time
	// Log receives redrive and mapping diagnostics; discarded when nil.
	Log *slog.Logger
}

// Service is an SQS endpoint: the queues of one account and region. It is safe for
// concurrent use and serves the SQS JSON protocol as an http.Handler.
type Service struct {
	region, account, baseURL string
	now                      func() time.Time
	log                      *slog.Logger

	mu     sync.Mutex
	queues map[string]*queue
	moves  map[string][]*moveTask // message move tasks by source queue ARN, newest first
}

// New returns a Service with no queues.
func New(o Options) *Service {
	s := &Service{
		region:  o.Region,
		account: o.AccountID,
		baseURL: strings.TrimSuffix(o.BaseURL, "/"),
		now:     o.Clock,
		log:     o.Log,
		queues:  map[string]*queue{},
		moves:   map[string][]*moveTask{},
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.account == "" {
		s.account = "000000000000"
	}
	if s.baseURL == "" {
		s.baseURL = "http://127.0.0.1:4566"
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s
}

// queue is one queue's state; every field is guarded by Service.mu.
type queue struct {
	name, arn string
	cfg       config
	created   time.Time
	modified  time.Time
	tags      map[string]string

	msgs     []*message // in enqueue order; deleted entries are compacted lazily
	dead     int        // deleted entries still in msgs
	byID     map[string]*message
	fifoSeq  uint64
	dedup    map[string]dedupEntry
	swept    time.Time
	purgedAt time.Time
	// changed is closed (and replaced) whenever a message may have become receivable.
	changed chan struct{}
	deleted bool
}

type dedupEntry struct {
	messageID, sequenceNumber string
	expires                   time.Time
}

type message struct {
	id           string
	body         string
	md5          string
	attrs        map[string]MessageAttribute
	sysAttrs     map[string]MessageAttribute
	size         int
	sentAt       time.Time
	firstReceive time.Time
	receiveCount int
	// availableAt is when the message can next be received: the end of its delay or of
	// its current visibility timeout.
	availableAt time.Time
	receiveSeq  uint64 // which receive issued the current receipt handle; 0 = never received
	groupID     string
	dedupID     string
	sequenceNum string
	senderID    string
	dlqSource   string
	deleted     bool
}

func (s *Service) queueURL(name string) string { return s.baseURL + "/" + s.account + "/" + name }
func (s *Service) queueARN(name string) string {
	return "arn:aws:sqs:" + s.region + ":" + s.account + ":" + name
}

// CreateQueue creates the queue or, when it exists with the same given attributes, returns
// it (as SQS does); it returns the queue URL. A name ending in .fifo makes a FIFO queue.
// Errors: ErrInvalidParameterValue, ErrInvalidAttributeName, ErrInvalidAttributeValue,
// ErrQueueNameExists.
func (s *Service) CreateQueue(name string, attrs map[string]string) (string, error) {
	if !validQueueName(name) {
		return "", errorf(ErrInvalidParameterValue, "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	fifo := strings.HasSuffix(name, ".fifo")
	if v, ok := attrs["FifoQueue"]; ok && strings.EqualFold(v, "true") && !fifo {
		return "", errorf(ErrInvalidParameterValue, "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
	}
	cfg := defaultConfig(fifo)
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if err := cfg.set(k, attrs[k]); err != nil {
			return "", err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkRedrive(attrs, cfg); err != nil {
		return "", err
	}
	if q := s.queues[name]; q != nil {
		have := q.cfg.attributes()
		for _, k := range slices.Sorted(maps.Keys(attrs)) {
			if want := cfg.attributes()[k]; have[k] != want {
				return "", errorf(ErrQueueNameExists, "A queue already exists with the same name and a different value for attribute %s", k)
			}
		}
		return s.queueURL(name), nil
	}
	now := s.now()
	s.queues[name] = &queue{
		name: name, arn: s.queueARN(name), cfg: cfg, created: now, modified: now,
		tags: map[string]string{}, byID: map[string]*message{}, dedup: map[string]dedupEntry{},
		changed: make(chan struct{}),
	}
	return s.queueURL(name), nil
}

// DeleteQueue deletes the queue and its messages; long polls on it return empty.
func (s *Service) DeleteQueue(name string) error {
	return s.withQueue(name, func(q *queue) error {
		delete(s.queues, name)
		q.deleted = true
		q.signal()
		return nil
	})
}

// QueueURL returns the URL of the named queue. Errors: ErrQueueDoesNotExist.
func (s *Service) QueueURL(name string) (url string, err error) {
	err = s.withQueue(name, func(*queue) error {
		url = s.queueURL(name)
		return nil
	})
	return url, err
}

// QueueARN returns the ARN of the named queue. Errors: ErrQueueDoesNotExist.
func (s *Service) QueueARN(name string) (arn string, err error) {
	err = s.withQueue(name, func(q *queue) error {
		arn = q.arn
		return nil
	})
	return arn, err
}

// ListQueues returns the URLs of the queues whose names start with prefix, sorted.
func (s *Service) ListQueues(prefix string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var urls []string
	for _, name := range slices.Sorted(maps.Keys(s.queues)) {
		if strings.HasPrefix(name, prefix) {
			urls = append(urls, s.queueURL(name))
		}
	}
	return urls
}

// SetQueueAttributes changes the queue's attributes. FifoQueue cannot change.
func (s *Service) SetQueueAttributes(name string, attrs map[string]string) error {
	return s.withQueue(name, func(q *queue) error {
		cfg := q.cfg
		cfg.opaque = map[string]string{}
		maps.Copy(cfg.opaque, q.cfg.opaque)
		for _, k := range slices.Sorted(maps.Keys(attrs)) {
			if err := cfg.set(k, attrs[k]); err != nil {
				return err
			}
		}
		if err := s.checkRedrive(attrs, cfg); err != nil {
			return err
		}
		q.cfg = cfg
		q.modified = s.now()
		q.signal()
		return nil
	})
}

// QueueAttributes returns the named attributes ("All" for every one), including the
// approximate message counts. Errors: ErrQueueDoesNotExist, ErrInvalidAttributeName.
func (s *Service) QueueAttributes(name string, names []string) (out map[string]string, err error) {
	err = s.withQueue(name, func(q *queue) (qerr error) {
		out, qerr = q.attributes(s.now(), names)
		return qerr
	})
	return out, err
}

// attributes is QueueAttributes for the locked queue q.
func (q *queue) attributes(now time.Time, names []string) (map[string]string, error) {
	all := q.cfg.attributes()
	all["QueueArn"] = q.arn
	all["CreatedTimestamp"] = strconv.FormatInt(q.created.Unix(), 10)
	all["LastModifiedTimestamp"] = strconv.FormatInt(q.modified.Unix(), 10)
	var visible, notVisible, delayed int
	for _, m := range q.msgs {
		switch {
		case m.deleted || q.expired(m, now):
		case !now.Before(m.availableAt):
			visible++
		case m.receiveSeq == 0:
			delayed++
		default:
			notVisible++
		}
	}
	all["ApproximateNumberOfMessages"] = strconv.Itoa(visible)
	all["ApproximateNumberOfMessagesNotVisible"] = strconv.Itoa(notVisible)
	all["ApproximateNumberOfMessagesDelayed"] = strconv.Itoa(delayed)
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all, nil
		}
		if !queueAttributeNames[n] {
			return nil, errorf(ErrInvalidAttributeName, "Unknown Attribute %s.", n)
		}
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

// PurgeQueue deletes every message in the queue. Like SQS it refuses a second purge within
// 60 seconds. Errors: ErrQueueDoesNotExist, ErrPurgeQueueInProgress.
func (s *Service) PurgeQueue(name string) error {
	return s.withQueue(name, func(q *queue) error {
		now := s.now()
		if !q.purgedAt.IsZero() && now.Sub(q.purgedAt) < purgeCooldown {
			return errorf(ErrPurgeQueueInProgress, "Only one PurgeQueue operation on %s is allowed every 60 seconds.", name)
		}
		q.purgedAt = now
		for _, m := range q.msgs {
			m.deleted = true
		}
		q.msgs, q.dead = nil, 0
		clear(q.byID)
		q.signal()
		return nil
	})
}

// withQueue runs f on the named queue with s.mu held: every change to a queue, and every
// read of one outside Receive's polling loop, goes through it. Errors: ErrQueueDoesNotExist,
// or f's.
func (s *Service) withQueue(name string, f func(q *queue) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.get(name)
	if err != nil {
		return err
	}
	return f(q)
}

// get returns the named queue; s.mu must be held.
func (s *Service) get(name string) (*queue, error) {
	q := s.queues[name]
	if q == nil {
		return nil, errorf(ErrQueueDoesNotExist, "The specified queue does not exist.")
	}
	return q, nil
}

func (q *queue) signal() {
	close(q.changed)
	q.changed = make(chan struct{})
}

func (q *queue) expired(m *message, now time.Time) bool {
	return !now.Before(m.sentAt.Add(time.Duration(q.cfg.retention) * time.Second))
}

// remove marks m deleted. It never reorders q.msgs, so callers may range over it.
func (q *queue) remove(m *message) {
	if m.deleted {
		return
	}
	m.deleted = true
	delete(q.byID, m.id)
	q.dead++
}

// compact drops deleted messages from q.msgs once they are the majority; never call it
// while ranging over q.msgs.
func (q *queue) compact() {
	if q.dead > 64 && q.dead > len(q.msgs)/2 {
		q.msgs = slices.DeleteFunc(q.msgs, func(m *message) bool { return m.deleted })
		q.dead = 0
	}
}

func (q *queue) push(m *message) {
	q.msgs = append(q.msgs, m)
	q.byID[m.id] = m
}

// SendInput is one message to send.
type SendInput struct {
	Body string
	// DelaySeconds overrides the queue's delay when non-nil; a FIFO queue accepts only 0,
	// which leaves the queue's delay.
	DelaySeconds *int
	// Attributes are message (user) attributes; SystemAttributes may hold AWSTraceHeader.
	Attributes       map[string]MessageAttribute
	SystemAttributes map[string]MessageAttribute
	// GroupID and DeduplicationID are MessageGroupId and MessageDeduplicationId.
	GroupID         string
	DeduplicationID string
	// SenderID is reported as the SenderId attribute; the account ID when empty.
	SenderID string
}

// SendOutput is what SendMessage returns.
type SendOutput struct {
	MessageID              string
	MD5OfMessageBody       string
	MD5OfMessageAttributes string
	MD5OfSystemAttributes  string
	SequenceNumber         string
}

// Send enqueues a message. Errors: ErrQueueDoesNotExist, ErrInvalidParameterValue,
// ErrMissingParameter, ErrInvalidMessageContents.
func (s *Service) Send(name string, in SendInput) (SendOutput, error) {
	size, err := validateMessage(in)
	if err != nil {
		return SendOutput{}, err
	}
	out := SendOutput{
		MD5OfMessageBody:       md5Hex(in.Body),
		MD5OfMessageAttributes: md5OfAttributes(in.Attributes),
		MD5OfSystemAttributes:  md5OfAttributes(in.SystemAttributes),
	}
	err = s.withQueue(name, func(q *queue) error {
		if size > q.cfg.maximumMessage {
			return errorf(ErrInvalidParameterValue, "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", q.cfg.maximumMessage)
		}
		now := s.now()
		delay := q.cfg.delaySeconds
		switch {
		case in.DelaySeconds == nil:
		case q.cfg.fifo && *in.DelaySeconds != 0:
			// A FIFO queue has no per-message delay; an explicit 0 (what SDKs that always
			// send the field send) is accepted as SQS does, and the queue's delay applies.
			return errorf(ErrInvalidParameterValue, "Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", *in.DelaySeconds)
		case !q.cfg.fifo:
			delay = *in.DelaySeconds
		}
		m := &message{
			id: newUUID(), body: in.Body, md5: out.MD5OfMessageBody, attrs: in.Attributes,
			sysAttrs: in.SystemAttributes, size: size, sentAt: now,
			availableAt: now.Add(time.Duration(delay) * time.Second), senderID: in.SenderID,
			groupID: in.GroupID,
		}
		if m.senderID == "" {
			m.senderID = s.account
		}
		if q.cfg.fifo {
			if in.GroupID == "" {
				return errorf(ErrMissingParameter, "The request must contain the parameter MessageGroupId.")
			}
			dedupID := in.DeduplicationID
			if dedupID == "" {
				if !q.cfg.contentDedup {
					return errorf(ErrInvalidParameterValue, "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
				}
				sum := sha256.Sum256([]byte(in.Body))
				dedupID = hex.EncodeToString(sum[:])
			}
			key := dedupID
			if q.cfg.dedupPerGroup {
				key = in.GroupID + "\x00" + dedupID
			}
			q.sweepDedup(now)
			if e, ok := q.dedup[key]; ok && now.Before(e.expires) {
				out.MessageID, out.SequenceNumber = e.messageID, e.sequenceNumber
				return nil
			}
			q.fifoSeq++
			m.dedupID = dedupID
			m.sequenceNum = fmt.Sprintf("%020d", uint64(18_000_000_000_000_000_000)+q.fifoSeq)
			q.dedup[key] = dedupEntry{messageID: m.id, sequenceNumber: m.sequenceNum, expires: now.Add(dedupWindow)}
		} else if in.DeduplicationID != "" {
			return errorf(ErrInvalidParameterValue, "The request include parameter MessageDeduplicationId which is not valid for this queue type")
		}
		q.push(m)
		q.signal()
		out.MessageID, out.SequenceNumber = m.id, m.sequenceNum
		return nil
	})
	if err != nil {
		return SendOutput{}, err
	}
	return out, nil
}

// sweepDedup forgets expired deduplication IDs at most once a minute.
func (q *queue) sweepDedup(now time.Time) {
	if now.Sub(q.swept) < time.Minute {
		return
	}
	q.swept = now
	for k, e := range q.dedup {
		if !now.Before(e.expires) {
			delete(q.dedup, k)
		}
	}
}

// validateMessage checks the body and attributes and returns the message's size as SQS
// counts it (body plus attribute names, types and values).
func validateMessage(in SendInput) (int, error) {
	if in.Body == "" {
		return 0, errorf(ErrMissingParameter, "The request must contain the parameter MessageBody.")
	}
	if !validBody(in.Body) {
		return 0, errorf(ErrInvalidMessageContents, "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
	}
	if d := in.DelaySeconds; d != nil && (*d < 0 || *d > maxDelaySeconds) {
		return 0, errorf(ErrInvalidParameterValue, "Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *d)
	}
	if len(in.GroupID) > 128 || len(in.DeduplicationID) > 128 {
		return 0, errorf(ErrInvalidParameterValue, "MessageGroupId and MessageDeduplicationId can be up to 128 characters long.")
	}
	size := len(in.Body)
	if len(in.Attributes) > 10 {
		return 0, errorf(ErrInvalidParameterValue, "Number of message attributes [%d] exceeds the allowed maximum [10].", len(in.Attributes))
	}
	for n, a := range in.Attributes {
		if err := validateAttribute("user", n, a); err != nil {
			return 0, err
		}
		size += len(n) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	for n, a := range in.SystemAttributes {
		if n != "AWSTraceHeader" {
			return 0, errorf(ErrInvalidParameterValue, "Message system attribute name '%s' is invalid.", n)
		}
		if err := validateAttribute("system", n, a); err != nil {
			return 0, err
		}
		if a.DataType != "String" {
			return 0, errorf(ErrInvalidParameterValue, "The message system attribute AWSTraceHeader must be of type String.")
		}
	}
	return size, nil
}

func validBody(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD,
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

func validateAttribute(kind, name string, a MessageAttribute) error {
	if name == "" || len(name) > 256 || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") ||
		strings.Contains(name, "..") || strings.HasPrefix(strings.ToLower(name), "aws.") ||
		strings.HasPrefix(strings.ToLower(name), "amazon.") && kind == "user" ||
		strings.IndexFunc(name, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
		}) >= 0 {
		return errorf(ErrInvalidParameterValue, "Message (%s) attribute name '%s' is invalid.", kind, name)
	}
	base, custom, _ := strings.Cut(a.DataType, ".")
	if len(a.DataType) > 256 || (base != "String" && base != "Number" && base != "Binary") || strings.Contains(a.DataType, ".") && custom == "" {
		return errorf(ErrInvalidParameterValue, "The type of message (%s) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", kind, name)
	}
	switch base {
	case "Binary":
		if len(a.BinaryValue) == 0 {
			return errorf(ErrInvalidParameterValue, "Message (%s) attribute '%s' must contain a non-empty value of type 'Binary'.", kind, name)
		}
	case "Number":
		if _, err := strconv.ParseFloat(strings.TrimSpace(a.StringValue), 64); err != nil {
			return errorf(ErrInvalidParameterValue, "Can't cast the value of message (%s) attribute '%s' to a number.", kind, name)
		}
	default:
		if a.StringValue == "" {
			return errorf(ErrInvalidParameterValue, "Message (%s) attribute '%s' must contain a non-empty value of type 'String'.", kind, name)
		}
		if !validBody(a.StringValue) {
			return errorf(ErrInvalidParameterValue, "Message (%s) attribute '%s' contains invalid characters.", kind, name)
		}
	}
	return nil
}

// ReceiveInput asks for messages.
type ReceiveInput struct {
	// MaxNumberOfMessages is 1 to 10; 0 means 1.
	MaxNumberOfMessages int
	// VisibilityTimeout overrides the queue's when non-nil.
	VisibilityTimeout *int
	// WaitTimeSeconds overrides the queue's ReceiveMessageWaitTimeSeconds when non-nil.
	WaitTimeSeconds *int
}

// Message is a received message with every system attribute that applies to it; the API
// layer filters them to what the caller asked for.
type Message struct {
	MessageID     string
	ReceiptHandle string
	Body          string
	MD5OfBody     string
	// Attributes are the system attributes: ApproximateReceiveCount, SentTimestamp, SenderId,
	// ApproximateFirstReceiveTimestamp, and when they apply SequenceNumber, MessageGroupId,
	// MessageDeduplicationId, AWSTraceHeader, DeadLetterQueueSourceArn.
	Attributes        map[string]string
	MessageAttributes map[string]MessageAttribute
}

// Receive returns up to MaxNumberOfMessages messages, long-polling for up to the wait time
// when none is available; it returns early with none when ctx is done. Errors:
// ErrQueueDoesNotExist, ErrInvalidParameterValue.
func (s *Service) Receive(ctx context.Context, name string, in ReceiveInput) ([]Message, error) {
	maxN := in.MaxNumberOfMessages
	if maxN == 0 {
		maxN = 1
	}
	if maxN < 1 || maxN > maxBatchEntries {
		return nil, errorf(ErrInvalidParameterValue, "Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", maxN)
	}
	if v := in.VisibilityTimeout; v != nil && (*v < 0 || *v > maxVisibilityTimeout) {
		return nil, errorf(ErrInvalidParameterValue, "Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", *v)
	}
	if w := in.WaitTimeSeconds; w != nil && (*w < 0 || *w > maxWaitTimeSeconds) {
		return nil, errorf(ErrInvalidParameterValue, "Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", *w)
	}
	var deadline time.Time
	for {
		s.mu.Lock()
		q, err := s.get(name)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		now := s.now()
		if deadline.IsZero() {
			wait := q.cfg.waitTime
			if in.WaitTimeSeconds != nil {
				wait = *in.WaitTimeSeconds
			}
			deadline = now.Add(time.Duration(wait) * time.Second)
		}
		got := s.take(q, now, maxN, in.VisibilityTimeout)
		if len(got) > 0 || !now.Before(deadline) {
			s.mu.Unlock()
			return got, nil
		}
		changed, next := q.changed, q.nextAvailable(now)
		s.mu.Unlock()

		sleep := deadline.Sub(now)
		if !next.IsZero() && next.Sub(now) < sleep {
			sleep = next.Sub(now)
		}
		t := time.NewTimer(sleep)
		select {
		case <-changed:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		}
		t.Stop()
	}
}

// nextAvailable is the earliest future time a message becomes receivable, or zero.
func (q *queue) nextAvailable(now time.Time) time.Time {
	var next time.Time
	for _, m := range q.msgs {
		if !m.deleted && m.availableAt.After(now) && (next.IsZero() || m.availableAt.Before(next)) {
			next = m.availableAt
		}
	}
	return next
}

// take receives up to maxN available messages; s.mu must be held. On a FIFO queue a group
// whose oldest message is in flight or delayed yields nothing, so groups stay in order.
func (s *Service) take(q *queue, now time.Time, maxN int, visibility *int) []Message {
	vis := q.cfg.visibilityTimeout
	if visibility != nil {
		vis = *visibility
	}
	q.compact()
	var out []Message
	var blocked map[string]bool
	if q.cfg.fifo {
		blocked = map[string]bool{}
	}
	for _, m := range q.msgs {
		if len(out) == maxN {
			break
		}
		if m.deleted {
			continue
		}
		if q.expired(m, now) {
			q.remove(m)
			continue
		}
		if blocked != nil && blocked[m.groupID] {
			continue
		}
		if now.Before(m.availableAt) {
			if blocked != nil {
				blocked[m.groupID] = true
			}
			continue
		}
		if r := q.cfg.redrive; r != nil && m.receiveCount >= r.MaxReceiveCount && s.redrive(q, m, now) {
			continue
		}
		m.receiveCount++
		if m.firstReceive.IsZero() {
			m.firstReceive = now
		}
		m.availableAt = now.Add(time.Duration(vis) * time.Second)
		m.receiveSeq++
		out = append(out, q.received(m))
	}
	return out
}

// redrive moves m to the queue's dead-letter queue, keeping its ID, body, attributes, sent
// time and receive count, and reports whether it did. A missing dead-letter queue keeps the
// message where it is (and logs why), so nothing is dropped.
func (s *Service) redrive(q *queue, m *message, now time.Time) bool {
	dlqName, _ := queueNameFromARN(q.cfg.redrive.DeadLetterTargetARN)
	dlq := s.queues[dlqName]
	if dlq == nil || dlq.cfg.fifo != q.cfg.fifo {
		s.log.Warn("sqs: dead-letter queue unusable; message stays in its queue",
			"queue", q.name, "deadLetterQueue", dlqName, "messageId", m.id)
		return false
	}
	q.remove(m)
	moved := *m
	moved.deleted = false
	moved.availableAt = now
	moved.receiveSeq = 0
	moved.dlqSource = q.arn
	dlq.push(&moved)
	dlq.signal()
	s.log.Info("sqs: moved message to dead-letter queue", "queue", q.name, "deadLetterQueue", dlqName,
		"messageId", m.id, "receiveCount", m.receiveCount)
	return true
}

// received renders m for a receiver.
func (q *queue) received(m *message) Message {
	attrs := map[string]string{
		"ApproximateReceiveCount":          strconv.Itoa(m.receiveCount),
		"SentTimestamp":                    strconv.FormatInt(m.sentAt.UnixMilli(), 10),
		"SenderId":                         m.senderID,
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceive.UnixMilli(), 10),
	}
	if q.cfg.fifo {
		attrs["SequenceNumber"] = m.sequenceNum
		attrs["MessageGroupId"] = m.groupID
		attrs["MessageDeduplicationId"] = m.dedupID
	} else if m.groupID != "" {
		attrs["MessageGroupId"] = m.groupID
	}
	if t, ok := m.sysAttrs["AWSTraceHeader"]; ok {
		attrs["AWSTraceHeader"] = t.StringValue
	}
	if m.dlqSource != "" {
		attrs["DeadLetterQueueSourceArn"] = m.dlqSource
	}
	return Message{
		MessageID:         m.id,
		ReceiptHandle:     encodeReceipt(q.name, m.id, m.receiveSeq),
		Body:              m.body,
		MD5OfBody:         m.md5,
		Attributes:        attrs,
		MessageAttributes: m.attrs,
	}
}

// A receipt handle names the queue, the message and which receive issued it, plus random
// bytes so handles look (and are) opaque and unguessable.
func encodeReceipt(queue, id string, seq uint64) string {
	var nonce [12]byte
	_, _ = rand.Read(nonce[:])
	raw := queue + "\x00" + id + "\x00" + strconv.FormatUint(seq, 10) + "\x00" + hex.EncodeToString(nonce[:])
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

type receipt struct {
	queue, id string
	seq       uint64
}

func decodeReceipt(handle string) (receipt, error) {
	bad := errorf(ErrReceiptHandleIsInvalid, "The input receipt handle \"%s\" is not a valid receipt handle.", handle)
	raw, err := base64.RawURLEncoding.DecodeString(handle)
	if err != nil {
		return receipt{}, bad
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 4 {
		return receipt{}, bad
	}
	seq, err := strconv.ParseUint(parts[2], 10, 64)
	if err != nil || seq == 0 {
		return receipt{}, bad
	}
	return receipt{queue: parts[0], id: parts[1], seq: seq}, nil
}

// lookup resolves a receipt handle for queue q; s.mu must be held. It returns a nil message
// when the message is gone (deleted, expired, moved), which SQS does not treat as an error.
func (q *queue) lookup(handle string) (*message, receipt, error) {
	r, err := decodeReceipt(handle)
	if err != nil {
		return nil, r, err
	}
	if r.queue != q.name {
		return nil, r, errorf(ErrReceiptHandleIsInvalid, "The input receipt handle \"%s\" is not a valid for this queue.", handle)
	}
	return q.byID[r.id], r, nil
}

// DeleteMessage deletes the message a receipt handle names. Like SQS it succeeds for a
// message that is already gone, and on a standard queue a handle from an earlier receive
// still deletes the message. On a FIFO queue only the handle of the current receive works,
// until its visibility timeout ends; an older one fails as SQS's does ("The receipt handle
// has expired."). Errors: ErrQueueDoesNotExist, ErrReceiptHandleIsInvalid,
// ErrInvalidParameterValue.
func (s *Service) DeleteMessage(name, receiptHandle string) error {
	return s.withQueue(name, func(q *queue) error {
		m, r, err := q.lookup(receiptHandle)
		if err != nil || m == nil {
			return err
		}
		if err := q.checkCurrent(m, r, receiptHandle, s.now()); err != nil {
			return err
		}
		q.remove(m)
		if q.cfg.fifo {
			q.signal() // the message's group may be receivable now
		}
		return nil
	})
}

// ChangeMessageVisibility makes an in-flight message visible again after timeout seconds
// from now. On a standard queue a handle from an earlier receive of a message received again
// changes the current receive's timeout, as on SQS; on a FIFO queue it has expired (see
// DeleteMessage). Errors: ErrQueueDoesNotExist, ErrReceiptHandleIsInvalid,
// ErrMessageNotInflight, ErrInvalidParameterValue.
func (s *Service) ChangeMessageVisibility(name, receiptHandle string, timeout int) error {
	if timeout < 0 || timeout > maxVisibilityTimeout {
		return errorf(ErrInvalidParameterValue, "Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200.", timeout)
	}
	return s.withQueue(name, func(q *queue) error {
		m, r, err := q.lookup(receiptHandle)
		if err != nil {
			return err
		}
		now := s.now()
		if m != nil && m.receiveSeq > 0 {
			if err := q.checkCurrent(m, r, receiptHandle, now); err != nil {
				return err
			}
		}
		if m == nil || m.receiveSeq == 0 || !now.Before(m.availableAt) {
			return errorf(ErrMessageNotInflight, "Message does not exist or is not available for visibility timeout change.")
		}
		m.availableAt = now.Add(time.Duration(timeout) * time.Second)
		q.signal()
		return nil
	})
}

// newUUID returns a random (version 4) UUID, the form of SQS message IDs.
func newUUID() string {
	id, _ := smithyrand.NewUUID(rand.Reader).GetUUID() // crypto/rand.Reader never fails
	return id
}

// maxMessageSize is the queue's MaximumMessageSize, also SQS's limit for a whole batch.
func (s *Service) maxMessageSize(name string) (size int, err error) {
	err = s.withQueue(name, func(q *queue) error {
		size = q.cfg.maximumMessage
		return nil
	})
	return size, err
}

// TagQueue adds or replaces the queue's tags. Like SQS it wants at least one tag and keeps
// at most 50 per queue. Errors: ErrQueueDoesNotExist, ErrMissingParameter,
// ErrInvalidParameterValue.
func (s *Service) TagQueue(name string, tags map[string]string) error {
	return s.withQueue(name, func(q *queue) error {
		if len(tags) == 0 {
			return errorf(ErrMissingParameter, "The request must contain the parameter Tags.")
		}
		n := len(q.tags)
		for k := range tags {
			if _, ok := q.tags[k]; !ok {
				n++
			}
		}
		if n > maxTags {
			return errorf(ErrInvalidParameterValue, "Too many tags added for queue %s.", name)
		}
		maps.Copy(q.tags, tags)
		return nil
	})
}

// UntagQueue removes the named tags.
func (s *Service) UntagQueue(name string, keys []string) error {
	return s.withQueue(name, func(q *queue) error {
		for _, k := range keys {
			delete(q.tags, k)
		}
		return nil
	})
}

// QueueTags returns a copy of the queue's tags.
func (s *Service) QueueTags(name string) (tags map[string]string, err error) {
	err = s.withQueue(name, func(q *queue) error {
		tags = maps.Clone(q.tags) // never nil: CreateQueue makes the map
		return nil
	})
	return tags, err
}

// DeadLetterSourceQueues lists the URLs of queues whose RedrivePolicy targets the queue.
func (s *Service) DeadLetterSourceQueues(name string) (urls []string, err error) {
	err = s.withQueue(name, func(q *queue) error {
		urls = []string{}
		for _, n := range slices.Sorted(maps.Keys(s.queues)) {
			if r := s.queues[n].cfg.redrive; r != nil && r.DeadLetterTargetARN == q.arn {
				urls = append(urls, s.queueURL(n))
			}
		}
		return nil
	})
	return urls, err
}

// checkCurrent fails a FIFO queue's receipt handle that is not the current receive's, or
// whose visibility timeout has ended, as SQS does. A standard queue's handle names the
// message whichever receive issued it.
func (q *queue) checkCurrent(m *message, r receipt, handle string, now time.Time) error {
	if q.cfg.fifo && (r.seq != m.receiveSeq || !now.Before(m.availableAt)) {
		return errorf(ErrInvalidParameterValue, "Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", handle)
	}
	return nil
}

// checkRedrive checks the dead-letter queue of a RedrivePolicy being set (in attrs, parsed
// into cfg) as SQS does: it must exist, in this region and account, and be of the queue's
// type; s.mu must be held. Errors: ErrInvalidParameterValue.
func (s *Service) checkRedrive(attrs map[string]string, cfg config) error {
	raw, ok := attrs["RedrivePolicy"]
	if !ok || cfg.redrive == nil {
		return nil
	}
	dlqName, _ := queueNameFromARN(cfg.redrive.DeadLetterTargetARN)
	dlq := s.queues[dlqName]
	if dlq == nil || dlq.arn != cfg.redrive.DeadLetterTargetARN {
		return errorf(ErrInvalidParameterValue, "Value %s for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.", raw)
	}
	if dlq.cfg.fifo != cfg.fifo {
		// Two full stops, as SQS writes it.
		return errorf(ErrInvalidParameterValue, "Value %s for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source..", raw)
	}
	return nil
}
