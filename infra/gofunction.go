package infra

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Defaults every Go function gets unless its props say otherwise.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMemoryMB     = 256
	DefaultLogRetention = awslogs.RetentionDays_ONE_MONTH
)

// GoFunctionProps configures a GoFunction.
type GoFunctionProps struct {
	// Name is the function's binary's name and its name in DevStage (docs/contracts.md):
	// unique across the repo, prefixed with the service, e.g. "catalog-get-product".
	Name string
	// FunctionName is the Lambda function's name on AWS; defaults to Name. Service sets the
	// stage's StageSettings.PhysicalName(Name).
	FunctionName string
	// GoPackage is the function's main package relative to the module root, e.g.
	// "./functions/catalog/cmd/catalog-get-product". The local runtime builds it for the host.
	GoPackage string
	// AssetRoot holds one <Name>/bootstrap per function (`make build` writes build/lambda).
	AssetRoot string
	// Environment variables of the function.
	Environment map[string]string
	// Timeout defaults to DefaultTimeout; whole seconds only.
	Timeout time.Duration
	// MemoryMB defaults to DefaultMemoryMB.
	MemoryMB int
	// LogRetention defaults to DefaultLogRetention.
	LogRetention awslogs.RetentionDays
	// LogRemovalPolicy of the log group; defaults to DESTROY.
	LogRemovalPolicy awscdk.RemovalPolicy
	// ReservedConcurrency, when > 0, reserves and caps the function's concurrent executions.
	ReservedConcurrency int
}

// GoFunction is a Go Lambda function with the project's defaults: provided.al2023 on arm64,
// handler "bootstrap", explicit timeout and memory, X-Ray active tracing, its own log group
// with retention, and a role that may write only to that log group (no
// AWSLambdaBasicExecutionRole) and send traces. Grant it anything else through Function.
type GoFunction struct {
	constructs.Construct
	// Name is the Lambda function's name, e.g. "catalog-get-product".
	Name     string
	Function awslambda.Function
	Role     awsiam.Role
	LogGroup awslogs.LogGroup
	// Timeout is the function's timeout, which a consumer's queue visibility depends on.
	Timeout time.Duration
}

// NewGoFunction defines a GoFunction. It panics, as constructs do, when a prop is invalid or
// the function's bootstrap binary is missing from the asset root.
func NewGoFunction(scope constructs.Construct, id string, props *GoFunctionProps) *GoFunction {
	p := *props
	if p.Timeout == 0 {
		p.Timeout = DefaultTimeout
	}
	if p.MemoryMB == 0 {
		p.MemoryMB = DefaultMemoryMB
	}
	if p.LogRetention == "" {
		p.LogRetention = DefaultLogRetention
	}
	if p.LogRemovalPolicy == "" {
		p.LogRemovalPolicy = awscdk.RemovalPolicy_DESTROY
	}
	if p.FunctionName == "" {
		p.FunctionName = p.Name
	}
	if err := p.validate(); err != nil {
		panic(fmt.Errorf("infra: function %q: %w", id, err))
	}

	c := constructs.NewConstruct(scope, jsii.String(id))

	logGroup := awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		Retention: p.LogRetention,
		// Bounded by retention; production keeps them past the stack's deletion (StageSettings).
		RemovalPolicy: p.LogRemovalPolicy,
	})

	// An explicit role instead of Lambda's default keeps AWSLambdaBasicExecutionRole (logs:* on
	// every log group in the account) off the function: it may write its own log group only.
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of Lambda function " + p.Name),
	})
	logGroup.Grants().Write(role)

	env := make(map[string]*string, len(p.Environment))
	for k, v := range p.Environment {
		env[k] = jsii.String(v)
	}

	// The ID "Default" hides this level from logical IDs: the function is
	// <Service><Id><hash>, e.g. CatalogGetProduct1A2B3C4D.
	fnProps := &awslambda.FunctionProps{
		FunctionName: jsii.String(p.FunctionName),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(p.AssetRoot, p.Name)), nil),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(p.Timeout.Seconds())),
		MemorySize:   jsii.Number(float64(p.MemoryMB)),
		Environment:  &env,
		LogGroup:     logGroup,
		Role:         role,
		Tracing:      awslambda.Tracing_ACTIVE,
	}
	if p.ReservedConcurrency > 0 {
		fnProps.ReservedConcurrentExecutions = jsii.Number(float64(p.ReservedConcurrency))
	}
	fn := awslambda.NewFunction(c, jsii.String("Default"), fnProps)
	// Active tracing grants xray:PutTraceSegments and xray:PutTelemetryRecords, which IAM
	// defines on no resource type: AWS requires "*" (see WildcardResourceActions).
	xray := "X-Ray's PutTraceSegments and PutTelemetryRecords have no resource type in IAM, so " +
		"active tracing can only grant them on *; they write trace data, read nothing."
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(xray), AppliesTo: &[]any{"Resource::*"}},
	}, jsii.Bool(true))
	fn.Node().DefaultChild().(awslambda.CfnFunction).AddMetadata(
		jsii.String("LocalRuntime"), map[string]any{"GoPackage": p.GoPackage})

	return &GoFunction{Construct: c, Name: p.Name, Function: fn, Role: role, LogGroup: logGroup, Timeout: p.Timeout}
}

func (p *GoFunctionProps) validate() error {
	switch {
	case p.Name == "":
		return fmt.Errorf("no Name given")
	case !strings.HasPrefix(p.GoPackage, "./"):
		return fmt.Errorf("go package %q: want a path relative to the module root (./...)", p.GoPackage)
	case p.Timeout%time.Second != 0 || p.Timeout < time.Second || p.Timeout > 15*time.Minute:
		return fmt.Errorf("timeout %v: want whole seconds from 1s to 15m", p.Timeout)
	case p.MemoryMB < 128 || p.MemoryMB > 10240:
		return fmt.Errorf("memory %d MB: want 128 to 10240", p.MemoryMB)
	}
	// Fail here with a hint rather than deep inside the asset code with a bare path.
	bootstrap := filepath.Join(p.AssetRoot, p.Name, "bootstrap")
	if _, err := os.Stat(bootstrap); err != nil {
		return fmt.Errorf("asset %s: %w (run `make build` first)", bootstrap, err)
	}
	return nil
}
