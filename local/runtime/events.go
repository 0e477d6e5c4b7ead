package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/lambdahost"
	"github.com/microshop/microshop/local/record"
	"github.com/microshop/microshop/local/sqsqueue"
	"github.com/microshop/microshop/local/streamsource"
	"github.com/microshop/microshop/local/template"
)

// arnIndex maps the local ARNs of the template's functions and queues to their names, so
// rule targets, dead-letter configs and event source mappings written as ARNs find them.
type arnIndex struct {
	functions map[string]string // function ARN → function name
	queues    map[string]string // queue ARN → queue name
}

func (rt *Runtime) indexARNs() *arnIndex {
	idx := &arnIndex{functions: map[string]string{}, queues: map[string]string{}}
	for _, fn := range rt.model.Functions {
		idx.functions[fn.ARN] = fn.Name
	}
	for _, q := range rt.model.Queues {
		idx.queues[q.ARN] = q.Name
	}
	return idx
}

// function resolves a function reference as templates write it: a name, an ARN, or an ARN
// with a version or alias qualifier.
func (idx *arnIndex) function(ref string) (string, bool) {
	if name, ok := idx.functions[ref]; ok {
		return name, true
	}
	for arn, name := range idx.functions {
		if ref == name || strings.HasPrefix(ref, arn+":") {
			return name, true
		}
	}
	return "", false
}

// startEvents serves SQS and EventBridge on the edge with the template's queues, buses and
// rules, and starts the event source mappings from queues to functions.
func (rt *Runtime) startEvents(gw *edge.Edge, logw io.Writer) error {
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rt.log = log
	rt.sqs = sqsqueue.New(sqsqueue.Options{Region: rt.model.Region, AccountID: rt.model.AccountID, BaseURL: rt.edgeURL, Log: log})
	gw.Handle(edge.SQS, rt.recordEdge(record.KindSend, map[string]bool{"SendMessage": true, "SendMessageBatch": true}, rt.sqs))
	if err := rt.createQueues(); err != nil {
		return err
	}

	interval := time.Duration(0) // eventbus's default
	if rt.noScheduleTimer {
		interval = -1
	}
	var recordEvent func(eventbus.Put) // the console's event log, off with Config.NoRecording
	if rt.rec != nil {
		recordEvent = rt.eventLog.add
	}
	rt.events = eventbus.New(eventbus.Options{
		Region: rt.model.Region, AccountID: rt.model.AccountID, Log: log,
		Clock: rt.clock, ScheduleInterval: interval,
		DeadLetter: rt.deadLetter(log),
		Record:     recordEvent,
		// Targets added with PutTargets reach the same functions and queues as the template's.
		Connect: func(t eventbus.Target) func(context.Context, []byte) error {
			return rt.recordTarget("", t.ARN, rt.deliverTo(t.ARN, t.MessageGroupID))
		},
	})
	rt.closers = append(rt.closers, rt.events.Close)
	gw.Handle(edge.EventBridge, rt.recordEdge(record.KindPutEvents, map[string]bool{"PutEvents": true}, rt.faults.EventBridge(rt.events)))
	if err := rt.addRules(); err != nil {
		return err
	}
	if err := rt.addSchedules(); err != nil {
		return err
	}
	gw.HandlePrefix(SchedulesPath, rt.schedulesHandler())
	return rt.startMappings(log)
}

// createQueues creates each queue after its dead-letter queue, so the redrive target exists
// (SQS refuses a RedrivePolicy naming a missing queue): DLQs of DLQs work too.
func (rt *Runtime) createQueues() error {
	inTemplate := map[string]bool{}
	for _, q := range rt.model.Queues {
		inTemplate[q.ARN] = true
	}
	created := map[string]bool{}
	pending := rt.model.Queues // logical-ID order
	for len(pending) > 0 {
		var later []*template.Queue
		for _, q := range pending {
			if r := q.RedrivePolicy; r != nil && inTemplate[r.DeadLetterTargetARN] && !created[r.DeadLetterTargetARN] {
				later = append(later, q)
				continue
			}
			if err := rt.createQueue(q); err != nil {
				return err
			}
			created[q.ARN] = true
		}
		if len(later) == len(pending) { // a redrive cycle: no order works
			for _, q := range later {
				if err := rt.createQueue(q); err != nil {
					return err
				}
			}
			break
		}
		pending = later
	}
	return nil
}

