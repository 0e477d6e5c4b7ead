package template

// This file models SQS queues.

// Queue is an SQS queue (AWS::SQS::Queue). Optional numbers are nil when the template
// omits them, so SQS's own defaults apply.
type Queue struct {
	LogicalID string
	// Name is QueueName, else the logical ID (with ".fifo" for a FIFO queue).
	Name string
	// URL is what Ref returns: Options.QueueBaseURL/<account>/<Name>.
	URL string
	// ARN is arn:aws:sqs:<region>:<account>:<Name>.
	ARN string
	// FIFO is FifoQueue.
	FIFO                      bool
	ContentBasedDeduplication bool
	// DeduplicationScope ("queue", "messageGroup") and FifoThroughputLimit ("perQueue",
	// "perMessageGroupId") of a FIFO queue; empty when the template omits them.
	DeduplicationScope  string
	FifoThroughputLimit string
	// In seconds.
	VisibilityTimeout             *int
	MessageRetentionPeriod        *int
	DelaySeconds                  *int
	ReceiveMessageWaitTimeSeconds *int
	// MaximumMessageSize in bytes.
	MaximumMessageSize *int
	// RedrivePolicy sends a message to a dead-letter queue after MaxReceiveCount receives;
	// nil when none.
	RedrivePolicy *RedrivePolicy
	// RedriveAllowPolicy says which queues may use this one as their dead-letter queue;
	// nil when the template omits it.
	RedriveAllowPolicy *RedriveAllowPolicy
	// Encryption settings: kept so the local queue reports them, not acted on.
	KmsMasterKeyID               string
	KmsDataKeyReusePeriodSeconds *int
	SqsManagedSseEnabled         *bool
}

// RedrivePolicy is a queue's RedrivePolicy.
type RedrivePolicy struct {
	DeadLetterTargetARN string
	MaxReceiveCount     int
}

// RedriveAllowPolicy is a queue's RedriveAllowPolicy.
type RedriveAllowPolicy struct {
	// RedrivePermission is allowAll, denyAll or byQueue.
	RedrivePermission string
	SourceQueueARNs   []string
}

// queueProps mirrors the JSON shape of AWS::SQS::Queue's properties.
type queueProps struct {
	FifoQueue                     flexBool
	ContentBasedDeduplication     flexBool
	DeduplicationScope            string
	FifoThroughputLimit           string
	VisibilityTimeout             *flexInt
	MessageRetentionPeriod        *flexInt
	DelaySeconds                  *flexInt
	ReceiveMessageWaitTimeSeconds *flexInt
	MaximumMessageSize            *flexInt
	RedrivePolicy                 *struct {
		DeadLetterTargetArn string  `json:"deadLetterTargetArn"`
		MaxReceiveCount     flexInt `json:"maxReceiveCount"`
	}
	RedriveAllowPolicy *struct {
		RedrivePermission string   `json:"redrivePermission"`
		SourceQueueArns   []string `json:"sourceQueueArns"`
	}
	KmsMasterKeyID               string `json:"KmsMasterKeyId"`
	KmsDataKeyReusePeriodSeconds *flexInt
	SqsManagedSseEnabled         *flexBool
}

func (r *resolver) queue(id string) (*Queue, error) {
	var p queueProps
	if err := r.propDecode(&p, id); err != nil {
		return nil, err
	}
	name, err := r.name(id)
	if err != nil {
		return nil, err
	}
	q := &Queue{
		LogicalID: id, Name: name, URL: r.queueURL(name), ARN: r.arn("sqs", name),
		FIFO: bool(p.FifoQueue), ContentBasedDeduplication: bool(p.ContentBasedDeduplication),
		DeduplicationScope: p.DeduplicationScope, FifoThroughputLimit: p.FifoThroughputLimit,
		VisibilityTimeout:             intPtr(p.VisibilityTimeout),
		MessageRetentionPeriod:        intPtr(p.MessageRetentionPeriod),
		DelaySeconds:                  intPtr(p.DelaySeconds),
		ReceiveMessageWaitTimeSeconds: intPtr(p.ReceiveMessageWaitTimeSeconds),
		MaximumMessageSize:            intPtr(p.MaximumMessageSize),
		KmsMasterKeyID:                p.KmsMasterKeyID,
		KmsDataKeyReusePeriodSeconds:  intPtr(p.KmsDataKeyReusePeriodSeconds),
	}
	if p.SqsManagedSseEnabled != nil {
		b := bool(*p.SqsManagedSseEnabled)
		q.SqsManagedSseEnabled = &b
	}
	if rp := p.RedrivePolicy; rp != nil {
		q.RedrivePolicy = &RedrivePolicy{DeadLetterTargetARN: rp.DeadLetterTargetArn, MaxReceiveCount: int(rp.MaxReceiveCount)}
	}
	if ap := p.RedriveAllowPolicy; ap != nil {
		q.RedriveAllowPolicy = &RedriveAllowPolicy{RedrivePermission: ap.RedrivePermission, SourceQueueARNs: ap.SourceQueueArns}
	}
	return q, nil
}

func intPtr(n *flexInt) *int {
	if n == nil {
		return nil
	}
	i := int(*n)
	return &i
}
