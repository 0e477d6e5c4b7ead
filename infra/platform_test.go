package infra_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	catalogspec "github.com/microshop/microshop/functions/catalog/spec"
	"github.com/microshop/microshop/infra"
)

// synthProd returns the template of the prod stage's stack (synthProdStack).
func synthProd(t *testing.T) assertions.Template {
	t.Helper()
	_, tmpl, _ := synthProdStack(t)
	return tmpl
}

func TestUserPool(t *testing.T) {
	_, tmpl, _ := synth(t)
	props := map[string]any{
		"UsernameAttributes":     []any{"email"},
		"UsernameConfiguration":  map[string]any{"CaseSensitive": false},
		"AutoVerifiedAttributes": []any{"email"},
		"AdminCreateUserConfig":  map[string]any{"AllowAdminCreateUserOnly": false},
		"VerificationMessageTemplate": assertions.Match_ObjectLike(&map[string]any{
			"DefaultEmailOption": "CONFIRM_WITH_CODE",
		}),
		"Policies": map[string]any{"PasswordPolicy": map[string]any{
			"MinimumLength":                 12,
			"RequireLowercase":              true,
			"RequireUppercase":              true,
			"RequireNumbers":                true,
			"RequireSymbols":                true,
			"TemporaryPasswordValidityDays": 3,
		}},
		"AccountRecoverySetting": map[string]any{"RecoveryMechanisms": []any{
			map[string]any{"Name": "verified_email", "Priority": 1},
		}},
		"MfaConfiguration": "OPTIONAL",
		"EnabledMfas":      []any{"SOFTWARE_TOKEN_MFA"},
	}
	// In dev the pool goes with the stack.
	check(t, "dev pool", func() {
		tmpl.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]any{
			"DeletionPolicy": "Delete",
			"Properties":     mergeMaps(props, map[string]any{"DeletionProtection": "INACTIVE"}),
		})
	})
	check(t, "admin group", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolGroup"), map[string]any{
			"GroupName":  infra.AdminGroup,
			"UserPoolId": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AuthUserPool"))},
		})
	})

	// Outside dev it stays, protected.
	prod := synthProd(t)
	check(t, "prod pool", func() {
		prod.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]any{
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
			"Properties":          mergeMaps(props, map[string]any{"DeletionProtection": "ACTIVE"}),
		})
	})
}

func mergeMaps(a, b map[string]any) map[string]any {
	m := map[string]any{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

func TestUserPoolClient(t *testing.T) {
	_, tmpl, _ := synth(t)
	client := func(callbacks, logouts []any) map[string]any {
		return map[string]any{
			"UserPoolId":     map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AuthUserPool"))},
			"GenerateSecret": false,
			"ExplicitAuthFlows": assertions.Match_ArrayEquals(&[]any{
				"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
			}),
			"AllowedOAuthFlows":               []any{"code"},
			"AllowedOAuthFlowsUserPoolClient": true,
			"AllowedOAuthScopes":              []any{"openid", "email", "profile"},
			"SupportedIdentityProviders":      []any{"COGNITO"},
			"PreventUserExistenceErrors":      "ENABLED",
			"EnableTokenRevocation":           true,
			"CallbackURLs":                    assertions.Match_ArrayEquals(&callbacks),
			"LogoutURLs":                      assertions.Match_ArrayEquals(&logouts),
		}
	}
	check(t, "client with the localhost defaults", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"),
			client([]any{"http://localhost:3000/callback"}, []any{"http://localhost:3000/"}))
	})
	prod := synthProd(t)
	check(t, "client with the context's URLs", func() {
		prod.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), client(
			[]any{"https://shop.example/callback", "https://admin.shop.example/callback"},
			[]any{"https://shop.example/"}))
	})
}

