package template

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Lambda authorizers of HTTP APIs are read from AWS::ApiGatewayV2::Authorizer (as the CDK's
// HttpLambdaAuthorizer writes it) and from an OpenAPI Body's x-amazon-apigateway-authorizer
// (as SAM's HttpApi Auth writes it), with the function their AuthorizerUri names.
func TestLambdaAuthorizers(t *testing.T) {
	m, err := Parse([]byte(`{"Resources": {
		"AuthFn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "auth", "Runtime": "provided.al2023", "Handler": "bootstrap", "Code": {"ZipFile": "x"}}},
		"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
		"Cdk": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
			"ApiId": {"Ref": "Api"}, "AuthorizerType": "REQUEST", "Name": "cdk",
			"AuthorizerPayloadFormatVersion": "2.0", "EnableSimpleResponses": true, "AuthorizerResultTtlInSeconds": 300,
			"IdentitySource": ["$request.header.Authorization", "$context.routeKey"],
			"AuthorizerUri": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
				":lambda:path/2015-03-31/functions/", {"Fn::GetAtt": ["AuthFn", "Arn"]}, "/invocations"]]}}},
		"Integ": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {"ApiId": {"Ref": "Api"}, "IntegrationType": "AWS_PROXY",
			"IntegrationUri": {"Fn::GetAtt": ["AuthFn", "Arn"]}, "PayloadFormatVersion": "2.0"}},
		"Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "GET /y",
			"AuthorizationType": "CUSTOM", "AuthorizerId": {"Ref": "Cdk"}, "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "Integ"}]]}}},
		"Body": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Body": {
			"openapi": "3.0.1",
			"paths": {"/x": {"get": {"security": [{"Keys": []}], "x-amazon-apigateway-integration": {
				"type": "aws_proxy", "payloadFormatVersion": "2.0",
				"uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthFn.Arn}/invocations"}}}}},
			"components": {"securitySchemes": {"Keys": {"type": "apiKey", "name": "Unused", "in": "header",
				"x-amazon-apigateway-authorizer": {"type": "request", "authorizerPayloadFormatVersion": "1.0",
					"identitySource": ["$request.querystring.key"], "authorizerResultTtlInSeconds": 60,
					"authorizerUri": {"Fn::Sub": ["arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations",
						{"__FunctionArn__": {"Fn::GetAtt": ["AuthFn", "Arn"]}}]}}}}}}}}
	}}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]string{}
	for _, api := range m.APIs {
		byID[api.LogicalID] = api.ID
	}
	want := []*Authorizer{
		{
			LogicalID: "Body:Keys", APIID: byID["Body"], Name: "Keys", Type: "REQUEST",
			IdentitySource: []string{"$request.querystring.key"},
			Function:       "AuthFn", PayloadFormatVersion: "1.0", TTL: time.Minute,
		},
		{
			LogicalID: "Cdk", APIID: byID["Api"], Name: "cdk", Type: "REQUEST",
			IdentitySource: []string{"$request.header.Authorization", "$context.routeKey"},
			Function:       "AuthFn", PayloadFormatVersion: "2.0", EnableSimpleResponses: true, TTL: 5 * time.Minute,
		},
	}
	if diff := cmp.Diff(want, m.Authorizers); diff != "" {
		t.Errorf("Authorizers (-want +got):\n%s", diff)
	}
	var got []string
	for _, api := range m.APIs {
		for _, r := range api.Routes {
			got = append(got, api.LogicalID+" "+r.Key+" "+r.AuthorizationType+" "+r.AuthorizerID)
		}
	}
	if diff := cmp.Diff([]string{"Api GET /y CUSTOM Cdk", "Body GET /x CUSTOM Body:Keys"}, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
}

// The SAM app's HttpApi Auth (FunctionArn) loads as a Lambda authorizer guarding the
// routes its events give it: DefaultAuthorizer, except Auth.Authorizer NONE.
func TestLambdaAuthorizerOfSAMApp(t *testing.T) {
	m, err := Load(ownstacks+"sam-httpapi-auth/template.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.APIs) != 1 {
		t.Fatalf("%d APIs, want WhoAmIApi", len(m.APIs))
	}
	want := []*Authorizer{{
		LogicalID: "WhoAmIApi:TokenAuthorizer", APIID: m.APIs[0].ID, Name: "TokenAuthorizer", Type: "REQUEST",
		IdentitySource: []string{"$request.header.Authorization"},
		Function:       "AuthorizerFunction", PayloadFormatVersion: "2.0", EnableSimpleResponses: true,
	}}
	if diff := cmp.Diff(want, m.Authorizers); diff != "" {
		t.Errorf("Authorizers (-want +got):\n%s", diff)
	}
	var got []string
	for _, r := range m.APIs[0].Routes {
		got = append(got, r.Key+" "+r.AuthorizationType+" "+r.AuthorizerID)
	}
	if diff := cmp.Diff([]string{"GET /public NONE ", "GET /whoami CUSTOM WhoAmIApi:TokenAuthorizer"}, got); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
}