// createQueue creates a template queue. SQS refuses a dead-letter queue that does not exist;
// one outside the template (another stack's) exists on AWS but not here, so such a queue is
// served without redrive rather than not at all: its messages stay in it, nothing is dropped.
func (rt *Runtime) createQueue(q *template.Queue) error {
	attrs := sqsqueue.TemplateAttributes(q)
	_, err := rt.sqs.CreateQueue(q.Name, attrs)
	if err != nil && attrs["RedrivePolicy"] != "" && errors.Is(err, sqsqueue.ErrInvalidParameterValue) {
		rt.log.Warn("queue served without its redrive policy", slog.String("queue", q.Name), slog.Any("error", err))
		delete(attrs, "RedrivePolicy")
		_, err = rt.sqs.CreateQueue(q.Name, attrs)
	}
	if err != nil {
		return fmt.Errorf("queue %s: %w", q.LogicalID, err)
	}
	return nil
}

func (rt *Runtime) addRules() error {
	for _, b := range rt.model.EventBuses {
		if err := rt.events.AddBus(b.Name); err != nil {
			return fmt.Errorf("event bus %s: %w", b.LogicalID, err)
		}
	}
	for _, r := range rt.model.Rules {
		rule := eventbus.Rule{Name: r.Name, Bus: r.EventBusName, Pattern: r.EventPattern, ScheduleExpression: r.ScheduleExpression,
			State: r.State, Description: r.Description}
		for _, t := range r.Targets {
			target := eventbus.Target{
				ID: t.ID, ARN: t.ARN, Input: t.Input, InputPath: t.InputPath,
				RetryPolicy: &eventbus.RetryPolicy{
					MaximumRetryAttempts:     t.RetryPolicy.MaximumRetryAttempts,
					MaximumEventAgeInSeconds: t.RetryPolicy.MaximumEventAgeInSeconds,
				},
				DeadLetterARN:  t.DeadLetterARN,
				MessageGroupID: t.MessageGroupID,
			}
			if tr := t.InputTransformer; tr != nil {
				target.InputTransformer = &eventbus.InputTransformer{InputPathsMap: tr.InputPathsMap, InputTemplate: tr.InputTemplate}
			}
			target.Deliver = rt.recordTarget(r.Name, t.ARN, rt.deliverTo(t.ARN, t.MessageGroupID))
			rule.Targets = append(rule.Targets, target)
		}
		if err := rt.events.AddRule(rule); err != nil {
			return fmt.Errorf("rule %s: %w", r.LogicalID, err)
		}
	}
	return nil
}

// queueName is the name of the local queue an SQS ARN names: one of the template's, or one
// created at run time (`aws sqs create-queue`) in the model's region and account. Whether
// the queue exists is checked when a message is sent.
func (rt *Runtime) queueName(arn string) (string, bool) {
	if name, ok := rt.arns.queues[arn]; ok {
		return name, true
	}
	// arn:<partition>:sqs:<region>:<account>:<name>
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" ||
		parts[3] != rt.model.Region || parts[4] != rt.model.AccountID || parts[5] == "" {
		return "", false
	}
	return parts[5], true
}

