// Command cdkasset is a standard Go CDK app, written as the CDK's Go examples write one: a
// function whose code is a pre-built folder (Code.fromAsset) behind an HTTP API. Build the
// bootstrap before synthesizing:
//
//	GOOS=linux GOARCH=amd64 go build -tags lambda.norpc -o build/hello/bootstrap ./hello
//	(cd build/hello && zip ../hello.zip bootstrap)
//	cdk synth
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NewCdkAssetStack defines the stack.
func NewCdkAssetStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, props)

	hello := awslambda.NewFunction(stack, jsii.String("HelloFunction"), &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_X86_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String("build/hello"), nil),
		Environment:  &map[string]*string{"GREETING": jsii.String("hello from a folder asset")},
	})
	zipped := awslambda.NewFunction(stack, jsii.String("ZipFunction"), &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_X86_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String("build/hello.zip"), nil),
		Environment:  &map[string]*string{"GREETING": jsii.String("hello from a zip asset")},
	})

	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), nil)
	api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/hello"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("HelloIntegration"), hello, nil),
	})
	api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/zip"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("ZipIntegration"), zipped, nil),
	})
	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: api.Url()})
	return stack
}

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	NewCdkAssetStack(app, "CdkAsset", nil)
	app.Synth(nil)
}
