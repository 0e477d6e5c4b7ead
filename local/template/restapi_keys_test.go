package template

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The SAM app's usage plan (Auth.UsagePlan PER_API, expanded by the local SAM transform) and
// the template's own keys: the plan covers the API's stage with its throttle and quota, the
// generated key and the two keys its UsagePlanKeys add; methods require a key from their
// Body's api_key requirement, except the event that opts out.
func TestUsagePlansOfSAMApp(t *testing.T) {
	m, err := Load(ownstacks+"sam-restapi-keys/template.yaml", Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	generated := generatedKeyValue(m.StackName, "PartnerApiApiKey")
	wantKeys := []*APIKey{
		{LogicalID: "PartnerApiApiKey", ID: apiID("apikey:PartnerApiApiKey"), Value: generated, Generated: true, Enabled: true},
		{LogicalID: "PartnerKey", ID: apiID("apikey:PartnerKey"), Name: "partner", Value: "partner-key-0123456789abcdef", Enabled: true},
		{LogicalID: "RetiredKey", ID: apiID("apikey:RetiredKey"), Name: "retired", Value: "retired-key-0123456789abcdef"},
	}
	if diff := cmp.Diff(wantKeys, m.APIKeys); diff != "" {
		t.Errorf("APIKeys (-want +got):\n%s", diff)
	}
	wantPlans := []*UsagePlan{{
		LogicalID: "PartnerApiUsagePlan", ID: restResourceID("PartnerApiUsagePlan"),
		Stages:   []UsagePlanStage{{API: "PartnerApi", Stage: "prod"}},
		Throttle: &UsageThrottle{RateLimit: 50, BurstLimit: 100},
		Quota:    &UsageQuota{Limit: 3, Period: "DAY"},
		Keys:     wantKeys,
	}}
	if diff := cmp.Diff(wantPlans, m.UsagePlans); diff != "" {
		t.Errorf("UsagePlans (-want +got):\n%s", diff)
	}
	if ref, err := m.Ref("PartnerKey"); err != nil || ref != wantKeys[1].ID {
		t.Errorf("Ref PartnerKey = %q, %v; want the key id %q", ref, err, wantKeys[1].ID)
	}
	api := m.RestAPIs[0]
	got := map[string]bool{}
	for _, mt := range api.Methods {
		got[mt.HTTPMethod+" "+mt.Path] = mt.APIKeyRequired
	}
	// SAM's Cors preflight, kept off the key by AddApiKeyRequiredToCorsPreflight: false.
	want := map[string]bool{"GET /items": true, "GET /health": false, "OPTIONS /items": false, "OPTIONS /health": false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("APIKeyRequired (-want +got):\n%s", diff)
	}
	if api.APIKeySource != "HEADER" {
		t.Errorf("APIKeySource %q, want HEADER", api.APIKeySource)
	}
	if strings.Contains(strings.Join(m.Warnings, "\n"), "ApiGateway::") {
		t.Errorf("warnings name API Gateway key resources as not emulated: %q", m.Warnings)
	}
}

// Resources as CloudFormation (or the CDK) writes them: a Method's ApiKeyRequired, the
// API's ApiKeySourceType, a key without Enabled (CloudFormation's default: disabled), a
// quota period in lower case, throttle numbers as strings; an OpenAPI Body's x-amazon-apigateway-api-key-source and an
// api_key scheme under another name.
func TestUsagePlansFromResources(t *testing.T) {
	doc := `{"Resources": {
		"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "provided.al2023"}},
		"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"ApiKeySourceType": "AUTHORIZER"}},
		"M": {"Type": "AWS::ApiGateway::Method", "Properties": {"RestApiId": {"Ref": "Api"}, "HttpMethod": "GET",
			"ApiKeyRequired": true, "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
			"Integration": {"Type": "AWS_PROXY", "Uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}}}},
		"Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "live"}},
		"Body": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Body": {
			"swagger": "2.0", "x-amazon-apigateway-api-key-source": "HEADER",
			"securityDefinitions": {"partnerKey": {"type": "apiKey", "name": "X-API-Key", "in": "header"}},
			"paths": {"/a": {"get": {"security": [{"partnerKey": []}], "x-amazon-apigateway-integration": {"type": "mock"}}},
			          "/b": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}}}},
		"Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Value": "k-0123456789abcdefghij"}},
		"Plan": {"Type": "AWS::ApiGateway::UsagePlan", "Properties": {
			"ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "Stage"}}, {"ApiId": "elsewhere", "Stage": "x"}],
			"Quota": {"Limit": 10, "Period": "week"}, "Throttle": {"RateLimit": "0.5", "BurstLimit": "2"}}},
		"PlanKey": {"Type": "AWS::ApiGateway::UsagePlanKey", "Properties": {"KeyId": {"Ref": "Key"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "Plan"}}}}}`
	m, err := Parse([]byte(doc), Options{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	type api struct {
		ID, Source string
		Keyed      []bool
	}
	var got []api
	for _, a := range m.RestAPIs {
		g := api{ID: a.LogicalID, Source: a.APIKeySource}
		for _, mt := range a.Methods {
			g.Keyed = append(g.Keyed, mt.APIKeyRequired)
		}
		got = append(got, g)
	}
	want := []api{{"Api", "AUTHORIZER", []bool{true}}, {"Body", "HEADER", []bool{true, false}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("APIs (-want +got):\n%s", diff)
	}
	wantPlan := &UsagePlan{LogicalID: "Plan", Stages: []UsagePlanStage{{API: "Api", Stage: "live"}},
		Quota: &UsageQuota{Limit: 10, Period: "WEEK"}, Throttle: &UsageThrottle{RateLimit: 0.5, BurstLimit: 2},
		Keys: []*APIKey{{LogicalID: "Key", Value: "k-0123456789abcdefghij", Enabled: false}}}
	if diff := cmp.Diff([]*UsagePlan{wantPlan}, m.UsagePlans, cmpopts.IgnoreFields(UsagePlan{}, "ID"), cmpopts.IgnoreFields(APIKey{}, "ID")); diff != "" {
		t.Errorf("UsagePlans (-want +got):\n%s", diff)
	}
}

// A usage plan key naming no plan or key of the template, and a quota period API Gateway
// does not know, are errors naming the resource.
func TestUsagePlanErrors(t *testing.T) {
	base := `{"Resources": {
		"Key": {"Type": "AWS::ApiGateway::ApiKey", "Properties": {"Enabled": true}},
		"Plan": {"Type": "AWS::ApiGateway::UsagePlan", "Properties": {"Quota": {"Limit": 1, "Period": @PERIOD@}}},
		"PlanKey": {"Type": "AWS::ApiGateway::UsagePlanKey", "Properties": {"KeyId": @KEY@, "KeyType": "API_KEY", "UsagePlanId": @PLAN@}}}}`
	for _, tt := range []struct {
		name, period, key, plan, where string
		want                           error
	}{
		{"ok", `"MONTH"`, `{"Ref": "Key"}`, `{"Ref": "Plan"}`, "", nil},
		{"unknown key", `"MONTH"`, `"nokey"`, `{"Ref": "Plan"}`, "PlanKey", ErrUnknownReference},
		{"unknown plan", `"MONTH"`, `{"Ref": "Key"}`, `"noplan"`, "PlanKey", ErrUnknownReference},
		{"bad period", `"YEAR"`, `{"Ref": "Key"}`, `{"Ref": "Plan"}`, "Plan", ErrInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.NewReplacer("@PERIOD@", tt.period, "@KEY@", tt.key, "@PLAN@", tt.plan).Replace(base)
			_, err := Parse([]byte(doc), Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.where) {
				t.Errorf("error %q does not name %s", err, tt.where)
			}
		})
	}
}

// SAM Cors on an Api becomes OPTIONS methods with MOCK integrations the runtime serves: the
// literal origin, headers, methods (the path's, sorted, with OPTIONS; every method for ANY),
// Max-Age as its number and Allow-Credentials; an OPTIONS event is left alone; preflight
// takes the default authorizer and the API key unless the Auth keeps them off it.
func TestCORSOfSAMApi(t *testing.T) {
	m, err := Load("sam/testdata/templates/restapi-cors.yaml", Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	type preflight struct {
		Function, Auth string
		Key            bool
		Mock           *MockResponse
	}
	got := map[string]preflight{}
	for _, api := range m.RestAPIs {
		for _, mt := range api.Methods {
			if mt.HTTPMethod == "OPTIONS" {
				got[api.LogicalID+" "+mt.Path] = preflight{mt.Function, mt.AuthorizationType, mt.APIKeyRequired, mt.Mock}
			}
		}
	}
	shop := func(methods string) *MockResponse {
		return &MockResponse{StatusCode: 200, Body: "{}\n", Headers: map[string]string{
			"Access-Control-Allow-Origin": "https://shop.example", "Access-Control-Allow-Methods": methods}}
	}
	want := map[string]preflight{
		"ShopApi /items":      {Auth: "NONE", Mock: shop("GET,OPTIONS,POST")},
		"ShopApi /items/{id}": {Auth: "NONE", Mock: shop("DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT")},
		"ShopApi /own":        {Function: "Fn", Auth: "NONE"},
		"PartnerApi /orders": {Auth: "NONE", Mock: &MockResponse{StatusCode: 200, Body: "{}\n", Headers: map[string]string{
			"Access-Control-Allow-Origin": "https://partner.example", "Access-Control-Allow-Methods": "GET,POST",
			"Access-Control-Allow-Headers": "Content-Type,X-Api-Key", "Access-Control-Max-Age": "600",
			"Access-Control-Allow-Credentials": "true"}}},
		"GuardedApi /g": {Auth: "CUSTOM", Key: true, Mock: &MockResponse{StatusCode: 200, Body: "{}\n", Headers: map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "DELETE,OPTIONS"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OPTIONS methods (-want +got):\n%s", diff)
	}
}