// deliverTo returns how a rule target receives an event. A function is invoked
// asynchronously, as EventBridge does: delivery succeeds once Lambda accepts the event, and
// function errors go through Lambda's own retries, then the function's DLQ or on-failure
// destination; the rule's retry policy and DLQ cover events Lambda does not accept. A queue is
// sent the event.
func (rt *Runtime) deliverTo(arn, groupID string) func(context.Context, []byte) error {
	if name, ok := rt.arns.function(arn); ok {
		return func(_ context.Context, payload []byte) error {
			_, err := rt.lambdaAPI.InvokeAsync(name, payload)
			return err
		}
	}
	if name, ok := rt.queueName(arn); ok {
		return func(ctx context.Context, payload []byte) error {
			in := sqsqueue.SendInput{Body: string(payload), GroupID: groupID}
			if h := eventbus.TraceHeaderOf(ctx); h != "" {
				// EventBridge passes the entry's trace on to an SQS target.
				in.SystemAttributes = map[string]sqsqueue.MessageAttribute{"AWSTraceHeader": {DataType: "String", StringValue: h}}
			}
			if strings.HasSuffix(name, ".fifo") && groupID == "" {
				in.GroupID = "default"
			}
			_, err := rt.sqs.Send(name, in)
			return err
		}
	}
	// A target outside the stack (another stack's function, say) cannot be reached
	// locally: every delivery fails as one to a missing function does on AWS, so the rule's
	// retry policy and dead-letter queue apply.
	rt.log.Warn("rule target is not a local function or queue; deliveries to it fail", slog.String("target", arn))
	return func(context.Context, []byte) error {
		return fmt.Errorf("ResourceNotFoundException: target %s is not served locally", arn)
	}
}

// deadLetter sends an event whose delivery was given up to the target's DLQ queue, with the
// message attributes EventBridge sets; an event without a usable DLQ is logged, never dropped
// silently.
func (rt *Runtime) deadLetter(log *slog.Logger) func(context.Context, string, []byte, error) {
	return rt.deadLetterTo(log, func(arn string) (*sqsqueue.Service, string, bool) {
		name, ok := rt.queueName(arn)
		return rt.sqs, name, ok
	})
}

// deadLetterTo is deadLetter with the DLQ found by queue: the service and name of the queue an
// ARN names (another region's buses have their own, see regions.go).
func (rt *Runtime) deadLetterTo(log *slog.Logger, queue func(arn string) (*sqsqueue.Service, string, bool)) func(context.Context, string, []byte, error) {
	return func(_ context.Context, arn string, payload []byte, cause error) {
		svc, name, ok := queue(arn)
		if !ok {
			log.Error("event delivery given up and its dead-letter queue is not a local queue",
				slog.String("dlq", arn), slog.Any("error", cause), slog.String("event", string(payload)))
			return
		}
		attrs := map[string]sqsqueue.MessageAttribute{"ERROR_MESSAGE": {DataType: "String", StringValue: cause.Error()}}
		var de *eventbus.DeliveryError
		if errors.As(cause, &de) {
			attrs["RULE_ARN"] = sqsqueue.MessageAttribute{DataType: "String", StringValue: de.RuleARN}
			attrs["TARGET_ARN"] = sqsqueue.MessageAttribute{DataType: "String", StringValue: de.TargetARN}
			attrs["ERROR_CODE"] = sqsqueue.MessageAttribute{DataType: "String", StringValue: de.Reason}
		}
		if _, err := svc.Send(name, sqsqueue.SendInput{Body: string(payload), Attributes: attrs}); err != nil {
			log.Error("event could not be sent to its dead-letter queue",
				slog.String("dlq", arn), slog.Any("error", err), slog.String("event", string(payload)))
		}
	}
}

func (rt *Runtime) startMappings(log *slog.Logger) error {
	for _, p := range rt.model.EventSourceMappings {
		id := p.LogicalID
		if table, ok := rt.streamTable(p.EventSourceARN); ok {
			if err := rt.startStreamMapping(table, p, log); err != nil {
				return err
			}
			continue
		}
		queue, ok := rt.arns.queues[p.EventSourceARN]
		if !ok {
			log.Warn("event source mapping not served locally: its source is neither a queue nor a table stream of the template",
				slog.String("mapping", id), slog.String("source", p.EventSourceARN))
			continue
		}
		fn, err := rt.mappingFunction(p)
		if err != nil {
			return err
		}
		if !rt.serves(fn) {
			continue
		}
		m, err := sqsqueue.NewMapping(rt.sqs, sqsqueue.MappingConfig{
			QueueName: queue, Function: fn, Invoker: rt.sourceInvoker(record.KindQueue, queue), BatchSize: p.BatchSize,
			MaximumBatchingWindow:   p.MaximumBatchingWindow,
			ReportBatchItemFailures: p.ReportsBatchItemFailures(),
			Enabled:                 p.Enabled,
			Filters:                 p.Filters,
			Pollers:                 pollers(p.MaximumConcurrency),
		})
		if err != nil {
			return fmt.Errorf("event source mapping %s: %w", id, err)
		}
		m.Start()
		rt.closers = append(rt.closers, func() error { m.Stop(); return nil })
	}
	return nil
}

