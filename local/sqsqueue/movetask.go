package sqsqueue

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// Message move task statuses, as ListMessageMoveTasks reports them.
const (
	MoveRunning   = "RUNNING"
	MoveCompleted = "COMPLETED"
	MoveCancelled = "CANCELLED"
	MoveFailed    = "FAILED"
)

// maxMoveTasksListed is ListMessageMoveTasks' MaxResults limit; older tasks are forgotten.
const maxMoveTasksListed = 10

// MoveTaskInput is StartMessageMoveTask's request.
type MoveTaskInput struct {
	// SourceARN is the dead-letter queue to move messages out of.
	SourceARN string
	// DestinationARN receives every message; empty sends each message back to the queue it
	// was dead-lettered from (its DeadLetterQueueSourceArn).
	DestinationARN string
	// MaxPerSecond limits the rate (1 to 500); 0 moves everything at once.
	MaxPerSecond int
}

// MoveTask is a message move task as ListMessageMoveTasks reports it.
type MoveTask struct {
	// TaskHandle is set while the task runs (to cancel it).
	TaskHandle     string
	Status         string
	SourceARN      string
	DestinationARN string
	MaxPerSecond   int
	Moved, ToMove  int
	FailureReason  string
	Started        time.Time
}

type moveTask struct {
	MoveTask
	handle string
	stop   chan struct{}
}

