package infra

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/microshop/microshop/shared/spec"
)

// The functions' Embedded Metric Format metrics (shared/metrics, the contract with the
// functions): namespace MetricsNamespace, dimensions Stage and Service (and Reason for
// OrdersFailed).
const (
	MetricsNamespace = "Microshop"
	// SagaService is the Service dimension of the saga's order metrics.
	SagaService = "orders"
)

// Alarm ids (docs/alarms.md): the alarm named "<stack>-<id>" and its construct id under
// Monitoring. Function alarms are "<function name>" + one of the suffixes.
const (
	AlarmErrors          = "-errors"
	AlarmThrottles       = "-throttles"
	AlarmDLQDepth        = "-dlq-depth"
	AlarmDLQAge          = "-dlq-age"
	AlarmQueueAge        = "-queue-age"
	AlarmAPI5xxRate      = "api-5xx-rate"
	AlarmAPILatencyP99   = "api-latency-p99"
	AlarmSagaStuckOrders = "saga-stuck-orders"
)

// Alarm thresholds that do not differ between stages (StageSettings holds those that do).
const (
	// DLQAgeThreshold alarms before a dead letter expires (DeadLetterRetention, 14 days).
	DLQAgeThreshold = 10 * 24 * time.Hour
	// SagaStuckThreshold is how many orders more than finished entered the saga in each of
	// SagaStuckPeriods periods of SagaPeriod.
	SagaStuckThreshold = 5
	SagaStuckPeriods   = 3
	SagaPeriod         = 5 * time.Minute
	// API5xxMinRequests is the fewest requests in a period for its 5xx rate to count.
	API5xxMinRequests = 10
)

// MonitoringProps configures Monitoring.
type MonitoringProps struct {
	Platform *Platform
	Services []*Service
	// AlarmEmail, when set, subscribes this address to the alarm topic.
	AlarmEmail string
}

// Monitoring is the stack's operations view: one encrypted SNS topic every alarm notifies
// (ALARM and OK), the alarms of docs/alarms.md, and one dashboard.
type Monitoring struct {
	constructs.Construct
	Topic     awssns.Topic
	Alarms    map[string]awscloudwatch.Alarm
	Dashboard awscloudwatch.Dashboard

	stack    string
	settings StageSettings
}

// NewMonitoring defines Monitoring in scope (the stack) with the construct id "Monitoring".
func NewMonitoring(scope constructs.Construct, props *MonitoringProps) *Monitoring {
	p := *props
	c := constructs.NewConstruct(scope, jsii.String("Monitoring"))
	stack := awscdk.Stack_Of(scope)
	m := &Monitoring{
		Construct: c, Alarms: map[string]awscloudwatch.Alarm{},
		stack: *stack.StackName(), settings: p.Platform.Settings,
	}
	m.Topic = newAlarmTopic(c, p.Platform.Settings, p.AlarmEmail)

	for _, svc := range p.Services {
		for _, name := range svc.Spec.Functions() {
			fn := svc.Functions[name]
			if m.settings.FunctionAlarms {
				m.alarm(name+AlarmErrors, "Function "+name+" failed (an error or timeout, not a 4xx/5xx response).",
					fn.Function.MetricErrors(stat("Sum", 5*time.Minute)), 1, 1, 1)
				m.alarm(name+AlarmThrottles, "Lambda throttled function "+name+" (reserved or account concurrency).",
					fn.Function.MetricThrottles(stat("Sum", 5*time.Minute)), 1, 1, 1)
			}
			if c, ok := svc.Consumers[name]; ok {
				m.deadLetterAlarms(name, c.DeadLetterQueue)
				m.alarm(name+AlarmQueueAge, fmt.Sprintf("The oldest message for %s has waited %v: the consumer is failing or too slow.",
					name, m.settings.QueueAgeThreshold),
					c.Queue.MetricApproximateAgeOfOldestMessage(stat("Maximum", time.Minute)),
					m.settings.QueueAgeThreshold.Seconds(), 5, 5)
			}
			if name == svc.Spec.Publisher && svc.Outbox != nil {
				m.deadLetterAlarms(name, svc.Outbox.FailureQueue)
			}
		}
	}

	api := p.Platform.API.Stage
	m.alarm(AlarmAPI5xxRate, fmt.Sprintf("More than %g%% of the API's responses are 5xx.", m.settings.API5xxPercent),
		awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(fmt.Sprintf("IF(requests >= %d, 100 * errors / requests, 0)", API5xxMinRequests)),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"errors":   api.MetricServerError(stat("Sum", 5*time.Minute)),
				"requests": api.MetricCount(stat("SampleCount", 5*time.Minute)),
			},
			Label:  jsii.String("5xx %"),
			Period: awscdk.Duration_Minutes(jsii.Number(5)),
		}), m.settings.API5xxPercent, 3, 2)
	m.alarm(AlarmAPILatencyP99, fmt.Sprintf("The API's p99 latency is above %v.", m.settings.APILatencyP99),
		api.MetricLatency(stat("p99", 5*time.Minute)), float64(m.settings.APILatencyP99.Milliseconds()), 3, 3)
	m.alarm(AlarmSagaStuckOrders, fmt.Sprintf("Orders entered the saga (PENDING) faster than they left it for %v.",
		time.Duration(SagaStuckPeriods)*SagaPeriod),
		awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("FILL(placed, 0) - FILL(finished, 0)"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"placed":   m.sagaMetric("OrdersPlaced", "Sum"),
				"finished": m.sagaMetric("SagaDuration", "SampleCount"),
			},
			Label:  jsii.String("orders placed but not finished"),
			Period: seconds(SagaPeriod),
		}), SagaStuckThreshold, SagaStuckPeriods, SagaStuckPeriods)

	m.Dashboard = m.dashboard(p.Platform, p.Services)
	return m
}

