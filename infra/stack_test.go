package infra_test

import (
	"encoding/json"
	"fmt"
	"go/build"
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

	"github.com/microshop/microshop/infra"
)

// repoRoot is where cdk.json and the functions' packages are, seen from this package.
const repoRoot = ".."

// catalogFunctions is docs/contracts.md's table: route, function name, Go package.
var catalogFunctions = []struct {
	routeKey, name, goPackage string
}{
	{"GET /products", "catalog-list-products", "./functions/catalog/cmd/catalog-list-products"},
	{"GET /products/{id}", "catalog-get-product", "./functions/catalog/cmd/catalog-get-product"},
	{"POST /products", "catalog-create-product", "./functions/catalog/cmd/catalog-create-product"},
	{"PUT /products/{id}", "catalog-replace-product", "./functions/catalog/cmd/catalog-replace-product"},
	{"DELETE /products/{id}", "catalog-delete-product", "./functions/catalog/cmd/catalog-delete-product"},
}

// assetRoot holds a placeholder bootstrap per function, so the stack synthesizes without
// `make build`.
var assetRoot string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "microshop-assets-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	assetRoot = dir
	for _, f := range catalogFunctions {
		if err := writePlaceholder(filepath.Join(dir, f.name, "bootstrap")); err != nil {
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

// synthesized is the stack, synthesized once for all tests (each synth costs seconds).
var synthesized struct {
	once     sync.Once
	err      error
	stack    awscdk.Stack
	template assertions.Template
	doc      template
}

// synth returns the Microshop stack built as main builds it: cdk.json's feature flags and
// cdk-nag's AwsSolutions checks, but the placeholder assets.
func synth(t *testing.T) (awscdk.Stack, assertions.Template, template) {
	t.Helper()
	s := &synthesized
	s.once.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				s.err = fmt.Errorf("synth panicked: %v", r)
			}
		}()
		context, err := cdkContext()
		if err != nil {
			s.err = err
			return
		}
		app := awscdk.NewApp(&awscdk.AppProps{Context: &context})
		s.stack = infra.NewMicroshopStack(app, infra.StackName, &infra.MicroshopStackProps{AssetRoot: assetRoot})
		infra.Check(app)
		s.template = assertions.Template_FromStack(s.stack, nil)
		raw, err := json.Marshal(s.template.ToJSON())
		if err != nil {
			s.err = err
			return
		}
		s.err = json.Unmarshal(raw, &s.doc)
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.stack, s.template, s.doc
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

func TestCatalogTable(t *testing.T) {
	_, tmpl, doc := synth(t)
	check(t, "table count", func() { tmpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1)) })
	check(t, "table", func() {
		tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
			"Properties": map[string]any{
				"KeySchema":   []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
				"BillingMode": "PAY_PER_REQUEST",
				"PointInTimeRecoverySpecification": map[string]any{
					"PointInTimeRecoveryEnabled": true,
				},
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
	table := doc.Resources[doc.ofType("AWS::DynamoDB::Table")[0]]
	got := map[string]string{}
	for _, d := range table.Properties["AttributeDefinitions"].([]any) {
		d := d.(map[string]any)
		got[d["AttributeName"].(string)] = d["AttributeType"].(string)
	}
	want := map[string]string{"id": "S", "category": "S", "listKey": "S", "sortKey": "S"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AttributeDefinitions (-want +got):\n%s", diff)
	}
}

func TestCatalogFunctions(t *testing.T) {
	_, tmpl, doc := synth(t)
	tableID := doc.ofType("AWS::DynamoDB::Table")[0]
	check(t, "function count", func() {
		tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(float64(len(catalogFunctions))))
	})
	for _, f := range catalogFunctions {
		t.Run(f.name, func(t *testing.T) {
			check(t, "properties and metadata", func() {
				tmpl.HasResource(jsii.String("AWS::Lambda::Function"), map[string]any{
					"Properties": map[string]any{
						"FunctionName":  f.name,
						"Runtime":       "provided.al2023",
						"Architectures": []any{"arm64"},
						"Handler":       "bootstrap",
						"Timeout":       10,
						"MemorySize":    256,
						"Environment": map[string]any{
							"Variables": map[string]any{"TABLE_NAME": map[string]any{"Ref": tableID}},
						},
						"LoggingConfig": map[string]any{
							"LogGroup": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("LogGroup"))},
						},
					},
					"Metadata": map[string]any{
						"LocalRuntime": map[string]any{"GoPackage": f.goPackage},
					},
				})
			})
		})
	}
}

func TestFunctionPolicies(t *testing.T) {
	_, _, doc := synth(t)
	logs := []string{"logs:CreateLogStream", "logs:PutLogEvents"}
	reads := []string{
		"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
		"dynamodb:GetItem", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
		"dynamodb:Query", "dynamodb:Scan",
	}
	tests := []struct {
		name string
		want []string
	}{
		{"catalog-list-products", append(slices.Clone(logs), reads...)},
		{"catalog-get-product", append(slices.Clone(logs), reads...)},
		{"catalog-create-product", append(slices.Clone(logs), "dynamodb:PutItem")},
		{"catalog-replace-product", append(slices.Clone(logs), "dynamodb:GetItem", "dynamodb:PutItem")},
		{"catalog-delete-product", append(slices.Clone(logs), "dynamodb:DeleteItem")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := doc.policyActions(t, doc.function(t, tt.name))
			want := slices.Sorted(slices.Values(tt.want))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("allowed actions (-want +got):\n%s", diff)
			}
		})
	}
}

