// Package infra is the Microshop CDK app's library: the Microshop stack, the Platform every
// service is built on (HTTP API with the Cognito JWT authorizer, the event bus), one file per
// service built from the service's spec (shared/spec), and the constructs every service reuses
// — GoFunction (a Go Lambda with the project's defaults), Consumer (bus → queue → function),
// Outbox (table stream → publisher), Grant (exact table access) and Check (cdk-nag).
//
// The synthesized template is also the local runtime's input (docs/contracts.md): keep
// function names, the LocalRuntime.GoPackage metadata and the routes' shape stable.
package infra

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// StackName is the name of the dev stage's stack and of its template,
// cdk.out/Microshop.template.json, which the local runtime serves; another stage's stack is
// "Microshop-<stage>" (StackNameFor).
const StackName = "Microshop"

// DefaultAssetRoot is where `make build` writes <name>/bootstrap for every function,
// relative to the repository root (where cdk.json runs the app).
const DefaultAssetRoot = "build/lambda"

// Context keys the app reads (`cdk synth -c stage=prod -c currency=EUR -c callbackUrls=https://a/cb,https://b/cb`).
const (
	ContextStage        = "stage"
	ContextCurrency     = "currency"
	ContextCallbackURLs = "callbackUrls"
	ContextLogoutURLs   = "logoutUrls"
	// ContextAlarmEmail is the address the alarm topic emails (optional).
	ContextAlarmEmail = "alarmEmail"
)

// Services lists the shop's services; NewMicroshopStack builds each of them on the one
// Platform. A new service is its spec (functions/<svc>/spec), its file in infra/ and its line
// here; tests create placeholder assets for every function of every service listed.
func Services() []ServiceDef {
	return []ServiceDef{Catalog(), Cart(), Inventory(), Orders(), Payments(), Shipping()}
}

// MicroshopStackProps configures the Microshop stack.
type MicroshopStackProps struct {
	awscdk.StackProps
	// AssetRoot holds one <name>/bootstrap per function; defaults to DefaultAssetRoot.
	AssetRoot string
	// SiteDir holds the storefront's files; defaults to DefaultSiteDir (see site.go).
	SiteDir string
}

// NewMicroshopStack defines the whole shop in one stack. Leave StackProps.Env unset: the
// stack is environment-agnostic, so synth needs no AWS credentials and does no lookups. The
// stage, the shop's currency and the app client's redirect URLs come from the context
// (ContextStage, ContextCurrency, ...).
func NewMicroshopStack(scope constructs.Construct, id string, props *MicroshopStackProps) awscdk.Stack {
	p := MicroshopStackProps{}
	if props != nil {
		p = *props
	}
	if p.AssetRoot == "" {
		p.AssetRoot = DefaultAssetRoot
	}
	if p.Description == nil {
		p.Description = jsii.String("Microshop: a serverless e-commerce reference in Go")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &p.StackProps)

	platform := NewPlatform(stack, &PlatformProps{
		AssetRoot:    p.AssetRoot,
		Stage:        contextString(stack, ContextStage),
		Currency:     contextString(stack, ContextCurrency),
		CallbackURLs: contextList(stack, ContextCallbackURLs),
		LogoutURLs:   contextList(stack, ContextLogoutURLs),
	})
	var services []*Service
	for _, def := range Services() {
		svc := NewService(stack, def.ID, platform, def.Spec)
		def.Define(svc)
		svc.checkComplete()
		services = append(services, svc)
	}
	monitoring := NewMonitoring(stack, &MonitoringProps{
		Platform: platform, Services: services, AlarmEmail: contextString(stack, ContextAlarmEmail),
	})
	site := NewSite(stack, "Site", &SiteProps{
		Dir: p.SiteDir, API: platform.API, Auth: platform.Auth, LogRetention: platform.Settings.LogRetention,
	})

	outputs := []struct {
		id, description string
		value           *string
	}{
		{"ApiUrl", "Invoke URL of the HTTP API's $default stage", platform.API.URL()},
		{"UserPoolId", "Cognito user pool of the shop's users", platform.Auth.UserPool.UserPoolId()},
		{"UserPoolClientId", "Public app client (no secret) for sign-in", platform.Auth.Client.UserPoolClientId()},
		{"IssuerUrl", "Token issuer the HTTP API's JWT authorizer trusts", platform.Auth.IssuerURL},
		{"EventBusName", "The shop's EventBridge bus", platform.Bus.EventBusName()},
		{"AlarmTopicArn", "SNS topic every alarm notifies (docs/alarms.md)", monitoring.Topic.TopicArn()},
		{"DashboardName", "CloudWatch dashboard of the stage", monitoring.Dashboard.DashboardName()},
		{"SiteUrl", "The storefront (CloudFront)", jsii.String(*site.Origin + "/")},
	}
	for _, o := range outputs {
		awscdk.NewCfnOutput(stack, jsii.String(o.id), &awscdk.CfnOutputProps{
			Description: jsii.String(o.description),
			Value:       o.value,
		})
	}
	return stack
}

// contextString returns the context value key as a string, "" when it is not set.
func contextString(scope constructs.Construct, key string) string {
	switch v := scope.Node().TryGetContext(jsii.String(key)).(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		panic(fmt.Errorf("infra: context %q is %T, want a string", key, v))
	}
}

// contextList returns the context value key as a list: cdk.json may hold a JSON list; on the
// command line (-c key=a,b) it is a comma-separated string.
func contextList(scope constructs.Construct, key string) []string {
	switch v := scope.Node().TryGetContext(jsii.String(key)).(type) {
	case nil:
		return nil
	case string:
		return strings.Split(v, ",")
	case []any:
		list := make([]string, len(v))
		for i, s := range v {
			str, ok := s.(string)
			if !ok {
				panic(fmt.Errorf("infra: context %q: element %d is %T, want a string", key, i, s))
			}
			list[i] = str
		}
		return list
	default:
		panic(fmt.Errorf("infra: context %q is %T, want a list or a comma-separated string", key, v))
	}
}