// newAlarmTopic defines the topic the alarms notify: encrypted with a key of its own (the
// AWS-managed aws/sns key does not let CloudWatch publish) and refusing requests without TLS.
func newAlarmTopic(scope constructs.Construct, settings StageSettings, email string) awssns.Topic {
	key := awskms.NewKey(scope, jsii.String("AlarmTopicKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the Microshop alarm topic"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     settings.RemovalPolicy,
	})
	// CloudWatch publishes to the encrypted topic with this key; in a key policy "*" is the key.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
	}), nil)
	topic := awssns.NewTopic(scope, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Microshop alarms (" + settings.Name + ")"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	if email != "" {
		sub := awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil)
		topic.AddSubscription(sub)
		for _, child := range *topic.Node().Children() {
			if _, ok := child.(awssns.Subscription); ok {
				cdknag.NagSuppressions_AddResourceSuppressions(child, &[]*cdknag.NagPackSuppression{{
					Id: jsii.String("Serverless-SNSRedrivePolicy"),
					Reason: jsii.String("An email subscription of the alarm topic: a notification SNS cannot " +
						"deliver stays in each alarm's history; a DLQ would need an alarm of its own on this topic."),
				}}, nil)
			}
		}
	}
	return topic
}

// deadLetterAlarms adds the depth and age alarms of function name's dead-letter queue.
func (m *Monitoring) deadLetterAlarms(name string, dlq awssqs.IQueue) {
	m.alarm(name+AlarmDLQDepth, "Messages for "+name+" are in its dead-letter queue: events the service did not process.",
		dlq.MetricApproximateNumberOfMessagesVisible(stat("Maximum", time.Minute)), 1, 1, 1)
	m.alarm(name+AlarmDLQAge, fmt.Sprintf("A dead letter of %s is %v old; SQS deletes it at %v.", name, DLQAgeThreshold, DeadLetterRetention),
		dlq.MetricApproximateAgeOfOldestMessage(stat("Maximum", 5*time.Minute)), DLQAgeThreshold.Seconds(), 1, 1)
}

// alarm defines the alarm id: metric ≥ threshold in datapoints of the last periods periods;
// missing data does not breach. It notifies the topic on ALARM and on OK.
func (m *Monitoring) alarm(id, description string, metric awscloudwatch.IMetric, threshold float64, periods, datapoints int) {
	if _, ok := m.Alarms[id]; ok {
		panic(fmt.Errorf("infra: alarm %q defined twice", id))
	}
	alarm := awscloudwatch.NewAlarm(m.Construct, jsii.String(id), &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(m.stack + "-" + id),
		AlarmDescription:   jsii.String(description + " Runbook: docs/operations.md, " + alarmKind(id) + "."),
		Metric:             metric,
		Threshold:          jsii.Number(threshold),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(float64(periods)),
		DatapointsToAlarm:  jsii.Number(float64(datapoints)),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	action := awscloudwatchactions.NewSnsAction(m.Topic)
	alarm.AddAlarmAction(action)
	alarm.AddOkAction(action)
	m.Alarms[id] = alarm
}

// alarmKind is the id of docs/alarms.md that id is an instance of: "<fn>-dlq-depth" for
// "orders-on-saga-dlq-depth", the id itself for the stack's single alarms.
func alarmKind(id string) string {
	for _, suffix := range []string{AlarmErrors, AlarmThrottles, AlarmDLQDepth, AlarmDLQAge, AlarmQueueAge} {
		if strings.HasSuffix(id, suffix) {
			return "<fn>" + suffix
		}
	}
	return id
}

// sagaMetric is one of the order saga's EMF metrics of this stage.
func (m *Monitoring) sagaMetric(name, statistic string) awscloudwatch.Metric {
	return m.emfMetric(name, SagaService, statistic)
}

// emfMetric is the functions' metric name of service, in this stage.
func (m *Monitoring) emfMetric(name, service, statistic string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(MetricsNamespace),
		MetricName:    jsii.String(name),
		DimensionsMap: &map[string]*string{"Stage": jsii.String(m.settings.Name), "Service": jsii.String(service)},
		Statistic:     jsii.String(statistic),
		Period:        seconds(SagaPeriod),
	})
}

