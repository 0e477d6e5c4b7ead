package sqsqueue

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/microshop/microshop/local/internal/batchresponse"
	"github.com/microshop/microshop/local/internal/esmfilter"
	"github.com/microshop/microshop/local/lambdahost"
)

// DefaultPollers is how many batches a mapping keeps in flight unless MappingConfig.Pollers
// says otherwise.
const DefaultPollers = 5

// MappingConfig configures an SQS event source mapping (AWS::Lambda::EventSourceMapping).
type MappingConfig struct {
	QueueName string
	// Function is the function's name as Invoker knows it.
	Function string
	Invoker  lambdahost.Invoker
	// BatchSize is the most records per invocation: default 10, up to 10 for FIFO queues and
	// 10000 for standard ones (more than 10 needs a MaximumBatchingWindow, as in Lambda).
	BatchSize int
	// MaximumBatchingWindow is how long to keep gathering messages for a batch that is not
	// full yet; 0 invokes with whatever the first receive returned. At most 5 minutes.
	MaximumBatchingWindow time.Duration
	// ReportBatchItemFailures is FunctionResponseTypes: [ReportBatchItemFailures].
	ReportBatchItemFailures bool
	// Enabled must be true for Start to poll (CloudFormation's default is true; callers
	// translating a template set it unless the template says false).
	Enabled bool
	// Filters are FilterCriteria's patterns (EventBridge pattern JSON, at most 5): a message
	// whose body (decoded when it is JSON) matches none of them under the key "body" is
	// deleted without invoking the function, as Lambda does. None: every message is delivered.
	Filters []json.RawMessage
	// Pollers is how many batches may be in flight at once; default DefaultPollers. FIFO groups stay in
	// order regardless: the queue never hands out a group that has a message in flight.
	Pollers int
}

// Mapping polls a queue and invokes a function with batches of its messages the way Lambda's
// SQS event source mapping does: a successful invocation deletes the batch; a failed one
// leaves the messages to reappear after the visibility timeout, so the queue's redrive policy
// moves them to its dead-letter queue after maxReceiveCount attempts.
type Mapping struct {
	svc     *Service
	cfg     MappingConfig
	filters *esmfilter.Filters
	arn     string
	fifo    bool
	mu      sync.Mutex
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// NewMapping validates cfg against the queue and returns a stopped mapping. Errors:
// ErrQueueDoesNotExist, ErrInvalidParameterValue.
func NewMapping(svc *Service, cfg MappingConfig) (*Mapping, error) {
	svc.mu.Lock()
	q, err := svc.get(cfg.QueueName)
	var arn string
	var fifo bool
	if err == nil {
		arn, fifo = q.arn, q.cfg.fifo
	}
	svc.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("event source mapping for %s: %w", cfg.QueueName, err)
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 10
	}
	if cfg.Pollers == 0 {
		cfg.Pollers = DefaultPollers
	}
	invalid := func(format string, args ...any) error {
		return fmt.Errorf("event source mapping for %s: %w", cfg.QueueName, errorf(ErrInvalidParameterValue, format, args...))
	}
	switch {
	case cfg.Function == "" || cfg.Invoker == nil:
		return nil, invalid("a function and an invoker are required")
	case cfg.BatchSize < 1 || cfg.BatchSize > 10000 || fifo && cfg.BatchSize > 10:
		return nil, invalid("BatchSize %d is out of range (1-10 for FIFO queues, 1-10000 otherwise)", cfg.BatchSize)
	case cfg.BatchSize > 10 && cfg.MaximumBatchingWindow < time.Second:
		return nil, invalid("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
	case cfg.MaximumBatchingWindow < 0 || cfg.MaximumBatchingWindow > 5*time.Minute:
		return nil, invalid("MaximumBatchingWindow must be between 0 and 300 seconds")
	case cfg.Pollers < 1:
		return nil, invalid("Pollers must be positive")
	}
	filters, err := esmfilter.Compile(cfg.Filters)
	if err != nil {
		return nil, invalid("%v", err)
	}
	return &Mapping{svc: svc, cfg: cfg, filters: filters, arn: arn, fifo: fifo}, nil
}

// Start begins polling; it does nothing when the mapping is disabled or already running.
func (m *Mapping) Start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.cfg.Enabled || m.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	for range m.cfg.Pollers {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.poll(ctx)
		}()
	}
}

