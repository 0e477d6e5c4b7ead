package template

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func valuePtr[T any](v T) *T { return &v }

func TestLoadEventsAndAuthorizers(t *testing.T) {
	m, err := Load("testdata/Events.template.json", Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	arn := func(service, resource string) string {
		return "arn:aws:" + service + ":us-east-1:" + acct + ":" + resource
	}
	// The pool's and client's IDs are whatever Ref gives them locally.
	pool, err := m.Ref("UserPool6BA7E5F2")
	if err != nil {
		t.Fatal(err)
	}
	client, err := m.Ref("UserPoolClient2F5918F7")
	if err != nil {
		t.Fatal(err)
	}
	apiID := apiID("HttpApiF5A9A8A7")
	consume := arn("lambda", "function:orders-consume")
	failures := arn("sqs", "PublishFailures1A2B3C4D")
	dlq := arn("sqs", "OrdersConsumerDlq5E6F7A8B")
	ordersQueue := arn("sqs", "orders-product-changed")
	invoices := arn("sqs", "InvoicesFifo9C8B7A6F.fifo")
	defaults := RetryPolicy{MaximumRetryAttempts: DefaultMaximumRetryAttempts, MaximumEventAgeInSeconds: DefaultMaximumEventAgeInSeconds}

	want := &Model{
		EventBuses: []*EventBus{{LogicalID: "ShopBus3C1D7E2A", Name: "microshop", ARN: arn("events", "event-bus/microshop")}},
		Rules: []*Rule{
			{
				LogicalID: "NightlyRule6A5B4C3D", Name: "nightly", ARN: arn("events", "rule/nightly"),
				EventBusName: "default", ScheduleExpression: "cron(0 3 * * ? *)", State: "DISABLED",
				Targets: []*RuleTarget{{ID: "Target0", ARN: consume, Input: `{"job":"nightly"}`, RetryPolicy: defaults}},
			},
			{
				LogicalID: "OrdersConsumerRuleB1C2D3E4", Name: "OrdersConsumerRuleB1C2D3E4",
				ARN:          arn("events", "rule/microshop/OrdersConsumerRuleB1C2D3E4"),
				EventBusName: "microshop",
				EventPattern: json.RawMessage(`{"detail-type":["ProductChanged"],"source":["microshop.catalog"]}`),
				State:        "ENABLED", Description: "catalog events for orders",
				Targets: []*RuleTarget{
					{ID: "Target0", ARN: ordersQueue, DeadLetterARN: dlq,
						RetryPolicy: RetryPolicy{MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: DefaultMaximumEventAgeInSeconds}},
					{ID: "Target1", ARN: invoices, InputPath: "$.detail", MessageGroupID: "invoices", RetryPolicy: defaults},
					{ID: "Target2", ARN: consume,
						InputTransformer: &InputTransformer{InputPathsMap: map[string]string{"id": "$.detail.id"}, InputTemplate: `{"productId": <id>}`},
						RetryPolicy:      RetryPolicy{MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600}},
				},
			},
		},
		Queues: []*Queue{
			{
				LogicalID: "InvoicesFifo9C8B7A6F", Name: "InvoicesFifo9C8B7A6F.fifo",
				URL: DefaultEdgeURL + "/" + acct + "/InvoicesFifo9C8B7A6F.fifo", ARN: invoices,
				FIFO: true, ContentBasedDeduplication: true, DeduplicationScope: "messageGroup", FifoThroughputLimit: "perMessageGroupId",
				RedriveAllowPolicy: &RedriveAllowPolicy{RedrivePermission: "denyAll"},
			},
			{
				LogicalID: "OrdersConsumerDlq5E6F7A8B", Name: "OrdersConsumerDlq5E6F7A8B",
				URL: DefaultEdgeURL + "/" + acct + "/OrdersConsumerDlq5E6F7A8B", ARN: dlq,
				MessageRetentionPeriod: valuePtr(1209600), KmsMasterKeyID: "alias/aws/sqs",
			},
			{
				LogicalID: "OrdersConsumerQueue4D3C2B1A", Name: "orders-product-changed",
				URL: DefaultEdgeURL + "/" + acct + "/orders-product-changed", ARN: ordersQueue,
				VisibilityTimeout: valuePtr(180), ReceiveMessageWaitTimeSeconds: valuePtr(20), MaximumMessageSize: valuePtr(262144), DelaySeconds: valuePtr(0),
				RedrivePolicy:        &RedrivePolicy{DeadLetterTargetARN: dlq, MaxReceiveCount: 3},
				SqsManagedSseEnabled: valuePtr(true),
			},
			{
				LogicalID: "PublishFailures1A2B3C4D", Name: "PublishFailures1A2B3C4D",
				URL: DefaultEdgeURL + "/" + acct + "/PublishFailures1A2B3C4D", ARN: failures,
				MessageRetentionPeriod: valuePtr(1209600), SqsManagedSseEnabled: valuePtr(true),
			},
		},
		EventSourceMappings: []*EventSourceMapping{
			{
				LogicalID:      "CatalogPublishEventsDynamoDBEventSourceShopCatalogTable9E8D7C6B",
				EventSourceARN: arn("dynamodb", "table/catalog/stream/"+StreamLabel),
				FunctionName:   "catalog-publish-events", Function: "CatalogPublishEvents7F2E1D0C",
				Enabled: true, BatchSize: 100, StartingPosition: StartingPositionTrimHorizon,
				BisectBatchOnFunctionError: true, MaximumRetryAttempts: valuePtr(3), MaximumRecordAgeInSeconds: valuePtr(3600),
				ParallelizationFactor: 2, FunctionResponseTypes: []string{"ReportBatchItemFailures"},
				OnFailureDestination: failures,
				Filters:              []json.RawMessage{json.RawMessage(`{"dynamodb":{"NewImage":{"outboxEvent":{"S":[{"exists":true}]}}}}`)},
			},
			{
				LogicalID: "OrdersConsumeFifoMapping3F4E5D6C", EventSourceARN: invoices,
				FunctionName: consume + ":live", Function: "OrdersConsume2B3C4D5E", Enabled: false,
			},
			{
				LogicalID: "OrdersConsumeSqsEventSourceOrdersConsumerQueue8E7D6C5B", EventSourceARN: ordersQueue,
				FunctionName: "orders-consume", Function: "OrdersConsume2B3C4D5E",
				Enabled: true, BatchSize: 10, MaximumBatchingWindow: 5 * time.Second,
				FunctionResponseTypes: []string{"ReportBatchItemFailures"}, MaximumConcurrency: 5,
				Filters: []json.RawMessage{
					json.RawMessage(`{"body":{"detail-type":["ProductChanged"]}}`),
					json.RawMessage(`{"body":{"detail-type":["ProductDeleted"]}}`),
				},
			},
		},
		EventInvokeConfigs: []*EventInvokeConfig{{
			LogicalID: "OrdersConsumeEventInvokeConfig7A8B9C0D", FunctionName: "orders-consume",
			Function: "OrdersConsume2B3C4D5E", Qualifier: "$LATEST",
			MaximumRetryAttempts: valuePtr(0), MaximumEventAgeInSeconds: valuePtr(3600), OnFailureDestination: failures,
		}},
		Authorizers: []*Authorizer{
			{
				LogicalID: "HttpApiKeyAuthorizer4D5E6F7A", APIID: apiID, Name: "KeyAuthorizer", Type: "REQUEST",
				IdentitySource: []string{"$request.header.X-Api-Key"}, PayloadFormatVersion: "2.0",
				// Its AuthorizerUri names a function "auth" the template does not have.
				Function: "",
			},
			{
				LogicalID: "HttpApiUserPoolAuthorizer2C4A1B3D", APIID: apiID, Name: "UserPoolAuthorizer", Type: "JWT",
				IdentitySource: []string{"$request.header.Authorization"},
				JWT:            &JWTConfiguration{Issuer: "https://cognito-idp.us-east-1.amazonaws.com/" + pool, Audience: []string{client}},
			},
		},
	}
	got := &Model{
		EventBuses: m.EventBuses, Rules: m.Rules, Queues: m.Queues, EventSourceMappings: m.EventSourceMappings,
		EventInvokeConfigs: m.EventInvokeConfigs, Authorizers: m.Authorizers,
	}
	if diff := cmp.Diff(want, got, ignoreRaw); diff != "" {
		t.Errorf("model (-want +got):\n%s", diff)
	}
	if dl := m.Functions["OrdersConsume2B3C4D5E"].DeadLetterTargetARN; dl != failures {
		t.Errorf("OrdersConsume DeadLetterTargetARN = %q, want %q", dl, failures)
	}
	if dl := m.Functions["CatalogPublishEvents7F2E1D0C"].DeadLetterTargetARN; dl != "" {
		t.Errorf("CatalogPublishEvents DeadLetterTargetARN = %q, want none", dl)
	}
	for _, esm := range m.EventSourceMappings {
		if got, want := esm.ReportsBatchItemFailures(), len(esm.FunctionResponseTypes) > 0; got != want {
			t.Errorf("%s ReportsBatchItemFailures = %v, want %v", esm.LogicalID, got, want)
		}
	}
}

func TestLoadEventsErrors(t *testing.T) {
	tests := []struct {
		name     string
		resource string
		want     string // Error.Path
	}{
		{"target without Id",
			`{"Type": "AWS::Events::Rule", "Properties": {"EventPattern": {"source": ["x"]}, "Targets": [{"Arn": "arn:aws:sqs:us-east-1:000000000000:q"}]}}`,
			"Properties.Targets.0"},
		{"pattern string that is not JSON",
			`{"Type": "AWS::Events::Rule", "Properties": {"EventPattern": "{source"}}`,
			"Properties.EventPattern"},
		{"filter pattern that is not JSON",
			`{"Type": "AWS::Lambda::EventSourceMapping", "Properties": {"FunctionName": "f", "FilterCriteria": {"Filters": [{"Pattern": "{body"}]}}}`,
			"Properties.FilterCriteria.Filters.0.Pattern"},
		{"queue number that is not a number",
			`{"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "soon"}}`,
			"Properties"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(`{"Resources": {"Bad": `+tt.resource+`}}`), Options{})
			var te *Error
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &te) {
				t.Fatalf("Parse = %v, want an *Error wrapping ErrInvalid", err)
			}
			if te.Resource != "Bad" || te.Path != tt.want {
				t.Errorf("error at %s %s, want Bad %s (%v)", te.Resource, te.Path, tt.want, err)
			}
		})
	}
}
