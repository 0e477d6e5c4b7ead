package infra_test

import (
	"encoding/json"
	"fmt"
	"go/build"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
	"github.com/microshop/microshop/infra"
	"github.com/microshop/microshop/shared/spec"
)

// repoRoot is where cdk.json and the functions' packages are, seen from this package.
const repoRoot = ".."

// probe is a service that exists only in these tests: it exercises the constructs the catalog
// does not use yet (a consumer) and a table with a sort key, a number type and an INCLUDE
// projection.
var probe = spec.Service{
	Name: "probe",
	Table: spec.Table{
		PartitionKey: spec.Key{Name: "pk", Type: spec.String},
		SortKey:      spec.Key{Name: "sk", Type: spec.Number},
		Indexes: []spec.Index{{
			Name:             "byOwner",
			PartitionKey:     spec.Key{Name: "owner", Type: spec.String},
			Projection:       spec.ProjectInclude,
			NonKeyAttributes: []string{"name"},
		}},
	},
	Consumers: []spec.Consumer{{
		Function:    "probe-handle-order",
		Sources:     []string{"microshop.orders"},
		DetailTypes: []string{"OrderPlaced", "OrderCancelled"},
	}},
}

// assetRoot holds a placeholder bootstrap for every function of every service (and of the
// probe), so the stacks synthesize without `make build` and a new service cannot break them.
var assetRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "microshop-assets-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	assetRoot = dir
	var names []string
	for _, def := range infra.Services() {
		names = append(names, def.Spec.Functions()...)
	}
	names = append(names, probe.Functions()...)
	for _, name := range names {
		if err := writePlaceholder(filepath.Join(dir, name, "bootstrap")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	jsii.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

func writePlaceholder(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte("#!/bin/sh\n# placeholder for tests\n"), 0o755)
}

// synthesis is a stack synthesized once and shared by the tests (each synth costs seconds).
type synthesis struct {
	once     sync.Once
	err      error
	stack    awscdk.Stack
	template assertions.Template
	doc      template
}

var (
	// microshop is the Microshop stack as main builds it, with cdk.json's context.
	microshop synthesis
	// probeStack is a stack with the Platform and the probe service only.
	probeStack synthesis
)

// synth returns the Microshop stack built as main builds it: cdk.json's feature flags and
// context and cdk-nag's AwsSolutions checks, but the placeholder assets.
func synth(t *testing.T) (awscdk.Stack, assertions.Template, template) {
	t.Helper()
	return microshop.get(t, nil, func(app awscdk.App) awscdk.Stack {
		return infra.NewMicroshopStack(app, infra.StackName, &infra.MicroshopStackProps{AssetRoot: assetRoot, SiteDir: siteDir})
	})
}

// synthProbe returns a stack holding the Platform and the probe service, whose consumer
// handles orders' events with a PutItem grant.
func synthProbe(t *testing.T) (awscdk.Stack, assertions.Template, template) {
	t.Helper()
	return probeStack.get(t, nil, func(app awscdk.App) awscdk.Stack {
		stack := awscdk.NewStack(app, jsii.String("Probe"), nil)
		platform := infra.NewPlatform(stack, &infra.PlatformProps{AssetRoot: assetRoot})
		svc := infra.NewService(stack, "Probe", platform, probe)
		svc.AddConsumer("probe-handle-order", infra.ItemActions("dynamodb:PutItem"))
		return stack
	})
}

// get synthesizes the stack build defines, once, in an app with cdk.json's context plus extra.
func (s *synthesis) get(t *testing.T, extra map[string]any, build func(awscdk.App) awscdk.Stack) (awscdk.Stack, assertions.Template, template) {
	t.Helper()
	s.once.Do(func() { s.stack, s.template, s.doc, s.err = synthesize(extra, build) })
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.stack, s.template, s.doc
}

func synthesize(extra map[string]any, build func(awscdk.App) awscdk.Stack) (stack awscdk.Stack, tmpl assertions.Template, doc template, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synth panicked: %v", r)
		}
	}()
	context, err := cdkContext()
	if err != nil {
		return nil, nil, template{}, err
	}
	maps.Copy(context, extra)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &context})
	stack = build(app)
	infra.Check(app)
	tmpl = assertions.Template_FromStack(stack, nil)
	raw, err := json.Marshal(tmpl.ToJSON())
	if err != nil {
		return nil, nil, template{}, err
	}
	err = json.Unmarshal(raw, &doc)
	return stack, tmpl, doc, err
}

