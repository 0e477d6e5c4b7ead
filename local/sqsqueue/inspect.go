package sqsqueue

import (
	"maps"
	"slices"
	"time"
)

// QueueView is what the local console shows of a queue: its counts, its dead-letter queue and
// the queues that use it as theirs, and every message it holds.
type QueueView struct {
	Name, URL, ARN string
	FIFO           bool
	// Waiting, InFlight and Delayed are ApproximateNumberOfMessages, ...NotVisible and
	// ...Delayed.
	Waiting, InFlight, Delayed int
	// DeadLetterQueue is the name of the queue's RedrivePolicy target, MaxReceiveCount its
	// limit; empty and 0 without a policy.
	DeadLetterQueue string
	MaxReceiveCount int
	// Sources are the names of the queues whose dead-letter queue this is.
	Sources []string
}

// MessageView is one message as the console shows it.
type MessageView struct {
	MessageID    string
	Body         string
	Attributes   map[string]MessageAttribute
	ReceiveCount int
	SentAt       time.Time
	// VisibleAt is when the message can next be received (past for a waiting message).
	VisibleAt time.Time
	// State is "waiting", "in flight" or "delayed".
	State          string
	GroupID        string
	DeadLetterFrom string // DeadLetterQueueSourceArn
}

// Queues describes every queue, by name.
func (s *Service) Queues() []QueueView {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]QueueView, 0, len(s.queues))
	for _, name := range slices.Sorted(maps.Keys(s.queues)) {
		out = append(out, s.view(s.queues[name], now))
	}
	return out
}

// Inspect describes the named queue and lists its messages in the order they were sent,
// without receiving them: their visibility and receive counts do not change. Errors:
// ErrQueueDoesNotExist.
func (s *Service) Inspect(name string) (v QueueView, msgs []MessageView, err error) {
	err = s.withQueue(name, func(q *queue) error {
		now := s.now()
		v = s.view(q, now)
		msgs = []MessageView{}
		for _, m := range q.msgs {
			if m.deleted || q.expired(m, now) {
				continue
			}
			mv := MessageView{
				MessageID: m.id, Body: m.body, Attributes: maps.Clone(m.attrs), ReceiveCount: m.receiveCount,
				SentAt: m.sentAt, VisibleAt: m.availableAt, State: state(m, now), GroupID: m.groupID,
				DeadLetterFrom: m.dlqSource,
			}
			if mv.Attributes == nil {
				mv.Attributes = map[string]MessageAttribute{}
			}
			msgs = append(msgs, mv)
		}
		return nil
	})
	return v, msgs, err
}

func state(m *message, now time.Time) string {
	switch {
	case !now.Before(m.availableAt):
		return "waiting"
	case m.receiveSeq == 0:
		return "delayed"
	default:
		return "in flight"
	}
}

// view describes q; s.mu must be held.
func (s *Service) view(q *queue, now time.Time) QueueView {
	v := QueueView{Name: q.name, URL: s.queueURL(q.name), ARN: q.arn, FIFO: q.cfg.fifo, Sources: []string{}}
	for _, m := range q.msgs {
		if m.deleted || q.expired(m, now) {
			continue
		}
		switch state(m, now) {
		case "waiting":
			v.Waiting++
		case "delayed":
			v.Delayed++
		default:
			v.InFlight++
		}
	}
	if r := q.cfg.redrive; r != nil {
		v.DeadLetterQueue, _ = queueNameFromARN(r.DeadLetterTargetARN)
		v.MaxReceiveCount = r.MaxReceiveCount
	}
	for _, n := range slices.Sorted(maps.Keys(s.queues)) {
		if r := s.queues[n].cfg.redrive; r != nil && r.DeadLetterTargetARN == q.arn {
			v.Sources = append(v.Sources, n)
		}
	}
	return v
}
