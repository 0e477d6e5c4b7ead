package infra

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/microshop/microshop/shared/money"
	"github.com/microshop/microshop/shared/spec"
)

// TableEnv is the environment variable that names a service's table to its functions.
const TableEnv = "TABLE_NAME"

// ServiceDef is one service of the shop: its spec, and Define, which adds the service's routes,
// outbox and consumers with their grants. Define is the service's file in infra/.
type ServiceDef struct {
	// ID is the service's construct ID, the first part of its resources' logical IDs.
	ID     string
	Spec   spec.Service
	Define func(*Service)
}

// Service is a service under construction: its table, made from its spec, and the functions
// Define has added so far. Every function of the spec must be added (NewMicroshopStack checks).
type Service struct {
	constructs.Construct
	Spec     spec.Service
	Platform *Platform
	Table    awsdynamodb.Table
	// Functions by name, e.g. "catalog-get-product".
	Functions map[string]*GoFunction
	// Consumers by their function's name, and the Outbox (nil when the service has none):
	// Monitoring alarms on their queues.
	Consumers map[string]*Consumer
	Outbox    *Outbox
}

// NewService defines the service's construct and its table. It panics when the spec is invalid.
func NewService(scope constructs.Construct, id string, platform *Platform, s spec.Service) *Service {
	if err := s.Validate(); err != nil {
		panic(fmt.Errorf("infra: service %s: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	return &Service{
		Construct: c, Spec: s, Platform: platform,
		Table:     newTable(c, "Table", s.Table, platform.Settings),
		Functions: make(map[string]*GoFunction),
		Consumers: make(map[string]*Consumer),
	}
}

// newTable defines the table t describes: on demand, point-in-time recovery, TTL and stream as
// the spec says; outside DevStage it holds business data, so it is kept when the stack is
// deleted and has deletion protection (StageSettings).
func newTable(scope constructs.Construct, id string, t spec.Table, stage StageSettings) awsdynamodb.Table {
	props := &awsdynamodb.TableProps{
		PartitionKey: attribute(t.PartitionKey),
		SortKey:      attribute(t.SortKey),
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy:      stage.RemovalPolicy,
		DeletionProtection: jsii.Bool(stage.DeletionProtection),
	}
	if t.TTLAttribute != "" {
		props.TimeToLiveAttribute = jsii.String(t.TTLAttribute)
	}
	if t.Stream != spec.NoStream {
		props.Stream = awsdynamodb.StreamViewType(t.Stream)
	}
	table := awsdynamodb.NewTable(scope, jsii.String(id), props)
	for _, ix := range t.Indexes {
		gsi := &awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   attribute(ix.PartitionKey),
			SortKey:        attribute(ix.SortKey),
			ProjectionType: awsdynamodb.ProjectionType(ix.Projection),
		}
		if len(ix.NonKeyAttributes) > 0 {
			gsi.NonKeyAttributes = jsii.Strings(ix.NonKeyAttributes...)
		}
		table.AddGlobalSecondaryIndex(gsi)
	}
	return table
}

// attribute converts a key of the spec to CDK's, nil for the zero Key.
func attribute(k spec.Key) *awsdynamodb.Attribute {
	if k == (spec.Key{}) {
		return nil
	}
	types := map[spec.AttributeType]awsdynamodb.AttributeType{
		spec.String: awsdynamodb.AttributeType_STRING,
		spec.Number: awsdynamodb.AttributeType_NUMBER,
		spec.Binary: awsdynamodb.AttributeType_BINARY,
	}
	return &awsdynamodb.Attribute{Name: jsii.String(k.Name), Type: types[k.Type]}
}

// AddRoutes adds a function and its route for each route of the spec. grants has exactly one
// entry per route's function: it panics on a route without a grant or a grant without a route,
// so no function gets access by default.
func (s *Service) AddRoutes(grants map[string]Grant) {
	for name := range grants {
		if !slices.ContainsFunc(s.Spec.Routes, func(r spec.Route) bool { return r.Function == name }) {
			panic(fmt.Errorf("infra: service %s: grant for %q, which serves no route", s.Spec.Name, name))
		}
	}
	for _, r := range s.Spec.Routes {
		grant, ok := grants[r.Function]
		if !ok {
			panic(fmt.Errorf("infra: service %s: no grant for %q (route %s)", s.Spec.Name, r.Function, r.Key()))
		}
		fn := s.function(r.Function, map[string]string{TableEnv: *s.Table.TableName()}, 0)
		noDLQ(fn, "API Gateway invokes it synchronously: an error is the caller's response, "+
			"there is no event to keep.")
		grant(s, fn)
		s.Platform.API.AddRoute(fn.Construct, "Route", r, fn.Function)
	}
}

// AddOutbox adds the spec's publisher function on the table's stream (see Outbox).
func (s *Service) AddOutbox() *Outbox {
	if s.Spec.Publisher == "" {
		panic(fmt.Errorf("infra: service %s: the spec names no publisher", s.Spec.Name))
	}
	fn := s.function(s.Spec.Publisher, nil, 0)
	noDLQ(fn, "Its only trigger is the table stream's event source mapping, whose failed "+
		"batches go to the outbox's failure queue (an on-failure destination).")
	s.Outbox = NewOutbox(fn.Construct, "Outbox", &OutboxProps{Table: s.Table, Publisher: fn, Bus: s.Platform.Bus})
	return s.Outbox
}

// AddConsumer adds the spec's consumer function name, with its grant, behind a Consumer of the
// events the spec lists for it.
func (s *Service) AddConsumer(name string, grant Grant) *Consumer {
	i := slices.IndexFunc(s.Spec.Consumers, func(c spec.Consumer) bool { return c.Function == name })
	if i < 0 {
		panic(fmt.Errorf("infra: service %s: %q is not a consumer in the spec", s.Spec.Name, name))
	}
	sc := s.Spec.Consumers[i]
	fn := s.function(name, map[string]string{TableEnv: *s.Table.TableName()}, s.Platform.Settings.ConsumerReservedConcurrency)
	noDLQ(fn, "Its only trigger is its queue's event source mapping (synchronous): a failed "+
		"message returns to the queue and moves to the queue's DLQ after MaxReceiveCount receives.")
	grant(s, fn)
	c := NewConsumer(fn.Construct, "Consumer", &ConsumerProps{
		Bus:            s.Platform.Bus,
		Pattern:        &awsevents.EventPattern{Source: jsii.Strings(sc.Sources...), DetailType: jsii.Strings(sc.DetailTypes...)},
		Function:       fn,
		MaxConcurrency: s.Platform.Settings.ConsumerMaxConcurrency,
	})
	s.Consumers[name] = c
	return c
}

// noDLQ suppresses cdk-nag's Serverless-LambdaDLQ on fn, which no one invokes asynchronously
// (the PolicyChecks aspect fails a function that is an asynchronous target without one).
func noDLQ(fn *GoFunction, reason string) {
	cdknag.NagSuppressions_AddResourceSuppressions(fn.Function, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("Serverless-LambdaDLQ"), Reason: jsii.String(reason),
	}}, nil)
}

