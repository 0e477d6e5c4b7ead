package sqsqueue

import (
	"encoding/json"
	"strconv"

	"github.com/microshop/microshop/local/template"
)

// TemplateAttributes converts a template queue into CreateQueue attributes, as the SQS API
// takes them: numbers and booleans as strings, RedrivePolicy and RedriveAllowPolicy as JSON.
// Properties the template omits are left out, so SQS's defaults apply.
func TemplateAttributes(q *template.Queue) map[string]string {
	out := map[string]string{}
	num := func(name string, v *int) {
		if v != nil {
			out[name] = strconv.Itoa(*v)
		}
	}
	str := func(name, v string) {
		if v != "" {
			out[name] = v
		}
	}
	if q.FIFO {
		out["FifoQueue"] = "true"
		if q.ContentBasedDeduplication {
			out["ContentBasedDeduplication"] = "true"
		}
	}
	str("DeduplicationScope", q.DeduplicationScope)
	str("FifoThroughputLimit", q.FifoThroughputLimit)
	num("VisibilityTimeout", q.VisibilityTimeout)
	num("MessageRetentionPeriod", q.MessageRetentionPeriod)
	num("DelaySeconds", q.DelaySeconds)
	num("ReceiveMessageWaitTimeSeconds", q.ReceiveMessageWaitTimeSeconds)
	num("MaximumMessageSize", q.MaximumMessageSize)
	str("KmsMasterKeyId", q.KmsMasterKeyID)
	num("KmsDataKeyReusePeriodSeconds", q.KmsDataKeyReusePeriodSeconds)
	if q.SqsManagedSseEnabled != nil {
		out["SqsManagedSseEnabled"] = strconv.FormatBool(*q.SqsManagedSseEnabled)
	}
	if p := q.RedrivePolicy; p != nil {
		b, _ := json.Marshal(redrivePolicy{DeadLetterTargetARN: p.DeadLetterTargetARN, MaxReceiveCount: p.MaxReceiveCount})
		out["RedrivePolicy"] = string(b)
	}
	if p := q.RedriveAllowPolicy; p != nil {
		b, _ := json.Marshal(struct {
			RedrivePermission string   `json:"redrivePermission"`
			SourceQueueARNs   []string `json:"sourceQueueArns,omitempty"`
		}{p.RedrivePermission, p.SourceQueueARNs})
		out["RedriveAllowPolicy"] = string(b)
	}
	return out
}
