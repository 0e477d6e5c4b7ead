package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Check adds the policy checks to scope (the app, in main and in tests): cdk-nag's
// AwsSolutions and Serverless packs, whose findings synth reports as errors or warnings unless
// a suppression with a reason covers them (suppressions sit next to the resource they excuse),
// and the project's own PolicyChecks.
func Check(scope constructs.IConstruct) {
	props := &cdknag.NagPackProps{Verbose: jsii.Bool(true)}
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(props), nil)
	awscdk.Aspects_Of(scope).Add(cdknag.NewServerlessChecks(props), nil)
	awscdk.Aspects_Of(scope).Add(&PolicyChecks{}, nil)
}