// cdkContext reads cdk.json's context (the feature flags), which `cdk synth` passes to main.
func cdkContext() (map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "cdk.json"))
	if err != nil {
		return nil, err
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	return cfg.Context, nil
}

// check runs a CDK assertion, which panics on failure, as a test error.
func check(t *testing.T, what string, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assertion()
}

// template is the part of a CloudFormation template the tests walk in Go.
type template struct {
	Resources map[string]resource
	Outputs   map[string]map[string]any
}

type resource struct {
	Type       string
	Properties map[string]any
	Metadata   map[string]any
}

// ofType returns the logical IDs of the resources of type typ, sorted.
func (tp template) ofType(typ string) []string {
	var ids []string
	for id, r := range tp.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// function returns the logical ID of the function named name.
func (tp template) function(t *testing.T, name string) string {
	t.Helper()
	for _, id := range tp.ofType("AWS::Lambda::Function") {
		if tp.Resources[id].Properties["FunctionName"] == name {
			return id
		}
	}
	t.Fatalf("no AWS::Lambda::Function named %q", name)
	return ""
}

// statements returns the Allow statements of the policies attached to function fnID's role.
func (tp template) statements(t *testing.T, fnID string) []statement {
	t.Helper()
	roleID := getAtt(t, tp.Resources[fnID].Properties["Role"])
	var sts []statement
	for _, id := range tp.ofType("AWS::IAM::Policy") {
		p := tp.Resources[id].Properties
		if !slices.ContainsFunc(p["Roles"].([]any), func(r any) bool { return ref(r) == roleID }) {
			continue
		}
		for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := st.(map[string]any)
			if st["Effect"] != "Allow" {
				continue
			}
			var actions []string
			switch a := st["Action"].(type) {
			case string:
				actions = []string{a}
			case []any:
				for _, s := range a {
					actions = append(actions, s.(string))
				}
			}
			sts = append(sts, statement{Actions: actions, Resource: st["Resource"]})
		}
	}
	return sts
}

type statement struct {
	Actions  []string
	Resource any
}

// policyActions returns every action function fnID's role allows, sorted.
func (tp template) policyActions(t *testing.T, fnID string) []string {
	t.Helper()
	var actions []string
	for _, st := range tp.statements(t, fnID) {
		actions = append(actions, st.Actions...)
	}
	sort.Strings(actions)
	return actions
}

// ref returns the logical ID in {"Ref": id}, or "".
func ref(v any) string {
	m, _ := v.(map[string]any)
	id, _ := m["Ref"].(string)
	return id
}

// getAtt returns the logical ID in {"Fn::GetAtt": [id, attr]}.
func getAtt(t *testing.T, v any) string {
	t.Helper()
	m, _ := v.(map[string]any)
	ga, _ := m["Fn::GetAtt"].([]any)
	if len(ga) != 2 {
		t.Fatalf("%v is not an Fn::GetAtt", v)
	}
	return ga[0].(string)
}

// The catalog's table as CloudFormation writes it, pinned literally: a change to the spec
// (functions/catalog/spec) that changes the table must change this test too. The dev stage's
// table goes with the stack and has no deletion protection (TestProdTables checks prod's).
func TestCatalogTable(t *testing.T) {
	_, tmpl, doc := synth(t)
	check(t, "table", func() {
		tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy":      "Delete",
			"UpdateReplacePolicy": "Delete",
			"Properties": map[string]any{
				"DeletionProtectionEnabled": false,
				"KeySchema":                 []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
				"BillingMode":               "PAY_PER_REQUEST",
				"PointInTimeRecoverySpecification": map[string]any{
					"PointInTimeRecoveryEnabled": true,
				},
				"TimeToLiveSpecification": map[string]any{"AttributeName": "expiresAt", "Enabled": true},
				"StreamSpecification":     map[string]any{"StreamViewType": "NEW_IMAGE"},
				"GlobalSecondaryIndexes": []any{
					map[string]any{
						"IndexName": "byCategory",
						"KeySchema": []any{
							map[string]any{"AttributeName": "category", "KeyType": "HASH"},
							map[string]any{"AttributeName": "sortKey", "KeyType": "RANGE"},
						},
						"Projection": map[string]any{"ProjectionType": "ALL"},
					},
					map[string]any{
						"IndexName": "byNewest",
						"KeySchema": []any{
							map[string]any{"AttributeName": "listKey", "KeyType": "HASH"},
							map[string]any{"AttributeName": "sortKey", "KeyType": "RANGE"},
						},
						"Projection": map[string]any{"ProjectionType": "ALL"},
					},
				},
			},
		})
	})

	// Every key attribute is a string; the order CDK writes them in does not matter.
	table := doc.Resources[doc.table(t, "Catalog")]
	got := attributeTypes(table.Properties)
	want := map[string]any{"id": "S", "category": "S", "listKey": "S", "sortKey": "S"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AttributeDefinitions (-want +got):\n%s", diff)
	}
}

