package template

import (
	"errors"
	"io/fs"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignoreRaw leaves out what the Model keeps for later resolution.
var ignoreRaw = cmp.Options{
	cmpopts.IgnoreUnexported(Model{}),
	cmpopts.IgnoreFields(Model{}, "Resources"),
}

// ignoreEvents leaves out the typed resources events_test.go covers.
var ignoreEvents = cmpopts.IgnoreFields(Model{}, "EventBuses", "Rules", "Queues", "EventSourceMappings", "EventInvokeConfigs", "Authorizers")

const (
	shopAPIID = "pat8n7yysq" // apiID("HttpApiF5A9A8A7"); fixed so IDs stay stable across versions
	acct      = "000000000000"
)

func TestLoadShop(t *testing.T) {
	got, err := Load("testdata/Shop.template.json", Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	ordersARN := "arn:aws:dynamodb:us-east-1:" + acct + ":table/orders"
	getOrderAsset, err := filepath.Abs("testdata/asset.0f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809")
	if err != nil {
		t.Fatal(err)
	}
	eventsARN := "arn:aws:dynamodb:us-east-1:" + acct + ":table/EventsTable2D1C3B4A"
	jwt := func(r *Route) *Route {
		r.AuthorizationType = "JWT"
		r.AuthorizerID = "HttpApiUserPoolAuthorizer2C4A1B3D"
		return r
	}
	want := &Model{
		StackName: "Shop",
		Region:    "us-east-1",
		AccountID: acct,
		Functions: map[string]*Function{
			"GetOrder6B0C1F5E": {
				LogicalID:           "GetOrder6B0C1F5E",
				Name:                "orders-get",
				ARN:                 "arn:aws:lambda:us-east-1:" + acct + ":function:orders-get",
				GoPackage:           "./functions/orders/cmd/orders-get",
				Code:                Code{AssetPath: getOrderAsset, CDKPath: "Shop/Orders/GetOrder/Resource"},
				Handler:             "bootstrap",
				Runtime:             "provided.al2023",
				Architecture:        "arm64",
				MemoryMB:            256,
				Timeout:             10 * time.Second,
				ReservedConcurrency: 5,
				Environment: map[string]string{
					"TABLE_NAME":   "orders",
					"TABLE_ARN":    ordersARN,
					"STREAM_ARN":   ordersARN + "/stream/1970-01-01T00:00:00.000",
					"EVENTS_TABLE": "EventsTable2D1C3B4A",
					"BUS_NAME":     "shop",
					"BUS_ARN":      "arn:aws:events:us-east-1:" + acct + ":event-bus/shop",
					"QUEUE_URL":    "http://127.0.0.1:4566/" + acct + "/jobs",
					"STAGE":        "dev",
					"MAX_ITEMS":    "50",
					"TRACE":        "true",
				},
				LogGroup: "/aws/lambda/orders-get",
			},
			"ListOrders4F1D2E3C": {
				LogicalID:           "ListOrders4F1D2E3C",
				Name:                "ListOrders4F1D2E3C",
				ARN:                 "arn:aws:lambda:us-east-1:" + acct + ":function:ListOrders4F1D2E3C",
				Code:                Code{CDKPath: "Shop/Orders/ListOrders/Resource"},
				Handler:             "bootstrap",
				Runtime:             "provided.al2023",
				Architecture:        "x86_64",
				MemoryMB:            128,
				Timeout:             3 * time.Second,
				ReservedConcurrency: -1,
				Environment:         map[string]string{},
				LogGroup:            "/aws/lambda/ListOrders4F1D2E3C",
			},
			"CreateOrder9A8B7C6D": {
				LogicalID:           "CreateOrder9A8B7C6D",
				Name:                "Shop-create-order",
				ARN:                 "arn:aws:lambda:us-east-1:" + acct + ":function:Shop-create-order",
				GoPackage:           "./functions/orders/cmd/orders-create",
				Code:                Code{CDKPath: "Shop/Orders/CreateOrder/Resource"},
				Handler:             "bootstrap",
				Runtime:             "provided.al2023",
				Architecture:        "x86_64",
				MemoryMB:            512,
				Timeout:             30 * time.Second,
				ReservedConcurrency: -1,
				Environment: map[string]string{
					"LIST_FUNCTION_ARN": "arn:aws:lambda:us-east-1:" + acct + ":function:ListOrders4F1D2E3C",
					"CARTS_TABLE":       "CartsTable0E4C4C09",
				},
				LogGroup: "/aws/lambda/Shop-create-order",
			},
		},
		APIs: []*HTTPAPI{{
			LogicalID: "HttpApiF5A9A8A7",
			ID:        shopAPIID,
			Name:      "shop-api",
			Endpoint:  "http://127.0.0.1:4566",
			Routes: []*Route{
				{
					LogicalID:            "HttpApiDefaultRoute1EB30A46",
					Key:                  "$default",
					Integration:          "HttpApiGETordersidGetOrderIntegration8D3C2B1A",
					IntegrationType:      "AWS_PROXY",
					Function:             "GetOrder6B0C1F5E",
					PayloadFormatVersion: "2.0",
					IntegrationTimeout:   30 * time.Second,
					AuthorizationType:    "NONE",
				},
				{
					LogicalID:            "HttpApiANYlegacyproxy6A7B8C9D",
					Key:                  "ANY /legacy/{proxy+}",
					Method:               "ANY",
					Path:                 "/legacy/{proxy+}",
					Integration:          "HttpApiANYlegacyproxyLegacyIntegration5F6A7B8C",
					IntegrationType:      "HTTP_PROXY",
					PayloadFormatVersion: "1.0",
					IntegrationTimeout:   30 * time.Second,
					AuthorizationType:    "NONE",
				},
				{
					LogicalID:         "HttpApiGEThealth9D0E1F2A",
					Key:               "GET /health",
					Method:            "GET",
					Path:              "/health",
					AuthorizationType: "NONE",
				},
				{
					LogicalID:            "HttpApiGETorders2B3C4D5E",
					Key:                  "GET /orders",
					Method:               "GET",
					Path:                 "/orders",
					Integration:          "HttpApiGETordersListOrdersIntegration1C2D3E4F",
					IntegrationType:      "AWS_PROXY",
					Function:             "ListOrders4F1D2E3C",
					PayloadFormatVersion: "1.0",
					IntegrationTimeout:   10 * time.Second,
					AuthorizationType:    "NONE",
				},
				jwt(&Route{
					LogicalID:            "HttpApiGETordersid6A5B4C3D",
					Key:                  "GET /orders/{id}",
					Method:               "GET",
					Path:                 "/orders/{id}",
					Integration:          "HttpApiGETordersidGetOrderIntegration8D3C2B1A",
					IntegrationType:      "AWS_PROXY",
					Function:             "GetOrder6B0C1F5E",
					PayloadFormatVersion: "2.0",
					IntegrationTimeout:   30 * time.Second,
					AuthorizationScopes:  []string{"orders/read"},
				}),
				{
					LogicalID:            "HttpApiPOSTjobs8C9D0E1F",
					Key:                  "POST /jobs",
					Method:               "POST",
					Path:                 "/jobs",
					Integration:          "HttpApiPOSTjobsSendJobIntegration7B8C9D0E",
					IntegrationType:      "AWS_PROXY",
					PayloadFormatVersion: "1.0",
					IntegrationTimeout:   30 * time.Second,
					AuthorizationType:    "NONE",
				},
				jwt(&Route{
					LogicalID:            "HttpApiPOSTorders4E5F6A7B",
					Key:                  "POST /orders",
					Method:               "POST",
					Path:                 "/orders",
					Integration:          "HttpApiPOSTordersCreateOrderIntegration3D4E5F6A",
					IntegrationType:      "AWS_PROXY",
					Function:             "CreateOrder9A8B7C6D",
					PayloadFormatVersion: "1.0",
					IntegrationTimeout:   30 * time.Second,
				}),
			},
		}},
		Tables: []*Table{
			{
				LogicalID:            "CartsTable0E4C4C09",
				Name:                 "CartsTable0E4C4C09",
				ARN:                  "arn:aws:dynamodb:us-east-1:" + acct + ":table/CartsTable0E4C4C09",
				KeySchema:            []KeyElement{{"customerId", "HASH"}},
				AttributeDefinitions: []AttributeDefinition{{"customerId", "S"}},
				BillingMode:          "PROVISIONED",
			},
			{
				LogicalID:            "EventsTable2D1C3B4A",
				Name:                 "EventsTable2D1C3B4A",
				ARN:                  eventsARN,
				StreamARN:            eventsARN + "/stream/1970-01-01T00:00:00.000",
				KeySchema:            []KeyElement{{"pk", "HASH"}, {"sk", "RANGE"}},
				AttributeDefinitions: []AttributeDefinition{{"pk", "S"}, {"sk", "N"}},
				GlobalSecondaryIndexes: []Index{{
					IndexName:      "bySk",
					KeySchema:      []KeyElement{{"sk", "HASH"}},
					ProjectionType: "ALL",
				}},
				BillingMode:    "PAY_PER_REQUEST",
				StreamViewType: "NEW_IMAGE",
				TTLAttribute:   "expires",
			},
			{
				LogicalID: "OrdersTable315BB997",
				Name:      "orders",
				ARN:       ordersARN,
				StreamARN: ordersARN + "/stream/1970-01-01T00:00:00.000",
				KeySchema: []KeyElement{{"pk", "HASH"}, {"sk", "RANGE"}},
				AttributeDefinitions: []AttributeDefinition{
					{"pk", "S"}, {"sk", "S"}, {"status", "S"}, {"createdAt", "N"},
				},
				GlobalSecondaryIndexes: []Index{
					{
						IndexName:        "byStatus",
						KeySchema:        []KeyElement{{"status", "HASH"}, {"createdAt", "RANGE"}},
						ProjectionType:   "INCLUDE",
						NonKeyAttributes: []string{"total", "customerId"},
					},
					{
						IndexName:      "byStatusKeys",
						KeySchema:      []KeyElement{{"status", "HASH"}},
						ProjectionType: "KEYS_ONLY",
					},
				},
				LocalSecondaryIndexes: []Index{{
					IndexName:      "byCreatedAt",
					KeySchema:      []KeyElement{{"pk", "HASH"}, {"createdAt", "RANGE"}},
					ProjectionType: "ALL",
				}},
				BillingMode:    "PAY_PER_REQUEST",
				StreamViewType: "NEW_AND_OLD_IMAGES",
				TTLAttribute:   "expiresAt",
			},
		},
		// The fixture's one type the runtime does not emulate is named, once.
		Warnings: []string{"AWS::Kinesis::Stream is not emulated locally: AuditStream5A9D1E2B"},
	}
	// The user pool is checked field by field in TestUserPools; here only that it is there.
	if diff := cmp.Diff(want, got, ignoreRaw, ignoreEvents, cmpopts.IgnoreFields(Model{}, "UserPools")); diff != "" {
		t.Errorf("Load mismatch (-want +got):\n%s", diff)
	}
	if len(got.UserPools) != 1 || len(got.UserPools[0].Clients) != 1 {
		t.Errorf("UserPools = %v, want the pool with its client", got.UserPools)
	}
	if n := len(got.Resources); n != 35 {
		t.Errorf("len(Resources) = %d, want every resource of the template (35)", n)
	}
}

// A parameter override flips a condition: the conditional function appears and Fn::If takes
// its other branch.
func TestParseParameterOverride(t *testing.T) {
	m, err := Load("testdata/Shop.template.json", Options{Parameters: map[string]string{"Stage": "prod"}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if _, ok := m.Functions["ProdOnlyFunction5E5E5E5E"]; !ok {
		t.Errorf("Functions has no ProdOnlyFunction5E5E5E5E, whose condition IsProd is true")
	}
	env := m.Functions["GetOrder6B0C1F5E"].Environment
	want := map[string]string{"STAGE": "prod", "PROD_ONLY": "yes"}
	got := map[string]string{"STAGE": env["STAGE"], "PROD_ONLY": env["PROD_ONLY"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Environment mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadOptions(t *testing.T) {
	tests := []struct {
		name string
		path string
		opts Options
		want *Model
	}{
		{
			name: "defaults from the file name",
			path: "testdata/Shop.template.json",
			want: &Model{StackName: "Shop", Region: "us-east-1", AccountID: acct},
		},
		{
			name: "given",
			path: "testdata/Shop.template.json",
			opts: Options{StackName: "Other", Region: "eu-west-1", AccountID: "123456789012"},
			want: &Model{StackName: "Other", Region: "eu-west-1", AccountID: "123456789012"},
		},
		{
			name: "plain json file",
			path: "testdata/intrinsics.template.json",
			want: &Model{StackName: "intrinsics", Region: "us-east-1", AccountID: acct},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Load(tt.path, tt.opts)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := &Model{StackName: m.StackName, Region: m.Region, AccountID: m.AccountID}
			if diff := cmp.Diff(tt.want, got, ignoreRaw); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDefaultStackName(t *testing.T) {
	m, err := Parse([]byte(`{"Resources": {}}`), Options{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if m.StackName != DefaultStackName {
		t.Errorf("StackName = %q, want %q", m.StackName, DefaultStackName)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/nope.template.json", Options{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load error = %v, want fs.ErrNotExist", err)
	}
}

func TestParseInvalidAccountID(t *testing.T) {
	_, err := Parse([]byte(`{"Resources": {}}`), Options{AccountID: "42"})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("Parse error = %v, want ErrInvalid", err)
	}
}

func TestAPIID(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z0-9]{10}$`)
	for _, id := range []string{"Api", "HttpApiF5A9A8A7", "x"} {
		if got := apiID(id); !shape.MatchString(got) || got != apiID(id) {
			t.Errorf("apiID(%q) = %q, want 10 stable lower-case alphanumerics", id, got)
		}
	}
	if apiID("Api") == apiID("Api2") {
		t.Errorf("apiID gives Api and Api2 the same ID")
	}
}

func TestModelAccessors(t *testing.T) {
	m, err := Load("testdata/Shop.template.json", Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	ref := func(name string) func() (any, error) {
		return func() (any, error) { return m.Ref(name) }
	}
	getAtt := func(id, attr string) func() (any, error) {
		return func() (any, error) { return m.GetAtt(id, attr) }
	}
	tests := []struct {
		name string
		call func() (any, error)
		want any
	}{
		{"Ref table", ref("OrdersTable315BB997"), "orders"},
		{"Ref queue", ref("JobsQueue2E1F7B9C"), "http://127.0.0.1:4566/" + acct + "/jobs"},
		{"Ref parameter", ref("Stage"), "dev"},
		{"Ref pseudo parameter", ref("AWS::StackName"), "Shop"},
		{"GetAtt queue", getAtt("JobsQueue2E1F7B9C", "Arn"), "arn:aws:sqs:us-east-1:" + acct + ":jobs"},
		{"GetAtt user pool", getAtt("UserPool6BA7E5F2", "ProviderURL"), "https://cognito-idp.us-east-1.amazonaws.com/" + UserPoolID("us-east-1", "UserPool6BA7E5F2")},
		{"Property of an unmodelled resource", func() (any, error) {
			return m.Property("HttpApiUserPoolAuthorizer2C4A1B3D", "JwtConfiguration")
		}, map[string]any{
			"Audience": []any{ClientID("UserPoolClient2F5918F7")},
			"Issuer":   "https://cognito-idp.us-east-1.amazonaws.com/" + UserPoolID("us-east-1", "UserPool6BA7E5F2"),
		}},
		{"Property list element", func() (any, error) {
			return m.Property("HttpApiUserPoolAuthorizer2C4A1B3D", "IdentitySource", "0")
		}, "$request.header.Authorization"},
		{"Property absent", func() (any, error) {
			return m.Property("JobsQueue2E1F7B9C", "RedrivePolicy", "maxReceiveCount")
		}, nil},
		{"Output", func() (any, error) { return m.Output("ApiUrl") },
			"https://" + shopAPIID + ".execute-api.us-east-1.amazonaws.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call()
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestModelAccessorErrors(t *testing.T) {
	m, err := Load("testdata/Shop.template.json", Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"Ref unknown", func() error { _, err := m.Ref("Nope"); return err }, ErrUnknownReference},
		{"GetAtt unsupported", func() error { _, err := m.GetAtt("AuditStream5A9D1E2B", "Arn"); return err }, ErrUnknownAttribute},
		{"Property of a resource whose condition is false", func() error {
			_, err := m.Property("ProdOnlyFunction5E5E5E5E", "Handler")
			return err
		}, ErrUnknownReference},
		{"Output unknown", func() error { _, err := m.Output("Nope"); return err }, ErrUnknownReference},
		{"zero Model", func() error { _, err := (&Model{}).Ref("AWS::Region"); return err }, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

// Each template breaks one rule; the error must say which resource and property.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		template string
		want     error
		resource string
		path     string
	}{
		{
			name:     "not JSON",
			template: `{"Resources": `,
			want:     ErrInvalid,
		},
		{
			name:     "no Resources",
			template: `{"Outputs": {}}`,
			want:     ErrInvalid,
			path:     "Resources",
		},
		{
			name:     "resource without Type",
			template: `{"Resources": {"X": {"Properties": {}}}}`,
			want:     ErrInvalid,
			resource: "X",
			path:     "Type",
		},
		{
			name: "unknown attribute in an environment",
			template: `{"Resources": {
				"T": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
				"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
					"Environment": {"Variables": {"X": {"Fn::GetAtt": ["T", "Nope"]}}}}}}}`,
			want:     ErrUnknownAttribute,
			resource: "Fn",
			path:     "Properties.Environment.Variables.X.Fn::GetAtt",
		},
		{
			name: "Fn::ImportValue",
			template: `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
				"Environment": {"Variables": {"SHARED": {"Fn::ImportValue": "Shared-BusName"}}}}}}}`,
			want:     ErrUnsupported,
			resource: "Fn",
			path:     "Properties.Environment.Variables.SHARED.Fn::ImportValue",
		},
		{
			name: "parameter without value",
			template: `{"Parameters": {"Key": {"Type": "String"}},
				"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
				"Environment": {"Variables": {"K": {"Fn::Join": ["", ["k-", {"Ref": "Key"}]]}}}}}}}`,
			want:     ErrMissingParameter,
			resource: "Fn",
			path:     "Properties.Environment.Variables.K.Fn::Join.1.1.Ref",
		},
		{
			name: "unknown Ref",
			template: `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
				"Environment": {"Variables": {"T": {"Ref": "Table"}}}}}}}`,
			want:     ErrUnknownReference,
			resource: "Fn",
			path:     "Properties.Environment.Variables.T.Ref",
		},
		{
			name: "environment value is an object",
			template: `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
				"Environment": {"Variables": {"O": {"a": "b"}}}}}}}`,
			want:     ErrInvalid,
			resource: "Fn",
			path:     "Properties.Environment.Variables.O",
		},
		{
			name: "memory size not a number",
			template: `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
				"MemorySize": "big"}}}}`,
			want:     ErrInvalid,
			resource: "Fn",
			path:     "Properties.MemorySize",
		},
		{
			name: "function name depends on itself",
			template: `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
				"FunctionName": {"Fn::Sub": "${Fn.Arn}-x"}}}}}`,
			want:     ErrInvalid,
			resource: "Fn",
			path:     "Properties.FunctionName",
		},
		{
			name: "GoPackage not a string",
			template: `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function",
				"Metadata": {"LocalRuntime": {"GoPackage": ["./a"]}}}}}`,
			want:     ErrInvalid,
			resource: "Fn",
			path:     "Metadata.LocalRuntime.GoPackage",
		},
		{
			name: "route target is not an integration",
			template: `{"Resources": {
				"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
				"R": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"},
					"RouteKey": "GET /", "Target": "integrations/Missing"}}}}`,
			want:     ErrUnknownReference,
			resource: "R",
			path:     "Properties.Target",
		},
		{
			name: "route target malformed",
			template: `{"Resources": {
				"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
				"R": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"},
					"RouteKey": "GET /", "Target": "Missing"}}}}`,
			want:     ErrInvalid,
			resource: "R",
			path:     "Properties.Target",
		},
		{
			name: "route key malformed",
			template: `{"Resources": {
				"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
				"R": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"},
					"RouteKey": "GET/orders"}}}}`,
			want:     ErrInvalid,
			resource: "R",
			path:     "Properties.RouteKey",
		},
		{
			name: "Lambda integration outside the template",
			template: `{"Resources": {
				"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
				"I": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {"ApiId": {"Ref": "Api"},
					"IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
					"IntegrationUri": "arn:aws:lambda:us-east-1:111111111111:function:elsewhere"}},
				"R": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"},
					"RouteKey": "GET /", "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "I"}]]}}}}}`,
			want:     ErrUnknownReference,
			resource: "I",
			path:     "Properties.IntegrationUri",
		},
		{
			name:     "unknown resource condition",
			template: `{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Condition": "Nope"}}}`,
			want:     ErrUnknownReference,
			resource: "Q",
			path:     "Condition",
		},
		{
			name: "key schema malformed",
			template: `{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {
				"KeySchema": "pk"}}}}`,
			want:     ErrInvalid,
			resource: "T",
			path:     "Properties.KeySchema",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.template), Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse error = %v, want %v", err, tt.want)
			}
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("Parse error %v is not an *Error", err)
			}
			if te.Resource != tt.resource || te.Path != tt.path {
				t.Errorf("error at resource %q path %q, want %q %q (%v)", te.Resource, te.Path, tt.resource, tt.path, err)
			}
		})
	}
}

// The resolve methods share memo tables; the Model serializes them.
func TestModelConcurrentUse(t *testing.T) {
	m, err := Load("testdata/Shop.template.json", Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := m.GetAtt("JobsQueue2E1F7B9C", "Arn"); err != nil {
				t.Error(err)
			}
			if _, err := m.Property("HttpApiUserPoolAuthorizer2C4A1B3D", "JwtConfiguration"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
