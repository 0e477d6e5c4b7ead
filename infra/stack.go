// Package infra is the Microshop CDK app's library: the Microshop stack, one construct per
// service, and the pieces every service reuses — GoFunction (a Go Lambda with the project's
// defaults), HTTPAPI (the shop's one HTTP API) and Check (the cdk-nag policy checks).
//
// The synthesized template is also the local runtime's input (docs/contracts.md): keep
// function names, the LocalRuntime.GoPackage metadata and the routes' shape stable.
package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// StackName is the name of the stack and of its template, cdk.out/Microshop.template.json.
const StackName = "Microshop"

// DefaultAssetRoot is where `make build` writes <name>/bootstrap for every function,
// relative to the repository root (where cdk.json runs the app).
const DefaultAssetRoot = "build/lambda"

// MicroshopStackProps configures the Microshop stack.
type MicroshopStackProps struct {
	awscdk.StackProps
	// AssetRoot holds one <name>/bootstrap per function; defaults to DefaultAssetRoot.
	AssetRoot string
}

// NewMicroshopStack defines the whole shop in one stack. Leave StackProps.Env unset: the
// stack is environment-agnostic, so synth needs no AWS credentials and does no lookups.
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

	api := NewHTTPAPI(stack, "Api", nil)
	NewCatalog(stack, "Catalog", &CatalogProps{API: api, AssetRoot: p.AssetRoot})

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Invoke URL of the HTTP API's $default stage"),
		Value:       api.URL(),
	})
	return stack
}