// table returns the logical ID of the table of the service whose construct ID is serviceID.
func (tp template) table(t *testing.T, serviceID string) string {
	t.Helper()
	for _, id := range tp.ofType("AWS::DynamoDB::Table") {
		if strings.HasPrefix(id, serviceID+"Table") {
			return id
		}
	}
	t.Fatalf("no AWS::DynamoDB::Table of service %s", serviceID)
	return ""
}

// attributeTypes returns a table's AttributeDefinitions as name -> type.
func attributeTypes(props map[string]any) map[string]any {
	types := map[string]any{}
	defs, _ := props["AttributeDefinitions"].([]any)
	for _, d := range defs {
		d := d.(map[string]any)
		types[d["AttributeName"].(string)] = d["AttributeType"]
	}
	return types
}

// The template holds what each service's spec says, and nothing else for it: route keys,
// access, functions, table keys, indexes, TTL and stream.
func TestTemplateMatchesSpecs(t *testing.T) {
	_, _, doc := synth(t)
	for _, def := range infra.Services() {
		t.Run(def.ID, func(t *testing.T) {
			if diff := specDiff(t, doc, def.ID, def.Spec); diff != "" {
				t.Errorf("template differs from the spec (-spec +template):\n%s", diff)
			}
		})
	}
	// The probe stack checks the conversions the catalog does not use (sort key, number, INCLUDE).
	_, _, probeDoc := synthProbe(t)
	if diff := specDiff(t, probeDoc, "Probe", probe); diff != "" {
		t.Errorf("probe: template differs from the spec (-spec +template):\n%s", diff)
	}
}

// TestTemplateMatchesSpecs would see a spec the template does not follow.
func TestSpecDiffSeesDrift(t *testing.T) {
	_, _, doc := synth(t)
	tests := []struct {
		name   string
		mutate func(*spec.Service)
	}{
		{"route path", func(s *spec.Service) { s.Routes[0].Path = "/items" }},
		{"route access", func(s *spec.Service) { s.Routes[0].Access = spec.Customer }},
		{"route function", func(s *spec.Service) {
			s.Routes[0].Function, s.Routes[1].Function = s.Routes[1].Function, s.Routes[0].Function
		}},
		{"route removed", func(s *spec.Service) { s.Routes = s.Routes[1:] }},
		{"partition key", func(s *spec.Service) { s.Table.PartitionKey.Name = "pk" }},
		{"sort key", func(s *spec.Service) { s.Table.SortKey = spec.Key{Name: "sk", Type: spec.String} }},
		{"index key type", func(s *spec.Service) { s.Table.Indexes[0].PartitionKey.Type = spec.Number }},
		{"index key name", func(s *spec.Service) { s.Table.Indexes[1].SortKey.Name = "createdAt" }},
		{"index projection", func(s *spec.Service) { s.Table.Indexes[1].Projection = spec.ProjectKeysOnly }},
		{"index removed", func(s *spec.Service) { s.Table.Indexes = s.Table.Indexes[:1] }},
		{"TTL", func(s *spec.Service) { s.Table.TTLAttribute = "ttl" }},
		{"stream", func(s *spec.Service) { s.Table.Stream = spec.StreamNewAndOld }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := catalogspec.Service()
			tt.mutate(&s)
			if diff := specDiff(t, doc, "Catalog", s); diff == "" {
				t.Error("specDiff found no difference")
			}
		})
	}
}

