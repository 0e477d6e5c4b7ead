package sqsqueue

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Queue attribute defaults and limits, as documented for CreateQueue.
const (
	defaultVisibilityTimeout = 30
	defaultMaximumMessage    = 1048576 // 1 MiB since August 2025
	defaultRetention         = 345600
	maxVisibilityTimeout     = 43200
	maxDelaySeconds          = 900
	maxWaitTimeSeconds       = 20
	maxBatchEntries          = 10
	maxTags                  = 50
	dedupWindow              = 5 * time.Minute
	purgeCooldown            = 60 * time.Second
)

// config is a queue's parsed attributes.
type config struct {
	visibilityTimeout int
	delaySeconds      int
	maximumMessage    int
	retention         int
	waitTime          int
	redrive           *redrivePolicy
	fifo              bool
	contentDedup      bool
	// dedupPerGroup is DeduplicationScope=messageGroup.
	dedupPerGroup bool
	// opaque keeps attributes the engine stores but does not act on (Policy, KMS, ...).
	opaque map[string]string
}

type redrivePolicy struct {
	DeadLetterTargetARN string `json:"deadLetterTargetArn"`
	MaxReceiveCount     int    `json:"maxReceiveCount"`
}

func defaultConfig(fifo bool) config {
	c := config{
		visibilityTimeout: defaultVisibilityTimeout,
		maximumMessage:    defaultMaximumMessage,
		retention:         defaultRetention,
		fifo:              fifo,
		opaque:            map[string]string{"SqsManagedSseEnabled": "true"},
	}
	if fifo {
		c.opaque["DeduplicationScope"] = "queue"
		c.opaque["FifoThroughputLimit"] = "perQueue"
	}
	return c
}

// opaqueAttributes are accepted and returned verbatim.
var opaqueAttributes = map[string]bool{
	"Policy": true, "KmsMasterKeyId": true, "KmsDataKeyReusePeriodSeconds": true,
	"SqsManagedSseEnabled": true, "RedriveAllowPolicy": true, "FifoThroughputLimit": true,
	"DeduplicationScope": true,
}

// set applies one attribute, validating it as SQS does.
func (c *config) set(name, value string) error {
	intIn := func(lo, hi int) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < lo || n > hi {
			return 0, errorf(ErrInvalidAttributeValue, "Invalid value for the parameter %s.", name)
		}
		return n, nil
	}
	boolean := func() (bool, error) {
		switch strings.ToLower(value) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, errorf(ErrInvalidAttributeValue, "Invalid value for the parameter %s.", name)
	}
	var err error
	switch name {
	case "VisibilityTimeout":
		c.visibilityTimeout, err = intIn(0, maxVisibilityTimeout)
	case "DelaySeconds":
		c.delaySeconds, err = intIn(0, maxDelaySeconds)
	case "MaximumMessageSize":
		c.maximumMessage, err = intIn(1024, 1048576)
	case "MessageRetentionPeriod":
		c.retention, err = intIn(60, 1209600)
	case "ReceiveMessageWaitTimeSeconds":
		c.waitTime, err = intIn(0, maxWaitTimeSeconds)
	case "RedrivePolicy":
		if value == "" {
			c.redrive = nil
			return nil
		}
		c.redrive, err = parseRedrivePolicy(value)
	case "FifoQueue":
		var fifo bool
		if fifo, err = boolean(); err == nil && fifo != c.fifo {
			err = errorf(ErrInvalidAttributeValue, "Invalid value for the parameter FifoQueue. Reason: a FIFO queue's name ends in .fifo and only FIFO queues have that suffix.")
		}
	case "ContentBasedDeduplication":
		if !c.fifo {
			return errorf(ErrInvalidAttributeName, "Unknown Attribute ContentBasedDeduplication.")
		}
		c.contentDedup, err = boolean()
	case "DeduplicationScope", "FifoThroughputLimit":
		allowed := map[string][]string{"DeduplicationScope": {"queue", "messageGroup"}, "FifoThroughputLimit": {"perQueue", "perMessageGroupId"}}[name]
		if !c.fifo {
			return errorf(ErrInvalidAttributeName, "Unknown Attribute %s.", name)
		}
		if value != allowed[0] && value != allowed[1] {
			return errorf(ErrInvalidAttributeValue, "Invalid value for the parameter %s.", name)
		}
		c.opaque[name] = value
		if name == "DeduplicationScope" {
			c.dedupPerGroup = value == "messageGroup"
		}
	case "Policy":
		if value == "" { // an empty policy removes the queue's policy, as in SQS
			delete(c.opaque, name)
			return nil
		}
		if !json.Valid([]byte(value)) {
			return errorf(ErrInvalidAttributeValue, "Invalid value for the parameter Policy.")
		}
		c.opaque[name] = value
	default:
		if !opaqueAttributes[name] {
			return errorf(ErrInvalidAttributeName, "Unknown Attribute %s.", name)
		}
		c.opaque[name] = value
	}
	return err
}

