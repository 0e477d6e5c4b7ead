// Command microshop is the CDK app: cdk.json runs it, and `cdk synth` writes the stage's
// template after the policy checks pass (cdk-nag's AwsSolutions and Serverless packs, the
// project's PolicyChecks): cdk.out/Microshop.template.json for the default stage, dev, and
// cdk.out/Microshop-<stage>.template.json for `cdk synth -c stage=<stage>`.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/microshop/microshop/infra"
)

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	stage, _ := app.Node().TryGetContext(jsii.String(infra.ContextStage)).(string)
	infra.NewMicroshopStack(app, infra.StackNameFor(stage), nil)
	infra.Check(app)
	app.Synth(nil)
}