// stat is metric options with a statistic and a period.
func stat(statistic string, period time.Duration) *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{Statistic: jsii.String(statistic), Period: seconds(period)}
}

// dashboard defines the stage's dashboard (docs/alarms.md#dashboard).
func (m *Monitoring) dashboard(platform *Platform, services []*Service) awscloudwatch.Dashboard {
	api := platform.API.Stage
	five := 5 * time.Minute
	graph := func(title string, width float64, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Width: jsii.Number(width), Height: jsii.Number(6), Left: &metrics,
		})
	}
	label := func(metric awscloudwatch.Metric, l string) awscloudwatch.IMetric {
		return metric.With(&awscloudwatch.MetricOptions{Label: jsii.String(l)})
	}

	var routeErrors []awscloudwatch.IMetric
	routes := slices.Clone(platform.API.Routes)
	slices.SortFunc(routes, func(a, b spec.Route) int { return strings.Compare(a.Key(), b.Key()) })
	for _, r := range routes {
		routeErrors = append(routeErrors, awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:  jsii.String("AWS/ApiGateway"),
			MetricName: jsii.String("5xx"),
			DimensionsMap: &map[string]*string{
				"ApiId": platform.API.API.ApiId(), "Stage": jsii.String("$default"), "Route": jsii.String(r.Key()),
			},
			Statistic: jsii.String("Sum"),
			Period:    seconds(five),
			Label:     jsii.String(r.Key()),
		}))
	}

	var dlqDepths, queueAges, concurrency, fnErrors []awscloudwatch.IMetric
	for _, svc := range services {
		for _, name := range svc.Spec.Functions() {
			fn := svc.Functions[name].Function
			concurrency = append(concurrency, label(fn.Metric(jsii.String("ConcurrentExecutions"), stat("Maximum", five)), name))
			fnErrors = append(fnErrors, label(fn.MetricErrors(stat("Sum", five)), name))
			if c, ok := svc.Consumers[name]; ok {
				dlqDepths = append(dlqDepths, label(c.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(stat("Maximum", time.Minute)), name))
				queueAges = append(queueAges, label(c.Queue.MetricApproximateAgeOfOldestMessage(stat("Maximum", time.Minute)), name))
			}
			if name == svc.Spec.Publisher && svc.Outbox != nil {
				dlqDepths = append(dlqDepths, label(svc.Outbox.FailureQueue.MetricApproximateNumberOfMessagesVisible(stat("Maximum", time.Minute)), name))
			}
		}
	}

	funnel := []awscloudwatch.IMetric{
		label(m.emfMetric("OrdersPlaced", "orders", "Sum"), "placed"),
		label(m.emfMetric("StockReserved", "inventory", "Sum"), "stock reserved"),
		label(m.emfMetric("PaymentsSucceeded", "payments", "Sum"), "paid"),
		label(m.emfMetric("ShipmentsCreated", "shipping", "Sum"), "shipment created"),
		label(m.emfMetric("OrdersConfirmed", "orders", "Sum"), "confirmed"),
		label(m.emfMetric("OrdersCancelled", "orders", "Sum"), "cancelled"),
		label(m.emfMetric("PaymentsDeclined", "payments", "Sum"), "payment declined"),
	}
	// OrdersFailed has a Reason dimension too: a search sums every reason.
	failed := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(fmt.Sprintf(
			`SUM(SEARCH('{%s,Reason,Service,Stage} MetricName="OrdersFailed" Stage="%s" Service="orders"', 'Sum', 300))`,
			MetricsNamespace, m.settings.Name)),
		Label:  jsii.String("failed (every reason)"),
		Period: seconds(five),
	})
	funnel = append(funnel, failed)

	return awscloudwatch.NewDashboard(m.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(m.stack),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{
				graph("API requests", 8,
					label(api.MetricCount(stat("SampleCount", five)), "requests"),
					label(api.MetricClientError(stat("Sum", five)), "4xx"),
					label(api.MetricServerError(stat("Sum", five)), "5xx")),
				graph("API latency (ms)", 8,
					label(api.MetricLatency(stat("p50", five)), "p50"),
					label(api.MetricLatency(stat("p90", five)), "p90"),
					label(api.MetricLatency(stat("p99", five)), "p99"),
					label(api.MetricIntegrationLatency(stat("p99", five)), "integration p99")),
				graph("API 5xx per route", 8, routeErrors...),
			},
			{
				graph("Saga funnel: placed → reserved → paid → confirmed", 12, funnel...),
				graph("Saga duration (ms)", 12,
					label(m.emfMetric("SagaDuration", "orders", "p50"), "p50"),
					label(m.emfMetric("SagaDuration", "orders", "p99"), "p99"),
					label(m.sagaMetric("SagaDuration", "SampleCount"), "finished")),
			},
			{
				graph("Dead-letter queue depths", 12, dlqDepths...),
				graph("Oldest message per consumer queue (s)", 12, queueAges...),
			},
			{
				graph("Concurrent executions per function", 12, concurrency...),
				graph("Errors per function", 12, fnErrors...),
			},
		},
	})
}
