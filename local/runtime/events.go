package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/microshop/microshop/local/edge"
	"github.com/microshop/microshop/local/eventbus"
	"github.com/microshop/microshop/local/lambdahost"
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

func (rt *Runtime) indexARNs() (*arnIndex, error) {
	idx := &arnIndex{functions: map[string]string{}, queues: map[string]string{}}
	for _, fn := range rt.model.Functions {
		idx.functions[fn.ARN] = fn.Name
	}
	for _, id := range resourcesOfType(rt.model, "AWS::SQS::Queue") {
		arn, err := rt.model.GetAtt(id, "Arn")
		if err != nil {
			return nil, err
		}
		name, err := rt.model.GetAtt(id, "QueueName")
		if err != nil {
			return nil, err
		}
		idx.queues[arn] = name
	}
	return idx, nil
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

func resourcesOfType(m *template.Model, typ string) []string {
	var ids []string
	for id, r := range m.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// startEvents serves SQS and EventBridge on the edge with the template's queues, buses and
// rules, and starts the event source mappings from queues to functions.
func (rt *Runtime) startEvents(gw *edge.Edge, logw io.Writer) error {
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rt.log = log
	rt.sqs = sqsqueue.New(sqsqueue.Options{Region: rt.model.Region, AccountID: rt.model.AccountID, BaseURL: rt.edgeURL, Log: log})
	gw.Handle(edge.SQS, rt.sqs)
	if err := rt.createQueues(); err != nil {
		return err
	}

	rt.events = eventbus.New(eventbus.Options{
		Region: rt.model.Region, AccountID: rt.model.AccountID, Log: log,
		DeadLetter: rt.deadLetter(log),
	})
	rt.closers = append(rt.closers, rt.events.Close)
	gw.Handle(edge.EventBridge, rt.events)
	if err := rt.addRules(); err != nil {
		return err
	}
	return rt.startMappings(log)
}

// createQueues creates dead-letter queues first, so a source queue's redrive target exists.
func (rt *Runtime) createQueues() error {
	ids := resourcesOfType(rt.model, "AWS::SQS::Queue")
	sort.SliceStable(ids, func(i, j int) bool {
		return !hasRedrive(rt.model, ids[i]) && hasRedrive(rt.model, ids[j])
	})
	for _, id := range ids {
		props, err := rt.model.Property(id)
		if err != nil {
			return err
		}
		m, _ := props.(map[string]any)
		attrs, err := sqsqueue.AttributesFromTemplate(m)
		if err != nil {
			return fmt.Errorf("queue %s: %w", id, err)
		}
		name, err := rt.model.GetAtt(id, "QueueName")
		if err != nil {
			return err
		}
		if _, err := rt.sqs.CreateQueue(name, attrs); err != nil {
			return fmt.Errorf("queue %s: %w", id, err)
		}
	}
	return nil
}

func hasRedrive(m *template.Model, id string) bool {
	v, err := m.Property(id, "RedrivePolicy")
	return err == nil && v != nil
}

// ruleProps is the part of AWS::Events::Rule the runtime serves.
type ruleProps struct {
	Name         string          `json:"Name"`
	EventBusName string          `json:"EventBusName"`
	EventPattern json.RawMessage `json:"EventPattern"`
	State        string          `json:"State"`
	Targets      []struct {
		ID        string `json:"Id"`
		Arn       string `json:"Arn"`
		Input     string `json:"Input"`
		InputPath string `json:"InputPath"`
		// eventbus.InputTransformer's field names are the template's property names.
		InputTransformer *eventbus.InputTransformer `json:"InputTransformer"`
		RetryPolicy      *struct {
			MaximumRetryAttempts     *json.Number `json:"MaximumRetryAttempts"`
			MaximumEventAgeInSeconds *json.Number `json:"MaximumEventAgeInSeconds"`
		} `json:"RetryPolicy"`
		DeadLetterConfig *struct {
			Arn string `json:"Arn"`
		} `json:"DeadLetterConfig"`
		SqsParameters *struct {
			MessageGroupID string `json:"MessageGroupId"`
		} `json:"SqsParameters"`
	} `json:"Targets"`
}

func (rt *Runtime) addRules() error {
	for _, id := range resourcesOfType(rt.model, "AWS::Events::EventBus") {
		name, err := rt.model.Ref(id)
		if err != nil {
			return err
		}
		if err := rt.events.AddBus(name); err != nil {
			return fmt.Errorf("event bus %s: %w", id, err)
		}
	}
	for _, id := range resourcesOfType(rt.model, "AWS::Events::Rule") {
		var p ruleProps
		if err := decodeProperties(rt.model, id, &p); err != nil {
			return err
		}
		if len(p.EventPattern) == 0 {
			continue // scheduled rules are not served locally
		}
		rule := eventbus.Rule{Name: p.Name, Bus: busName(p.EventBusName), Pattern: p.EventPattern, State: p.State}
		if rule.Name == "" {
			rule.Name = id
		}
		if rule.State == "" {
			rule.State = eventbus.Enabled
		}
		for _, t := range p.Targets {
			target := eventbus.Target{ID: t.ID, ARN: t.Arn, Input: t.Input, InputPath: t.InputPath, InputTransformer: t.InputTransformer}
			target.RetryPolicy = &eventbus.RetryPolicy{
				MaximumRetryAttempts:     eventbus.DefaultMaximumRetryAttempts,
				MaximumEventAgeInSeconds: eventbus.DefaultMaximumEventAgeInSeconds,
			}
			if rp := t.RetryPolicy; rp != nil {
				if n, err := intOf(rp.MaximumRetryAttempts); err == nil && rp.MaximumRetryAttempts != nil {
					target.RetryPolicy.MaximumRetryAttempts = n
				}
				if n, err := intOf(rp.MaximumEventAgeInSeconds); err == nil && rp.MaximumEventAgeInSeconds != nil {
					target.RetryPolicy.MaximumEventAgeInSeconds = n
				}
			}
			if t.DeadLetterConfig != nil {
				target.DeadLetterARN = t.DeadLetterConfig.Arn
			}
			groupID := ""
			if t.SqsParameters != nil {
				groupID = t.SqsParameters.MessageGroupID
			}
			deliver, err := rt.deliverTo(t.Arn, groupID)
			if err != nil {
				return fmt.Errorf("rule %s target %s: %w", id, t.ID, err)
			}
			target.Deliver = deliver
			rule.Targets = append(rule.Targets, target)
		}
		if err := rt.events.AddRule(rule); err != nil {
			return fmt.Errorf("rule %s: %w", id, err)
		}
	}
	return nil
}

// busName accepts a bus name or ARN; empty is the default bus.
func busName(v string) string {
	if v == "" {
		return eventbus.DefaultBus
	}
	if i := strings.LastIndex(v, ":event-bus/"); i >= 0 {
		return v[i+len(":event-bus/"):]
	}
	return v
}

// deliverTo returns how a rule target receives an event. A function is invoked
// asynchronously, as EventBridge does: delivery succeeds once Lambda accepts the event, and
// function errors go through Lambda's own retries, then the function's DLQ or on-failure
// destination; the rule's retry policy and DLQ cover events Lambda does not accept. A queue is
// sent the event.
func (rt *Runtime) deliverTo(arn, groupID string) (func(context.Context, []byte) error, error) {
	if name, ok := rt.arns.function(arn); ok {
		return func(_ context.Context, payload []byte) error {
			_, err := rt.lambdaAPI.InvokeAsync(name, payload)
			return err
		}, nil
	}
	if name, ok := rt.arns.queues[arn]; ok {
		return func(_ context.Context, payload []byte) error {
			in := sqsqueue.SendInput{Body: string(payload), GroupID: groupID}
			if strings.HasSuffix(name, ".fifo") && groupID == "" {
				in.GroupID = "default"
			}
			_, err := rt.sqs.Send(name, in)
			return err
		}, nil
	}
	// A target outside the template (another stack's function, say) cannot be reached
	// locally: every delivery fails as one to a missing function does on AWS, so the rule's
	// retry policy and dead-letter queue apply.
	rt.log.Warn("rule target is not a function or queue of the template; deliveries to it fail", slog.String("target", arn))
	return func(context.Context, []byte) error {
		return fmt.Errorf("ResourceNotFoundException: target %s is not served locally", arn)
	}, nil
}

// deadLetter sends an event whose delivery was given up to the target's DLQ queue, with the
// message attributes EventBridge sets; an event without a usable DLQ is logged, never dropped
// silently.
func (rt *Runtime) deadLetter(log *slog.Logger) func(context.Context, string, []byte, error) {
	return func(_ context.Context, arn string, payload []byte, cause error) {
		name, ok := rt.arns.queues[arn]
		if !ok {
			log.Error("event delivery given up and its dead-letter queue is not a queue of the template",
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
		if _, err := rt.sqs.Send(name, sqsqueue.SendInput{Body: string(payload), Attributes: attrs}); err != nil {
			log.Error("event could not be sent to its dead-letter queue",
				slog.String("dlq", arn), slog.Any("error", err), slog.String("event", string(payload)))
		}
	}
}

// mappingProps is the part of AWS::Lambda::EventSourceMapping the runtime serves.
type mappingProps struct {
	EventSourceArn                 string             `json:"EventSourceArn"`
	FunctionName                   string             `json:"FunctionName"`
	BatchSize                      *json.Number       `json:"BatchSize"`
	MaximumBatchingWindowInSeconds *json.Number       `json:"MaximumBatchingWindowInSeconds"`
	Enabled                        *bool              `json:"Enabled"`
	FunctionResponseTypes          []string           `json:"FunctionResponseTypes"`
	StartingPosition               string             `json:"StartingPosition"`
	MaximumRetryAttempts           *json.Number       `json:"MaximumRetryAttempts"`
	MaximumRecordAgeInSeconds      *json.Number       `json:"MaximumRecordAgeInSeconds"`
	BisectBatchOnFunctionError     bool               `json:"BisectBatchOnFunctionError"`
	DestinationConfig              *destinationConfig `json:"DestinationConfig"`
}

// destinationConfig is the DestinationConfig of an event source mapping or an
// AWS::Lambda::EventInvokeConfig; only OnFailure is served.
type destinationConfig struct {
	OnFailure *struct {
		Destination string `json:"Destination"`
	} `json:"OnFailure"`
}

func (p mappingProps) reportsItemFailures() bool {
	return slices.Contains(p.FunctionResponseTypes, "ReportBatchItemFailures")
}

func (rt *Runtime) mappings() (map[string]mappingProps, error) {
	out := map[string]mappingProps{}
	for _, id := range resourcesOfType(rt.model, "AWS::Lambda::EventSourceMapping") {
		var p mappingProps
		if err := decodeProperties(rt.model, id, &p); err != nil {
			return nil, err
		}
		out[id] = p
	}
	return out, nil
}

func (rt *Runtime) startMappings(log *slog.Logger) error {
	all, err := rt.mappings()
	if err != nil {
		return err
	}
	for id, p := range all {
		if table, ok := rt.streamTable(p.EventSourceArn); ok {
			if err := rt.startStreamMapping(id, table, p, log); err != nil {
				return err
			}
			continue
		}
		queue, ok := rt.arns.queues[p.EventSourceArn]
		if !ok {
			log.Warn("event source mapping not served locally: its source is neither a queue nor a table stream of the template",
				slog.String("mapping", id), slog.String("source", p.EventSourceArn))
			continue
		}
		fn, ok := rt.arns.function(p.FunctionName)
		if !ok {
			return fmt.Errorf("event source mapping %s: unknown function %q", id, p.FunctionName)
		}
		if !rt.serves(fn) {
			continue
		}
		window, _ := intOf(p.MaximumBatchingWindowInSeconds)
		batch, _ := intOf(p.BatchSize)
		m, err := sqsqueue.NewMapping(rt.sqs, sqsqueue.MappingConfig{
			QueueName: queue, Function: fn, Invoker: rt.manager, BatchSize: batch,
			MaximumBatchingWindow:   time.Duration(window) * time.Second,
			ReportBatchItemFailures: p.reportsItemFailures(),
			Enabled:                 p.Enabled == nil || *p.Enabled,
		})
		if err != nil {
			return fmt.Errorf("event source mapping %s: %w", id, err)
		}
		m.Start()
		rt.closers = append(rt.closers, func() error { m.Stop(); return nil })
	}
	return nil
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
func (rt *Runtime) startStreamMapping(id, table string, p mappingProps, log *slog.Logger) error {
	fn, ok := rt.arns.function(p.FunctionName)
	if !ok {
		return fmt.Errorf("event source mapping %s: unknown function %q", id, p.FunctionName)
	}
	if !rt.serves(fn) || (p.Enabled != nil && !*p.Enabled) {
		return nil
	}
	if rt.ddb == nil {
		log.Warn("stream event source mapping needs the embedded DynamoDB engine; not served",
			slog.String("mapping", id), slog.String("table", table))
		return nil
	}
	batch, _ := intOf(p.BatchSize)
	window, _ := intOf(p.MaximumBatchingWindowInSeconds)
	age, _ := intOf(p.MaximumRecordAgeInSeconds)
	cfg := streamsource.Config{
		Engine: rt.ddb, Table: table, Function: fn, Invoker: rt.manager,
		BatchSize: batch, MaximumBatchingWindow: time.Duration(window) * time.Second,
		StartingPosition: p.StartingPosition, MaximumRecordAgeInSeconds: age,
		BisectBatchOnFunctionError: p.BisectBatchOnFunctionError,
		ReportBatchItemFailures:    p.reportsItemFailures(),
		Region:                     rt.model.Region, AccountID: rt.model.AccountID, Log: log,
	}
	if cfg.StartingPosition == "" {
		cfg.StartingPosition = streamsource.Latest
	}
	if p.MaximumRetryAttempts != nil {
		n, err := intOf(p.MaximumRetryAttempts)
		if err != nil {
			return fmt.Errorf("event source mapping %s: MaximumRetryAttempts: %w", id, err)
		}
		cfg.MaximumRetryAttempts = &n
	}
	if d := p.DestinationConfig; d != nil && d.OnFailure != nil && d.OnFailure.Destination != "" {
		queue, ok := rt.arns.queues[d.OnFailure.Destination]
		if !ok {
			return fmt.Errorf("event source mapping %s: on-failure destination %s is not a queue of the template", id, d.OnFailure.Destination)
		}
		cfg.DestinationARN = d.OnFailure.Destination
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

func decodeProperties(m *template.Model, id string, dst any) error {
	v, err := m.Property(id)
	if err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", id, err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("%s: properties: %w", id, err)
	}
	return nil
}

// intOf reads an optional template number; 0 when absent.
func intOf(n *json.Number) (int, error) {
	if n == nil {
		return 0, nil
	}
	return strconv.Atoi(n.String())
}

var _ lambdahost.Invoker = (*lambdahost.Manager)(nil)