// specView is what the template must say about a service, written the template's way.
type specView struct {
	// Routes maps each route key to its function and whether the JWT authorizer guards it.
	Routes     map[string]routeView
	KeySchema  any
	Attributes map[string]any
	Indexes    map[string]any
	TTL        any
	Stream     any
}

type routeView struct {
	Function   string
	Authorized bool
}

// specDiff compares what the spec of the service with construct ID serviceID says with what
// the template holds, returning cmp's diff (empty when they agree).
func specDiff(t *testing.T, doc template, serviceID string, s spec.Service) string {
	t.Helper()
	want := specView{Routes: map[string]routeView{}, Attributes: map[string]any{}, Indexes: map[string]any{}}
	for _, r := range s.Routes {
		want.Routes[r.Key()] = routeView{Function: r.Function, Authorized: r.Access != spec.Public}
	}
	key := func(k spec.Key) {
		if k.Name != "" {
			want.Attributes[k.Name] = string(k.Type)
		}
	}
	keySchema := func(pk, sk spec.Key) []any {
		ks := []any{map[string]any{"AttributeName": pk.Name, "KeyType": "HASH"}}
		if sk.Name != "" {
			ks = append(ks, map[string]any{"AttributeName": sk.Name, "KeyType": "RANGE"})
		}
		key(pk)
		key(sk)
		return ks
	}
	want.KeySchema = keySchema(s.Table.PartitionKey, s.Table.SortKey)
	for _, ix := range s.Table.Indexes {
		projection := map[string]any{"ProjectionType": string(ix.Projection)}
		if len(ix.NonKeyAttributes) > 0 {
			var attrs []any
			for _, a := range ix.NonKeyAttributes {
				attrs = append(attrs, a)
			}
			projection["NonKeyAttributes"] = attrs
		}
		want.Indexes[ix.Name] = map[string]any{
			"IndexName":  ix.Name,
			"KeySchema":  keySchema(ix.PartitionKey, ix.SortKey),
			"Projection": projection,
		}
	}
	if s.Table.TTLAttribute != "" {
		want.TTL = map[string]any{"AttributeName": s.Table.TTLAttribute, "Enabled": true}
	}
	if s.Table.Stream != spec.NoStream {
		want.Stream = map[string]any{"StreamViewType": string(s.Table.Stream)}
	}

	got := specView{Routes: map[string]routeView{}, Indexes: map[string]any{}}
	for key, r := range doc.routes(t) {
		if strings.HasPrefix(r.Function, s.Name+"-") {
			got.Routes[key] = r
		}
	}
	table := doc.Resources[doc.table(t, serviceID)].Properties
	got.KeySchema = table["KeySchema"]
	got.Attributes = attributeTypes(table)
	gsis, _ := table["GlobalSecondaryIndexes"].([]any)
	for _, g := range gsis {
		g := g.(map[string]any)
		got.Indexes[g["IndexName"].(string)] = g
	}
	got.TTL = table["TimeToLiveSpecification"]
	got.Stream = table["StreamSpecification"]
	return cmp.Diff(want, got, cmpopts.EquateEmpty())
}

