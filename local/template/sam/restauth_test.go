package sam

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The templates the translator refuses (checked with aws-sam-translator 1.110.0) are
// refused here too.
func TestRestAPIAuthErrors(t *testing.T) {
	const fn = "  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: get%s}}}}}\n"
	const api = "Resources:\n  Api: {Type: AWS::Serverless::Api, Properties: {StageName: dev, Auth: {%s}}}\n"
	const tok = "Authorizers: {T: {FunctionArn: arn}}"
	tests := []struct{ name, doc string }{
		{"NONE without DefaultAuthorizer", fmt.Sprintf(api, tok) + fmt.Sprintf(fn, ", Auth: {Authorizer: NONE}")},
		{"unknown method authorizer", fmt.Sprintf(api, tok) + fmt.Sprintf(fn, ", Auth: {Authorizer: X}")},
		{"scopes without an authorizer", fmt.Sprintf(api, tok) + fmt.Sprintf(fn, ", Auth: {AuthorizationScopes: [s]}")},
		{"REQUEST without identity", fmt.Sprintf(api, "Authorizers: {R: {FunctionArn: arn, FunctionPayloadType: REQUEST}}") + fmt.Sprintf(fn, "")},
		{"bad FunctionPayloadType", fmt.Sprintf(api, "Authorizers: {R: {FunctionArn: arn, FunctionPayloadType: HEADER}}") + fmt.Sprintf(fn, "")},
		{"unknown DefaultAuthorizer", fmt.Sprintf(api, "DefaultAuthorizer: X, "+tok) + fmt.Sprintf(fn, "")},
		{"authorizer scopes not a list", fmt.Sprintf(api, "Authorizers: {C: {UserPoolArn: arn, AuthorizationScopes: s}}") + fmt.Sprintf(fn, "")},
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

// What the local transform does not expand of an Api's Auth is named: API keys, usage
// plans and resource policies (not enforced locally either), and nothing else.
func TestRestAPIAuthWarnings(t *testing.T) {
	doc := decode(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Auth:
        ApiKeyRequired: true
        ResourcePolicy: {IpRangeWhitelist: [10.0.0.0/8]}
        DefaultAuthorizer: T
        Authorizers: {T: {FunctionArn: arn}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: x/
      Handler: bootstrap
      Runtime: provided.al2023
      Events:
        E: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: get, Auth: {ApiKeyRequired: false}}}
`)
	warnings, err := Transform(doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"resource Api.Auth: property ResourcePolicy is not expanded by the local SAM transform",
	}
	if diff := cmp.Diff(want, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// IAM authorization is named: the local runtime serves AWS_IAM methods without a check.
func TestRestAPIIAMWarning(t *testing.T) {
	_, warnings := expand(t, "testdata/templates/restapi-auth.yaml")
	want := []string{
		"resource AdminApi: AWS_IAM authorization is not checked locally; its AWS_IAM methods are served without a signature check (as sam local serves them)",
		"resource IamApi: AWS_IAM authorization is not checked locally; its AWS_IAM methods are served without a signature check (as sam local serves them)",
	}
	if diff := cmp.Diff(want, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// Every Api with CreateUsagePlan SHARED adds its stage to the one ServerlessUsagePlan and
// ServerlessApiKey, in the order the Apis are expanded (logical-ID order locally; the
// translator's own order is not the template's, so the golden cases hold one SHARED Api).
func TestRestAPISharedUsagePlan(t *testing.T) {
	doc := decode(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  A:
    Type: AWS::Serverless::Api
    Properties: {StageName: one, Auth: {UsagePlan: {CreateUsagePlan: SHARED, Quota: {Limit: 5, Period: WEEK}}}}
  B:
    Type: AWS::Serverless::Api
    Properties: {StageName: two, Auth: {ApiKeyRequired: true, UsagePlan: {CreateUsagePlan: SHARED}}}
`)
	if _, err := Transform(doc, Options{}); err != nil {
		t.Fatal(err)
	}
	res := doc["Resources"].(map[string]any)
	plan := res["ServerlessUsagePlan"].(map[string]any)
	key := res["ServerlessApiKey"].(map[string]any)
	got := map[string]any{
		"plan.DependsOn":  plan["DependsOn"],
		"plan.Properties": plan["Properties"],
		"key.StageKeys":   key["Properties"].(map[string]any)["StageKeys"],
		"planKey":         res["ServerlessUsagePlanKey"].(map[string]any)["Properties"],
	}
	want := map[string]any{
		"plan.DependsOn": []any{"A", "B"},
		// The last SHARED Api's UsagePlan properties win, as in the translator.
		"plan.Properties": map[string]any{"ApiStages": []any{
			map[string]any{"ApiId": map[string]any{"Ref": "A"}, "Stage": map[string]any{"Ref": "AoneStage"}},
			map[string]any{"ApiId": map[string]any{"Ref": "B"}, "Stage": map[string]any{"Ref": "BtwoStage"}},
		}},
		"key.StageKeys": []any{
			map[string]any{"RestApiId": map[string]any{"Ref": "A"}, "StageName": map[string]any{"Ref": "AoneStage"}},
			map[string]any{"RestApiId": map[string]any{"Ref": "B"}, "StageName": map[string]any{"Ref": "BtwoStage"}},
		},
		"planKey": map[string]any{"KeyId": map[string]any{"Ref": "ServerlessApiKey"}, "KeyType": "API_KEY",
			"UsagePlanId": map[string]any{"Ref": "ServerlessUsagePlan"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// ApiKeyRequired: false on an event needs an API that requires keys, as in the translator.
func TestRestAPIKeyFalseNeedsDefault(t *testing.T) {
	doc := decode(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: dev}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: x/
      Handler: bootstrap
      Runtime: provided.al2023
      Events:
        E: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: get, Auth: {ApiKeyRequired: false}}}
`)
	if _, err := Transform(doc, Options{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid", err)
	}
}
