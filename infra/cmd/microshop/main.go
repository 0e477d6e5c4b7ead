// Command microshop is the CDK app: cdk.json runs it, and `cdk synth` writes
// cdk.out/Microshop.template.json after cdk-nag's AwsSolutions checks pass.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/microshop/microshop/infra"
)

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	infra.NewMicroshopStack(app, infra.StackName, nil)
	infra.Check(app)
	app.Synth(nil)
}