// routes follows each route of the template to its integration and function, as the local
// runtime does, and says whether it has the JWT authorizer.
func (tp template) routes(t *testing.T) map[string]routeView {
	t.Helper()
	routes := map[string]routeView{}
	ids := tp.ofType("AWS::ApiGatewayV2::Route")
	if len(ids) == 0 {
		return routes
	}
	authorizers := tp.ofType("AWS::ApiGatewayV2::Authorizer")
	if len(authorizers) != 1 {
		t.Fatalf("authorizers %v, want one", authorizers)
	}
	jwt := authorizers[0]
	for _, id := range ids {
		route := tp.Resources[id].Properties
		target := route["Target"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
		if target[0] != "integrations/" {
			t.Fatalf("route %s: target %v", id, target)
		}
		integration := tp.Resources[ref(target[1])].Properties
		if integration["IntegrationType"] != "AWS_PROXY" || integration["PayloadFormatVersion"] != "2.0" {
			t.Errorf("route %s: integration %v, want AWS_PROXY with payload format 2.0", id, integration)
		}
		fn := tp.Resources[getAtt(t, integration["IntegrationUri"])]
		authorized := route["AuthorizationType"] == "JWT" && ref(route["AuthorizerId"]) == jwt
		if !authorized && (route["AuthorizationType"] != "NONE" || route["AuthorizerId"] != nil) {
			t.Errorf("route %s: authorization %v by %v, want JWT by %s or NONE", id,
				route["AuthorizationType"], route["AuthorizerId"], jwt)
		}
		routes[route["RouteKey"].(string)] = routeView{
			Function: fn.Properties["FunctionName"].(string), Authorized: authorized,
		}
	}
	return routes
}

func TestCatalogFunctions(t *testing.T) {
	_, tmpl, doc := synth(t)
	s := catalogspec.Service()
	tableID := doc.table(t, "Catalog")
	busID := doc.ofType("AWS::Events::EventBus")[0]
	for _, name := range s.Functions() {
		env := map[string]any{"TABLE_NAME": map[string]any{"Ref": tableID}, "SHOP_CURRENCY": "USD", "STAGE": "dev"}
		if name == s.Publisher {
			env = map[string]any{"EVENT_BUS_NAME": map[string]any{"Ref": busID}, "SHOP_CURRENCY": "USD", "STAGE": "dev"}
		}
		t.Run(name, func(t *testing.T) {
			check(t, "properties and metadata", func() {
				tmpl.HasResource(jsii.String("AWS::Lambda::Function"), map[string]any{
					"Properties": map[string]any{
						"FunctionName":  name,
						"Runtime":       "provided.al2023",
						"Architectures": []any{"arm64"},
						"Handler":       "bootstrap",
						"Timeout":       10,
						"MemorySize":    256,
						"Environment":   map[string]any{"Variables": assertions.Match_ObjectEquals(&env)},
						"TracingConfig": map[string]any{"Mode": "Active"},
						"LoggingConfig": map[string]any{
							"LogGroup": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("LogGroup"))},
						},
					},
					"Metadata": map[string]any{
						"LocalRuntime": map[string]any{"GoPackage": "./functions/catalog/cmd/" + name},
					},
				})
			})
		})
	}
	// No Go function outside the specs: each one's asset would be missing from `make build`.
	// (CDK's deploy-time handlers, on managed runtimes, have their own assets.)
	var want []string
	for _, def := range infra.Services() {
		want = append(want, def.Spec.Functions()...)
	}
	var got []string
	for _, id := range doc.ofType("AWS::Lambda::Function") {
		if rt, _ := doc.Resources[id].Properties["Runtime"].(string); !strings.HasPrefix(rt, "provided") {
			continue
		}
		got = append(got, doc.Resources[id].Properties["FunctionName"].(string))
	}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("functions (-specs +template):\n%s", diff)
	}
}