// SetEnabled enables or disables the mapping, as UpdateEventSourceMapping's Enabled does: a
// disabled mapping stops polling (batches in flight finish), an enabled one starts.
func (m *Mapping) SetEnabled(enabled bool) {
	m.mu.Lock()
	m.cfg.Enabled = enabled
	m.mu.Unlock()
	if enabled {
		m.Start()
	} else {
		m.Stop()
	}
}

// Stop stops polling and waits for batches being processed to finish: their invocations
// run to completion so their outcome (delete or retry) is applied.
func (m *Mapping) Stop() {
	m.mu.Lock()
	cancel := m.cancel
	m.cancel = nil
	m.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	m.wg.Wait()
}

func (m *Mapping) poll(ctx context.Context) {
	for ctx.Err() == nil {
		batch, err := m.gather(ctx)
		if err != nil {
			m.svc.log.Warn("sqs: event source mapping cannot receive; retrying in 1s",
				"queue", m.cfg.QueueName, "function", m.cfg.Function, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		if len(batch) > 0 {
			m.process(ctx, batch)
		}
	}
}

// gather long-polls for a batch, then keeps receiving until it is full or the batching
// window closes.
func (m *Mapping) gather(ctx context.Context) ([]Message, error) {
	wait := maxWaitTimeSeconds
	first, err := m.svc.Receive(ctx, m.cfg.QueueName, ReceiveInput{
		MaxNumberOfMessages: min(m.cfg.BatchSize, maxBatchEntries), WaitTimeSeconds: &wait,
	})
	if err != nil || len(first) == 0 || len(first) >= m.cfg.BatchSize || m.cfg.MaximumBatchingWindow == 0 {
		return first, err
	}
	batch := first
	wctx, cancel := context.WithTimeout(ctx, m.cfg.MaximumBatchingWindow)
	defer cancel()
	for len(batch) < m.cfg.BatchSize && wctx.Err() == nil {
		more, err := m.svc.Receive(wctx, m.cfg.QueueName, ReceiveInput{
			MaxNumberOfMessages: min(m.cfg.BatchSize-len(batch), maxBatchEntries), WaitTimeSeconds: &wait,
		})
		if err != nil {
			break // invoke with what we have; the next gather reports the error
		}
		batch = append(batch, more...)
	}
	return batch, nil
}

// process invokes the function with one batch and applies the outcome.
func (m *Mapping) process(ctx context.Context, batch []Message) {
	if batch = m.filter(batch); len(batch) == 0 {
		return
	}
	payload, err := json.Marshal(m.event(batch))
	if err != nil {
		m.svc.log.Error("sqs: cannot encode event; batch returns after visibility timeout", "queue", m.cfg.QueueName, "err", err)
		return
	}
	// The invocation outlives Stop so its outcome is applied, not lost.
	res, err := m.cfg.Invoker.Invoke(context.WithoutCancel(ctx), m.cfg.Function, payload)
	log := m.svc.log.With("queue", m.cfg.QueueName, "function", m.cfg.Function, "records", len(batch))
	switch {
	case err != nil:
		log.Warn("sqs: invocation did not run; batch returns after visibility timeout", "err", err)
		return
	case res.Error != nil:
		log.Info("sqs: function failed; batch returns after visibility timeout", "err", res.Error)
		return
	}
	failed := map[string]bool{}
	if m.cfg.ReportBatchItemFailures {
		ids := make(map[string]bool, len(batch))
		for _, msg := range batch {
			ids[msg.MessageID] = true
		}
		var ok bool
		if failed, ok = batchItemFailures(res.Payload, ids); !ok {
			log.Info("sqs: invalid batch item failures response; whole batch returns after visibility timeout",
				"response", string(res.Payload))
			return
		}
	}
	for _, msg := range batch {
		if failed[msg.MessageID] {
			continue
		}
		if err := m.svc.DeleteMessage(m.cfg.QueueName, msg.ReceiptHandle); err != nil {
			log.Warn("sqs: cannot delete processed message", "messageId", msg.MessageID, "err", err)
		}
	}
}

// filter deletes the messages that match none of the mapping's filters, as Lambda does, and
// returns the others.
func (m *Mapping) filter(batch []Message) []Message {
	if m.filters.Empty() {
		return batch
	}
	kept := batch[:0]
	for _, msg := range batch {
		if m.filters.MatchSQSBody(msg.Body) {
			kept = append(kept, msg)
			continue
		}
		if err := m.svc.DeleteMessage(m.cfg.QueueName, msg.ReceiptHandle); err != nil {
			m.svc.log.Warn("sqs: cannot delete a message the filters drop", "queue", m.cfg.QueueName, "messageId", msg.MessageID, "err", err)
		}
	}
	return kept
}

// batchItemFailures reads a partial batch response (see batchresponse.ItemIdentifiers); an
// identifier not in the batch also fails the whole batch (ok false).
func batchItemFailures(payload []byte, batch map[string]bool) (failed map[string]bool, ok bool) {
	ids, ok := batchresponse.ItemIdentifiers(payload)
	if !ok {
		return nil, false
	}
	failed = make(map[string]bool, len(ids))
	for _, id := range ids {
		if !batch[id] {
			return nil, false
		}
		failed[id] = true
	}
	return failed, true
}

// sqsEvent and record mirror events.SQSEvent as Lambda sends it. They exist because
// events.SQSMessage cannot leave md5OfMessageAttributes null for a message without
// attributes, as Lambda does.
type sqsEvent struct {
	Records []record `json:"Records"`
}

type record struct {
	MessageID              string                     `json:"messageId"`
	ReceiptHandle          string                     `json:"receiptHandle"`
	Body                   string                     `json:"body"`
	Attributes             map[string]string          `json:"attributes"`
	MessageAttributes      map[string]recordAttribute `json:"messageAttributes"`
	MD5OfMessageAttributes *string                    `json:"md5OfMessageAttributes"`
	MD5OfBody              string                     `json:"md5OfBody"`
	EventSource            string                     `json:"eventSource"`
	EventSourceARN         string                     `json:"eventSourceARN"`
	AWSRegion              string                     `json:"awsRegion"`
}

type recordAttribute struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      []byte   `json:"binaryValue,omitempty"`
	StringListValues []string `json:"stringListValues"`
	BinaryListValues [][]byte `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

// recordAttributeNames are the system attributes Lambda puts in a record, when they apply.
var recordAttributeNames = []string{
	"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
	"SequenceNumber", "MessageGroupId", "MessageDeduplicationId", "AWSTraceHeader",
	"DeadLetterQueueSourceArn",
}

func (m *Mapping) event(batch []Message) sqsEvent {
	ev := sqsEvent{Records: make([]record, 0, len(batch))}
	for _, msg := range batch {
		r := record{
			MessageID: msg.MessageID, ReceiptHandle: msg.ReceiptHandle, Body: msg.Body,
			Attributes: map[string]string{}, MessageAttributes: map[string]recordAttribute{},
			MD5OfBody: msg.MD5OfBody, EventSource: "aws:sqs", EventSourceARN: m.arn,
			AWSRegion: m.svc.region,
		}
		for _, n := range recordAttributeNames {
			if v, ok := msg.Attributes[n]; ok && (v != "" || n == "MessageDeduplicationId") {
				if !m.fifo && n == "MessageGroupId" {
					continue
				}
				r.Attributes[n] = v
			}
		}
		for n, a := range msg.MessageAttributes {
			ra := recordAttribute{DataType: a.DataType, StringListValues: []string{}, BinaryListValues: [][]byte{}}
			if a.isBinary() {
				ra.BinaryValue = a.BinaryValue
			} else {
				v := a.StringValue
				ra.StringValue = &v
			}
			r.MessageAttributes[n] = ra
		}
		if d := md5OfAttributes(msg.MessageAttributes); d != "" {
			r.MD5OfMessageAttributes = &d
		}
		ev.Records = append(ev.Records, r)
	}
	return ev
}

// String describes the mapping for logs.
func (m *Mapping) String() string {
	return m.cfg.QueueName + " -> " + m.cfg.Function
}
