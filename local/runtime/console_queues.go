package runtime

import (
	"errors"
	"net/http"
	"time"

	"github.com/microshop/microshop/local/console"
	"github.com/microshop/microshop/local/sqsqueue"
)

// queueOut is a queue as the console's API answers it.
type queueOut struct {
	Name            string   `json:"name"`
	URL             string   `json:"url"`
	ARN             string   `json:"arn"`
	FIFO            bool     `json:"fifo"`
	Waiting         int      `json:"waiting"`
	InFlight        int      `json:"inFlight"`
	Delayed         int      `json:"delayed"`
	DeadLetterQueue string   `json:"deadLetterQueue,omitempty"`
	MaxReceiveCount int      `json:"maxReceiveCount,omitempty"`
	Sources         []string `json:"sources"` // queues whose dead-letter queue this is
}

type messageOut struct {
	MessageID      string                               `json:"messageId"`
	Body           string                               `json:"body"`
	Attributes     map[string]sqsqueue.MessageAttribute `json:"attributes"`
	ReceiveCount   int                                  `json:"receiveCount"`
	SentAt         time.Time                            `json:"sentAt"`
	VisibleAt      time.Time                            `json:"visibleAt"`
	State          string                               `json:"state"`
	GroupID        string                               `json:"groupId,omitempty"`
	DeadLetterFrom string                               `json:"deadLetterSourceArn,omitempty"`
}

type moveTaskOut struct {
	Status        string    `json:"status"`
	Destination   string    `json:"destinationArn,omitempty"`
	Moved         int       `json:"moved"`
	ToMove        int       `json:"toMove"`
	FailureReason string    `json:"failureReason,omitempty"`
	Started       time.Time `json:"started"`
}

func toQueueOut(v sqsqueue.QueueView) queueOut {
	return queueOut{
		Name: v.Name, URL: v.URL, ARN: v.ARN, FIFO: v.FIFO, Waiting: v.Waiting, InFlight: v.InFlight, Delayed: v.Delayed,
		DeadLetterQueue: v.DeadLetterQueue, MaxReceiveCount: v.MaxReceiveCount, Sources: v.Sources,
	}
}

func (rt *Runtime) registerQueues(c *console.Console) {
	shell(c, console.Page{Path: "queues", Title: "Queues", Summary: "every SQS queue with its messages and dead-letter queue; redrive and purge"},
		"queues.js", `<p id="queue-missing" class="bad" role="status" hidden></p>
<div class="scroll"><table id="queues"><thead><tr><th>queue</th><th>waiting</th><th>in flight</th><th>delayed</th><th>dead-letter queue</th></tr></thead><tbody></tbody></table></div>
<section id="queue" hidden><h2 id="queue-name"></h2><p id="queue-info" class="muted"></p>
<p class="actions"><button id="redrive" hidden>Redrive to source queue</button> <button id="purge" class="danger">Purge…</button> <span id="queue-status" role="status"></span></p>
<div id="tasks"></div>
<div class="scroll"><table id="messages"><thead><tr><th>message</th><th>state</th><th>receives</th><th>sent</th><th>visible at</th><th>body and attributes</th></tr></thead><tbody></tbody></table></div></section>`)
	c.HandleAPI("GET queues", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		console.WriteJSON(w, http.StatusOK, map[string]any{"queues": rt.queues()})
	}))
	c.HandleAPI("GET queues/stream", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		console.Stream(w, r, liveInterval, func() (any, error) { return map[string]any{"queues": rt.queues()}, nil })
	}))
	c.HandleAPI("GET queues/{name}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := rt.queue(r.PathValue("name"))
		if err != nil {
			writeQueueError(w, err)
			return
		}
		console.WriteJSON(w, http.StatusOK, v)
	}))
	c.HandleAPI("GET queues/{name}/stream", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if _, err := rt.queue(name); err != nil {
			writeQueueError(w, err)
			return
		}
		console.Stream(w, r, liveInterval, func() (any, error) { return rt.queue(name) })
	}))
	c.HandleAPI("POST queues/{name}/redrive", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		arn, err := rt.sqs.QueueARN(name)
		if err == nil {
			_, err = rt.sqs.StartMessageMoveTask(sqsqueue.MoveTaskInput{SourceARN: arn})
		}
		if err != nil {
			writeQueueError(w, err)
			return
		}
		v, err := rt.queue(name)
		if err != nil {
			writeQueueError(w, err)
			return
		}
		console.WriteJSON(w, http.StatusOK, v)
	}))
	c.HandleAPI("POST queues/{name}/purge", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		var in struct {
			Confirm string `json:"confirm"`
		}
		if !decodeBody(w, r, &in) {
			return
		}
		if in.Confirm != name {
			console.WriteError(w, http.StatusBadRequest, "ConfirmationRequired", `purging deletes every message: send {"confirm": "<the queue's name>"}`)
			return
		}
		if err := rt.sqs.PurgeQueue(name); err != nil {
			writeQueueError(w, err)
			return
		}
		v, err := rt.queue(name)
		if err != nil {
			writeQueueError(w, err)
			return
		}
		console.WriteJSON(w, http.StatusOK, v)
	}))
}

func (rt *Runtime) queues() []queueOut {
	views := rt.sqs.Queues()
	out := make([]queueOut, 0, len(views))
	for _, v := range views {
		out = append(out, toQueueOut(v))
	}
	return out
}

// queueDetail is a queue with its messages and, for a dead-letter queue, its move tasks.
type queueDetail struct {
	Queue     queueOut      `json:"queue"`
	Messages  []messageOut  `json:"messages"`
	MoveTasks []moveTaskOut `json:"moveTasks"`
}

func (rt *Runtime) queue(name string) (queueDetail, error) {
	v, msgs, err := rt.sqs.Inspect(name)
	if err != nil {
		return queueDetail{}, err
	}
	d := queueDetail{Queue: toQueueOut(v), Messages: make([]messageOut, 0, len(msgs)), MoveTasks: []moveTaskOut{}}
	for _, m := range msgs {
		d.Messages = append(d.Messages, messageOut{
			MessageID: m.MessageID, Body: m.Body, Attributes: m.Attributes, ReceiveCount: m.ReceiveCount,
			SentAt: m.SentAt, VisibleAt: m.VisibleAt, State: m.State, GroupID: m.GroupID, DeadLetterFrom: m.DeadLetterFrom,
		})
	}
	tasks, err := rt.sqs.ListMessageMoveTasks(v.ARN, 10)
	if err != nil {
		return queueDetail{}, err
	}
	for _, t := range tasks {
		d.MoveTasks = append(d.MoveTasks, moveTaskOut{
			Status: t.Status, Destination: t.DestinationARN, Moved: t.Moved, ToMove: t.ToMove, FailureReason: t.FailureReason, Started: t.Started,
		})
	}
	return d, nil
}

// writeQueueError answers an SQS error with its status and code.
func writeQueueError(w http.ResponseWriter, err error) {
	var e *sqsqueue.Error
	if errors.As(err, &e) && e.Sender {
		console.WriteError(w, e.Status, e.Code, e.Message)
		return
	}
	console.WriteError(w, http.StatusInternalServerError, "InternalFailure", err.Error())
}