// Each catalog function may do exactly what its use case needs (docs/contracts.md), on exactly
// the resources it needs; the logs statement is TestFunctionRoles's.
func TestFunctionPolicies(t *testing.T) {
	_, tmpl, doc := synth(t)
	table := doc.table(t, "Catalog")
	tableARN := map[string]any{"Fn::GetAtt": []any{table, "Arn"}}
	index := func(name string) any {
		return map[string]any{"Fn::Join": []any{"", []any{tableARN, "/index/" + name}}}
	}
	var failureQueue string
	for _, id := range doc.ofType("AWS::SQS::Queue") {
		if strings.HasPrefix(id, "CatalogPublishEvents") {
			failureQueue = id
		}
	}
	bus := doc.ofType("AWS::Events::EventBus")[0]
	// Active tracing's actions have no resource type in IAM (infra.WildcardResourceActions).
	xray := statement{[]string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}, "*"}
	tests := []struct {
		name string
		want []statement
	}{
		{catalogspec.GetProduct, []statement{xray, {[]string{"dynamodb:GetItem"}, tableARN}}},
		{catalogspec.ListProducts, []statement{
			xray, {[]string{"dynamodb:Query"}, []any{index("byCategory"), index("byNewest")}},
		}},
		{catalogspec.CreateProduct, []statement{
			xray, {[]string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"}, tableARN},
		}},
		{catalogspec.ReplaceProduct, []statement{xray, {[]string{"dynamodb:GetItem", "dynamodb:PutItem"}, tableARN}}},
		{catalogspec.DeleteProduct, []statement{xray, {[]string{"dynamodb:DeleteItem", "dynamodb:PutItem"}, tableARN}}},
		{catalogspec.PublishEvents, []statement{
			// ListStreams has no resource type in IAM (suppressed IAM5, see outbox.go); the
			// policy merges it with X-Ray's actions on "*".
			{[]string{"dynamodb:ListStreams", "xray:PutTelemetryRecords", "xray:PutTraceSegments"}, "*"},
			{[]string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"},
				map[string]any{"Fn::GetAtt": []any{failureQueue, "Arn"}}},
			{[]string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
				map[string]any{"Fn::GetAtt": []any{table, "StreamArn"}}},
			{[]string{"events:PutEvents"}, map[string]any{"Fn::GetAtt": []any{bus, "Arn"}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []statement
			for _, st := range doc.statements(t, doc.function(t, tt.name)) {
				if !strings.HasPrefix(st.Actions[0], "logs:") {
					sort.Strings(st.Actions)
					got = append(got, st)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("statements other than logs (-want +got):\n%s", diff)
			}
		})
	}

	// The narrow read grants, as CDK assertions on the role's policy.
	role := func(name string) any {
		return map[string]any{"Ref": getAtt(t, doc.Resources[doc.function(t, name)].Properties["Role"])}
	}
	check(t, "get-product: GetItem on the table only", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"Roles": []any{role(catalogspec.GetProduct)},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Action": "dynamodb:GetItem", "Effect": "Allow", "Resource": tableARN},
			})},
		})
	})
	check(t, "list-products: Query on the two indexes only", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"Roles": []any{role(catalogspec.ListProducts)},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				map[string]any{
					"Action": "dynamodb:Query", "Effect": "Allow",
					"Resource": assertions.Match_ArrayEquals(&[]any{index("byCategory"), index("byNewest")}),
				},
			})},
		})
	})
}

// A read route must not be able to change the catalog, whatever the grant helper gives it.
func TestReadFunctionsCannotWrite(t *testing.T) {
	_, _, doc := synth(t)
	writes := []string{
		"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
		"dynamodb:BatchWriteItem", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate",
		"dynamodb:PartiQLDelete", "dynamodb:*", "*",
	}
	for _, name := range []string{catalogspec.ListProducts, catalogspec.GetProduct} {
		for _, a := range doc.policyActions(t, doc.function(t, name)) {
			if slices.Contains(writes, a) {
				t.Errorf("%s may %s", name, a)
			}
		}
	}
}

// Each function writes to its own log group only: no managed policy such as
// AWSLambdaBasicExecutionRole (logs:* on every log group).
func TestFunctionRoles(t *testing.T) {
	_, _, doc := synth(t)
	for _, name := range catalogspec.Service().Functions() {
		fn := doc.Resources[doc.function(t, name)]
		role := doc.Resources[getAtt(t, fn.Properties["Role"])]
		if mp, ok := role.Properties["ManagedPolicyArns"]; ok {
			t.Errorf("%s: role has managed policies %v", name, mp)
		}
		logGroup := ref(fn.Properties["LoggingConfig"].(map[string]any)["LogGroup"])
		for _, st := range doc.statements(t, doc.function(t, name)) {
			if !strings.HasPrefix(st.Actions[0], "logs:") {
				continue
			}
			if got := getAtt(t, st.Resource); got != logGroup {
				t.Errorf("%s: may write logs to %s, want only its own log group %s", name, got, logGroup)
			}
		}
	}
}

func TestLogGroups(t *testing.T) {
	_, tmpl, _ := synth(t)
	// One per function of every service, the API's access log and the site deployment's
	// handler.
	functions := 1
	for _, def := range infra.Services() {
		functions += len(def.Spec.Functions())
	}
	check(t, "log group count", func() {
		tmpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(float64(functions+1)))
	})
	check(t, "retention (dev: a week)", func() {
		tmpl.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 7})
	})
	check(t, "no deprecated logRetention custom resource", func() {
		tmpl.ResourceCountIs(jsii.String("Custom::LogRetention"), jsii.Number(0))
	})
}

