package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/microshop/microshop/local/lambdaapi"
	"github.com/microshop/microshop/local/sqsqueue"
)

// asyncTarget is where a function's failed asynchronous invocations go: an on-failure
// destination (AWS::Lambda::EventInvokeConfig) receives Lambda's invocation record, a
// dead-letter queue (the function's DeadLetterConfig) the event itself.
type asyncTarget struct {
	onFailure string // queue name
	dlq       string // queue name
	retries   *int   // EventInvokeConfig MaximumRetryAttempts; nil means Lambda's 2
}

// asyncTargets reads each function's DeadLetterConfig and EventInvokeConfig; only queues of
// the template are served as targets.
func (rt *Runtime) asyncTargets() (map[string]asyncTarget, error) {
	out := map[string]asyncTarget{}
	for _, fn := range rt.model.Functions {
		if fn.DeadLetterTargetARN == "" {
			continue
		}
		q, ok := rt.arns.queues[fn.DeadLetterTargetARN]
		if !ok {
			return nil, fmt.Errorf("function %s: dead-letter target %s is not a queue of the template", fn.LogicalID, fn.DeadLetterTargetARN)
		}
		t := out[fn.Name]
		t.dlq = q
		out[fn.Name] = t
	}
	for _, c := range rt.model.EventInvokeConfigs {
		fn, ok := rt.model.Functions[c.Function]
		if !ok {
			continue // a function of another stack
		}
		t := out[fn.Name]
		t.retries = c.MaximumRetryAttempts
		if dest := c.OnFailureDestination; dest != "" {
			q, ok := rt.arns.queues[dest]
			if !ok {
				return nil, fmt.Errorf("%s: on-failure destination %s is not a queue of the template", c.LogicalID, dest)
			}
			t.onFailure = q
		}
		out[fn.Name] = t
	}
	return out, nil
}

// asyncFailed hands an asynchronous invocation that failed its last attempt to the
// function's on-failure destination or DLQ. Without either it has been logged already.
func (rt *Runtime) asyncFailed(logw io.Writer) func(lambdaapi.AsyncFailure) {
	return func(f lambdaapi.AsyncFailure) {
		t := rt.async[f.Function]
		var err error
		switch {
		case t.onFailure != "":
			_, err = rt.sqs.Send(t.onFailure, sqsqueue.SendInput{Body: string(rt.invocationRecord(f))})
		case t.dlq != "":
			code, msg := "Unhandled", ""
			if f.Result != nil && f.Result.Error != nil {
				msg = f.Result.Error.Message
			} else if f.Err != nil {
				code, msg = "ServiceException", f.Err.Error()
			}
			_, err = rt.sqs.Send(t.dlq, sqsqueue.SendInput{Body: string(f.Payload), Attributes: map[string]sqsqueue.MessageAttribute{
				"RequestID":    {DataType: "String", StringValue: f.RequestID},
				"ErrorCode":    {DataType: "String", StringValue: code},
				"ErrorMessage": {DataType: "String", StringValue: msg},
			}})
		default:
			return
		}
		if err != nil {
			fmt.Fprintf(logw, "devcloud: failed event of %s could not be sent to its destination: %v; payload %s\n", f.Function, err, f.Payload)
		}
	}
}

// asyncRetries is how many times Lambda retries a failed asynchronous invocation of fn.
func (rt *Runtime) asyncRetries(fn string) int {
	if r := rt.async[fn].retries; r != nil {
		return *r
	}
	return len(AsyncRetryDelays)
}

// invocationRecord is Lambda's on-failure destination record for an asynchronous invocation.
func (rt *Runtime) invocationRecord(f lambdaapi.AsyncFailure) []byte {
	var arn string
	if fn, err := rt.Lookup(f.Function); err == nil {
		arn = fn.ARN + ":$LATEST"
	}
	rec := map[string]any{
		"version":   "1.0",
		"timestamp": time.Now().UTC().Format(time.RFC3339Nano),
		"requestContext": map[string]any{
			"requestId": f.RequestID, "functionArn": arn,
			"condition": "RetriesExhausted", "approximateInvokeCount": f.Attempts,
		},
		"requestPayload": json.RawMessage(f.Payload),
	}
	if r := f.Result; r != nil && r.Error != nil {
		rec["responseContext"] = map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
		rec["responsePayload"] = json.RawMessage(r.Payload)
	}
	b, _ := json.Marshal(rec)
	return b
}
