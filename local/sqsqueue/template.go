package sqsqueue

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// AttributesFromTemplate converts the resolved Properties of an AWS::SQS::Queue resource into
// CreateQueue attributes: numbers and booleans become strings and the RedrivePolicy and
// RedriveAllowPolicy objects become JSON, as the SQS API takes them. QueueName and Tags are
// not attributes and are skipped.
func AttributesFromTemplate(props map[string]any) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range props {
		if k == "QueueName" || k == "Tags" {
			continue
		}
		switch v := v.(type) {
		case string:
			out[k] = v
		case bool:
			out[k] = strconv.FormatBool(v)
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case int:
			out[k] = strconv.Itoa(v)
		case json.Number:
			out[k] = v.String()
		case map[string]any, []any:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("queue property %s: %w", k, err)
			}
			out[k] = string(b)
		default:
			return nil, fmt.Errorf("queue property %s: unsupported value %T", k, v)
		}
	}
	return out, nil
}