// The catalog's routes, pinned literally (docs/contracts.md); TestTemplateMatchesSpecs ties
// every service's routes to its spec. The JWT authorizer guards exactly the writes.
func TestRoutes(t *testing.T) {
	_, tmpl, doc := synth(t)
	check(t, "one HTTP API", func() {
		tmpl.ResourcePropertiesCountIs(jsii.String("AWS::ApiGatewayV2::Api"),
			map[string]any{"ProtocolType": "HTTP", "Name": infra.StackName}, jsii.Number(1))
	})
	want := map[string]routeView{
		"GET /products":         {"catalog-list-products", false},
		"GET /products/{id}":    {"catalog-get-product", false},
		"POST /products":        {"catalog-create-product", true},
		"PUT /products/{id}":    {"catalog-replace-product", true},
		"DELETE /products/{id}": {"catalog-delete-product", true},

		"GET /payments/{orderId}":           {"payments-get-payment", true},
		"POST /shipping/quote":              {"shipping-quote", false},
		"GET /shipments/{orderId}":          {"shipping-get-shipment", true},
		"POST /shipments/{orderId}/deliver": {"shipping-deliver-shipment", true},
	}
	// The other services' routes as their specs declare them (TestTemplateMatchesSpecs checks
	// those in detail).
	for _, def := range infra.Services() {
		if def.ID == "Catalog" {
			continue
		}
		for _, r := range def.Spec.Routes {
			want[r.Key()] = routeView{r.Function, r.Access != spec.Public}
		}
	}
	if diff := cmp.Diff(want, doc.routes(t)); diff != "" {
		t.Errorf("route key -> function, authorized (-want +got):\n%s", diff)
	}
}

func TestStage(t *testing.T) {
	_, tmpl, _ := synth(t)
	dev, err := infra.StageSettingsFor(infra.DevStage)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "stage", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
			"StageName":  "$default",
			"AutoDeploy": true,
			"DefaultRouteSettings": map[string]any{
				"ThrottlingRateLimit":    dev.RateLimit,
				"ThrottlingBurstLimit":   dev.BurstLimit,
				"DetailedMetricsEnabled": true,
			},
			"AccessLogSettings": map[string]any{
				"DestinationArn": map[string]any{"Fn::GetAtt": []any{
					assertions.Match_StringLikeRegexp(jsii.String("^ApiAccessLogs")), "Arn",
				}},
				"Format": infra.AccessLogFormat,
			},
		})
	})

	// The format is a JSON object (so Logs Insights parses it) with the fields operators need.
	var format map[string]string
	if err := json.Unmarshal([]byte(infra.AccessLogFormat), &format); err != nil {
		t.Fatalf("access log format is not a JSON object of strings: %v", err)
	}
	for field, variable := range map[string]string{
		"requestId":        "$context.requestId",
		"routeKey":         "$context.routeKey",
		"status":           "$context.status",
		"responseLatency":  "$context.responseLatency",
		"integrationError": "$context.integrationErrorMessage",
	} {
		if format[field] != variable {
			t.Errorf("access log field %q = %q, want %q", field, format[field], variable)
		}
	}
}

func TestOutputs(t *testing.T) {
	_, tmpl, doc := synth(t)
	pool := doc.ofType("AWS::Cognito::UserPool")[0]
	authorizer := doc.Resources[doc.ofType("AWS::ApiGatewayV2::Authorizer")[0]].Properties
	issuer := authorizer["JwtConfiguration"].(map[string]any)["Issuer"]
	tests := []struct {
		name  string
		value any
	}{
		{"ApiUrl", map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{
			"https://", map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Api"))},
		})}}},
		{"UserPoolId", map[string]any{"Ref": pool}},
		{"UserPoolClientId", map[string]any{"Ref": doc.ofType("AWS::Cognito::UserPoolClient")[0]}},
		// The issuer the authorizer trusts, and the pool's URL.
		{"IssuerUrl", issuer},
		{"EventBusName", map[string]any{"Ref": doc.ofType("AWS::Events::EventBus")[0]}},
		{"SiteUrl", map[string]any{"Fn::Join": []any{"", []any{
			"https://", map[string]any{"Fn::GetAtt": []any{doc.ofType("AWS::CloudFront::Distribution")[0], "DomainName"}}, "/",
		}}}},
	}
	for _, tt := range tests {
		check(t, tt.name, func() {
			tmpl.HasOutput(jsii.String(tt.name), map[string]any{"Value": tt.value})
		})
	}
	wantIssuer := map[string]any{"Fn::Join": []any{"", []any{
		"https://cognito-idp.", map[string]any{"Ref": "AWS::Region"}, ".amazonaws.com/", map[string]any{"Ref": pool},
	}}}
	if diff := cmp.Diff(wantIssuer, issuer); diff != "" {
		t.Errorf("issuer (-want +got):\n%s", diff)
	}
}

