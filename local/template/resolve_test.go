package template

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// resolveExpr resolves the JSON expression expr against testdata/intrinsics.template.json by
// adding it as the template's output "Case".
func resolveExpr(t *testing.T, expr string, opts Options) (any, error) {
	t.Helper()
	data, err := os.ReadFile("testdata/intrinsics.template.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var value any
	if err := json.Unmarshal([]byte(expr), &value); err != nil {
		t.Fatalf("bad test expression %s: %v", expr, err)
	}
	doc["Outputs"] = map[string]any{"Case": map[string]any{"Value": value}}
	data, err = json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(data, opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m.Output("Case")
}

func intrinsicOptions(params map[string]string) Options {
	p := map[string]string{"Required": "given"}
	maps.Copy(p, params)
	return Options{
		StackName:   "Shop",
		Parameters:  p,
		APIEndpoint: func(id string) string { return "http://127.0.0.1:9000/" + id },
	}
}

const (
	apiAPIID   = "0rxj3e58ce" // apiID("Api")
	lambdaARN  = "arn:aws:lambda:us-east-1:000000000000:function:"
	tableARN   = "arn:aws:dynamodb:us-east-1:000000000000:table/"
	streamPart = "/stream/1970-01-01T00:00:00.000"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name   string
		expr   string
		params map[string]string
		want   any
	}{
		// Ref: resources by kind.
		{"Ref function", `{"Ref": "Fn"}`, nil, "orders-api"},
		{"Ref function without name", `{"Ref": "FnNoName"}`, nil, "FnNoName"},
		{"Ref table", `{"Ref": "Table"}`, nil, "orders"},
		{"Ref table without name", `{"Ref": "TableNoStream"}`, nil, "TableNoStream"},
		{"Ref global table", `{"Ref": "GlobalTable"}`, nil, "global"},
		{"Ref HTTP API", `{"Ref": "Api"}`, nil, apiAPIID},
		{"Ref queue", `{"Ref": "Queue"}`, nil, "http://127.0.0.1:4566/000000000000/jobs"},
		{"Ref FIFO queue without name", `{"Ref": "FifoQueue"}`, nil, "http://127.0.0.1:4566/000000000000/FifoQueue.fifo"},
		{"Ref event bus", `{"Ref": "Bus"}`, nil, "shop-bus"},
		{"Ref log group", `{"Ref": "LogGroup"}`, nil, "/aws/lambda/orders-api"},
		{"Ref role", `{"Ref": "Role"}`, nil, "Role"},
		{"Ref rule", `{"Ref": "Rule"}`, nil, "Rule"},
		{"Ref topic", `{"Ref": "Topic"}`, nil, "arn:aws:sns:us-east-1:000000000000:Topic"},
		{"Ref bucket", `{"Ref": "Bucket"}`, nil, "bucket"},
		{"Ref user pool", `{"Ref": "UserPool"}`, nil, UserPoolID("us-east-1", "UserPool")},
		{"Ref other type", `{"Ref": "Policy"}`, nil, "Policy"},
		{"Ref custom resource", `{"Ref": "Widget"}`, nil, "Widget"},
		{"Ref conditional resource when created", `{"Ref": "ProdQueue"}`, map[string]string{"Stage": "prod"},
			"http://127.0.0.1:4566/000000000000/ProdQueue"},

		// Ref: parameters.
		{"Ref parameter default", `{"Ref": "Stage"}`, nil, "dev"},
		{"Ref parameter override", `{"Ref": "Stage"}`, map[string]string{"Stage": "prod"}, "prod"},
		{"Ref parameter without default, given", `{"Ref": "Required"}`, nil, "given"},
		{"Ref number parameter", `{"Ref": "Size"}`, nil, "5"},
		{"Ref list parameter", `{"Ref": "Subnets"}`, nil, []any{"a", "b", "c"}},
		{"Ref list parameter override", `{"Ref": "Subnets"}`, map[string]string{"Subnets": "x,y"}, []any{"x", "y"}},
		{"Ref SSM parameter", `{"Ref": "BootstrapVersion"}`, nil, "/cdk-bootstrap/hnb659fds/version"},

		// Ref: pseudo parameters.
		{"AWS::Region", `{"Ref": "AWS::Region"}`, nil, "us-east-1"},
		{"AWS::AccountId", `{"Ref": "AWS::AccountId"}`, nil, "000000000000"},
		{"AWS::Partition", `{"Ref": "AWS::Partition"}`, nil, "aws"},
		{"AWS::StackName", `{"Ref": "AWS::StackName"}`, nil, "Shop"},
		{"AWS::StackId", `{"Ref": "AWS::StackId"}`, nil,
			"arn:aws:cloudformation:us-east-1:000000000000:stack/Shop/d00aae6b-7fbf-77a4-566d-8df36805d7ae"},
		{"AWS::URLSuffix", `{"Ref": "AWS::URLSuffix"}`, nil, "amazonaws.com"},
		{"AWS::NotificationARNs", `{"Ref": "AWS::NotificationARNs"}`, nil, []any{}},
		{"AWS::NoValue alone", `{"Ref": "AWS::NoValue"}`, nil, nil},
		{"AWS::NoValue removes a key", `{"Keep": "k", "Drop": {"Ref": "AWS::NoValue"}}`, nil, map[string]any{"Keep": "k"}},
		{"AWS::NoValue removes a list element", `["a", {"Ref": "AWS::NoValue"}, "b"]`, nil, []any{"a", "b"}},

		// Fn::GetAtt.
		{"GetAtt function Arn", `{"Fn::GetAtt": ["Fn", "Arn"]}`, nil, lambdaARN + "orders-api"},
		{"GetAtt dotted form", `{"Fn::GetAtt": "FnNoName.Arn"}`, nil, lambdaARN + "FnNoName"},
		{"GetAtt attribute from a parameter", `{"Fn::GetAtt": ["Fn", {"Ref": "AttrName"}]}`, nil, lambdaARN + "orders-api"},
		{"GetAtt table Arn", `{"Fn::GetAtt": ["Table", "Arn"]}`, nil, tableARN + "orders"},
		{"GetAtt table StreamArn", `{"Fn::GetAtt": ["Table", "StreamArn"]}`, nil, tableARN + "orders" + streamPart},
		{"GetAtt global table StreamArn", `{"Fn::GetAtt": ["GlobalTable", "StreamArn"]}`, nil, tableARN + "global" + streamPart},
		{"GetAtt queue Arn", `{"Fn::GetAtt": ["Queue", "Arn"]}`, nil, "arn:aws:sqs:us-east-1:000000000000:jobs"},
		{"GetAtt queue QueueName", `{"Fn::GetAtt": ["FifoQueue", "QueueName"]}`, nil, "FifoQueue.fifo"},
		{"GetAtt queue QueueUrl", `{"Fn::GetAtt": ["Queue", "QueueUrl"]}`, nil, "http://127.0.0.1:4566/000000000000/jobs"},
		{"GetAtt bus Arn", `{"Fn::GetAtt": ["Bus", "Arn"]}`, nil, "arn:aws:events:us-east-1:000000000000:event-bus/shop-bus"},
		{"GetAtt bus Name", `{"Fn::GetAtt": ["Bus", "Name"]}`, nil, "shop-bus"},
		{"GetAtt rule Arn", `{"Fn::GetAtt": ["Rule", "Arn"]}`, nil, "arn:aws:events:us-east-1:000000000000:rule/shop-bus/Rule"},
		{"GetAtt role Arn", `{"Fn::GetAtt": ["Role", "Arn"]}`, nil, "arn:aws:iam::000000000000:role/Role"},
		{"GetAtt API ApiEndpoint", `{"Fn::GetAtt": ["Api", "ApiEndpoint"]}`, nil, "http://127.0.0.1:9000/" + apiAPIID},
		{"GetAtt API ApiId", `{"Fn::GetAtt": ["Api", "ApiId"]}`, nil, apiAPIID},
		{"GetAtt log group Arn", `{"Fn::GetAtt": ["LogGroup", "Arn"]}`, nil,
			"arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/orders-api:*"},
		{"GetAtt topic TopicName", `{"Fn::GetAtt": ["Topic", "TopicName"]}`, nil, "Topic"},
		{"GetAtt bucket Arn", `{"Fn::GetAtt": ["Bucket", "Arn"]}`, nil, "arn:aws:s3:::bucket"},
		{"GetAtt user pool ProviderURL", `{"Fn::GetAtt": ["UserPool", "ProviderURL"]}`, nil,
			"https://cognito-idp.us-east-1.amazonaws.com/" + UserPoolID("us-east-1", "UserPool")},

		// Fn::Join.
		{"Join", `{"Fn::Join": ["-", ["a", "b", "c"]]}`, nil, "a-b-c"},
		{"Join empty delimiter with intrinsics", `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "Bucket"}]]}`, nil,
			"arn:aws:s3:::bucket"},
		{"Join a list from an intrinsic", `{"Fn::Join": [",", {"Fn::GetAZs": ""}]}`, nil, "us-east-1a,us-east-1b,us-east-1c"},
		{"Join numbers and booleans", `{"Fn::Join": ["/", [1, true, "x"]]}`, nil, "1/true/x"},
		{"Join empty list", `{"Fn::Join": ["-", []]}`, nil, ""},

		// Fn::Sub.
		{"Sub pseudo and parameter", `{"Fn::Sub": "${AWS::Region}-${Stage}"}`, nil, "us-east-1-dev"},
		{"Sub resource", `{"Fn::Sub": "table ${Table}"}`, nil, "table orders"},
		{"Sub attribute", `{"Fn::Sub": "${Fn.Arn}"}`, nil, lambdaARN + "orders-api"},
		{"Sub invocation URI", `{"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}`, nil,
			"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + lambdaARN + "orders-api/invocations"},
		{"Sub CDK asset bucket", `{"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}`, nil,
			"cdk-hnb659fds-assets-000000000000-us-east-1"},
		{"Sub literal escape", `{"Fn::Sub": "${!Literal}-${!AWS::Region}"}`, nil, "${Literal}-${AWS::Region}"},
		{"Sub plain dollars", `{"Fn::Sub": "costs $5 {x}"}`, nil, "costs $5 {x}"},
		{"Sub with variables", `{"Fn::Sub": ["${Greeting}, ${Name} in ${AWS::Region}", {"Greeting": "hi", "Name": {"Ref": "Table"}}]}`, nil,
			"hi, orders in us-east-1"},
		{"Sub variable shadows a resource", `{"Fn::Sub": ["${Table}", {"Table": "mine"}]}`, nil, "mine"},
		{"Sub unused variable is not resolved", `{"Fn::Sub": ["x", {"Unused": {"Ref": "Nope"}}]}`, nil, "x"},

		// Fn::Select and Fn::Split.
		{"Select", `{"Fn::Select": [1, ["a", "b", "c"]]}`, nil, "b"},
		{"Select index as string", `{"Fn::Select": ["0", {"Fn::GetAZs": ""}]}`, nil, "us-east-1a"},
		{"Select from list parameter", `{"Fn::Select": [2, {"Ref": "Subnets"}]}`, nil, "c"},
		{"Select keeps the element's type", `{"Fn::Select": [0, [7]]}`, nil, json.Number("7")},
		{"Split", `{"Fn::Split": [",", "a,b,,c"]}`, nil, []any{"a", "b", "", "c"}},
		{"Split an ARN and select", `{"Fn::Select": [5, {"Fn::Split": [":", {"Fn::GetAtt": ["Queue", "Arn"]}]}]}`, nil, "jobs"},

		// Fn::If and conditions.
		{"If false", `{"Fn::If": ["IsProd", "p", "d"]}`, nil, "d"},
		{"If true", `{"Fn::If": ["IsDev", "d", "p"]}`, nil, "d"},
		{"If after override", `{"Fn::If": ["IsProd", "p", "d"]}`, map[string]string{"Stage": "prod"}, "p"},
		{"If NoValue branch removes the key", `{"A": {"Fn::If": ["IsProd", "p", {"Ref": "AWS::NoValue"}]}}`, nil, map[string]any{}},
		{"If resolves only the chosen branch", `{"Fn::If": ["IsDev", "ok", {"Ref": "Nope"}]}`, nil, "ok"},
		{"Not", `{"Fn::If": ["NotProd", "yes", "no"]}`, nil, "yes"},
		{"And", `{"Fn::If": ["DevInUsEast1", "yes", "no"]}`, nil, "yes"},
		{"Or both false", `{"Fn::If": ["ProdOrEuWest1", "yes", "no"]}`, nil, "no"},
		{"Or one true", `{"Fn::If": ["ProdOrEuWest1", "yes", "no"]}`, map[string]string{"Stage": "prod"}, "yes"},
		{"Equals number and string", `{"Fn::If": ["SizeIsFive", "yes", "no"]}`, nil, "yes"},
		{"Equals lists", `{"Fn::If": ["SubnetsMatch", "yes", "no"]}`, nil, "yes"},
		{"Equals lists differ", `{"Fn::If": ["SubnetsMatch", "yes", "no"]}`, map[string]string{"Subnets": "a,b"}, "no"},

		// Fn::GetAZs, Fn::FindInMap, Fn::Base64.
		{"GetAZs own region", `{"Fn::GetAZs": ""}`, nil, []any{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{"GetAZs Ref region", `{"Fn::GetAZs": {"Ref": "AWS::Region"}}`, nil, []any{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{"GetAZs other region", `{"Fn::GetAZs": "eu-west-1"}`, nil, []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
		{"FindInMap", `{"Fn::FindInMap": ["StageConfig", {"Ref": "Stage"}, "LogLevel"]}`, nil, "debug"},
		{"FindInMap list", `{"Fn::FindInMap": ["StageConfig", "prod", "Zones"]}`, nil, []any{"z"}},
		{"Base64", `{"Fn::Base64": {"Fn::Sub": "${Stage}"}}`, nil, "ZGV2"},

		// Plain values pass through.
		{"literal string", `"plain"`, nil, "plain"},
		{"literal number", `42`, nil, json.Number("42")},
		{"nested object", `{"a": [{"b": {"Ref": "Stage"}}]}`, nil, map[string]any{"a": []any{map[string]any{"b": "dev"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveExpr(t, tt.expr, intrinsicOptions(tt.params))
			if err != nil {
				t.Fatalf("resolve %s: %v", tt.expr, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("resolve %s mismatch (-want +got):\n%s", tt.expr, diff)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name string
		expr string
		want error
		// path is where the error points: the Output's value, then the intrinsics inside it,
		// or the Conditions entry at fault.
		path string
	}{
		{"Ref unknown", `{"Ref": "Nope"}`, ErrUnknownReference, "Outputs.Case.Value.Ref"},
		{"Ref unknown pseudo parameter", `{"Ref": "AWS::Nope"}`, ErrUnknownReference, "Outputs.Case.Value.Ref"},
		{"Ref parameter without value", `{"Fn::Join": ["", [{"Ref": "Unset"}]]}`, ErrMissingParameter, "Outputs.Case.Value.Fn::Join.1.0.Ref"},
		{"Ref resource whose condition is false", `{"Ref": "ProdQueue"}`, ErrUnknownReference, "Outputs.Case.Value.Ref"},
		{"Ref not a name", `{"Ref": ["Fn"]}`, ErrInvalid, "Outputs.Case.Value.Ref"},

		{"GetAtt unknown attribute", `{"Fn::GetAtt": ["Fn", "Nope"]}`, ErrUnknownAttribute, "Outputs.Case.Value.Fn::GetAtt"},
		{"GetAtt attribute of an unmodelled type", `{"Fn::GetAtt": ["Policy", "Arn"]}`, ErrUnknownAttribute, "Outputs.Case.Value.Fn::GetAtt"},
		{"GetAtt StreamArn of a table without stream", `{"Fn::GetAtt": ["TableNoStream", "StreamArn"]}`, ErrUnknownAttribute, "Outputs.Case.Value.Fn::GetAtt"},
		{"GetAtt unknown resource", `{"Fn::GetAtt": ["Nope", "Arn"]}`, ErrUnknownReference, "Outputs.Case.Value.Fn::GetAtt"},
		{"GetAtt resource whose condition is false", `{"Fn::GetAtt": "ProdQueue.Arn"}`, ErrUnknownReference, "Outputs.Case.Value.Fn::GetAtt"},
		{"GetAtt dotted form without dot", `{"Fn::GetAtt": "FnArn"}`, ErrInvalid, "Outputs.Case.Value.Fn::GetAtt"},
		{"GetAtt one argument", `{"Fn::GetAtt": ["Fn"]}`, ErrInvalid, "Outputs.Case.Value.Fn::GetAtt"},
		{"GetAtt circular names", `{"Fn::GetAtt": ["CircularA", "TopicName"]}`, ErrInvalid, "Properties.TopicName"},

		{"Join not a list", `{"Fn::Join": "abc"}`, ErrInvalid, "Outputs.Case.Value.Fn::Join"},
		{"Join list is not a list", `{"Fn::Join": ["", "abc"]}`, ErrInvalid, "Outputs.Case.Value.Fn::Join.1"},
		{"Join element is an object", `{"Fn::Join": ["", ["a", {"b": "c"}]]}`, ErrInvalid, "Outputs.Case.Value.Fn::Join.1.1"},

		{"Sub unknown name", `{"Fn::Sub": "${Nope}"}`, ErrUnknownReference, "Outputs.Case.Value.Fn::Sub"},
		{"Sub unknown attribute", `{"Fn::Sub": "${Fn.Nope}"}`, ErrUnknownAttribute, "Outputs.Case.Value.Fn::Sub"},
		{"Sub list parameter", `{"Fn::Sub": "${Subnets}"}`, ErrInvalid, "Outputs.Case.Value.Fn::Sub"},
		{"Sub unterminated", `{"Fn::Sub": "${Stage"}`, ErrInvalid, "Outputs.Case.Value.Fn::Sub"},
		{"Sub bad arguments", `{"Fn::Sub": [1, 2]}`, ErrInvalid, "Outputs.Case.Value.Fn::Sub"},
		{"Sub variable fails", `{"Fn::Sub": ["${V}", {"V": {"Ref": "Nope"}}]}`, ErrUnknownReference, "Outputs.Case.Value.Fn::Sub.1.V.Ref"},

		{"Select out of range", `{"Fn::Select": [3, ["a"]]}`, ErrInvalid, "Outputs.Case.Value.Fn::Select"},
		{"Select bad index", `{"Fn::Select": ["x", ["a"]]}`, ErrInvalid, "Outputs.Case.Value.Fn::Select.0"},
		{"Split empty delimiter", `{"Fn::Split": ["", "abc"]}`, ErrInvalid, "Outputs.Case.Value.Fn::Split.0"},
		{"Split of a list", `{"Fn::Split": [",", ["a"]]}`, ErrInvalid, "Outputs.Case.Value.Fn::Split.1"},

		{"If unknown condition", `{"Fn::If": ["Nope", "a", "b"]}`, ErrUnknownReference, "Outputs.Case.Value.Fn::If.0"},
		{"If circular conditions", `{"Fn::If": ["LoopA", "a", "b"]}`, ErrInvalid, "Conditions.LoopB.Fn::Not.0.Condition"},
		{"If malformed condition", `{"Fn::If": ["Broken", "a", "b"]}`, ErrInvalid, "Conditions.Broken.Fn::Equals"},
		{"If two arguments", `{"Fn::If": ["IsProd", "a"]}`, ErrInvalid, "Outputs.Case.Value.Fn::If"},

		{"FindInMap unknown key", `{"Fn::FindInMap": ["StageConfig", "qa", "LogLevel"]}`, ErrUnknownReference, "Outputs.Case.Value.Fn::FindInMap"},
		{"ImportValue", `{"Fn::ImportValue": "Shared-BusArn"}`, ErrUnsupported, "Outputs.Case.Value.Fn::ImportValue"},
		{"ImportValue computed name", `{"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}-Bus"}}`, ErrUnsupported, "Outputs.Case.Value.Fn::ImportValue"},
		{"unknown intrinsic", `{"Fn::Length": [1, 2]}`, ErrUnsupported, "Outputs.Case.Value.Fn::Length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resolveExpr(t, tt.expr, intrinsicOptions(nil))
			if !errors.Is(err, tt.want) {
				t.Fatalf("resolve %s: error = %v, want %v", tt.expr, err, tt.want)
			}
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("resolve %s: error %v is not an *Error", tt.expr, err)
			}
			if te.Path != tt.path {
				t.Errorf("resolve %s: error path = %q, want %q (%v)", tt.expr, te.Path, tt.path, err)
			}
		})
	}
}

// The partition and URL suffix follow the region.
func TestResolvePartitions(t *testing.T) {
	tests := []struct {
		region string
		want   any
	}{
		{"us-east-1", "aws amazonaws.com arn:aws:lambda:us-east-1:123456789012:function:orders-api"},
		{"cn-north-1", "aws-cn amazonaws.com.cn arn:aws-cn:lambda:cn-north-1:123456789012:function:orders-api"},
		{"us-gov-west-1", "aws-us-gov amazonaws.com arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:orders-api"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			opts := intrinsicOptions(nil)
			opts.Region, opts.AccountID = tt.region, "123456789012"
			got, err := resolveExpr(t, `{"Fn::Sub": "${AWS::Partition} ${AWS::URLSuffix} ${Fn.Arn}"}`, opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