// pollers is how many batches an SQS mapping keeps in flight: the mapping's default, or
// fewer when ScalingConfig.MaximumConcurrency caps its concurrent invocations lower.
func pollers(maximumConcurrency int) int {
	if maximumConcurrency > 0 {
		return min(maximumConcurrency, sqsqueue.DefaultPollers)
	}
	return 0 // the mapping's default
}

// mappingFunction is the name of the template function a mapping invokes.
func (rt *Runtime) mappingFunction(p *template.EventSourceMapping) (string, error) {
	fn, ok := rt.model.Functions[p.Function]
	if !ok {
		return "", fmt.Errorf("event source mapping %s: unknown function %q", p.LogicalID, p.FunctionName)
	}
	return fn.Name, nil
}

// streamTable finds the table whose stream ARN is arn.
func (rt *Runtime) streamTable(arn string) (string, bool) {
	for _, t := range rt.model.Tables {
		if t.StreamARN != "" && t.StreamARN == arn {
			return t.Name, true
		}
	}
	return "", false
}

// startStreamMapping runs a DynamoDB stream → function mapping on the embedded engine's
// stream; a batch whose retries run out goes to the on-failure queue.
func (rt *Runtime) startStreamMapping(table string, p *template.EventSourceMapping, log *slog.Logger) error {
	id := p.LogicalID
	fn, err := rt.mappingFunction(p)
	if err != nil {
		return err
	}
	if !rt.serves(fn) || !p.Enabled {
		return nil
	}
	if rt.ddb == nil {
		log.Warn("stream event source mapping needs the embedded DynamoDB engine; not served",
			slog.String("mapping", id), slog.String("table", table))
		return nil
	}
	cfg := streamsource.Config{
		Engine: rt.ddb, Table: table, Function: fn, Invoker: rt.sourceInvoker(record.KindStream, table),
		BatchSize: p.BatchSize, MaximumBatchingWindow: p.MaximumBatchingWindow,
		StartingPosition:           p.StartingPosition,
		MaximumRetryAttempts:       p.MaximumRetryAttempts,
		BisectBatchOnFunctionError: p.BisectBatchOnFunctionError,
		ReportBatchItemFailures:    p.ReportsBatchItemFailures(),
		Filters:                    p.Filters,
		Region:                     rt.model.Region, AccountID: rt.model.AccountID, Log: log,
	}
	if p.MaximumRecordAgeInSeconds != nil {
		cfg.MaximumRecordAgeInSeconds = *p.MaximumRecordAgeInSeconds
	}
	if cfg.StartingPosition == "" {
		cfg.StartingPosition = streamsource.Latest
	}
	if dest := p.OnFailureDestination; dest != "" {
		queue, ok := rt.arns.queues[dest]
		if !ok {
			return fmt.Errorf("event source mapping %s: on-failure destination %s is not a queue of the template", id, dest)
		}
		cfg.DestinationARN = dest
		cfg.OnFailure = func(_ context.Context, info []byte) error {
			_, err := rt.sqs.Send(queue, sqsqueue.SendInput{Body: string(info)})
			return err
		}
	}
	m, err := streamsource.New(cfg)
	if err != nil {
		return fmt.Errorf("event source mapping %s: %w", id, err)
	}
	if err := m.Start(); err != nil {
		return fmt.Errorf("event source mapping %s: %w", id, err)
	}
	rt.closers = append(rt.closers, func() error { m.Stop(); return nil })
	return nil
}

// serves reports whether the runtime runs the function (Config.Functions may limit them).
func (rt *Runtime) serves(name string) bool {
	_, ok := rt.manager.Stats(name)
	return ok
}

var _ lambdahost.Invoker = (*lambdahost.Manager)(nil)
