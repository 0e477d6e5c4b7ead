package template

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// These tests load the user-style SAM apps of local/testdata/ownstacks (written as `sam init`
// and SAM's documentation write them) through Load, as devcloud does.

const ownstacks = "../testdata/ownstacks/"

// ownStack is what one app's Model must hold.
type ownStack struct {
	functions map[string]*Function
	// routes are the "METHOD /path" keys of each API's OpenAPI Body (served from the Body by
	// the runtime), by the API's logical ID.
	routes map[string][]string
	tables []string
	queues []string
	rules  []*Rule
	// schedules are the Scheduler schedules' names and expressions.
	schedules map[string]string
	mappings  map[string]string // event source mapping logical ID -> function logical ID
	outputs   map[string]any
	warnings  []string
}

func TestLoadOwnStacks(t *testing.T) {
	fnARN := func(name string) string { return "arn:aws:lambda:us-east-1:" + acct + ":function:" + name }
	tests := map[string]ownStack{
		"sam-hello": {
			functions: map[string]*Function{"HelloWorldFunction": {
				LogicalID: "HelloWorldFunction", Name: "HelloWorldFunction", ARN: fnARN("HelloWorldFunction"),
				// hello-world/ has its own go.mod: no GoPackage, the builder reads CodeUri.
				Handler: "bootstrap", Runtime: "provided.al2023", Architecture: "x86_64",
				MemoryMB: 128, Timeout: 5 * time.Second, ReservedConcurrency: -1,
				Environment: map[string]string{"PARAM1": "VALUE"}, LogGroup: "/aws/lambda/HelloWorldFunction",
			}},
			routes: map[string][]string{"ServerlessRestApi": {"GET /hello"}},
			outputs: map[string]any{
				"HelloWorldAPI":             "https://" + apiID("ServerlessRestApi") + ".execute-api.us-east-1.amazonaws.com/Prod/hello/",
				"HelloWorldFunction":        fnARN("HelloWorldFunction"),
				"HelloWorldFunctionIamRole": "arn:aws:iam::" + acct + ":role/HelloWorldFunctionRole",
			},
		},
		"sam-httpapi-table": {
			functions: map[string]*Function{"ItemsFunction": {
				LogicalID: "ItemsFunction", Name: "ItemsFunction", ARN: fnARN("ItemsFunction"),
				GoPackage: "./local/testdata/ownstacks/sam-httpapi-table/items",
				Handler:   "bootstrap", Runtime: "provided.al2023", Architecture: "arm64",
				MemoryMB: 256, Timeout: 10 * time.Second, ReservedConcurrency: -1,
				Environment: map[string]string{"TABLE_NAME": "ItemsTable"}, LogGroup: "/aws/lambda/ItemsFunction",
			}},
			routes: map[string][]string{"ServerlessHttpApi": {"GET /items/{id}", "PUT /items/{id}"}},
			tables: []string{"ItemsTable"},
			outputs: map[string]any{
				"ItemsApiUrl":    "https://" + apiID("ServerlessHttpApi") + ".execute-api.us-east-1.amazonaws.com/",
				"ItemsTableName": "ItemsTable",
			},
		},
		"sam-scheduled": {
			functions: map[string]*Function{"TickFunction": {
				LogicalID: "TickFunction", Name: "TickFunction", ARN: fnARN("TickFunction"),
				GoPackage: "./local/testdata/ownstacks/sam-scheduled/tick",
				Handler:   "bootstrap", Runtime: "provided.al2023", Architecture: "x86_64",
				MemoryMB: 128, Timeout: 3 * time.Second, ReservedConcurrency: -1,
				Environment: map[string]string{}, LogGroup: "/aws/lambda/TickFunction",
			}},
			rules: []*Rule{{
				LogicalID: "TickFunctionEveryFiveMinutes", Name: "TickFunctionEveryFiveMinutes",
				ARN:          "arn:aws:events:us-east-1:" + acct + ":rule/TickFunctionEveryFiveMinutes",
				EventBusName: "default", ScheduleExpression: "rate(5 minutes)", State: "ENABLED",
				Description: "Tick every five minutes",
				Targets: []*RuleTarget{{
					ID: "TickFunctionEveryFiveMinutesLambdaTarget", ARN: fnARN("TickFunction"), Input: `{"source": "rule"}`,
					RetryPolicy: RetryPolicy{MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400},
				}},
			}},
			schedules: map[string]string{"TickFunctionNoonInBerlin": "cron(0 12 * * ? *) Europe/Berlin"},
		},
		"sam-events": {
			functions: map[string]*Function{
				"QueueConsumer": {
					LogicalID: "QueueConsumer", Name: "QueueConsumer", ARN: fnARN("QueueConsumer"),
					GoPackage: "./local/testdata/ownstacks/sam-events/consumer",
					Handler:   "bootstrap", Runtime: "provided.al2023", Architecture: "arm64",
					MemoryMB: 256, Timeout: 15 * time.Second, ReservedConcurrency: -1,
					// Globals' variables merged with the function's, the function's winning.
					Environment: map[string]string{"STAGE": "dev", "LOG_LEVEL": "debug", "SOURCE": "sqs"},
					LogGroup:    "/aws/lambda/QueueConsumer",
				},
				"StreamConsumer": {
					LogicalID: "StreamConsumer", Name: "StreamConsumer", ARN: fnARN("StreamConsumer"),
					GoPackage: "./local/testdata/ownstacks/sam-events/consumer",
					Handler:   "bootstrap", Runtime: "provided.al2023", Architecture: "arm64",
					MemoryMB: 256, Timeout: 15 * time.Second, ReservedConcurrency: -1,
					Environment: map[string]string{"STAGE": "dev", "LOG_LEVEL": "info", "SOURCE": "dynamodb"},
					LogGroup:    "/aws/lambda/StreamConsumer",
				},
				"BusConsumer": {
					LogicalID: "BusConsumer", Name: "bus-consumer-dev", ARN: fnARN("bus-consumer-dev"),
					GoPackage: "./local/testdata/ownstacks/sam-events/consumer",
					Handler:   "bootstrap", Runtime: "provided.al2023", Architecture: "arm64",
					MemoryMB: 256, Timeout: 15 * time.Second, ReservedConcurrency: -1,
					Environment: map[string]string{"STAGE": "dev", "LOG_LEVEL": "info", "SOURCE": "eventbridge"},
					LogGroup:    "/aws/lambda/bus-consumer-dev",
				},
			},
			tables: []string{"OrdersTable"},
			queues: []string{"OrdersDLQ", "OrdersQueue"},
			rules: []*Rule{{
				LogicalID: "BusConsumerOrderPlaced", Name: "BusConsumerOrderPlaced",
				ARN:          "arn:aws:events:us-east-1:" + acct + ":rule/shop-dev/BusConsumerOrderPlaced",
				EventBusName: "shop-dev", State: "ENABLED",
				EventPattern: json.RawMessage(`{"detail-type":["OrderPlaced"],"source":["shop.orders"]}`),
				Targets: []*RuleTarget{{
					ID: "BusConsumerOrderPlacedLambdaTarget", ARN: fnARN("bus-consumer-dev"),
					RetryPolicy: RetryPolicy{MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400},
				}},
			}},
			mappings: map[string]string{"QueueConsumerOrders": "QueueConsumer", "StreamConsumerChanges": "StreamConsumer"},
			outputs: map[string]any{
				"QueueUrl":        "http://127.0.0.1:4566/" + acct + "/OrdersQueue",
				"BusConsumerArn":  fnARN("bus-consumer-dev"),
				"BusConsumerRole": "arn:aws:iam::" + acct + ":role/BusConsumerRole",
			},
		},
	}
	for app, want := range tests {
		t.Run(app, func(t *testing.T) {
			m, err := Load(ownstacks+app+"/template.yaml", Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if m.StackName != app {
				t.Errorf("StackName = %q, want the folder's name %q", m.StackName, app)
			}
			// Every SAM function here is built with go1.x from its CodeUri, resolved against
			// the template's folder (s4-code's contract with the SAM transform).
			codeURIs := map[string]string{"sam-hello": "hello-world", "sam-httpapi-table": "items", "sam-scheduled": "tick", "sam-events": "consumer"}
			dir, err := filepath.Abs(filepath.Join(ownstacks+app, codeURIs[app]))
			if err != nil {
				t.Fatal(err)
			}
			for _, fn := range want.functions {
				fn.Code = Code{CodeURI: dir, BuildMethod: "go1.x"}
			}
			if diff := cmp.Diff(want.functions, m.Functions); diff != "" {
				t.Errorf("Functions mismatch (-want +got):\n%s", diff)
			}
			gotRoutes := map[string][]string{}
			for id, res := range m.Resources {
				if res.Type != "AWS::ApiGatewayV2::Api" && res.Type != "AWS::ApiGateway::RestApi" {
					continue
				}
				gotRoutes[id] = bodyRoutes(t, m, id)
			}
			if diff := cmp.Diff(want.routes, gotRoutes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("routes mismatch (-want +got):\n%s", diff)
			}
			var tables, queues []string
			for _, tb := range m.Tables {
				tables = append(tables, tb.Name)
			}
			for _, q := range m.Queues {
				queues = append(queues, q.Name)
			}
			if diff := cmp.Diff(want.tables, tables); diff != "" {
				t.Errorf("Tables mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.queues, queues); diff != "" {
				t.Errorf("Queues mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.rules, m.Rules); diff != "" {
				t.Errorf("Rules mismatch (-want +got):\n%s", diff)
			}
			mappings := map[string]string{}
			for _, esm := range m.EventSourceMappings {
				mappings[esm.LogicalID] = esm.Function
			}
			if diff := cmp.Diff(want.mappings, mappings, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("EventSourceMappings mismatch (-want +got):\n%s", diff)
			}
			for name, v := range want.outputs {
				got, err := m.Output(name)
				if err != nil {
					t.Errorf("Output(%s): %v", name, err)
				} else if got != v {
					t.Errorf("Output(%s) = %v, want %v", name, got, v)
				}
			}
			schedules := map[string]string{}
			for _, sc := range m.Schedules {
				schedules[sc.Name] = sc.Expression + " " + sc.Timezone
			}
			if diff := cmp.Diff(want.schedules, schedules, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Schedules mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.warnings, m.Warnings); diff != "" {
				t.Errorf("Warnings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// bodyRoutes lists "METHOD /path" for each operation of the API's OpenAPI Body.
func bodyRoutes(t *testing.T, m *Model, api string) []string {
	t.Helper()
	paths, err := m.Property(api, "Body", "paths")
	if err != nil {
		t.Fatalf("Property(%s, Body.paths): %v", api, err)
	}
	var out []string
	for path, item := range paths.(map[string]any) {
		for method := range item.(map[string]any) {
			if method == "x-amazon-apigateway-any-method" {
				method = "any"
			}
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// TestSAMCodeLocation pins the contract with the function builder: each generated function
// keeps the SAM function's Metadata and carries Metadata.LocalRuntime.CodeUri as written,
// plus LocalRuntime.GoPackage when the code is a package of the template's own Go module.
func TestSAMCodeLocation(t *testing.T) {
	tests := []struct {
		app, function string
		want          map[string]any
	}{
		{"sam-hello", "HelloWorldFunction", map[string]any{
			"BuildMethod":  "go1.x",
			"LocalRuntime": map[string]any{"CodeUri": "hello-world/"}, // its own go.mod: no GoPackage
		}},
		{"sam-httpapi-table", "ItemsFunction", map[string]any{
			"BuildMethod": "go1.x",
			"LocalRuntime": map[string]any{
				"CodeUri":   "items/",
				"GoPackage": "./local/testdata/ownstacks/sam-httpapi-table/items",
			},
		}},
		{"sam-events", "QueueConsumer", map[string]any{
			"BuildMethod": "go1.x",
			"LocalRuntime": map[string]any{
				"CodeUri":   "consumer/", // from Globals
				"GoPackage": "./local/testdata/ownstacks/sam-events/consumer",
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			m, err := Load(ownstacks+tt.app+"/template.yaml", Options{})
			if err != nil {
				t.Fatal(err)
			}
			res := m.Resources[tt.function]
			if res == nil || res.Type != "AWS::Lambda::Function" {
				t.Fatalf("Resources[%s] = %+v, want an AWS::Lambda::Function", tt.function, res)
			}
			if diff := cmp.Diff(tt.want, res.Metadata); diff != "" {
				t.Errorf("Metadata mismatch (-want +got):\n%s", diff)
			}
			code, err := m.Property(tt.function, "Code")
			if err != nil {
				t.Fatal(err)
			}
			wantCode := map[string]any{"S3Bucket": "devcloud-local", "S3Key": tt.want["LocalRuntime"].(map[string]any)["CodeUri"]}
			if diff := cmp.Diff(wantCode, code); diff != "" {
				t.Errorf("Code mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseSAMJSON: a SAM template written in JSON is expanded too (it used to load with
// no functions).
func TestParseSAMJSON(t *testing.T) {
	doc := `{
	  "Transform": ["AWS::Serverless-2016-10-31"],
	  "Resources": {
	    "Fn": {"Type": "AWS::Serverless::Function",
	           "Properties": {"CodeUri": "fn/", "Handler": "bootstrap", "Runtime": "provided.al2023", "Timeout": 7}},
	    "Table": {"Type": "AWS::Serverless::SimpleTable", "Properties": {"PrimaryKey": {"Name": "pk", "Type": "Number"}}}
	  }
	}`
	m, err := Parse([]byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(m.Functions)); !slices.Equal(got, []string{"Fn"}) {
		t.Fatalf("Functions = %v, want [Fn]", got)
	}
	if fn := m.Functions["Fn"]; fn.Timeout != 7*time.Second || fn.Handler != "bootstrap" {
		t.Errorf("Fn = %+v, want Timeout 7s and Handler bootstrap", fn)
	}
	want := []*Table{{
		LogicalID: "Table", Name: "Table", ARN: "arn:aws:dynamodb:us-east-1:" + acct + ":table/Table",
		KeySchema:            []KeyElement{{"pk", "HASH"}},
		AttributeDefinitions: []AttributeDefinition{{"pk", "N"}},
		BillingMode:          "PAY_PER_REQUEST",
	}}
	if diff := cmp.Diff(want, m.Tables); diff != "" {
		t.Errorf("Tables mismatch (-want +got):\n%s", diff)
	}
	if len(m.Warnings) != 0 {
		t.Errorf("Warnings = %q, want none", m.Warnings)
	}
}

// TestParseYAMLIntrinsics resolves every short form through the model, nested as real
// templates nest them.
func TestParseYAMLIntrinsics(t *testing.T) {
	doc := `
Parameters:
  Env: {Type: String, Default: prod}
  Names: {Type: CommaDelimitedList, Default: "a,b,c"}
Mappings:
  Sizes:
    prod: {Memory: 512}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotDev: !Not [!Equals [!Ref Env, dev]]
  Both: !And [!Condition IsProd, !Or [!Condition NotDev, !Equals [a, b]]]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: bootstrap
      Runtime: provided.al2023
      MemorySize: !FindInMap [Sizes, !Ref Env, Memory]
      Environment:
        Variables:
          REF: !Ref Table
          ARN: !GetAtt Table.Arn
          ARN_LIST: !GetAtt [Table, Arn]
          SUB: !Sub "${AWS::StackName}-${Env}-${Table.Arn}"
          SUB_VARS: !Sub ["${x}/${AWS::Region}", {x: !Ref Env}]
          JOIN: !Join ["-", [!Ref Env, !Select [1, !Ref Names]]]
          SPLIT: !Select [2, !Split [",", "x,y,z"]]
          IF: !If [Both, yes-prod, not-prod]
          AZ: !Select [0, !GetAZs ""]
          B64: !Base64 hello
`
	m, err := Parse([]byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fn := m.Functions["Fn"]
	if fn == nil {
		t.Fatal("no function Fn")
	}
	tableARN := "arn:aws:dynamodb:us-east-1:" + acct + ":table/Table"
	want := map[string]string{
		"REF": "Table", "ARN": tableARN, "ARN_LIST": tableARN,
		"SUB": "Stack-prod-" + tableARN, "SUB_VARS": "prod/us-east-1",
		"JOIN": "prod-b", "SPLIT": "z", "IF": "yes-prod", "AZ": "us-east-1a", "B64": "aGVsbG8=",
	}
	if diff := cmp.Diff(want, fn.Environment); diff != "" {
		t.Errorf("Environment mismatch (-want +got):\n%s", diff)
	}
	if fn.MemoryMB != 512 {
		t.Errorf("MemoryMB = %d, want 512 from !FindInMap", fn.MemoryMB)
	}
}

// TestParseWarnsAboutTransforms: a macro other than SAM's is named, not silently skipped.
func TestParseWarnsAboutTransforms(t *testing.T) {
	doc := "Transform: [AWS::Serverless-2016-10-31, AWS::LanguageExtensions]\nResources:\n  Q: {Type: AWS::SQS::Queue}\n"
	m, err := Parse([]byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Transform AWS::LanguageExtensions is not applied locally; the template is read as written"}
	if diff := cmp.Diff(want, m.Warnings); diff != "" {
		t.Errorf("Warnings mismatch (-want +got):\n%s", diff)
	}
	if len(m.Queues) != 1 || len(m.Functions) != 0 {
		t.Errorf("a template with no functions serves what it has: got %d queues, %d functions", len(m.Queues), len(m.Functions))
	}
}

// TestSAMGeneratedReferences: the logical IDs the SAM transform generates, and SAM's own
// <Api>.Stage form, resolve in Ref, Fn::GetAtt and Fn::Sub.
func TestSAMGeneratedReferences(t *testing.T) {
	m, err := Load("sam/testdata/templates/explicit-apis.yaml", Options{StackName: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]any{
		"PublicUrl":          "https://" + apiID("PublicApi") + ".execute-api.us-east-1.amazonaws.com/v1",
		"PublicStage":        "v1",
		"AdminStage":         "dev",
		"FallbackPermission": "ProxyFallbackPermission",
	}
	for name, want := range outputs {
		got, err := m.Output(name)
		if err != nil || got != want {
			t.Errorf("Output(%s) = %v, %v; want %v", name, got, err, want)
		}
	}
	if got, err := m.Ref("ServerlessHttpApiApiGatewayDefaultStage"); err != nil || got != "$default" {
		t.Errorf("Ref of the implicit HTTP API's stage = %q, %v; want $default", got, err)
	}
	if got, err := m.GetAtt("ServerlessHttpApi", "ApiEndpoint"); err != nil || got != DefaultEdgeURL {
		t.Errorf("GetAtt ServerlessHttpApi.ApiEndpoint = %q, %v; want %s", got, err, DefaultEdgeURL)
	}
	if got, err := m.GetAtt("ProxyRole", "Arn"); err != nil || got != "arn:aws:iam::"+acct+":role/ProxyRole" {
		t.Errorf("GetAtt ProxyRole.Arn = %q, %v", got, err)
	}
	var names []string
	for _, api := range m.APIs {
		names = append(names, api.LogicalID+"="+api.Name)
	}
	// Imported APIs are named after the document's info.title, here Ref AWS::StackName.
	if want := []string{"PublicApi=shop", "ServerlessHttpApi=shop"}; !slices.Equal(names, want) {
		t.Errorf("APIs = %v, want %v", names, want)
	}
}