// cdk-nag's AwsSolutions and Serverless packs report nothing that a suppression with a reason
// does not cover, and PolicyChecks nothing at all, in the shop's stack and in the probe's
// (which has a consumer).
func TestNag(t *testing.T) {
	shop, _, _ := synth(t)
	probe, _, _ := synthProbe(t)
	for _, stack := range []awscdk.Stack{shop, probe} {
		annotations := assertions.Annotations_FromStack(stack)
		pattern := assertions.Match_StringLikeRegexp(jsii.String(`(AwsSolutions-|Serverless-|\[Microshop-Policy\]).*`))
		// Marshal the messages whole: their Go type's fields are marked deprecated.
		for _, m := range *annotations.FindError(jsii.String("*"), pattern) {
			b, _ := json.Marshal(m)
			t.Errorf("%s: nag error: %s", *stack.StackName(), b)
		}
		for _, m := range *annotations.FindWarning(jsii.String("*"), pattern) {
			b, _ := json.Marshal(m)
			t.Errorf("%s: nag warning: %s", *stack.StackName(), b)
		}
	}
}

// Every suppression says why, in more than a word or two.
func TestNagSuppressionsHaveReasons(t *testing.T) {
	_, _, doc := synth(t)
	n := 0
	for id, r := range doc.Resources {
		nag, _ := r.Metadata["cdk_nag"].(map[string]any)
		rules, _ := nag["rules_to_suppress"].([]any)
		for _, rule := range rules {
			rule := rule.(map[string]any)
			n++
			if reason, _ := rule["reason"].(string); len(reason) < 40 {
				t.Errorf("%s: suppression of %v has a thin reason %q", id, rule["id"], reason)
			}
		}
	}
	if n == 0 {
		t.Error("found no suppressions; the walk over metadata is broken")
	}
}

// The local runtime builds each function from its GoPackage metadata: the package must exist.
// CDK's deploy-time handlers (the site's bucket deployment, on a Python runtime) have none and
// are not run locally.
func TestGoPackagesExist(t *testing.T) {
	_, _, doc := synth(t)
	for _, id := range doc.ofType("AWS::Lambda::Function") {
		if rt, _ := doc.Resources[id].Properties["Runtime"].(string); !strings.HasPrefix(rt, "provided") {
			continue
		}
		lr, _ := doc.Resources[id].Metadata["LocalRuntime"].(map[string]any)
		pkg, _ := lr["GoPackage"].(string)
		if pkg == "" {
			t.Errorf("%s: no LocalRuntime.GoPackage metadata", id)
			continue
		}
		p, err := build.ImportDir(filepath.Join(repoRoot, filepath.FromSlash(pkg)), 0)
		if err != nil {
			t.Errorf("%s: GoPackage %s: %v", id, pkg, err)
			continue
		}
		if p.Name != "main" {
			t.Errorf("%s: GoPackage %s is package %s, want main", id, pkg, p.Name)
		}
	}
}

func TestMissingAssetNamesMakeBuild(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("NewMicroshopStack with an empty asset root did not panic")
		}
		if msg := fmt.Sprint(r); !strings.Contains(msg, "make build") {
			t.Errorf("panic %q does not say to run make build", msg)
		}
	}()
	app := awscdk.NewApp(nil)
	infra.NewMicroshopStack(app, infra.StackName, &infra.MicroshopStackProps{AssetRoot: t.TempDir()})
}