func TestAuthorizer(t *testing.T) {
	_, tmpl, doc := synth(t)
	check(t, "JWT authorizer for the pool's client", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]any{
			"ApiId":          map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Api"))},
			"AuthorizerType": "JWT",
			"IdentitySource": []any{"$request.header.Authorization"},
			"JwtConfiguration": map[string]any{
				"Audience": []any{map[string]any{"Ref": doc.ofType("AWS::Cognito::UserPoolClient")[0]}},
				"Issuer": map[string]any{"Fn::Join": []any{"", []any{
					"https://cognito-idp.", map[string]any{"Ref": "AWS::Region"}, ".amazonaws.com/",
					map[string]any{"Ref": doc.ofType("AWS::Cognito::UserPool")[0]},
				}}},
			},
		})
	})
}

func TestEventBus(t *testing.T) {
	_, tmpl, _ := synth(t)
	check(t, "one custom bus", func() {
		tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Events::EventBus"),
			map[string]any{"Name": infra.EventBusName}, jsii.Number(1))
	})
}

// The catalog's outbox: its stream feeds the publisher, outbox rows only, in order.
func TestOutbox(t *testing.T) {
	_, tmpl, doc := synth(t)
	publisher := doc.function(t, catalogspec.PublishEvents)
	table := doc.table(t, "Catalog")
	// Other services' queues are theirs; the catalog's construct has one queue.
	var queues []string
	for _, id := range doc.ofType("AWS::SQS::Queue") {
		if strings.HasPrefix(id, "Catalog") {
			queues = append(queues, id)
		}
	}
	if len(queues) != 1 {
		t.Fatalf("catalog queues %v, want the outbox's failure queue only", queues)
	}
	check(t, "mapping", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
			"FunctionName":               map[string]any{"Ref": publisher},
			"EventSourceArn":             map[string]any{"Fn::GetAtt": []any{table, "StreamArn"}},
			"StartingPosition":           "TRIM_HORIZON",
			"FunctionResponseTypes":      []any{"ReportBatchItemFailures"},
			"BisectBatchOnFunctionError": false,
			"MaximumRetryAttempts":       infra.DefaultOutboxRetryAttempts,
			"DestinationConfig": map[string]any{"OnFailure": map[string]any{
				"Destination": map[string]any{"Fn::GetAtt": []any{queues[0], "Arn"}},
			}},
		})
	})
	check(t, "failure queue", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), map[string]any{
			"SqsManagedSseEnabled":   true,
			"MessageRetentionPeriod": 14 * 24 * 3600,
		})
	})
	checkSecureTransport(t, tmpl, queues[0])

	// The filter, compared as JSON: exactly the shared contract's pattern.
	var mapping map[string]any
	for _, id := range doc.ofType("AWS::Lambda::EventSourceMapping") {
		if ref(doc.Resources[id].Properties["FunctionName"]) == publisher {
			mapping = doc.Resources[id].Properties
		}
	}
	filters, _ := mapping["FilterCriteria"].(map[string]any)["Filters"].([]any)
	if len(filters) != 1 {
		t.Fatalf("filters %v, want one", filters)
	}
	var got any
	if err := json.Unmarshal([]byte(filters[0].(map[string]any)["Pattern"].(string)), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"dynamodb": map[string]any{"NewImage": map[string]any{
		"outboxEvent": map[string]any{"S": []any{map[string]any{"exists": true}}},
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("filter pattern (-want +got):\n%s", diff)
	}
}

// checkSecureTransport asserts that queue's policy denies every request made without TLS.
func checkSecureTransport(t *testing.T, tmpl assertions.Template, queue string) {
	t.Helper()
	check(t, queue+" denies requests without TLS", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
			"Queues": []any{map[string]any{"Ref": queue}},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Effect":    "Deny",
				"Principal": map[string]any{"AWS": "*"},
				"Action":    "sqs:*",
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				"Resource":  map[string]any{"Fn::GetAtt": []any{queue, "Arn"}},
			}})},
		})
	})
}

