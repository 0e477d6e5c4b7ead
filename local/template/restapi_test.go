package template

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A REST API written as the CDK synthesizes it: the resource tree becomes method paths,
// Lambda proxy integrations name their functions, the authorizers their function or user
// pool, and the stage comes from the Stage resource.
func TestRestAPIFromResources(t *testing.T) {
	m, err := Load("../testdata/ownstacks/restapi/RestApiStack.template.json", Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(m.RestAPIs) != 1 {
		t.Fatalf("%d REST APIs, want 1", len(m.RestAPIs))
	}
	api := m.RestAPIs[0]
	ref, err := m.Ref("ShopApi")
	if err != nil || ref != api.ID {
		t.Errorf("Ref ShopApi = %q, %v; want the API id %q", ref, err, api.ID)
	}
	pool := m.UserPools[0]
	type method struct{ Method, Path, Function, Auth, Authorizer string }
	var got []method
	for _, mt := range api.Methods {
		got = append(got, method{mt.HTTPMethod, mt.Path, mt.Function, mt.AuthorizationType, mt.AuthorizerID})
		if mt.HTTPMethod == "OPTIONS" {
			// The CDK's CORS preflight: a MOCK integration with literal headers.
			want := &MockResponse{StatusCode: 204, Headers: map[string]string{
				"Access-Control-Allow-Headers": "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent",
				"Access-Control-Allow-Origin":  "*",
				"Access-Control-Allow-Methods": "OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD",
			}}
			if mt.IntegrationType != "MOCK" || !cmp.Equal(want, mt.Mock) {
				t.Errorf("OPTIONS %s: integration %q, mock %s", mt.Path, mt.IntegrationType, cmp.Diff(want, mt.Mock))
			}
			continue
		}
		if mt.IntegrationType != "AWS_PROXY" || mt.IntegrationTimeout != 29*time.Second || len(mt.ResourceID) != 6 {
			t.Errorf("%s %s: integration %q timeout %v resource id %q", mt.HTTPMethod, mt.Path, mt.IntegrationType, mt.IntegrationTimeout, mt.ResourceID)
		}
	}
	want := []method{
		{"ANY", "/admin", "EchoFunction", "CUSTOM", "AdminAuthorizer"},
		{"GET", "/items", "EchoFunction", "NONE", ""},
		{"OPTIONS", "/items", "", "NONE", ""},
		{"POST", "/items", "EchoFunction", "NONE", ""},
		{"GET", "/items/{id}", "EchoFunction", "NONE", ""},
		{"GET", "/me", "EchoFunction", "COGNITO_USER_POOLS", "ShoppersAuthorizer"},
		{"ANY", "/{proxy+}", "EchoFunction", "NONE", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("methods (-want +got):\n%s", diff)
	}
	wantAuth := []*RestAuthorizer{
		{LogicalID: "AdminAuthorizer", Name: "admin", Type: "TOKEN", Function: "AuthorizerFunction",
			IdentitySource: "method.request.header.Authorization", TTL: 300 * time.Second},
		{LogicalID: "ShoppersAuthorizer", Name: "shoppers", Type: "COGNITO_USER_POOLS",
			IdentitySource: "method.request.header.Authorization", TTL: 300 * time.Second, ProviderIssuers: []string{pool.IssuerURL}},
	}
	if diff := cmp.Diff(wantAuth, api.Authorizers); diff != "" {
		t.Errorf("authorizers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]*RestStage{{Name: "prod", Variables: map[string]string{"color": "blue"}}}, api.Stages); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"image/png"}, api.BinaryMediaTypes); diff != "" {
		t.Errorf("binary media types (-want +got):\n%s", diff)
	}
	if api.Name != "shop-rest" {
		t.Errorf("name %q", api.Name)
	}
}

// A method whose resource is not in the tree, or whose integration names no function of the
// template, fails to load with the resource named.
func TestRestAPIErrors(t *testing.T) {
	base := `{"Resources": {
		"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "provided.al2023"}},
		"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
		"M": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"}, "HttpMethod": "GET",
			"ResourceId": RESOURCE, "Integration": {"Type": "AWS_PROXY", "Uri": URI}}}}}`
	good := `{"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}`
	for _, tt := range []struct {
		name, resource, uri string
		want                error
	}{
		{"ok", `{"Fn::GetAtt": ["Api", "RootResourceId"]}`, good, nil},
		{"unknown resource", `"abc123"`, good, ErrUnknownReference},
		{"unknown function", `{"Fn::GetAtt": ["Api", "RootResourceId"]}`, `"arn:aws:lambda:us-east-1:000000000000:function:other"`, ErrUnknownReference},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.NewReplacer("RESOURCE", tt.resource, "URI", tt.uri).Replace(base)
			m, err := Parse([]byte(doc), Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, want %v", err, tt.want)
			}
			if err == nil && (len(m.RestAPIs[0].Methods) != 1 || m.RestAPIs[0].Methods[0].Path != "/" || m.RestAPIs[0].Methods[0].Function != "Fn") {
				t.Errorf("methods = %+v", m.RestAPIs[0].Methods[0])
			}
			if err != nil && !strings.Contains(err.Error(), "M") {
				t.Errorf("error %q does not name the method", err)
			}
		})
	}
}

// The SAM transform's output (testdata/openapi/sam-translated.json, produced by
// aws-sam-translator 1.110.0 from sam-source.yaml) defines APIs only by their OpenAPI Body:
// REST API methods and authorizers (token, request, Cognito) and HTTP API routes come from
// paths, x-amazon-apigateway-integration and security schemes.
func TestOpenAPIBodies(t *testing.T) {
	m, err := Load("testdata/openapi/sam-translated.json", Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	byName := map[string]*RestAPI{}
	for _, a := range m.RestAPIs {
		byName[a.LogicalID] = a
	}
	type method struct{ Method, Path, Function, Auth, Authorizer string }
	methods := func(a *RestAPI) []method {
		var out []method
		for _, mt := range a.Methods {
			out = append(out, method{mt.HTTPMethod, mt.Path, mt.Function, mt.AuthorizationType, mt.AuthorizerID})
		}
		return out
	}
	implicit := byName["ServerlessRestApi"]
	if implicit == nil {
		t.Fatal("no ServerlessRestApi")
	}
	if diff := cmp.Diff([]method{{"GET", "/hello", "HelloFunction", "NONE", ""}}, methods(implicit)); diff != "" {
		t.Errorf("ServerlessRestApi methods (-want +got):\n%s", diff)
	}
	// SAM's stage is the Stage resource ("Prod"); its Deployment's dummy "Stage" comes after.
	if len(implicit.Stages) != 2 || implicit.Stages[0].Name != "Prod" || implicit.Stages[1].Name != "Stage" {
		t.Errorf("ServerlessRestApi stages = %+v, want Prod then Stage", implicit.Stages)
	}
	my := byName["MyApi"]
	if my == nil {
		t.Fatal("no MyApi")
	}
	want := []method{
		{"ANY", "/items/{proxy+}", "HelloFunction", "CUSTOM", "MyApi:TokAuth"},
		{"GET", "/me", "HelloFunction", "COGNITO_USER_POOLS", "MyApi:CogAuth"},
	}
	if diff := cmp.Diff(want, methods(my)); diff != "" {
		t.Errorf("MyApi methods (-want +got):\n%s", diff)
	}
	pool := m.UserPools[0]
	wantAuth := []*RestAuthorizer{
		{LogicalID: "MyApi:CogAuth", Name: "CogAuth", Type: "COGNITO_USER_POOLS", IdentitySource: "method.request.header.Authorization",
			TTL: DefaultAuthorizerTTL, ProviderIssuers: []string{pool.IssuerURL}},
		{LogicalID: "MyApi:ReqAuth", Name: "ReqAuth", Type: "REQUEST", Function: "AuthFn", IdentitySource: "method.request.header.X-Key", TTL: DefaultAuthorizerTTL},
		{LogicalID: "MyApi:TokAuth", Name: "TokAuth", Type: "TOKEN", Function: "AuthFn", IdentitySource: "method.request.header.Authorization", TTL: DefaultAuthorizerTTL},
	}
	if diff := cmp.Diff(wantAuth, my.Authorizers); diff != "" {
		t.Errorf("MyApi authorizers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"image~1png"}, my.BinaryMediaTypes); diff != "" {
		t.Errorf("binary media types (-want +got):\n%s", diff)
	}
	if len(my.Stages) == 0 || my.Stages[0].Name != "dev" {
		t.Errorf("MyApi stages = %+v, want dev first", my.Stages)
	}

	if len(m.APIs) != 1 {
		t.Fatalf("%d HTTP APIs, want ServerlessHttpApi", len(m.APIs))
	}
	type route struct{ Key, Method, Path, Function, Type, Version string }
	var routes []route
	for _, r := range m.APIs[0].Routes {
		routes = append(routes, route{r.Key, r.Method, r.Path, r.Function, r.IntegrationType, r.PayloadFormatVersion})
	}
	if diff := cmp.Diff([]route{{"GET /h/{id}", "GET", "/h/{id}", "HelloFunction", "AWS_PROXY", "2.0"}}, routes); diff != "" {
		t.Errorf("ServerlessHttpApi routes (-want +got):\n%s", diff)
	}
}

// An HTTP API Body with a JWT security scheme gives its routes a JWT authorizer, as an
// AWS::ApiGatewayV2::Authorizer would.
func TestOpenAPIHTTPJWT(t *testing.T) {
	doc := `{"Resources": {
	"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "provided.al2023"}},
	"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP", "Body": {
		"openapi": "3.0.1",
		"paths": {
			"/orders": {"post": {"security": [{"Jwt": ["orders/write"]}],
				"x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0",
					"uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}}}},
			"$default": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": {"Fn::GetAtt": ["Fn", "Arn"]}}}}
		},
		"components": {"securitySchemes": {"Jwt": {"type": "oauth2", "x-amazon-apigateway-authorizer": {
			"type": "jwt", "identitySource": "$request.header.Authorization",
			"jwtConfiguration": {"issuer": "https://issuer.example", "audience": ["client-1"]}}}}}
	}}}}}`
	m, err := Parse([]byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	api := m.APIs[0]
	type route struct{ Key, Function, Version, Auth, Authorizer string }
	var got []route
	for _, r := range api.Routes {
		got = append(got, route{r.Key, r.Function, r.PayloadFormatVersion, r.AuthorizationType, r.AuthorizerID})
	}
	want := []route{{"$default", "Fn", "1.0", "NONE", ""}, {"POST /orders", "Fn", "2.0", "JWT", "Api:Jwt"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
	wantAuth := []*Authorizer{{LogicalID: "Api:Jwt", APIID: api.ID, Name: "Jwt", Type: "JWT",
		IdentitySource: []string{"$request.header.Authorization"},
		JWT:            &JWTConfiguration{Issuer: "https://issuer.example", Audience: []string{"client-1"}}}}
	if diff := cmp.Diff(wantAuth, m.Authorizers); diff != "" {
		t.Errorf("authorizers (-want +got):\n%s", diff)
	}
}