// function defines the spec's function name, with the construct ID of its name without the
// service prefix in PascalCase ("catalog-get-product" is GetProduct), its stage's physical name,
// log retention and reserved concurrency (0: none). Its environment is env plus the shop's
// currency in money.ShopCurrencyEnv and the stage in StageEnv.
func (s *Service) function(name string, env map[string]string, reserved int) *GoFunction {
	if !slices.Contains(s.Spec.Functions(), name) {
		panic(fmt.Errorf("infra: service %s: function %q is not in its spec", s.Spec.Name, name))
	}
	if _, ok := s.Functions[name]; ok {
		panic(fmt.Errorf("infra: service %s: function %q added twice", s.Spec.Name, name))
	}
	var id strings.Builder
	for _, word := range strings.Split(strings.TrimPrefix(name, s.Spec.Name+"-"), "-") {
		if word != "" {
			id.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	fullEnv := map[string]string{money.ShopCurrencyEnv: s.Platform.Currency, StageEnv: s.Platform.Settings.Name}
	maps.Copy(fullEnv, env)
	settings := s.Platform.Settings
	fn := NewGoFunction(s.Construct, id.String(), &GoFunctionProps{
		Name:                name,
		FunctionName:        settings.PhysicalName(name),
		GoPackage:           s.Spec.GoPackage(name),
		AssetRoot:           s.Platform.AssetRoot,
		Environment:         fullEnv,
		LogRetention:        settings.LogRetention,
		LogRemovalPolicy:    settings.RemovalPolicy,
		ReservedConcurrency: reserved,
	})
	s.Functions[name] = fn
	return fn
}

// checkComplete panics unless Define added every function of the spec.
func (s *Service) checkComplete() {
	for _, name := range s.Spec.Functions() {
		if _, ok := s.Functions[name]; !ok {
			panic(fmt.Errorf("infra: service %s: its spec has function %q, which Define did not add",
				s.Spec.Name, name))
		}
	}
}
