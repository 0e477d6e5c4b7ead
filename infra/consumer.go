package infra

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Consumer defaults.
const (
	// DefaultMaxReceiveCount is how often a message is tried before it moves to the DLQ.
	DefaultMaxReceiveCount = 5
	// DefaultConsumerBatchSize is the most messages one invocation gets.
	DefaultConsumerBatchSize = 10
	// VisibilityPerTimeout is the queue's visibility timeout over the function's timeout:
	// AWS asks for at least six, so a message is not handed out again while Lambda still
	// retries a throttled batch.
	VisibilityPerTimeout = 6
)

// Retention of a consumer's messages: four days on the queue (SQS's default), the most SQS
// allows (14 days) on the DLQ, so an operator has time to look and redrive.
var (
	DefaultQueueRetention = 4 * 24 * time.Hour
	DeadLetterRetention   = 14 * 24 * time.Hour
)

// ConsumerProps configures a Consumer.
type ConsumerProps struct {
	// Bus is where the rule listens.
	Bus awsevents.IEventBus
	// Pattern selects the events, e.g. source ["microshop.catalog"], detail type
	// ["ProductChanged"].
	Pattern *awsevents.EventPattern
	// Function consumes the queue; it must report partial batch failures (shared/consume).
	Function *GoFunction
	// MaxReceiveCount defaults to DefaultMaxReceiveCount.
	MaxReceiveCount int
	// BatchSize defaults to DefaultConsumerBatchSize.
	BatchSize int
	// MaxConcurrency, when > 0, caps the mapping's concurrent invocations (2 to 1000).
	MaxConcurrency int
}

// Consumer is the one way a service receives events: a rule on the bus sends matching events
// to the consumer's own SQS queue (with a DLQ), and an event source mapping hands batches to
// the function with ReportBatchItemFailures, so one bad message fails alone and reaches the
// DLQ after MaxReceiveCount receives. Both queues are encrypted (SSE-SQS: EventBridge cannot
// send to a queue under the AWS-managed aws/sqs KMS key) and refuse requests without TLS.
type Consumer struct {
	constructs.Construct
	Rule            awsevents.Rule
	Queue           awssqs.Queue
	DeadLetterQueue awssqs.Queue
}

// NewConsumer defines a Consumer.
func NewConsumer(scope constructs.Construct, id string, props *ConsumerProps) *Consumer {
	p := *props
	if p.MaxReceiveCount == 0 {
		p.MaxReceiveCount = DefaultMaxReceiveCount
	}
	if p.BatchSize == 0 {
		p.BatchSize = DefaultConsumerBatchSize
	}
	if p.Bus == nil || p.Pattern == nil || p.Function == nil {
		panic(fmt.Errorf("infra: consumer %q: Bus, Pattern and Function are required", id))
	}

	c := constructs.NewConstruct(scope, jsii.String(id))
	dlq := awssqs.NewQueue(c, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: seconds(DeadLetterRetention),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(dlq, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("Serverless-SQSRedrivePolicy"),
		Reason: jsii.String("This queue is the dead-letter queue of the consumer's queue and of its rule's " +
			"target; nothing consumes it automatically (an operator redrives it), so a DLQ behind it would never receive."),
	}}, nil)
	queue := awssqs.NewQueue(c, jsii.String("Queue"), &awssqs.QueueProps{
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		RetentionPeriod:   seconds(DefaultQueueRetention),
		VisibilityTimeout: seconds(VisibilityPerTimeout * p.Function.Timeout),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           dlq,
			MaxReceiveCount: jsii.Number(float64(p.MaxReceiveCount)),
		},
	})
	rule := awsevents.NewRule(c, jsii.String("Rule"), &awsevents.RuleProps{
		EventBus:     p.Bus,
		EventPattern: p.Pattern,
		Description:  jsii.String("Events for " + p.Function.Name),
		// Events EventBridge cannot deliver to the queue (after its retries) land in the same
		// DLQ as messages the function gave up on: one place to look.
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewSqsQueue(queue, &awseventstargets.SqsQueueProps{
			DeadLetterQueue: dlq,
		})},
	})
	source := &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(float64(p.BatchSize)),
		ReportBatchItemFailures: jsii.Bool(true),
	}
	if p.MaxConcurrency > 0 {
		source.MaxConcurrency = jsii.Number(float64(p.MaxConcurrency))
	}
	p.Function.Function.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, source))
	// cdk-nag's Serverless pack wants an on-failure destination on every mapping, which SQS
	// mappings do not take. The function's mappings are its children "SqsEventSource:<queue>".
	for _, child := range *p.Function.Function.Node().Children() {
		if strings.HasPrefix(*child.Node().Id(), "SqsEventSource") {
			cdknag.NagSuppressions_AddResourceSuppressions(child, &[]*cdknag.NagPackSuppression{{
				Id: jsii.String("Serverless-LambdaEventSourceMappingDestination"),
				Reason: jsii.String("SQS event source mappings take no on-failure destination; the queue's " +
					"redrive policy moves a message to its DLQ after MaxReceiveCount receives."),
			}}, jsii.Bool(true))
		}
	}
	return &Consumer{Construct: c, Rule: rule, Queue: queue, DeadLetterQueue: dlq}
}

// seconds converts d to a CDK Duration in whole seconds.
func seconds(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}
