package infra

import (
	"fmt"
	"regexp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// ProdStage is the production stage; StageSettingsFor gives every stage but DevStage its
// settings, so a "staging" stage is built like production.
const ProdStage = "prod"

// StageEnv is the environment variable that names the stage to every function (the metrics'
// Stage dimension, shared/metrics).
const StageEnv = "STAGE"

// stageName is what a stage may be called: it becomes part of the stack's name and of physical
// names (functions, the bus, alarms), so it is short, lower case and starts with a letter.
var stageName = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)

// StageSettings are what differs between stages. DevStage is a developer's stack (and the
// template the local runtime serves): cheap, disposable, lenient. Every other stage holds
// customers' data and is operated: kept, protected, alarmed, throttled for real traffic.
type StageSettings struct {
	// Name is the stage, e.g. "dev" or "prod".
	Name string
	// Production is true for every stage but DevStage.
	Production bool
	// RemovalPolicy of the data (tables) and of the log groups when the stack is deleted.
	RemovalPolicy awscdk.RemovalPolicy
	// DeletionProtection of the tables (the user pool follows Production too, see Auth).
	DeletionProtection bool
	// LogRetention of every log group (functions, API access logs).
	LogRetention awslogs.RetentionDays
	// RateLimit and BurstLimit throttle every route of the API by default; WriteRateLimit
	// and WriteBurstLimit throttle the routes that are not GETs (they cost writes and events).
	RateLimit, BurstLimit           float64
	WriteRateLimit, WriteBurstLimit float64
	// ConsumerMaxConcurrency bounds the concurrent invocations of each queue's event source
	// mapping (2 to 1000; the local runtime polls with as many, at most 5); ConsumerReservedConcurrency, when > 0, reserves (and caps)
	// each consumer's concurrency above it, as AWS advises when both are set.
	ConsumerMaxConcurrency      int
	ConsumerReservedConcurrency int
	// FunctionAlarms adds every function's Errors and Throttles alarms (docs/alarms.md).
	FunctionAlarms bool
	// QueueAgeThreshold is the age of the oldest message of a consumer's queue that alarms.
	QueueAgeThreshold time.Duration
	// API5xxPercent and APILatencyP99 are the API's alarm thresholds.
	API5xxPercent float64
	APILatencyP99 time.Duration
}

// StageSettingsFor returns the settings of stage name ("" is DevStage).
func StageSettingsFor(name string) (StageSettings, error) {
	if name == "" {
		name = DevStage
	}
	if !stageName.MatchString(name) {
		return StageSettings{}, fmt.Errorf("stage %q: want 1 to 12 lower-case letters and digits, starting with a letter", name)
	}
	if name == DevStage {
		return StageSettings{
			Name:            name,
			RemovalPolicy:   awscdk.RemovalPolicy_DESTROY,
			LogRetention:    awslogs.RetentionDays_ONE_WEEK,
			RateLimit:       50,
			BurstLimit:      100,
			WriteRateLimit:  20,
			WriteBurstLimit: 40,
			// No reserved concurrency in dev: new accounts have a concurrency quota of 10, and
			// Lambda refuses a reservation that leaves fewer than 100 unreserved.
			ConsumerMaxConcurrency: 5,
			QueueAgeThreshold:      15 * time.Minute,
			API5xxPercent:          5,
			APILatencyP99:          3 * time.Second,
		}, nil
	}
	return StageSettings{
		Name:                        name,
		Production:                  true,
		RemovalPolicy:               awscdk.RemovalPolicy_RETAIN,
		DeletionProtection:          true,
		LogRetention:                awslogs.RetentionDays_THREE_MONTHS,
		RateLimit:                   DefaultRateLimit,
		BurstLimit:                  DefaultBurstLimit,
		WriteRateLimit:              50,
		WriteBurstLimit:             100,
		ConsumerMaxConcurrency:      5,
		ConsumerReservedConcurrency: 10,
		FunctionAlarms:              true,
		QueueAgeThreshold:           5 * time.Minute,
		API5xxPercent:               1,
		APILatencyP99:               time.Second,
	}, nil
}

// StackNameFor is the stack (and template) name of a stage: StackName for DevStage, which the
// local runtime reads as cdk.out/Microshop.template.json, else "Microshop-<stage>".
func StackNameFor(stage string) string {
	if stage == "" || stage == DevStage {
		return StackName
	}
	return StackName + "-" + stage
}

// PhysicalName is the AWS name of a named resource (a function, the bus) in this stage: name
// itself in DevStage, whose names are the local runtime's (docs/contracts.md), else
// name + "-" + stage, so two stages in one account and region never collide.
func (s StageSettings) PhysicalName(name string) string {
	if s.Name == DevStage {
		return name
	}
	return name + "-" + s.Name
}
