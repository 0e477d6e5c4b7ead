// Command cdknested is a Go CDK app whose function lives in its own Go module
// (functions/greet/go.mod), built for Graviton before synthesizing:
//
//	GOOS=linux GOARCH=arm64 go build -C functions/greet -tags lambda.norpc -o dist/bootstrap .
//	cdk synth
//
// devcloud.yaml tells devcloud where the function's source is, so it builds it for the
// host from its own module instead of running the arm64 bootstrap.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NewCdkNestedStack defines the stack.
func NewCdkNestedStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, props)
	greet := awslambda.NewFunction(stack, jsii.String("GreetFunction"), &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String("functions/greet/dist"), nil),
	})
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("GreetApi"), nil)
	api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/greet/{name}"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("GreetIntegration"), greet, nil),
	})
	return stack
}

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	NewCdkNestedStack(app, "CdkNested", nil)
	app.Synth(nil)
}
