package infra

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// EventBusEnv is the environment variable that names the bus to a publisher (shared/outbox).
const EventBusEnv = "EVENT_BUS_NAME"

// Outbox defaults.
const (
	// DefaultOutboxRetryAttempts bounds the retries of a failing stream batch. The stream's
	// order is kept while retrying (a shard waits for its batch); after the last attempt
	// Lambda sends the batch's shard and sequence numbers to the failure queue and moves on.
	// The rows are still in the table until their TTL (7 days), so they can be replayed.
	DefaultOutboxRetryAttempts = 10
	// DefaultOutboxBatchSize is the most stream records one invocation gets.
	DefaultOutboxBatchSize = 100
)

// OutboxProps configures an Outbox.
type OutboxProps struct {
	// Table must have a stream with new images (spec.StreamNewImage).
	Table awsdynamodb.ITable
	// Publisher is the service's <svc>-publish-events function.
	Publisher *GoFunction
	// Bus is where the publisher sends the events; it gets its name in EVENT_BUS_NAME.
	Bus awsevents.IEventBus
	// RetryAttempts defaults to DefaultOutboxRetryAttempts.
	RetryAttempts int
	// BatchSize defaults to DefaultOutboxBatchSize.
	BatchSize int
}

// Outbox wires a service's table stream to its publisher: a DynamoDB event source mapping
// from the oldest record (TRIM_HORIZON) that passes on only records whose new image has an
// outboxEvent attribute (outbox rows; REMOVE records have no new image), with
// ReportBatchItemFailures so a batch resumes at the first event not published, and no
// bisecting (it would retry records out of order). The publisher may read the stream and put
// events on the bus, nothing else.
type Outbox struct {
	constructs.Construct
	// FailureQueue receives the description of each batch that failed every attempt.
	FailureQueue awssqs.Queue
}

// OutboxFilter is the mapping's filter: outbox rows only (shared/outbox).
func OutboxFilter() map[string]any {
	return map[string]any{
		"dynamodb": map[string]any{
			"NewImage": map[string]any{"outboxEvent": map[string]any{"S": awslambda.FilterRule_Exists()}},
		},
	}
}

// NewOutbox defines an Outbox.
func NewOutbox(scope constructs.Construct, id string, props *OutboxProps) *Outbox {
	p := *props
	if p.RetryAttempts == 0 {
		p.RetryAttempts = DefaultOutboxRetryAttempts
	}
	if p.BatchSize == 0 {
		p.BatchSize = DefaultOutboxBatchSize
	}
	if p.Table == nil || p.Publisher == nil || p.Bus == nil {
		panic(fmt.Errorf("infra: outbox %q: Table, Publisher and Bus are required", id))
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	failures := awssqs.NewQueue(c, jsii.String("FailureQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: seconds(DeadLetterRetention),
	})
	noDLQReason := jsii.String("This queue is itself the on-failure destination of the outbox's stream " +
		"mapping; nothing consumes it automatically, so a DLQ behind it would never receive.")
	cdknag.NagSuppressions_AddResourceSuppressions(failures, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-SQS3"), Reason: noDLQReason},
		{Id: jsii.String("Serverless-SQSRedrivePolicy"), Reason: noDLQReason},
	}, nil)

	filter := OutboxFilter()
	fn := p.Publisher.Function
	fn.AddEnvironment(jsii.String(EventBusEnv), p.Bus.EventBusName(), nil)
	fn.AddEventSource(awslambdaeventsources.NewDynamoEventSource(p.Table, &awslambdaeventsources.DynamoEventSourceProps{
		StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:               jsii.Number(float64(p.BatchSize)),
		ReportBatchItemFailures: jsii.Bool(true),
		BisectBatchOnError:      jsii.Bool(false),
		RetryAttempts:           jsii.Number(float64(p.RetryAttempts)),
		OnFailure:               awslambdaeventsources.NewSqsDlq(failures),
		Filters:                 &[]*map[string]any{awslambda.FilterCriteria_Filter(&filter)},
	}))
	p.Bus.GrantPutEventsTo(fn, nil)
	// The mapping's stream read grant (CDK's grantStreamRead) includes dynamodb:ListStreams,
	// which IAM defines on no resource: it can only be granted on "*".
	cdknag.NagSuppressions_AddResourceSuppressions(p.Publisher.Role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("dynamodb:ListStreams has no resource type in IAM, so it is granted on *; " +
			"the stream's records are readable only on this table's stream ARN."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
	return &Outbox{Construct: c, FailureQueue: failures}
}