// parseRedrivePolicy accepts maxReceiveCount as a JSON number or string: the console and
// CloudFormation send either.
// The errors are SQS's (InvalidParameterValue, "Value <policy> for parameter RedrivePolicy is
// invalid. Reason: ..."); whether the dead-letter queue exists is checked by the Service
// (checkRedrive), which knows the queues.
func parseRedrivePolicy(value string) (*redrivePolicy, error) {
	var raw struct {
		DeadLetterTargetARN *string         `json:"deadLetterTargetArn"`
		MaxReceiveCount     json.RawMessage `json:"maxReceiveCount"`
	}
	invalid := func(reason string, args ...any) error {
		return errorf(ErrInvalidParameterValue, "Value %s for parameter RedrivePolicy is invalid. Reason: %s", value, fmt.Sprintf(reason, args...))
	}
	if err := json.Unmarshal([]byte(value), &raw); err != nil {
		return nil, invalid("Invalid value for parameter RedrivePolicy: Redrive policy is not a valid JSON map.")
	}
	if raw.DeadLetterTargetARN == nil {
		return nil, invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
	}
	if raw.MaxReceiveCount == nil {
		return nil, invalid("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	}
	count := strings.Trim(string(raw.MaxReceiveCount), `"`)
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 || n > 1000 {
		return nil, invalid("Invalid value for maxReceiveCount: %s, valid values are from 1 to 1000 both inclusive.", count)
	}
	if _, err := queueNameFromARN(*raw.DeadLetterTargetARN); err != nil {
		return nil, invalid("Dead letter target does not exist.")
	}
	return &redrivePolicy{DeadLetterTargetARN: *raw.DeadLetterTargetARN, MaxReceiveCount: n}, nil
}

func queueNameFromARN(arn string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" || !validQueueName(parts[5]) {
		return "", errorf(ErrInvalidParameterValue, "Invalid queue ARN %q.", arn)
	}
	return parts[5], nil
}

var queueNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func validQueueName(name string) bool {
	base := strings.TrimSuffix(name, ".fifo")
	return len(name) <= 80 && queueNameRE.MatchString(base)
}

// attributes renders the queue's configuration attributes (not the counters).
func (c *config) attributes() map[string]string {
	a := map[string]string{
		"VisibilityTimeout":             strconv.Itoa(c.visibilityTimeout),
		"DelaySeconds":                  strconv.Itoa(c.delaySeconds),
		"MaximumMessageSize":            strconv.Itoa(c.maximumMessage),
		"MessageRetentionPeriod":        strconv.Itoa(c.retention),
		"ReceiveMessageWaitTimeSeconds": strconv.Itoa(c.waitTime),
	}
	if c.redrive != nil {
		b, _ := json.Marshal(c.redrive)
		a["RedrivePolicy"] = string(b)
	}
	if c.fifo {
		a["FifoQueue"] = "true"
		a["ContentBasedDeduplication"] = strconv.FormatBool(c.contentDedup)
	}
	for k, v := range c.opaque {
		a[k] = v
	}
	return a
}

// queueAttributeNames lists every name GetQueueAttributes accepts besides "All".
var queueAttributeNames = func() map[string]bool {
	m := map[string]bool{
		"ApproximateNumberOfMessages": true, "ApproximateNumberOfMessagesNotVisible": true,
		"ApproximateNumberOfMessagesDelayed": true, "CreatedTimestamp": true,
		"LastModifiedTimestamp": true, "QueueArn": true, "VisibilityTimeout": true,
		"DelaySeconds": true, "MaximumMessageSize": true, "MessageRetentionPeriod": true,
		"ReceiveMessageWaitTimeSeconds": true, "RedrivePolicy": true, "FifoQueue": true,
		"ContentBasedDeduplication": true,
	}
	for k := range opaqueAttributes {
		m[k] = true
	}
	return m
}()