// StartMessageMoveTask starts moving the messages of a dead-letter queue back to their
// source queues (or to DestinationARN) and returns the task's handle. Only one task may run
// per source queue. Errors: ErrMissingParameter, ErrInvalidParameterValue (the source is no
// queue's dead-letter queue, a task runs already, a bad rate), ErrResourceNotFound.
func (s *Service) StartMessageMoveTask(in MoveTaskInput) (string, error) {
	if in.SourceARN == "" {
		return "", errorf(ErrMissingParameter, "The request must contain the parameter SourceArn.")
	}
	if in.MaxPerSecond != 0 && (in.MaxPerSecond < 1 || in.MaxPerSecond > 500) {
		return "", errorf(ErrInvalidParameterValue, "Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500.", in.MaxPerSecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.queueByARN(in.SourceARN, "SourceArn")
	if err != nil {
		return "", err
	}
	if len(s.view(src, s.now()).Sources) == 0 {
		return "", errorf(ErrInvalidParameterValue, "Source queue must be configured as a Dead Letter Queue.")
	}
	if in.DestinationARN != "" {
		if _, err := s.queueByARN(in.DestinationARN, "DestinationArn"); err != nil {
			return "", err
		}
	}
	for _, t := range s.moves[src.arn] {
		if t.Status == MoveRunning {
			return "", errorf(ErrInvalidParameterValue, "There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
		}
	}
	now := s.now()
	t := &moveTask{stop: make(chan struct{})}
	t.MoveTask = MoveTask{
		Status: MoveRunning, SourceARN: src.arn, DestinationARN: in.DestinationARN,
		MaxPerSecond: in.MaxPerSecond, Started: now,
	}
	for _, m := range src.msgs {
		if !m.deleted && !src.expired(m, now) {
			t.ToMove++
		}
	}
	raw, _ := json.Marshal(map[string]string{"taskId": newUUID(), "sourceArn": src.arn}) // strings always marshal
	t.handle = base64.StdEncoding.EncodeToString(raw)
	tasks := append([]*moveTask{t}, s.moves[src.arn]...)
	s.moves[src.arn] = tasks[:min(len(tasks), maxMoveTasksListed)]
	if in.MaxPerSecond == 0 {
		s.moveSome(src, t, 0)
		return t.handle, nil
	}
	go s.runMoveTask(src.name, t)
	return t.handle, nil
}

// runMoveTask moves MaxPerSecond messages a second until the task ends.
func (s *Service) runMoveTask(source string, t *moveTask) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		s.mu.Lock()
		q := s.queues[source]
		if q == nil {
			t.Status, t.FailureReason = MoveFailed, "The source queue was deleted."
		} else if t.Status == MoveRunning {
			s.moveSome(q, t, t.MaxPerSecond)
		}
		running := t.Status == MoveRunning
		s.mu.Unlock()
		if !running {
			return
		}
		select {
		case <-tick.C:
		case <-t.stop:
		}
	}
}

// moveSome moves up to n (0: every) receivable message of q and ends the task when nothing
// is left to move; s.mu must be held. Messages in flight stay: their consumer has them.
func (s *Service) moveSome(q *queue, t *moveTask, n int) {
	now := s.now()
	movedNow := 0
	for _, m := range q.msgs {
		if n > 0 && movedNow == n {
			return
		}
		if m.deleted || q.expired(m, now) || now.Before(m.availableAt) {
			continue
		}
		dest, err := s.moveDestination(q, t, m)
		if err != nil {
			t.Status, t.FailureReason = MoveFailed, err.Error()
			return
		}
		q.remove(m)
		moved := &message{
			id: m.id, body: m.body, md5: m.md5, attrs: m.attrs, sysAttrs: m.sysAttrs, size: m.size,
			sentAt: now, availableAt: now, senderID: m.senderID, groupID: m.groupID, dedupID: m.dedupID,
		}
		if dest.cfg.fifo {
			dest.fifoSeq++
			moved.sequenceNum = fmt.Sprintf("%020d", uint64(18_000_000_000_000_000_000)+dest.fifoSeq)
			if moved.groupID == "" {
				moved.groupID = "default"
			}
		}
		dest.push(moved)
		dest.signal()
		t.Moved++
		movedNow++
	}
	q.compact()
	t.Status = MoveCompleted
}

// moveDestination is where m goes: the task's destination, else the queue m was
// dead-lettered from, else the source's only source queue (a message sent straight to the
// dead-letter queue has no DeadLetterQueueSourceArn).
func (s *Service) moveDestination(q *queue, t *moveTask, m *message) (*queue, error) {
	arn := t.DestinationARN
	if arn == "" {
		arn = m.dlqSource
	}
	if arn == "" {
		if srcs := s.view(q, s.now()).Sources; len(srcs) == 1 {
			return s.queues[srcs[0]], nil
		}
		return nil, fmt.Errorf("message %s has no DeadLetterQueueSourceArn and the task no DestinationArn", m.id)
	}
	name, _ := queueNameFromARN(arn)
	dest := s.queues[name]
	if dest == nil {
		return nil, fmt.Errorf("destination queue %s does not exist", arn)
	}
	return dest, nil
}

// ListMessageMoveTasks lists the most recent move tasks of a source queue, newest first, at
// most maxResults (1 to 10; 0 means 1). Errors: ErrMissingParameter, ErrResourceNotFound,
// ErrInvalidParameterValue.
func (s *Service) ListMessageMoveTasks(sourceARN string, maxResults int) ([]MoveTask, error) {
	if sourceARN == "" {
		return nil, errorf(ErrMissingParameter, "The request must contain the parameter SourceArn.")
	}
	if maxResults == 0 {
		maxResults = 1
	}
	if maxResults < 1 || maxResults > maxMoveTasksListed {
		return nil, errorf(ErrInvalidParameterValue, "Value %d for parameter MaxResults is invalid. Reason: Must be between 1 and 10.", maxResults)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.queueByARN(sourceARN, "SourceArn")
	if err != nil {
		return nil, err
	}
	out := []MoveTask{}
	for _, t := range s.moves[src.arn] {
		if len(out) == maxResults {
			break
		}
		v := t.MoveTask
		if v.Status == MoveRunning {
			v.TaskHandle = t.handle
		}
		out = append(out, v)
	}
	return out, nil
}

// CancelMessageMoveTask stops a running task and returns how many messages it moved; the
// moved messages stay where they are. Errors: ErrResourceNotFound (no such task),
// ErrInvalidParameterValue (the task is not running).
func (s *Service) CancelMessageMoveTask(handle string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tasks := range s.moves {
		for _, t := range tasks {
			if t.handle != handle {
				continue
			}
			if t.Status != MoveRunning {
				return 0, errorf(ErrInvalidParameterValue, "Only active tasks can be cancelled.")
			}
			t.Status = MoveCancelled
			close(t.stop)
			return t.Moved, nil
		}
	}
	return 0, errorf(ErrResourceNotFound, "The resource that you specified for the TaskHandle parameter doesn't exist.")
}

// queueByARN returns the queue an ARN names; s.mu must be held. param names the request
// parameter in errors.
func (s *Service) queueByARN(arn, param string) (*queue, error) {
	name, err := queueNameFromARN(arn)
	if err != nil {
		return nil, errorf(ErrInvalidParameterValue, "Value %s for parameter %s is invalid. Reason: Invalid queue ARN.", arn, param)
	}
	q := s.queues[name]
	if q == nil || q.arn != arn {
		return nil, errorf(ErrResourceNotFound, "The resource that you specified for the %s parameter doesn't exist.", param)
	}
	return q, nil
}

func startMessageMoveTask(c *call) (any, error) {
	var in struct {
		SourceArn, DestinationArn    string
		MaxNumberOfMessagesPerSecond int
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	h, err := c.svc.StartMessageMoveTask(MoveTaskInput{SourceARN: in.SourceArn, DestinationARN: in.DestinationArn, MaxPerSecond: in.MaxNumberOfMessagesPerSecond})
	if err != nil {
		return nil, err
	}
	return map[string]string{"TaskHandle": h}, nil
}

type moveTaskOut struct {
	TaskHandle                        string `json:",omitempty"`
	Status                            string
	SourceArn                         string
	DestinationArn                    string `json:",omitempty"`
	MaxNumberOfMessagesPerSecond      int    `json:",omitempty"`
	ApproximateNumberOfMessagesMoved  int64
	ApproximateNumberOfMessagesToMove int64
	FailureReason                     string `json:",omitempty"`
	StartedTimestamp                  int64
}

func listMessageMoveTasks(c *call) (any, error) {
	var in struct {
		SourceArn  string
		MaxResults int
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	tasks, err := c.svc.ListMessageMoveTasks(in.SourceArn, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := make([]moveTaskOut, 0, len(tasks))
	for _, t := range tasks {
		out = append(out, moveTaskOut{
			TaskHandle: t.TaskHandle, Status: t.Status, SourceArn: t.SourceARN, DestinationArn: t.DestinationARN,
			MaxNumberOfMessagesPerSecond: t.MaxPerSecond, ApproximateNumberOfMessagesMoved: int64(t.Moved),
			ApproximateNumberOfMessagesToMove: int64(t.ToMove), FailureReason: t.FailureReason,
			StartedTimestamp: t.Started.UnixMilli(),
		})
	}
	return map[string]any{"Results": out}, nil
}

func cancelMessageMoveTask(c *call) (any, error) {
	var in struct{ TaskHandle string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.TaskHandle == "" {
		return nil, errorf(ErrMissingParameter, "The request must contain the parameter TaskHandle.")
	}
	n, err := c.svc.CancelMessageMoveTask(in.TaskHandle)
	if err != nil {
		return nil, err
	}
	return map[string]int64{"ApproximateNumberOfMessagesMoved": int64(n)}, nil
}
