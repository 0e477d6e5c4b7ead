// Package template reads a CloudFormation template — the artifact `cdk deploy` ships, or a
// template written by hand in JSON or YAML, AWS SAM templates included (expanded by package
// sam) — and builds the typed model the local runtime serves, with the intrinsics in their
// properties resolved to local values: functions (with their dead-letter queues), HTTP APIs
// with their routes and authorizers, REST APIs with their methods, stages and authorizers
// (restapi.go; both kinds also from an OpenAPI Body, openapi.go), DynamoDB tables, SQS
// queues, EventBridge buses and rules with their targets, Lambda event source mappings
// (with FilterCriteria) and asynchronous invocation configs. Consumers read these types,
// never raw properties; a template whose modelled properties have the wrong shape fails to
// load with ErrInvalid.
//
// Nothing here is specific to one application: any template of this shape loads, and
// resource types it does not model are kept in Model.Resources and named in Model.Warnings.
//
// Local identifiers are deterministic: a resource's name is its name property (FunctionName,
// TableName, QueueName, ...) or else its logical ID; an HTTP API's ID is derived from a hash
// of its logical ID; ARNs use Options.Region and Options.AccountID. Resources whose
// Condition is false do not exist. Intrinsics the local runtime cannot honour
// (Fn::ImportValue) fail with ErrUnsupported rather than resolve to a guess.
package template

import "time"

// Model is what the local runtime needs from a template.
type Model struct {
	// StackName is the stack's name (from the file name, or given).
	StackName string
	Region    string
	AccountID string
	// Functions by logical ID.
	Functions map[string]*Function
	// APIs are the HTTP APIs (AWS::ApiGatewayV2::Api, ProtocolType HTTP), in logical-ID order.
	APIs []*HTTPAPI
	// RestAPIs are the REST APIs (AWS::ApiGateway::RestApi), in logical-ID order (see
	// restapi.go; their OpenAPI Bodies and those of HTTP APIs are read in openapi.go).
	RestAPIs []*RestAPI
	// APIKeys and UsagePlans are the REST APIs' API keys and usage plans, in logical-ID
	// order (see restapi_keys.go).
	APIKeys    []*APIKey
	UsagePlans []*UsagePlan
	// Tables are the DynamoDB tables (AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable),
	// in logical-ID order.
	Tables []*Table
	// EventBuses, Rules, Queues, EventSourceMappings, EventInvokeConfigs and Authorizers
	// are in logical-ID order; see events.go, queues.go, mappings.go and authorizers.go.
	EventBuses          []*EventBus
	Rules               []*Rule
	Queues              []*Queue
	EventSourceMappings []*EventSourceMapping
	EventInvokeConfigs  []*EventInvokeConfig
	// Schedules are the EventBridge Scheduler schedules, in logical-ID order (scheduler.go).
	Schedules []*Schedule
	// Authorizers are the HTTP APIs' authorizers.
	Authorizers []*Authorizer
	// UserPools are the Cognito user pools with their clients and groups, in logical-ID
	// order (see cognito.go).
	UserPools []*UserPool
	// Sites are the S3 bucket deployments (Custom::CDKBucketDeployment) with their sources
	// found in the cloud assembly, in logical-ID order (see site.go).
	Sites []*Site
	// Resources are all the template's resources by logical ID, as written (unresolved),
	// including those whose condition is false and types not modelled above. Resolve their
	// properties with Property, Ref and GetAtt. Read-only: the Model resolves from it.
	Resources map[string]*Resource
	// Warnings name what the template asks for that the local runtime leaves out: resource
	// types it does not emulate (one line per type), and SAM features and event types the
	// local SAM transform does not expand. The runtime prints them once at start-up.
	Warnings []string

	res *resolver
}

