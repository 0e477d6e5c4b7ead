package sam

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// An HttpApi's authorizers become security schemes of its Body, shaped as the translator
// writes them (testdata/golden/httpapi-auth.json compares every shape with the
// translator's); each route names its authorizer: the event's, else the default, a NONE
// requirement for NONE.
func TestHTTPAPIAuthorizers(t *testing.T) {
	doc := decode(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Simple
        Authorizers:
          Simple:
            FunctionArn: !GetAtt AuthFn.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            EnableFunctionDefaultPermissions: true
            Identity:
              Headers: [Authorization]
              QueryStrings: [key]
              StageVariables: [tier]
              Context: [routeKey]
              ReauthorizeEvery: 60
          Policy:
            FunctionArn: !GetAtt AuthFn.Arn
            AuthorizerPayloadFormatVersion: "1.0"
          Jwt:
            JwtConfiguration: {issuer: "https://issuer.example", audience: [app]}
            IdentitySource: $request.header.Authorization
  AuthFn: {Type: AWS::Serverless::Function, Properties: {CodeUri: auth/, Handler: bootstrap, Runtime: provided.al2023}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Handler: bootstrap
      Runtime: provided.al2023
      Events:
        Default: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /default, Method: get}}
        Policy: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /policy, Method: get, Auth: {Authorizer: Policy}}}
        Open: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /open, Method: get, Auth: {Authorizer: NONE}}}
        Jwt: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /jwt, Method: get, Auth: {Authorizer: Jwt}}}
