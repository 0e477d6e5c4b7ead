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
		"resource Api.Auth: property ApiKeyRequired is not expanded by the local SAM transform",
		"resource Api.Auth: property ResourcePolicy is not expanded by the local SAM transform",
		"function Fn event E.Auth: property ApiKeyRequired is not expanded by the local SAM transform",
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
