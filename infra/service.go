package infra

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

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
}

// NewService defines the service's construct and its table. It panics when the spec is invalid.
func NewService(scope constructs.Construct, id string, platform *Platform, s spec.Service) *Service {
	if err := s.Validate(); err != nil {
		panic(fmt.Errorf("infra: service %s: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	return &Service{
		Construct: c, Spec: s, Platform: platform,
		Table:     newTable(c, "Table", s.Table),
		Functions: make(map[string]*GoFunction),
	}
}

// newTable defines the table t describes: on demand, point-in-time recovery, and kept when the
// stack is deleted, because it holds business data.
func newTable(scope constructs.Construct, id string, t spec.Table) awsdynamodb.Table {
	props := &awsdynamodb.TableProps{
		PartitionKey: attribute(t.PartitionKey),
		SortKey:      attribute(t.SortKey),
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
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
		fn := s.function(r.Function, map[string]string{TableEnv: *s.Table.TableName()})
		grant(s, fn)
		s.Platform.API.AddRoute(fn.Construct, "Route", r, fn.Function)
	}
}

// AddOutbox adds the spec's publisher function on the table's stream (see Outbox).
func (s *Service) AddOutbox() *Outbox {
	if s.Spec.Publisher == "" {
		panic(fmt.Errorf("infra: service %s: the spec names no publisher", s.Spec.Name))
	}
	fn := s.function(s.Spec.Publisher, nil)
	return NewOutbox(fn.Construct, "Outbox", &OutboxProps{Table: s.Table, Publisher: fn, Bus: s.Platform.Bus})
}

// AddConsumer adds the spec's consumer function name, with its grant, behind a Consumer of the
// events the spec lists for it.
func (s *Service) AddConsumer(name string, grant Grant) *Consumer {
	i := slices.IndexFunc(s.Spec.Consumers, func(c spec.Consumer) bool { return c.Function == name })
	if i < 0 {
		panic(fmt.Errorf("infra: service %s: %q is not a consumer in the spec", s.Spec.Name, name))
	}
	sc := s.Spec.Consumers[i]
	fn := s.function(name, map[string]string{TableEnv: *s.Table.TableName()})
	grant(s, fn)
	return NewConsumer(fn.Construct, "Consumer", &ConsumerProps{
		Bus:      s.Platform.Bus,
		Pattern:  &awsevents.EventPattern{Source: jsii.Strings(sc.Sources...), DetailType: jsii.Strings(sc.DetailTypes...)},
		Function: fn,
	})
}

// function defines the spec's function name, with the construct ID of its name without the
// service prefix in PascalCase ("catalog-get-product" is GetProduct). Its environment is env
// plus the shop's currency in money.ShopCurrencyEnv.
func (s *Service) function(name string, env map[string]string) *GoFunction {
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
	fullEnv := map[string]string{money.ShopCurrencyEnv: s.Platform.Currency}
	maps.Copy(fullEnv, env)
	fn := NewGoFunction(s.Construct, id.String(), &GoFunctionProps{
		Name:        name,
		GoPackage:   s.Spec.GoPackage(name),
		AssetRoot:   s.Platform.AssetRoot,
		Environment: fullEnv,
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