// The probe's consumer: rule on the bus -> queue with a DLQ -> its function, partial failures.
func TestConsumer(t *testing.T) {
	_, tmpl, doc := synthProbe(t)
	fnID := doc.function(t, "probe-handle-order")
	timeout := doc.Resources[fnID].Properties["Timeout"].(float64)

	var queue, dlq string
	for _, id := range doc.ofType("AWS::SQS::Queue") {
		if _, ok := doc.Resources[id].Properties["RedrivePolicy"]; ok {
			queue = id
		} else {
			dlq = id
		}
	}
	if queue == "" || dlq == "" {
		t.Fatalf("queues %v, want a queue with a redrive policy and its DLQ", doc.ofType("AWS::SQS::Queue"))
	}
	q := doc.Resources[queue].Properties
	if v := q["VisibilityTimeout"].(float64); v < 6*timeout {
		t.Errorf("visibility timeout %vs, want at least 6 × the function's %vs", v, timeout)
	}
	check(t, "queue", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), map[string]any{
			"SqsManagedSseEnabled": true,
			"VisibilityTimeout":    6 * timeout,
			"RedrivePolicy": map[string]any{
				"deadLetterTargetArn": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}},
				"maxReceiveCount":     infra.DefaultMaxReceiveCount,
			},
		})
	})
	check(t, "DLQ", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::SQS::Queue"), map[string]any{
			"SqsManagedSseEnabled":   true,
			"MessageRetentionPeriod": 14 * 24 * 3600,
			"RedrivePolicy":          assertions.Match_Absent(),
		})
	})
	checkSecureTransport(t, tmpl, queue)
	checkSecureTransport(t, tmpl, dlq)
	check(t, "rule", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"EventBusName": map[string]any{"Ref": doc.ofType("AWS::Events::EventBus")[0]},
			"EventPattern": map[string]any{
				"source":      []any{"microshop.orders"},
				"detail-type": []any{"OrderPlaced", "OrderCancelled"},
			},
			"Targets": []any{assertions.Match_ObjectLike(&map[string]any{
				"Arn":              map[string]any{"Fn::GetAtt": []any{queue, "Arn"}},
				"DeadLetterConfig": map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}},
			})},
		})
	})
	check(t, "mapping", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
			"FunctionName":          map[string]any{"Ref": fnID},
			"EventSourceArn":        map[string]any{"Fn::GetAtt": []any{queue, "Arn"}},
			"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
			"BatchSize":             infra.DefaultConsumerBatchSize,
		})
	})
	check(t, "consumer's table grant", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"FunctionName": "probe-handle-order",
			"Environment": map[string]any{"Variables": map[string]any{
				"TABLE_NAME": map[string]any{"Ref": doc.table(t, "Probe")},
			}},
		})
	})
}

// TestCurrency: the shop's currency is a stage setting (context "currency", default USD) that
// every function gets in SHOP_CURRENCY.
func TestCurrency(t *testing.T) {
	_, dev, _ := synth(t)
	prod := synthProd(t)
	for _, tt := range []struct {
		stage string
		tmpl  assertions.Template
		want  string
	}{{"dev", dev, "USD"}, {"prod", prod, "EUR"}} {
		fns := tt.tmpl.FindResources(jsii.String("AWS::Lambda::Function"), nil)
		if len(*fns) == 0 {
			t.Fatalf("%s: no functions", tt.stage)
		}
		for id, fn := range *fns {
			if rt, _ := (*fn)["Properties"].(map[string]any)["Runtime"].(string); !strings.HasPrefix(rt, "provided") {
				continue // CDK's deploy-time handlers (the site's bucket deployment)
			}
			env, _ := (*fn)["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
			if got := env["SHOP_CURRENCY"]; got != tt.want {
				t.Errorf("%s: function %s SHOP_CURRENCY = %v, want %s", tt.stage, id, got, tt.want)
			}
		}
	}
}