// A read route must not be able to change the catalog, whatever the grant helper gives it.
func TestReadFunctionsCannotWrite(t *testing.T) {
	_, _, doc := synth(t)
	writes := []string{
		"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
		"dynamodb:BatchWriteItem", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate",
		"dynamodb:PartiQLDelete", "dynamodb:*", "*",
	}
	for _, name := range []string{"catalog-list-products", "catalog-get-product"} {
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
	for _, f := range catalogFunctions {
		fn := doc.Resources[doc.function(t, f.name)]
		role := doc.Resources[getAtt(t, fn.Properties["Role"])]
		if mp, ok := role.Properties["ManagedPolicyArns"]; ok {
			t.Errorf("%s: role has managed policies %v", f.name, mp)
		}
		logGroup := ref(fn.Properties["LoggingConfig"].(map[string]any)["LogGroup"])
		for _, st := range doc.statements(t, doc.function(t, f.name)) {
			if !strings.HasPrefix(st.Actions[0], "logs:") {
				continue
			}
			if got := getAtt(t, st.Resource); got != logGroup {
				t.Errorf("%s: may write logs to %s, want only its own log group %s", f.name, got, logGroup)
			}
		}
	}
}

func TestLogGroups(t *testing.T) {
	_, tmpl, _ := synth(t)
	// One per function plus the API's access log.
	check(t, "log group count", func() {
		tmpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(float64(len(catalogFunctions)+1)))
	})
	check(t, "retention", func() {
		tmpl.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 30})
	})
	check(t, "no deprecated logRetention custom resource", func() {
		tmpl.ResourceCountIs(jsii.String("Custom::LogRetention"), jsii.Number(0))
	})
}

func TestRoutes(t *testing.T) {
	_, tmpl, doc := synth(t)
	check(t, "one HTTP API", func() {
		tmpl.ResourcePropertiesCountIs(jsii.String("AWS::ApiGatewayV2::Api"),
			map[string]any{"ProtocolType": "HTTP", "Name": infra.StackName}, jsii.Number(1))
	})
	check(t, "route count", func() {
		tmpl.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Route"), jsii.Number(float64(len(catalogFunctions))))
	})

	// Follow each route to its integration and function, as the local runtime does.
	got := map[string]string{}
	for _, id := range doc.ofType("AWS::ApiGatewayV2::Route") {
		route := doc.Resources[id].Properties
		target := route["Target"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
		if target[0] != "integrations/" {
			t.Fatalf("route %s: target %v", id, target)
		}
		integration := doc.Resources[ref(target[1])].Properties
		if integration["IntegrationType"] != "AWS_PROXY" || integration["PayloadFormatVersion"] != "2.0" {
			t.Errorf("route %s: integration %v, want AWS_PROXY with payload format 2.0", id, integration)
		}
		fn := doc.Resources[getAtt(t, integration["IntegrationUri"])]
		got[route["RouteKey"].(string)] = fn.Properties["FunctionName"].(string)
	}
	want := map[string]string{}
	for _, f := range catalogFunctions {
		want[f.routeKey] = f.name
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("route key -> function (-want +got):\n%s", diff)
	}
}

func TestStage(t *testing.T) {
	_, tmpl, _ := synth(t)
	check(t, "stage", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
			"StageName":  "$default",
			"AutoDeploy": true,
			"DefaultRouteSettings": map[string]any{
				"ThrottlingRateLimit":  infra.DefaultRateLimit,
				"ThrottlingBurstLimit": infra.DefaultBurstLimit,
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
	_, tmpl, _ := synth(t)
	check(t, "ApiUrl", func() {
		tmpl.HasOutput(jsii.String("ApiUrl"), map[string]any{
			"Value": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{
				"https://", map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Api"))},
			})}},
		})
	})
}

// cdk-nag's AwsSolutions pack reports nothing that a suppression with a reason does not cover.
func TestNag(t *testing.T) {
	stack, _, _ := synth(t)
	annotations := assertions.Annotations_FromStack(stack)
	pattern := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	// Marshal the messages whole: their Go type's fields are marked deprecated.
	for _, m := range *annotations.FindError(jsii.String("*"), pattern) {
		b, _ := json.Marshal(m)
		t.Errorf("nag error: %s", b)
	}
	for _, m := range *annotations.FindWarning(jsii.String("*"), pattern) {
		b, _ := json.Marshal(m)
		t.Errorf("nag warning: %s", b)
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
func TestGoPackagesExist(t *testing.T) {
	_, _, doc := synth(t)
	for _, id := range doc.ofType("AWS::Lambda::Function") {
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