`)
	warnings, err := Transform(doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string(nil), warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	res := doc["Resources"].(map[string]any)
	body := res["Api"].(map[string]any)["Properties"].(map[string]any)["Body"].(map[string]any)
	uri := map[string]any{"Fn::Sub": []any{
		"arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
		map[string]any{"__FunctionArn__": map[string]any{"Fn::GetAtt": []any{"AuthFn", "Arn"}}},
	}}
	wantSchemes := map[string]any{
		"Simple": map[string]any{"type": "apiKey", "name": "Unused", "in": "header", "x-amazon-apigateway-authorizer": map[string]any{
			"type": "request", "authorizerUri": uri, "authorizerPayloadFormatVersion": "2.0", "enableSimpleResponses": true,
			"authorizerResultTtlInSeconds": json60(t),
			"identitySource":               []any{"$request.header.Authorization", "$request.querystring.key", "$stageVariables.tier", "$context.routeKey"},
		}},
		"Policy": map[string]any{"type": "apiKey", "name": "Unused", "in": "header", "x-amazon-apigateway-authorizer": map[string]any{
			"type": "request", "authorizerUri": uri, "authorizerPayloadFormatVersion": "1.0",
		}},
		"Jwt": map[string]any{"type": "oauth2", "x-amazon-apigateway-authorizer": map[string]any{
			"type": "jwt", "identitySource": "$request.header.Authorization",
			"jwtConfiguration": map[string]any{"issuer": "https://issuer.example", "audience": []any{"app"}},
		}},
	}
	if diff := cmp.Diff(wantSchemes, body["components"].(map[string]any)["securitySchemes"]); diff != "" {
		t.Errorf("securitySchemes (-want +got):\n%s", diff)
	}
	paths := body["paths"].(map[string]any)
	security := func(path string) any { return paths[path].(map[string]any)["get"].(map[string]any)["security"] }
	tests := []struct {
		path string
		want any
	}{
		{"/default", []any{map[string]any{"Simple": []any{}}}},
		{"/policy", []any{map[string]any{"Policy": []any{}}}},
		{"/open", []any{map[string]any{"NONE": []any{}}}},
		{"/jwt", []any{map[string]any{"Jwt": []any{}}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, security(tt.path)); diff != "" {
			t.Errorf("GET %s security (-want +got):\n%s", tt.path, diff)
		}
	}
	perm, ok := res["ApiSimpleAuthorizerPermission"].(map[string]any)
	if !ok {
		t.Fatal("no ApiSimpleAuthorizerPermission (EnableFunctionDefaultPermissions: true)")
	}
	if got := perm["Properties"].(map[string]any)["SourceArn"].(map[string]any)["Fn::Sub"].([]any)[0]; got != "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}/authorizers/*" {
		t.Errorf("permission SourceArn = %v", got)
	}
	if res["ApiPolicyAuthorizerPermission"] != nil {
		t.Error("ApiPolicyAuthorizerPermission made without EnableFunctionDefaultPermissions")
	}
}

// json60 is 60 as cfnyaml decodes a YAML integer.
func json60(t *testing.T) any {
	t.Helper()
	return decode(t, "n: 60")["n"]
}

func TestHTTPAPIAuthErrors(t *testing.T) {
	const fn = "  Fn: {Type: AWS::Serverless::Function, Properties: {CodeUri: x/, Events: {E: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /a, Method: get%s}}}}}\n"
	tests := []struct{ name, doc string }{
		{"no payload format version", "Resources:\n  Api: {Type: AWS::Serverless::HttpApi, Properties: {Auth: {Authorizers: {A: {FunctionArn: arn}}}}}\n" + fmt.Sprintf(fn, "")},
		{"unknown default authorizer", "Resources:\n  Api: {Type: AWS::Serverless::HttpApi, Properties: {Auth: {DefaultAuthorizer: B, Authorizers: {A: {FunctionArn: arn, AuthorizerPayloadFormatVersion: '2.0'}}}}}\n" + fmt.Sprintf(fn, "")},
		{"unknown route authorizer", "Resources:\n  Api: {Type: AWS::Serverless::HttpApi, Properties: {Auth: {Authorizers: {A: {FunctionArn: arn, AuthorizerPayloadFormatVersion: '2.0'}}}}}\n" + fmt.Sprintf(fn, ", Auth: {Authorizer: B}")},
		{"route authorizer on an API without Auth", "Resources:\n  Api: {Type: AWS::Serverless::HttpApi}\n" + fmt.Sprintf(fn, ", Auth: {Authorizer: B}")},
		{"Auth not an object", "Resources:\n  Api: {Type: AWS::Serverless::HttpApi, Properties: {Auth: yes}}\n" + fmt.Sprintf(fn, "")},
		// The translator refuses each of these too (checked with aws-sam-translator 1.110.0).
		{"NONE without DefaultAuthorizer", jwtAPI("") + fmt.Sprintf(fn, ", Auth: {Authorizer: NONE}")},
		{"scopes without an authorizer", jwtAPI("") + fmt.Sprintf(fn, ", Auth: {AuthorizationScopes: [s]}")},
		{"event scopes not a list", jwtAPI("") + fmt.Sprintf(fn, ", Auth: {Authorizer: J, AuthorizationScopes: s}")},
		{"AWS_IAM without EnableIamAuthorizer", jwtAPI("") + fmt.Sprintf(fn, ", Auth: {Authorizer: AWS_IAM}")},
		{"JWT with FunctionArn", jwtAPI(", FunctionArn: arn") + fmt.Sprintf(fn, "")},
		{"JWT without IdentitySource", "Resources:\n  Api: {Type: AWS::Serverless::HttpApi, Properties: {Auth: {Authorizers: {J: {JwtConfiguration: {issuer: 'https://i.example'}}}}}}\n" + fmt.Sprintf(fn, "")},
		{"JwtConfiguration not an object", "Resources:\n  Api: {Type: AWS::Serverless::HttpApi, Properties: {Auth: {Authorizers: {J: {JwtConfiguration: [x], IdentitySource: y}}}}}\n" + fmt.Sprintf(fn, "")},
		{"OpenIdConnectUrl", "Resources:\n  Api: {Type: AWS::Serverless::HttpApi, Properties: {Auth: {Authorizers: {J: {OpenIdConnectUrl: 'https://i.example', JwtConfiguration: {issuer: x}, IdentitySource: y}}}}}\n" + fmt.Sprintf(fn, "")},
		{"Lambda with AuthorizationScopes", "Resources:\n  Api: {Type: AWS::Serverless::HttpApi, Properties: {Auth: {Authorizers: {L: {FunctionArn: arn, AuthorizerPayloadFormatVersion: '2.0', AuthorizationScopes: [s]}}}}}\n" + fmt.Sprintf(fn, "")},
		{"neither FunctionArn nor JwtConfiguration", "Resources:\n  Api: {Type: AWS::Serverless::HttpApi, Properties: {Auth: {Authorizers: {J: {IdentitySource: y}}}}}\n" + fmt.Sprintf(fn, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := decode(t, "Transform: AWS::Serverless-2016-10-31\n"+tt.doc)
			_, err := Transform(doc, Options{})
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Transform = %v, want ErrInvalid", err)
			}
		})
	}
}

// jwtAPI is an HttpApi Api with one JWT authorizer J (extra is added to its properties) and
// no DefaultAuthorizer.
func jwtAPI(extra string) string {
	return "Resources:\n  Api: {Type: AWS::Serverless::HttpApi, Properties: {Auth: {Authorizers: {J: " +
		"{JwtConfiguration: {issuer: 'https://i.example', audience: [a]}, IdentitySource: $request.header.Authorization" + extra + "}}}}}\n"
}

// What the local runtime does not check is said: IAM authorization (EnableIamAuthorizer)
// warns, JWT and Lambda authorizers do not (the runtime enforces them).
func TestHTTPAPIAuthWarnings(t *testing.T) {
	_, warnings := expand(t, "testdata/templates/httpapi-auth.yaml")
	want := []string{
		"resource ShopApi.Auth: EnableIamAuthorizer: IAM (SigV4) authorization is not checked locally; routes naming AWS_IAM answer 500 when the template has a JWT authorizer, else they are served without authorization",
	}
	if diff := cmp.Diff(want, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
