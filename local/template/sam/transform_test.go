package sam

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/template/cfnyaml"
)

func decode(t *testing.T, doc string) map[string]any {
	t.Helper()
	v, err := cfnyaml.Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

func TestMergeGlobal(t *testing.T) {
	tests := []struct {
		name                string
		global, local, want any
	}{
		{"local scalar wins", "go1.x", "provided.al2023", "provided.al2023"},
		{"global when absent", "go1.x", nil, "go1.x"},
		{"objects merge, local wins",
			map[string]any{"Variables": map[string]any{"A": "g", "B": "g"}},
			map[string]any{"Variables": map[string]any{"B": "l", "C": "l"}},
			map[string]any{"Variables": map[string]any{"A": "g", "B": "l", "C": "l"}}},
		{"lists concatenate, Globals first", []any{"l1"}, []any{"l2"}, []any{"l1", "l2"}},
		{"intrinsic is a scalar", map[string]any{"Ref": "A"}, map[string]any{"Ref": "B"}, map[string]any{"Ref": "B"}},
		{"intrinsic does not merge into an object", map[string]any{"X": "g"}, map[string]any{"Fn::If": []any{"C", "a", "b"}},
			map[string]any{"Fn::If": []any{"C", "a", "b"}}},
		{"different shapes: local wins", []any{"g"}, map[string]any{"k": "l"}, map[string]any{"k": "l"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, mergeGlobal(tt.global, tt.local)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplies(t *testing.T) {
	tests := []struct {
		transform any
		want      bool
	}{
		{"AWS::Serverless-2016-10-31", true},
		{[]any{"AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"}, true},
		{"AWS::LanguageExtensions", false},
		{nil, false},
	}
	for _, tt := range tests {
		doc := map[string]any{"Resources": map[string]any{}}
		if tt.transform != nil {
			doc["Transform"] = tt.transform
		}
		if got := Applies(doc); got != tt.want {
			t.Errorf("Applies(Transform %v) = %v, want %v", tt.transform, got, tt.want)
		}
	}
}

// TestTransformWarnings: what the local transform leaves out is named, once each, in a stable
// order; the rest of the template is still expanded.
func TestTransformWarnings(t *testing.T) {
	doc := decode(t, `
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: provided.al2023, Handler: bootstrap}
  LayerVersion: {RetentionPolicy: Delete}
Conditions:
  IsProd: !Equals [!Ref AWS::AccountId, "123456789012"]
Resources:
  Cond:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties:
      CodeUri: cond/
      Events:
        Get: {Type: HttpApi, Properties: {Path: /cond, Method: get}}
  Uploads: {Type: AWS::S3::Bucket}
  Flow: {Type: AWS::Serverless::StateMachine, Properties: {Definition: {}}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      AutoPublishAlias: live
      Events:
        Upload: {Type: S3, Properties: {Bucket: !Ref Uploads, Events: s3:ObjectCreated:*}}
        Get: {Type: HttpApi, Properties: {Path: /x, Method: get}}
`)
	warnings, err := Transform(doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Globals.LayerVersion is not applied by the local SAM transform",
		"resource Cond: event Get: the function has a Condition; locally its route on the API is there whatever the condition",
		"resource Flow: AWS::Serverless::StateMachine is not expanded by the local SAM transform; it does not exist locally",
		"resource Fn: property AutoPublishAlias is not expanded by the local SAM transform",
		"resource Fn: event Upload: event type S3 is not expanded by the local SAM transform; the function will not receive these events",
	}
	if diff := cmp.Diff(want, warnings); diff != "" {
		t.Errorf("warnings mismatch (-want +got):\n%s", diff)
	}
	res := doc["Resources"].(map[string]any)
	for _, id := range []string{"Fn", "FnRole", "FnGetPermission", "ServerlessHttpApi", "Uploads"} {
		if res[id] == nil {
			t.Errorf("resource %s missing after the transform", id)
		}
	}
	// Generated resources carry their SAM resource's Condition.
	for _, id := range []string{"Cond", "CondRole", "CondGetPermission"} {
		if c := res[id].(map[string]any)["Condition"]; c != "IsProd" {
			t.Errorf("%s: Condition = %v, want IsProd", id, c)
		}
	}
	if res["Flow"] != nil {
		t.Error("the unexpanded AWS::Serverless::StateMachine is still in the template")
	}
	if _, ok := doc["Globals"]; ok {
		t.Error("Globals left in the template")
	}
	if _, ok := doc["Transform"]; ok {
		t.Error("Transform left in the template")
	}
}

func TestTransformErrors(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"no code", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {Handler: bootstrap}}"},
		{"unknown HttpApi", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: HttpApi, Properties: {ApiId: !Ref Nope, Path: /a, Method: get}}}}}"},
		{"HttpApi event on a plain API", "Resources:\n  Api: {Type: AWS::ApiGatewayV2::Api, Properties: {ProtocolType: HTTP}}\n  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /a, Method: get}}}}}"},
		{"unknown RestApi", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: Api, Properties: {RestApiId: !Ref Nope, Path: /a, Method: get}}}}}"},
		{"Api event without a path", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: Api, Properties: {Method: get}}}}}"},
		{"HttpApi event with only a path", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: HttpApi, Properties: {Path: /a}}}}}"},
		{"Api without StageName", "Resources:\n  A: {Type: AWS::Serverless::Api, Properties: {}}"},
		{"bad SimpleTable key type", "Resources:\n  T: {Type: AWS::Serverless::SimpleTable, Properties: {PrimaryKey: {Name: id, Type: Bool}}}"},
		{"generated ID taken", "Resources:\n  FnRole: {Type: AWS::SNS::Topic}\n  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/}}"},
		{"Globals not an object", "Globals: [1]\nResources: {}"},
		{"SQS without Queue", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: SQS, Properties: {BatchSize: 1}}}}}"},
		{"DynamoDB without StartingPosition", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: DynamoDB, Properties: {Stream: arn}}}}}"},
		{"Schedule without Schedule", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: Schedule, Properties: {}}}}}"},
		{"ScheduleV2 without expression", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: ScheduleV2}}}}"},
		{"EventBridgeRule without Pattern", "Resources:\n  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: EventBridgeRule, Properties: {}}}}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := decode(t, "Transform: AWS::Serverless-2016-10-31\n"+tt.doc)
			if _, err := Transform(doc, Options{}); !errors.Is(err, ErrInvalid) {
				t.Errorf("Transform = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestGoPackage pins when the bridge to today's builder (LocalRuntime.GoPackage) is set.
func TestGoPackage(t *testing.T) {
	const apps = "../../testdata/ownstacks/"
	tests := []struct{ dir, codeURI, want string }{
		{apps + "sam-httpapi-table", "items/", "./local/testdata/ownstacks/sam-httpapi-table/items"},
		{apps + "sam-httpapi-table", "./items", "./local/testdata/ownstacks/sam-httpapi-table/items"},
		{apps + "sam-hello", "hello-world/", ""},           // its own go.mod
		{apps + "sam-hello", "missing/", ""},               // no Go files
		{apps + "sam-httpapi-table", "../../../../..", ""}, // outside the module
	}
	for _, tt := range tests {
		if got := goPackage(tt.dir, tt.codeURI); got != tt.want {
			t.Errorf("goPackage(%s, %s) = %q, want %q", tt.dir, tt.codeURI, got, tt.want)
		}
	}
}

// TestFunctionMetadataKept: a user's own LocalRuntime.GoPackage is not replaced, and the
// rest of Metadata is kept.
func TestFunctionMetadataKept(t *testing.T) {
	doc := decode(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: makefile, LocalRuntime: {GoPackage: ./cmd/fn}}
    Properties: {CodeUri: ., Handler: bootstrap, Runtime: provided.al2023}
`)
	if _, err := Transform(doc, Options{Dir: "."}); err != nil {
		t.Fatal(err)
	}
	got := doc["Resources"].(map[string]any)["Fn"].(map[string]any)["Metadata"]
	want := map[string]any{"BuildMethod": "makefile", "LocalRuntime": map[string]any{"GoPackage": "./cmd/fn", "CodeUri": "."}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Metadata mismatch (-want +got):\n%s", diff)
	}
}