// Function is an AWS::Lambda::Function.
type Function struct {
	LogicalID string
	// Name is FunctionName when the template sets it, else the logical ID.
	Name string
	// ARN is the local ARN: arn:aws:lambda:<region>:<account>:function:<Name>.
	ARN string
	// GoPackage is the Go package (relative to the module root, e.g.
	// "./functions/catalog/cmd/catalog-get-product") recorded in the resource's
	// Metadata as {"LocalRuntime": {"GoPackage": "..."}}. Empty when absent.
	GoPackage string
	// Code is where else the template says the function's code is: a CDK asset, a SAM
	// CodeUri (see Code). local/code decides from it, and GoPackage, what to run.
	Code         Code
	Handler      string
	Runtime      string
	Architecture string        // "arm64" or "x86_64"
	MemoryMB     int           // default 128
	Timeout      time.Duration // default 3s
	// ReservedConcurrency is ReservedConcurrentExecutions: -1 when the template does not set
	// it, 0 for a function Lambda always throttles.
	ReservedConcurrency int
	// Environment with every intrinsic resolved to local values.
	Environment map[string]string
	// DeadLetterTargetARN is DeadLetterConfig.TargetArn: the queue or topic that receives
	// asynchronous invocations that failed every attempt; empty when none.
	DeadLetterTargetARN string
	// LogGroup is the name of the log group the function writes to: LoggingConfig.LogGroup
	// resolved, else Lambda's default "/aws/lambda/<Name>".
	LogGroup string
}

// HTTPAPI is an API Gateway HTTP API with its routes.
type HTTPAPI struct {
	LogicalID string
	ID        string // local API id (deterministic, 10 lower-case alphanumerics)
	Name      string
	// Endpoint is the API's Fn::GetAtt ApiEndpoint (see Options.APIEndpoint).
	Endpoint string
	// Routes in RouteKey order (then logical ID).
	Routes []*Route
	// CORS is the API's CorsConfiguration; nil when the template sets none (see site.go).
	CORS *CORS
}

// Route is an AWS::ApiGatewayV2::Route with its Lambda proxy integration resolved.
type Route struct {
	LogicalID string
	// Key is the RouteKey exactly as in the template: "GET /products/{id}", "ANY /{proxy+}",
	// "$default".
	Key string
	// Method is the key's method ("ANY" allowed); empty for $default.
	Method string
	// Path is the key's path; empty for $default.
	Path string
	// Integration is the logical ID of the route's AWS::ApiGatewayV2::Integration; empty
	// when the route has no Target.
	Integration string
	// IntegrationType is the integration's type: "AWS_PROXY" for Lambda, or another type
	// ("HTTP_PROXY", ...) the local runtime may not serve.
	IntegrationType string
	// Function is the logical ID of the integration's target function; empty unless the
	// integration is a Lambda proxy (AWS_PROXY without an IntegrationSubtype).
	Function string
	// PayloadFormatVersion of the integration: "2.0" or "1.0" (the default when the
	// template omits it, as API Gateway does).
	PayloadFormatVersion string
	// IntegrationTimeout from TimeoutInMillis; default 30s.
	IntegrationTimeout time.Duration
	// AuthorizationType: "NONE", "JWT", "AWS_IAM", "CUSTOM".
	AuthorizationType string
	// AuthorizerID is the logical ID of the route's authorizer, if any.
	AuthorizerID        string
	AuthorizationScopes []string
}

// Table is a DynamoDB table.
type Table struct {
	LogicalID string
	// Name is TableName when set, else the logical ID.
	Name string
	// ARN is the local ARN: arn:aws:dynamodb:<region>:<account>:table/<Name>.
	ARN string
	// StreamARN is ARN + "/stream/" + StreamLabel; empty when the table has no stream.
	StreamARN              string
	KeySchema              []KeyElement
	AttributeDefinitions   []AttributeDefinition
	GlobalSecondaryIndexes []Index
	LocalSecondaryIndexes  []Index
	BillingMode            string // PAY_PER_REQUEST or PROVISIONED (the default)
	// StreamViewType is empty when the table has no stream.
	StreamViewType string
	// TTLAttribute is empty when TTL is off.
	TTLAttribute string
	// PointInTimeRecovery is PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled.
	PointInTimeRecovery bool
}

// KeyElement is one part of a key schema.
type KeyElement struct {
	AttributeName string
	KeyType       string // HASH or RANGE
}

// AttributeDefinition declares a key attribute's type.
type AttributeDefinition struct {
	AttributeName string
	AttributeType string // S, N or B
}

// Index is a global or local secondary index.
type Index struct {
	IndexName        string
	KeySchema        []KeyElement
	ProjectionType   string // ALL, KEYS_ONLY or INCLUDE
	NonKeyAttributes []string
}
